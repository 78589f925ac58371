// `sft serve [--model PATH|repo:NAME] [--lora DIR|repo:NAME] [--host] [--port] [--api-key] [--max-queue]`:
// the same server as the shell's `serve`, without the shell, until Ctrl-C (or SIGTERM). The model and adapter
// load through the shell's own `model load` and `lora load`, so paths, repo entries and errors are the same.
import ArgumentParser
import Foundation
import SFT
import SFTServe

struct ServeMainOptions: ParsableArguments {
    @Option(help: "A GGUF file, an HF directory, `default` or repo:NAME (default: the default model).") var model: String?
    @Option(help: "Chat template when the model's own is missing or unknown.") var template: String?
    @Option(help: "A PEFT adapter directory or repo:NAME to attach.") var lora: String?
    @Option(help: "Address to listen on (127.0.0.1: this machine only).") var host = "127.0.0.1"
    @Option(help: "Port (0 picks a free one).") var port = 8000
    @Option(name: .customLong("api-key"), help: "Require `Authorization: Bearer KEY`.") var apiKey: String?
    @Option(name: .customLong("max-queue"), help: "Requests that may wait; more get 503.") var maxQueue = 16
}

enum ServeMain {
    static func run(_ args: [String]) -> Int32 {
        let o: ServeMainOptions
        do { o = try ServeMainOptions.parse(args) } catch {
            if ServeMainOptions.exitCode(for: error) == .success {
                print("usage: sft serve [--model PATH|repo:NAME] [--lora DIR|repo:NAME] [--host H] [--port N] [--api-key KEY] [--max-queue N]")
                print(ServeMainOptions.helpMessage(columns: 100))
                return 0
            }
            fputs("error: \(Shell.shortParseMessage(ServeMainOptions.message(for: error)))\nhint: sft serve --help\n", stderr)
            return 2
        }
        let session = Session()
        do {
            if let m = o.model {
                var load = try ModelLoad.parse([m] + (o.template.map { ["--template", $0] } ?? []))
                try load.run(session: session)
            } else {
                DefaultModel.load(into: session)
                guard session.model != nil else { throw SFTError("no model to serve", hint: "sft serve --model PATH, or " + DefaultModel.notFoundHint) }
            }
            if let l = o.lora {
                var load = try LoRALoad.parse([l])
                try load.run(session: session)
            }
            var start = try ServeStart.parse(["--host", o.host, "--port", String(o.port), "--max-queue", String(o.maxQueue)]
                                             + (o.apiKey.map { ["--api-key", $0] } ?? []))
            try start.run(session: session)
        } catch let e as SFTError {
            session.out.error(e)
            return 1
        } catch {
            session.out.error("\(error)", hint: "sft serve --help")
            return 1
        }
        session.out.print("Ctrl-C stops the server")
        signal(SIGTERM) { _ in Cancellation.request() }
        while !Cancellation.requested { usleep(100_000) }
        let served = session.serving.server?.stats.served ?? 0
        session.serving.stop()
        session.out.print("\nserver stopped (\(served) request\(served == 1 ? "" : "s") served)")
        return 0
    }
}
