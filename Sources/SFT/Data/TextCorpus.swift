// Plain text for continued pretraining (LLaMA-Factory's `pt` stage): loading .txt/.md files as documents, and
// rendering a text dataset for training as blocks: every document tokenized (no chat template), followed by
// the end-of-text token, all of them joined and cut into max-seq-len blocks whose every token is trained;
// the remainder after the last full block is dropped (kept when it is the only block). The blocks are ordinary
// RenderedChats, so BatchPlan and the Trainer take them unchanged. Also here: the renderings data scoring
// needs (a document alone, a chat's answers without their instruction) and the concatenation of several
// datasets for one training run.
import Foundation

public enum TextCorpus {
    /// Reads a UTF-8 text file into documents: paragraphs separated by one or more blank lines, each with the
    /// line it starts on. Invalid UTF-8 is one error with its line (the file is refused: text has no records).
    static func load(_ path: String, fh: FileHandle, total: Int64, options: DataLoadOptions,
                     report: inout DataReport) throws -> [Conversation] {
        var data = try fh.readToEnd() ?? Data()
        options.progress?(Int64(data.count), total)
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { data = data.dropFirst(3) }
        guard let text = String(data: data, encoding: .utf8) else {
            let off = data.withUnsafeBytes { firstInvalidUTF8($0.bindMemory(to: UInt8.self)) }
            let line = 1 + data.prefix(off).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            throw SFTError("invalid UTF-8 at byte \(off + 1): the text is not UTF-8", hint: DataRecords.hint(.invalidUTF8), file: path, line: line)
        }
        var docs: [Conversation] = [], para: [Substring] = [], start = 1
        func flush() {
            if !para.isEmpty {
                report.records += 1
                docs.append(Conversation([Message(.assistant, para.joined(separator: "\n"))], source: path, line: start))
            }
            para = []
        }
        // "\r\n" is one Character in Swift: split on either.
        for (k, l) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            if String(l).isBlankText { flush(); continue }
            if para.isEmpty { start = k + 1 }
            para.append(l)
        }
        flush()
        return docs
    }

    /// Cuts the token stream of `documents` (each already followed by its end-of-text token) into blocks of
    /// `blockSize` tokens, every one trained. The tail shorter than a block is dropped unless there is no full block.
    public static func blocks(_ documents: [[Int32]], blockSize: Int) -> [RenderedChat] {
        precondition(blockSize >= 2)
        let stream = documents.flatMap { $0 }
        var out: [RenderedChat] = []
        var start = 0
        while start + blockSize <= stream.count {
            out.append(RenderedChat(tokens: Array(stream[start..<start + blockSize]), trained: [Bool](repeating: true, count: blockSize)))
            start += blockSize
        }
        if out.isEmpty, stream.count >= 2 { out.append(RenderedChat(tokens: stream, trained: [Bool](repeating: true, count: stream.count))) }
        return out
    }
}

extension Dataset {
    /// Whether the samples are plain-text documents (continued pretraining) rather than chats.
    public var isText: Bool { format == .text }

    /// The samples of `parts` in order, as one dataset for one training run (`train --data A,B`). Text and chat
    /// sets cannot be mixed here (they render differently): `ChatModel.trainingChats(_:maxSeqLen:)` takes
    /// several datasets of either kind.
    public static func concatenated(_ parts: [Dataset], name: String) throws -> Dataset {
        guard let first = parts.first else { throw SFTError("no datasets to join", hint: "train --data A,B") }
        if parts.contains(where: { $0.isText != first.isText }) {
            throw SFTError("cannot join plain-text and chat datasets into one", hint: "train on them in turn, or render each with trainingChats")
        }
        var d = Dataset(name: name, source: nil, format: first.format, conversations: parts.flatMap(\.conversations))
        d.report.records = d.count; d.report.loaded = d.count
        return d
    }
}

extension ChatModel {
    /// The end-of-text token that separates documents: <|endoftext|> (or <|end_of_text|>) when the vocabulary has
    /// one, else the tokenizer's EOS.
    public var endOfTextId: Int32? {
        tokenizer.id(of: "<|endoftext|>") ?? tokenizer.id(of: "<|end_of_text|>") ?? tokenizer.eosId
    }

    /// One document's tokens (special tokens not parsed: text is text) followed by the end-of-text token.
    public func documentTokens(_ text: String) -> [Int32] {
        tokenizer.encode(text, parseSpecial: false) + (endOfTextId.map { [$0] } ?? [])
    }

    /// A document alone as a chat whose every token is trained (for scoring a text dataset per document).
    public func renderDocument(_ text: String) -> RenderedChat {
        let t = documentTokens(text)
        return RenderedChat(tokens: t, trained: [Bool](repeating: true, count: t.count))
    }

    /// The chat's assistant replies with no user turn and no system prompt of the sample (the template's default
    /// one stays), trained as usual: the "answer alone" of IFD. Nil when the chat has no user message.
    public func renderAnswerOnly(_ c: Conversation) throws -> RenderedChat? {
        guard c.messages.contains(where: { $0.role == .user }) else { return nil }
        return try template.render(c.messages.filter { $0.role == .assistant }, addGenerationPrompt: false, tokenizer: tokenizer)
    }

    /// What training runs on for `d`: chats rendered with the template, or a text set's documents in blocks of
    /// `maxSeqLen` tokens.
    public func trainingChats(_ d: Dataset, maxSeqLen: Int) throws -> [RenderedChat] {
        guard d.isText else { return try renderAll(d.conversations) }
        return TextCorpus.blocks(d.conversations.map { documentTokens($0.messages.map(\.content).joined(separator: "\n")) },
                                 blockSize: max(2, maxSeqLen))
    }

    /// Several datasets for one run (`train --data A,B`): each rendered as above, concatenated in order.
    public func trainingChats(_ parts: [Dataset], maxSeqLen: Int) throws -> [RenderedChat] {
        try parts.flatMap { try trainingChats($0, maxSeqLen: maxSeqLen) }
    }

    /// Per sample, what scoring runs: the chat as trained and its answers alone, or a document alone (no IFD).
    public func scoringChats(_ d: Dataset) throws -> (withInstruction: [RenderedChat], answerOnly: [RenderedChat?]) {
        if d.isText { return (d.conversations.map { renderDocument($0.messages.map(\.content).joined(separator: "\n")) }, d.conversations.map { _ in nil }) }
        return (try renderAll(d.conversations), try d.conversations.map { try renderAnswerOnly($0) })
    }
}
