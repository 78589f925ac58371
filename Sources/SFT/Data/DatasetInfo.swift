// LLaMA-Factory dataset directories: a folder with `dataset_info.json` that names its datasets, each with a
// file, a formatting (alpaca or sharegpt), a column mapping and (sharegpt) the role tags its messages use.
// `entries(in:)` reads the index; `load` loads one entry's file through DataLoader with a RecordMapping that
// turns each record into the schema DataRecords knows (Alpaca instruction/input/output/system/history, or
// OpenAI messages with tool calls), so every rule and problem report of the plain loaders applies unchanged.
//
// Shapes (LLaMA-Factory data/README.md):
//   {"NAME": {"file_name": "x.json", "formatting": "alpaca"|"sharegpt",
//             "columns": {"prompt", "query", "response", "system", "history", "messages", "tools"},
//             "tags": {"role_tag", "content_tag", "user_tag", "assistant_tag", "observation_tag",
//                      "function_tag", "system_tag"}}}
// An alpaca entry whose columns map only `prompt` (and no response) is pretraining text (c4_demo style).
import Foundation

public struct DatasetInfoEntry: Sendable, Equatable {
    public enum Kind: String, Sendable { case alpaca, sharegpt, text, detect }

    public let name: String
    /// Relative to the directory; nil for hub-only entries.
    public let fileName: String?
    /// hf_hub_url / ms_hub_url / om_hub_url / script_url, for entries that have no local file.
    public let hub: String?
    public let kind: Kind
    public let columns: [String: String]
    public let tags: [String: String]
    /// Why sft cannot train on it (preference pairs, images), or nil.
    public let unsupported: String?

    /// LLaMA-Factory's defaults for the columns and tags an entry does not name.
    static let defaultColumns = ["prompt": "instruction", "query": "input", "response": "output", "messages": "conversations"]
    static let defaultTags = ["role_tag": "from", "content_tag": "value", "user_tag": "human", "assistant_tag": "gpt",
                              "observation_tag": "observation", "function_tag": "function_call", "system_tag": "system"]

    /// The dataset's column for LLaMA-Factory's role `key` (prompt, query, response, ...), with its default.
    public func column(_ key: String) -> String { columns[key] ?? Self.defaultColumns[key] ?? key }

    public func tag(_ key: String) -> String { tags[key] ?? Self.defaultTags[key] ?? key }
}

/// A record rewritten into a schema DataRecords converts, or the reason it cannot be.
public struct RecordMapping: Sendable {
    public let format: DataFormat?
    public let map: @Sendable (JSONValue) -> Result<JSONValue, MappingFailure>
}

public struct MappingFailure: Error, Sendable {
    public let kind: ProblemKind
    public let message: String
    public let hint: String?
}

public enum DatasetInfo {
    public static let indexName = "dataset_info.json"
    /// dataset_info.json files are a few KB; LLaMA-Factory's own, with ~150 entries, is 40 KB.
    static let indexLimit: Int64 = 8 << 20

