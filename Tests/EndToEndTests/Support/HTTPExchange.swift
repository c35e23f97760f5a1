import Foundation

/// One HTTP response as the tests read it off the wire, with a reader of their own: a
/// deliberately small one, independent of the server's parser, for Content-Length
/// bodies (and none for HEAD, 1xx, 204, 304).
struct RawResponse: CustomStringConvertible {
    var status: Int
    var reason: String
    var version: String
    /// Fields in the order they came, names as sent.
    var fields: [(name: String, value: String)]
    var body: [UInt8]
    /// The head's bytes, exactly as received.
    var head: [UInt8]

    /// The first value of `name`, compared case-insensitively.
    func header(_ name: String) -> String? {
        fields.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    var description: String { "\(version) \(status) \(reason), \(fields.count) fields, \(body.count) body bytes" }
}

/// Reads responses from a `TestClient`, keeping bytes that arrived beyond one response
/// for the next (pipelining).
final class ResponseReader {
    let client: TestClient
    private var pending: [UInt8] = []

    init(_ client: TestClient) {
        self.client = client
    }

    /// Sends `request` (a string with `\r\n` line ends written out) as is.
    func send(_ request: String) throws {
        try client.sendAll(Array(request.utf8))
    }

    /// Reads one response; `bodyless` for the answer to HEAD.
    func next(bodyless: Bool = false, within seconds: Double = 5) throws -> RawResponse {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var response = try nextHead(until: deadline)
        let noBody = bodyless || response.status / 100 == 1 || response.status == 204 || response.status == 304
        let length = noBody ? 0 : Int(response.header("Content-Length") ?? "0") ?? 0
        while pending.count < length { try fill(until: deadline) }
        response.body = Array(pending[..<length])
        pending.removeFirst(length)
        return response
    }

    /// Reads one response's head only, leaving its body to `receiveBody` (for bodies too
    /// large to hold at once).
    func nextHead(within seconds: Double = 5) throws -> RawResponse {
        try nextHead(until: Date(timeIntervalSinceNow: seconds))
    }

    private func nextHead(until deadline: Date) throws -> RawResponse {
        let terminator: [UInt8] = Array("\r\n\r\n".utf8)
        var end: Int?
        while end == nil {
            end = pending.firstRange(of: terminator)?.upperBound
            if end == nil { try fill(until: deadline) }
        }
        let head = Array(pending[..<end!])
        pending.removeFirst(end!)
        return try Self.parseHead(head)
    }

    /// After `nextHead`: between 1 and `max` more body bytes, those already received first.
    /// Throws at EOF, or when nothing came within `seconds`. The caller asks for no more
    /// than the body has left.
    func receiveBody(max: Int, within seconds: Double = 5) throws -> [UInt8] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while pending.isEmpty { try fill(until: deadline) }
        let count = min(max, pending.count)
        defer { pending.removeFirst(count) }
        return Array(pending[..<count])
    }

    /// Every byte until the server closes (those already received first), at most
    /// `seconds` long (then it throws).
    func remainingBytesUntilEOF(within seconds: Double = 5) throws -> [UInt8] {
        defer { pending.removeAll() }
        return try pending + client.receiveUntilEOF(within: seconds)
    }

    /// True when the server closes the connection (EOF) within `seconds` with no more bytes.
    func closesConnection(within seconds: Double = 5) -> Bool {
        guard pending.isEmpty, let rest = try? client.receiveUntilEOF(within: seconds) else { return false }
        return rest.isEmpty
    }

    private func fill(until deadline: Date) throws {
        do {
            let chunk = try client.receive()
            if chunk.isEmpty { throw SocketError(call: "recv (EOF inside a response, \(pending.count) bytes pending)", code: 0) }
            pending += chunk
        } catch let error as SocketError where error.code == EAGAIN {
            guard Date() < deadline else { throw error }
        }
    }

    static func parseHead(_ head: [UInt8]) throws -> RawResponse {
        let text = String(decoding: head, as: UTF8.self)
        var lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw SocketError(call: "empty response head", code: 0) }
        let statusLine = lines.removeFirst().split(separator: " ", maxSplits: 2).map(String.init)
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw SocketError(call: "bad status line in \(text.debugDescription)", code: 0)
        }
        let fields = lines.map { line -> (name: String, value: String) in
            let colon = line.firstIndex(of: ":") ?? line.endIndex
            let value = colon < line.endIndex ? line[line.index(after: colon)...] : ""
            return (String(line[..<colon]), value.trimmingCharacters(in: .whitespaces))
        }
        return RawResponse(
            status: status, reason: statusLine.count > 2 ? statusLine[2] : "", version: statusLine[0],
            fields: fields, body: [], head: head
        )
    }
}

/// An HTTP/1.x request head as text: the request line, `Host` (for HTTP/1.1, unless
/// `fields` has one), each of `fields` (`"Name: value"`), and the empty line.
func httpRequest(_ method: String = "GET", _ target: String, version: String = "HTTP/1.1", _ fields: [String] = []) -> String {
    var text = "\(method) \(target) \(version)\r\n"
    if version == "HTTP/1.1" && !fields.contains(where: { $0.lowercased().hasPrefix("host:") }) {
        text += "Host: 127.0.0.1\r\n"
    }
    for field in fields { text += field + "\r\n" }
    return text + "\r\n"
}

extension ResponseReader {
    /// Connects to 127.0.0.1:`port`, sends `request` and reads one response (`bodyless`
    /// for HEAD). The reader is returned too, for what follows on the connection.
    static func exchange(port: UInt16, _ request: String, bodyless: Bool = false, within seconds: Double = 5) throws -> (response: RawResponse, reader: ResponseReader) {
        let reader = ResponseReader(try TestClient(port: port))
        try reader.send(request)
        return (try reader.next(bodyless: bodyless, within: seconds), reader)
    }
}

extension GreenletProcess {
    /// Starts `greenlet serve-http --host 127.0.0.1 --port 0 --root ROOT ARGUMENTS…` and
    /// waits for its `listening on` line.
    static func serveHTTP(root: String, _ arguments: [String] = [], openFileLimit: Int? = nil) throws -> (server: GreenletProcess, port: UInt16) {
        try listening("serve-http", ["--root", root] + arguments, openFileLimit: openFileLimit)
    }
}
