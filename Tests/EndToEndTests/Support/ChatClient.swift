import Foundation
import Glibc

/// What a chat client saw instead of the line it waited for.
struct ChatClientError: Error, CustomStringConvertible {
    var description: String
}

/// A line-oriented client of `greenlet chat`, like `nc`: sends lines, reads lines (without
/// their `\n`), every wait bounded.
///
/// One thread may read while another sends (sending touches only the socket), which is
/// how a client that floods the room keeps reading its own echoes.
final class ChatClient: @unchecked Sendable {
    static let prompt = "Welcome to greenlet chat. Your name?"

    let socket: TestClient
    /// Received bytes not yet returned as lines; `consumed` of them already were.
    private var pending: [UInt8] = []
    private var consumed = 0
    private(set) var sawEOF = false

    init(port: UInt16, host: String = "127.0.0.1") throws {
        socket = try TestClient(port: port, host: host)
    }

    // MARK: - Sending

    /// Sends `text` and a `\n`.
    func send(_ text: String) throws {
        try socket.sendAll(Array((text + "\n").utf8))
    }

    /// Sends `bytes` as they are (line endings included by the caller).
    func send(bytes: [UInt8]) throws {
        try socket.sendAll(bytes)
    }

    // MARK: - Receiving

    /// The next line's bytes, without its `\n`. Throws at EOF, on a socket error, or when
    /// no complete line arrives within `seconds`.
    func readLineBytes(within seconds: Double = 5) throws -> [UInt8] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while true {
            if let newline = pending[consumed...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(pending[consumed..<newline])
                consumed = newline + 1
                if consumed == pending.count {
                    pending.removeAll(keepingCapacity: true)
                    consumed = 0
                }
                return line
            }
            if sawEOF {
                throw ChatClientError(description: "EOF instead of a line (\(pending.count - consumed) bytes of an unfinished one)")
            }
            try receiveSome(until: deadline)
        }
    }

    /// The next line, without its `\n`, decoded as UTF-8.
    func readLine(within seconds: Double = 5) throws -> String {
        String(decoding: try readLineBytes(within: seconds), as: UTF8.self)
    }

    /// The next `count` lines, all within `seconds`.
    func readLines(_ count: Int, within seconds: Double = 5) throws -> [String] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        return try (0..<count).map { _ in try readLine(within: max(0, deadline.timeIntervalSinceNow)) }
    }

    /// True when nothing at all (no byte, no EOF) arrives within `seconds`.
    func staysQuiet(for seconds: Double) -> Bool {
        consumed == pending.count && !sawEOF && !socket.isReadable(within: seconds)
    }

    /// Every line still to come, once the server closes the connection within `seconds`
    /// (a reset counts as a close). Throws when it stays open, or ends inside a line.
    func linesUntilClose(within seconds: Double = 5) throws -> [String] {
        let rest = try bytesUntilClose(within: seconds)
        guard rest.last == UInt8(ascii: "\n") || rest.isEmpty else {
            throw ChatClientError(description: "connection closed inside a line: \(String(decoding: rest, as: UTF8.self).debugDescription)")
        }
        return rest.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
    }

    /// Every byte still to come, once the server closes the connection within `seconds`
    /// (a reset counts as a close). Throws when it stays open.
    func bytesUntilClose(within seconds: Double = 5) throws -> [UInt8] {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while !sawEOF {
            do {
                try receiveSome(until: deadline)
            } catch let error as SocketError where error.code == ECONNRESET {
                sawEOF = true
            }
        }
        let rest = Array(pending[consumed...])
        pending.removeAll()
        consumed = 0
        return rest
    }

    /// One receive into `pending`, waiting at most until `deadline`; sets `sawEOF` at EOF.
    private func receiveSome(until deadline: Date) throws {
        let remaining = deadline.timeIntervalSinceNow
        guard remaining > 0, socket.isReadable(within: remaining) else {
            let unfinished = String(decoding: pending[consumed...].prefix(200), as: UTF8.self)
            throw ChatClientError(description: "no complete line in time; unfinished: \(unfinished.debugDescription)")
        }
        if consumed > 0 {
            pending.removeSubrange(..<consumed)
            consumed = 0
        }
        let chunk = try socket.receive()
        if chunk.isEmpty { sawEOF = true }
        pending += chunk
    }

    // MARK: - Joining

    /// Reads the prompt, answers `name` and returns the line that follows (the welcome, when
    /// the name is accepted).
    func answerPrompt(with name: String) throws -> String {
        let prompt = try readLine()
        guard prompt == Self.prompt else { throw ChatClientError(description: "expected the prompt, got \(prompt.debugDescription)") }
        try send(name)
        return try readLine()
    }

    /// Connects and joins as `name`, checking the welcome line against `online` (everyone
    /// online, in join order, ending with `name`).
    static func joined(port: UInt16, host: String = "127.0.0.1", as name: String, online: [String]) throws -> ChatClient {
        let client = try ChatClient(port: port, host: host)
        let welcome = try client.answerPrompt(with: name)
        let expected = "## welcome, \(name). online: \(online.joined(separator: ", "))"
        guard welcome == expected else {
            throw ChatClientError(description: "\(name) expected \(expected.debugDescription), got \(welcome.debugDescription)")
        }
        return client
    }
}