    /// True when `dir` holds a dataset_info.json.
    public static func isDatasetDirectory(_ dir: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: (dir as NSString).appendingPathComponent(indexName), isDirectory: &isDir) && !isDir.boolValue
    }

    /// The entries of `dir/dataset_info.json`, in file order.
    public static func entries(in dir: String) throws -> [DatasetInfoEntry] {
        let path = (dir as NSString).appendingPathComponent(indexName)
        let data = try RegularFile.read(path, limit: indexLimit, what: indexName)
        let root: JSONValue
        do { root = try JSONParser.parse([UInt8](data)) } catch {
            throw SFTError("\(indexName) is not valid JSON: \(error.message)", hint: "it is one object: {\"NAME\": {\"file_name\": ...}, ...}",
                           file: path, line: lineOf(offset: error.offset, in: data))
        }
        guard case .object(let members) = root else {
            throw SFTError("\(indexName) is \(root.typeName), expected an object of datasets", hint: "{\"NAME\": {\"file_name\": \"FILE.json\"}, ...}", file: path)
        }
        return try members.map { try entry($0.key, $0.value, path: path, data: data) }
    }

    static func entry(_ name: String, _ v: JSONValue, path: String, data: Data) throws -> DatasetInfoEntry {
        let line = lineOf(key: name, in: data)
        guard v.isObject else {
            throw SFTError("dataset '\(name)' is \(v.typeName), expected an object", hint: "{\"file_name\": \"FILE.json\", \"formatting\": \"alpaca\"}", file: path, line: line)
        }
        func strings(_ key: String) throws -> [String: String] {
            guard let o = v[key], o != .null else { return [:] }
            guard case .object(let ms) = o else {
                throw SFTError("dataset '\(name)': \"\(key)\" is \(o.typeName), expected an object of names", hint: nil, file: path, line: line)
            }
            var out: [String: String] = [:]
            for m in ms {
                guard let s = m.value.stringValue else {
                    throw SFTError("dataset '\(name)': \(key).\(m.key) is \(m.value.typeName), expected a column name", hint: nil, file: path, line: line)
                }
                out[m.key] = s
            }
            return out
        }
        let columns = try strings("columns"), tags = try strings("tags")
        let formatting = v["formatting"]?.stringValue
        var kind: DatasetInfoEntry.Kind
        switch formatting?.lowercased() {
        case "sharegpt": kind = .sharegpt
        case "alpaca": kind = .alpaca
        case nil: kind = columns.isEmpty ? .detect : .alpaca
        case "openai", "messages": kind = .detect
        case let other?:
            throw SFTError("dataset '\(name)': unknown formatting '\(other)'", hint: "LLaMA-Factory's formattings are alpaca and sharegpt", file: path, line: line)
        }
        var unsupported: String?
        if v["ranking"] == .bool(true) || columns["chosen"] != nil || columns["rejected"] != nil {
            unsupported = "it holds preference pairs (ranking) for DPO/ORPO; sft trains on chat samples"
        } else if columns["kto_tag"] != nil {
            unsupported = "it holds KTO labels; sft trains on chat samples"
        } else if let media = ["images", "videos", "audios"].first(where: { columns[$0] != nil }) {
            unsupported = "it has \(media); sft trains text only"
        }
        if unsupported == nil, kind == .alpaca, columns["prompt"] != nil, columns["response"] == nil, columns["query"] == nil { kind = .text }
        let hubKeys = ["hf_hub_url", "ms_hub_url", "om_hub_url", "script_url", "cloud_file_name"]
        let hub = hubKeys.lazy.compactMap { k in v[k]?.stringValue.map { "\(k) \($0)" } }.first
        let file = v["file_name"]?.stringValue
        if file == nil && hub == nil {
            throw SFTError("dataset '\(name)' has no \"file_name\"", hint: "name the data file next to \(indexName): \"file_name\": \"FILE.json\"", file: path, line: line)
        }
        return DatasetInfoEntry(name: name, fileName: file, hub: file == nil ? hub : nil, kind: kind, columns: columns, tags: tags, unsupported: unsupported)
    }

    /// Loads entry `name` of `dir`: its file with its mapping, named `as` or the entry's name.
    public static func load(_ dir: String, dataset name: String, as newName: String? = nil,
                            options: DataLoadOptions = DataLoadOptions()) throws -> Dataset {
        let index = (dir as NSString).appendingPathComponent(indexName)
        let all = try entries(in: dir)
        guard let e = all.first(where: { $0.name == name }) else {
            let names = all.map(\.name)
            let near = EditDistance.nearest(to: name, in: names)
            throw SFTError("\(indexName) has no dataset '\(name)'",
                           hint: near.map { "did you mean '\($0)'?" } ?? "it has: " + names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", …" : ""),
                           file: index)
        }
        if let why = e.unsupported { throw SFTError("dataset '\(e.name)' cannot be loaded: \(why)", hint: "`data load \(dir)` lists the datasets it has", file: index) }
        guard let file = e.fileName else {
            throw SFTError("dataset '\(e.name)' is not a local file (\(e.hub ?? "hub"))",
                           hint: "no hub is reachable from sft: download it, put the file next to \(indexName) and give it a \"file_name\"", file: index)
        }
        let path = (dir as NSString).appendingPathComponent(file)
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDir) else {
            throw SFTError("dataset '\(e.name)' names the file '\(file)', which does not exist", hint: "check \"file_name\" in \(indexName)", file: index)
        }
        if isDir.boolValue {
            throw SFTError("dataset '\(e.name)' names the folder '\(file)'; sft loads one file per dataset",
                           hint: "join the folder's files into one .jsonl and name it in \(indexName)", file: index)
        }
        var opts = options
        opts.mapping = mapping(for: e)
        if opts.format == nil { opts.format = opts.mapping?.format }
        return try DataLoader.load(path, name: newName ?? e.name, options: opts)
    }

    /// The record mapping of an entry; nil when its records are loaded as they are (schema detected).
    public static func mapping(for e: DatasetInfoEntry) -> RecordMapping? {
        switch e.kind {
        case .detect: return nil
        case .alpaca: return RecordMapping(format: .alpaca) { alpaca($0, e) }
        case .text: return RecordMapping(format: .text) { text($0, e) }
        case .sharegpt: return RecordMapping(format: .messages) { sharegpt($0, e) }
        }
    }

    static func missing(_ e: DatasetInfoEntry, _ role: String, _ column: String) -> MappingFailure {
        MappingFailure(kind: .missingField, message: "no \"\(column)\" column (\(indexName) maps \(role) to \"\(column)\")",
                       hint: "fix the record, or the \"columns\" of '\(e.name)' in \(indexName)")
    }

    /// Alpaca columns -> {instruction, input, output, system, history}.
    static func alpaca(_ v: JSONValue, _ e: DatasetInfoEntry) -> Result<JSONValue, MappingFailure> {
        guard v.isObject else { return .success(v) }
        var out: [JSONMember] = []
        for (role, key) in [("prompt", "instruction"), ("query", "input"), ("response", "output"), ("system", "system"), ("history", "history")] {
            let column = e.column(role)
            if let x = v[column] { out.append(JSONMember(key: key, value: x)) }
            else if role == "prompt" || role == "response" { return .failure(missing(e, role, column)) }
        }
        return .success(.object(out))
    }

    /// The prompt column of a pretraining entry -> {text}.
    static func text(_ v: JSONValue, _ e: DatasetInfoEntry) -> Result<JSONValue, MappingFailure> {
        guard v.isObject else { return .success(v) }
        let column = e.column("prompt")
        guard let x = v[column] else { return .failure(missing(e, "prompt", column)) }
        return .success(.object([JSONMember(key: "text", value: x)]))
    }

    /// ShareGPT columns and tags -> OpenAI {messages, tools}: the system column becomes the first message,
    /// function_call turns assistant tool calls, observation turns tool messages.
    static func sharegpt(_ v: JSONValue, _ e: DatasetInfoEntry) -> Result<JSONValue, MappingFailure> {
        guard v.isObject else { return .success(v) }
        let column = e.column("messages")
        guard let list = v[column] else { return .failure(missing(e, "messages", column)) }
        guard case .array(let items) = list else {
            return .failure(MappingFailure(kind: .wrongType, message: "\"\(column)\" is \(list.typeName), expected an array of messages", hint: nil))
        }
        let roleTag = e.tag("role_tag"), contentTag = e.tag("content_tag")
        let roles: [(String, String)] = [("user_tag", "user"), ("assistant_tag", "assistant"), ("observation_tag", "tool"),
                                         ("function_tag", "function"), ("system_tag", "system")]
        var messages: [JSONValue] = []
        if let s = v[e.column("system")], let text = s.stringValue, !text.isBlankText {
            messages.append(.object([JSONMember(key: "role", value: .string("system")), JSONMember(key: "content", value: .string(text))]))
        }
        for (k, item) in items.enumerated() {
            guard item.isObject, let tag = item[roleTag]?.stringValue else {
                return .failure(MappingFailure(kind: .missingField, message: "message \(k + 1) has no \"\(roleTag)\" string",
                                               hint: "the role tag of '\(e.name)' is \"\(roleTag)\" (tags.role_tag in \(indexName))"))
            }
            guard let role = roles.first(where: { e.tag($0.0) == tag })?.1 else {
                return .failure(MappingFailure(kind: .unknownRole, message: "message \(k + 1) has the role tag \"\(tag.prefix(40))\"",
                                               hint: "'\(e.name)' knows " + roles.map { e.tag($0.0) }.joined(separator: ", ") + " (tags in \(indexName))"))
            }
            let content = item[contentTag] ?? .null
            if role == "function" {
                guard let calls = functionCalls(content) else {
                    return .failure(MappingFailure(kind: .badJSON, message: "message \(k + 1): the \(tag) is not a JSON {\"name\", \"arguments\"} (or a list of them)",
                                                   hint: "LLaMA-Factory writes function calls as {\"name\": ..., \"arguments\": {...}}"))
                }
                messages.append(.object([JSONMember(key: "role", value: .string("assistant")), JSONMember(key: "tool_calls", value: .array(calls))]))
            } else {
                messages.append(.object([JSONMember(key: "role", value: .string(role)), JSONMember(key: "content", value: content)]))
            }
        }
        var out = [JSONMember(key: "messages", value: .array(messages))]
        if let t = v[e.column("tools")], t != .null {
            var tools = t
            if case .string(let s) = t {
                if s.isBlankText { tools = .null }
                else if let parsed = try? JSONParser.parse(Array(s.utf8)) { tools = parsed }
                else { return .failure(MappingFailure(kind: .badJSON, message: "the \"\(e.column("tools"))\" column is not JSON", hint: "tools are a JSON list of function definitions")) }
            }
            // LLaMA-Factory lists bare function definitions; the templates take {"type": "function", "function": ...}.
            if case .array(let defs) = tools {
                tools = .array(defs.map { d in d["type"] == nil && d["name"] != nil
                    ? .object([JSONMember(key: "type", value: .string("function")), JSONMember(key: "function", value: d)]) : d })
            }
            if tools != .null { out.append(JSONMember(key: "tools", value: tools)) }
        }
        return .success(.object(out))
    }

    /// A function_call turn's value: {"name", "arguments"} or a list, as an object or a JSON string holding it.
    static func functionCalls(_ content: JSONValue) -> [JSONValue]? {
        var v = content
        if case .string(let s) = content { guard let p = try? JSONParser.parse(Array(s.utf8)) else { return nil }; v = p }
        let list: [JSONValue]
        switch v {
        case .array(let a): list = a
        case .object: list = [v]
        default: return nil
        }
        guard !list.isEmpty, list.allSatisfy({ $0["name"]?.stringValue != nil }) else { return nil }
        return list.map { .object([JSONMember(key: "type", value: .string("function")), JSONMember(key: "function", value: $0)]) }
    }

    /// 1-based line of a byte offset.
    static func lineOf(offset: Int, in data: Data) -> Int {
        1 + data.prefix(max(0, offset)).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// 1-based line where `"key":` first appears (for messages about an entry), nil when unknown.
    static func lineOf(key: String, in data: Data?) -> Int? {
        guard let data, let r = data.range(of: Data("\"\(key)\"".utf8)) else { return nil }
        return lineOf(offset: r.lowerBound - data.startIndex, in: data)
    }
}
