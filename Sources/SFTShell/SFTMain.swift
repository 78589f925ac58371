// Entry point of the `sft` executable: fix OpenBLAS's CPU detection (first, it may re-exec), read the
// command-line options, build the Session, then run the REPL (stdin a terminal) or a script (a FILE, -c, or
// stdin from a pipe). Exit codes: 0 ok, 1 a command failed in a script, 2 bad usage, 130 Ctrl-C while a
// script waited for input.
import Foundation
import SFT

public enum SFTMain {
    public static let version = "0.1.0"

    public static let usage = """
        usage: sft [FILE.sft] [-c 'cmd; cmd' ...] [--keep-going] [--check]
               sft serve [--model PATH|repo:NAME] [--lora DIR|repo:NAME] [--port 8000] [--api-key KEY]
          FILE.sft       run a notebook script, echoing each command and its output
          -c COMMANDS    run commands from the argument (separated by ';'); several -c run in order
          --keep-going   run on after a failed command (the exit code is still 1)
          --check        replaying a notebook saved by `session save`: exit 1 when a command prints
                         other output than the notebook recorded (every replay says where they differ)
          --no-model     start without loading the default model (also SFT_NO_MODEL=1)
          --help, -h     show this help;  --version  print the version
          serve          serve a model OpenAI-compatible over HTTP until Ctrl-C (sft serve --help)
        With no FILE and no -c, sft reads commands from stdin: the interactive shell on a terminal,
        a script otherwise. Files live in $SFT_HOME (default ~/.sft): history, sessions/, repo/.
        """

    public struct Options: Equatable {
        public var file: String?
        public var commands: [String] = []
        public var check = false
        public var keepGoing = false
        public var help = false
        public var version = false
        public var noModel = false
    }

    /// Parses argv (without the program name).
    public static func parse(_ args: [String]) throws -> Options {
        var o = Options()
        var i = 0
        while i < args.count {
            let a = args[i]
            switch a {
            case "-c", "--command":
                guard i + 1 < args.count else { throw SFTError("-c needs commands", hint: "sft -c 'status; get'") }
                o.commands.append(args[i + 1]); i += 1
            case "--keep-going", "-k": o.keepGoing = true
            case "--check": o.check = true
            case "--help", "-h": o.help = true
            case "--version": o.version = true
            case "--no-model": o.noModel = true
            default:
                if a.hasPrefix("-") && a != "-" {
                    throw SFTError("unknown option '\(a)'", hint: "sft --help")
                }
                guard o.file == nil else { throw SFTError("only one script file, got '\(o.file!)' and '\(a)'", hint: "sft --help") }
                o.file = a
            }
            i += 1
        }
        if o.file != nil && !o.commands.isEmpty { throw SFTError("give a FILE or -c, not both", hint: "sft --help") }
        return o
    }

    public static func run() -> Never {
        BLASEnvironment.ensureSettings()
        exit(main(Array(CommandLine.arguments.dropFirst())))
    }

    public static func main(_ args: [String]) -> Int32 {
        if args.first == "serve" {
            setvbuf(stdout, nil, _IOLBF, 0)
            Signals.installInterruptHandler()
            return ServeMain.run(Array(args.dropFirst()))
        }
        let options: Options
        do { options = try parse(args) } catch let e as SFTError {
            fputs("error: \(e.message)\n" + (e.hint.map { "hint: \($0)\n" } ?? ""), stderr)
            return 2
        } catch { return 2 }
        if options.help { print(usage); return 0 }
        if options.version { print("sft \(version)"); return 0 }

        setvbuf(stdout, nil, _IOLBF, 0)
        Signals.installInterruptHandler()
        let shell = Shell(session: Session())
        defer { shell.session.serving.stop() }     // a script that ends (or `quit`) stops its server
        if !options.noModel { DefaultModel.load(into: shell.session) }
        var runner = ScriptRunner(shell: shell, keepGoing: options.keepGoing, check: options.check)
        if !options.commands.isEmpty {
            return runner.run(options.commands)
        }
        if let file = options.file {
            let path = file == "-" ? "/dev/stdin" : file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                fputs("error: cannot read \(file)\nhint: check the path; notebooks saved with `session save` are in "
                      + "\(shell.session.paths.sessions.path)\n", stderr)
                return 2
            }
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            if lines.last == "" { lines.removeLast() }
            if file != "-" { runner.name = ModelInfo.displayPath(file) }
            return runner.run(lines)
        }
        if isatty(STDIN_FILENO) == 1 { return REPL(shell: shell).run() }
        return runner.run(StdinLines())
    }
}
