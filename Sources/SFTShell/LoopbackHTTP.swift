// A blocking HTTP/1.1 request to this machine's own server, for `serve send` (a notebook can show a request
// and its answer without a second program) and for `sft-bench`'s server figures. One request per connection
// (`Connection: close`), the reply read to the end, chunked bodies (streams) joined. Not a general client:
// no TLS, no redirects, no proxies (a proxy setting must never catch a loopback request).
import Foundation
import SFT

public enum LoopbackHTTP {
    static let hint = "`serve` starts the server; `status` shows its address"

    public struct Reply {
        public var status: Int
        public var headers: [String: String]     // lower-cased names
        public var body: Data
    }

    /// Sends `method path` with `body` to host:port; `onBody` sees the body bytes as they arrive (raw, still
    /// chunk-framed), for timing a stream.
    public static func send(host: String = "127.0.0.1", port: Int, method: String, path: String, body: Data? = nil,
                            headers: [String: String] = [:], timeout: Double = 600,
                            onBytes: ((Data) -> Void)? = nil) throws -> Reply {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SFTError("cannot open a socket", hint: LoopbackHTTP.hint) }
        defer { close(fd) }
        var tv = timeval(tv_sec: Int(timeout), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host == "localhost" ? "127.0.0.1" : host, &addr.sin_addr) == 1 else {
            throw SFTError("'\(host)' is not an IPv4 address", hint: LoopbackHTTP.hint)
        }
        let connected = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SFTError("cannot connect to \(host):\(port): \(String(cString: strerror(errno)))", hint: LoopbackHTTP.hint) }
        var head = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (k, v) in headers { head += "\(k): \(v)\r\n" }
        if let body { head += "Content-Type: application/json\r\nContent-Length: \(body.count)\r\n" }
        var out = Data((head + "\r\n").utf8)
        if let body { out.append(body) }
        try out.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = write(fd, raw.baseAddress! + sent, raw.count - sent)
                guard n > 0 else { throw SFTError("the connection closed while sending", hint: LoopbackHTTP.hint) }
                sent += n
            }
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n < 0 { throw SFTError("no reply within \(Int(timeout)) s", hint: LoopbackHTTP.hint) }
            if n == 0 { break }
            let chunk = Data(buffer[0..<n])
            data.append(chunk)
            onBytes?(chunk)
        }
        return try parse(data)
    }

    static func parse(_ data: Data) throws -> Reply {
        guard let end = data.range(of: Data("\r\n\r\n".utf8)) else { throw SFTError("the reply has no HTTP header", hint: LoopbackHTTP.hint) }
        let head = String(decoding: data[..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head.first?.split(separator: " ") ?? []
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw SFTError("bad status line '\(head.first ?? "")'", hint: LoopbackHTTP.hint) }
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Data(data[end.upperBound...])
        if headers["transfer-encoding"]?.lowercased() == "chunked" { body = dechunk(body) }
        return Reply(status: status, headers: headers, body: body)
    }

    /// Joins a chunked body: `SIZE(hex)\r\nBYTES\r\n` ... `0\r\n\r\n`.
    static func dechunk(_ d: Data) -> Data {
        var out = Data()
        var i = d.startIndex
        let crlf = Data("\r\n".utf8)
        while i < d.endIndex, let line = d.range(of: crlf, in: i..<d.endIndex) {
            let sizeText = String(decoding: d[i..<line.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = line.upperBound, stop = min(d.endIndex, start + size)
            out.append(d[start..<stop])
            i = min(d.endIndex, stop + 2)
        }
        return out
    }
}
