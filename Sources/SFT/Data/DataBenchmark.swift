// The data-loading speed figure for `make bench` and the tests: writes `samples` short messages-JSONL chats
// (mixed English/Chinese, some with system prompts and escapes) to `path`, then times Dataset.load alone
// (parsing and checking; no tokenising).
import Foundation

public struct DataLoadBenchmark: Sendable {
    public var samples: Int
    public var bytes: Int
    public var seconds: Double
    public var samplesPerSecond: Double { Double(samples) / max(seconds, 1e-9) }
    public var megabytesPerSecond: Double { Double(bytes) / 1e6 / max(seconds, 1e-9) }
}

public func benchmarkDataLoad(samples: Int = 100_000, path: String) throws -> DataLoadBenchmark {
    var text = [UInt8]()
    text.reserveCapacity(samples * 160)
    for i in 0..<samples {
        var m = [Message(.user, "Question \(i): what is \(i % 97) plus \(i % 13)? 请回答。"),
                 Message(.assistant, "It is \(i % 97 + i % 13).\nThat's \"easy\" – 很简单。")]
        if i % 5 == 0 { m.insert(Message(.system, "You are a helpful assistant."), at: 0) }
        text.append(contentsOf: DatasetWriter.jsonLine(Conversation(m)).utf8)
        text.append(0x0A)
    }
    guard FileManager.default.createFile(atPath: path, contents: Data(text)) else {
        throw SFTError("cannot write the benchmark file", file: path)
    }
    let t0 = DispatchTime.now().uptimeNanoseconds
    let d = try DataLoader.load(path)
    let t1 = DispatchTime.now().uptimeNanoseconds
    return DataLoadBenchmark(samples: d.count, bytes: text.count, seconds: Double(t1 - t0) / 1e9)
}
