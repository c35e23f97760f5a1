import Foundation
import Glibc

/// One client's exchange with an echo server: send `payload` (then, optionally, half-close)
/// and collect what comes back. Many conversations run at once through `Conversation.runAll`,
/// one thread driving every socket with `poll`, so sending and receiving interleave and
/// payloads of any size never deadlock on full socket buffers.
final class Conversation {
    let client: TestClient
    let payload: [UInt8]
    let halfCloseAfterSending: Bool

    private(set) var sent = 0
    private(set) var received: [UInt8] = []
    /// The server closed its side (recv returned 0).
    private(set) var sawEOF = false
    private(set) var error: SocketError?

    init(client: TestClient, payload: [UInt8], halfCloseAfterSending: Bool = false) {
        self.client = client
        self.payload = payload
        self.halfCloseAfterSending = halfCloseAfterSending
    }

    /// Done when everything came back, or (half-closing) when the server closed; or on error.
    var isDone: Bool {
        if error != nil || sawEOF { return true }
        return !halfCloseAfterSending && received.count >= payload.count
    }

    /// Drives every conversation until all are done or `seconds` pass. Returns false on timeout.
    @discardableResult
    static func runAll(_ conversations: [Conversation], within seconds: Double) -> Bool {
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            let active = conversations.filter { !$0.isDone }
            if active.isEmpty { return true }
            var fds = active.map { conversation in
                let wantsToSend = conversation.sent < conversation.payload.count
                return pollfd(fd: conversation.client.fd, events: Int16(POLLIN) | (wantsToSend ? Int16(POLLOUT) : 0), revents: 0)
            }
            let ready = poll(&fds, nfds_t(fds.count), 100)
            if ready <= 0 { continue }
            for (conversation, entry) in zip(active, fds) where entry.revents != 0 {
                if entry.revents & Int16(POLLOUT) != 0 { conversation.sendSome() }
                if entry.revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { conversation.receiveAvailable() }
            }
        }
        return conversations.allSatisfy(\.isDone)
    }

    private func sendSome() {
        let chunk = min(payload.count - sent, 64 * 1024)
        let count = payload.withUnsafeBytes {
            send(client.fd, $0.baseAddress! + sent, chunk, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
        }
        if count < 0 {
            if errno != EAGAIN && errno != EINTR { error = SocketError(call: "send", code: errno) }
            return
        }
        sent += count
        if sent == payload.count && halfCloseAfterSending { client.shutdownWrite() }
    }

    private func receiveAvailable() {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(client.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }
            if count < 0 {
                if errno == EINTR { continue }
                if errno != EAGAIN { error = SocketError(call: "recv", code: errno) }
                return
            }
            if count == 0 {
                sawEOF = true
                return
            }
            received += buffer[..<count]
        }
    }
}

extension Conversation {
    /// One line per half-closing client that did not get exactly its own bytes back, then
    /// EOF; empty when every one did.
    static func echoFailures(_ conversations: [Conversation]) -> [String] {
        conversations.enumerated().compactMap { index, conversation -> String? in
            if let error = conversation.error { return "client \(index): \(error)" }
            if let mismatch = echoMismatch(sent: conversation.payload, received: conversation.received) {
                return "client \(index): \(mismatch)"
            }
            return conversation.sawEOF ? nil : "client \(index): no EOF after its half-close"
        }
    }
}
