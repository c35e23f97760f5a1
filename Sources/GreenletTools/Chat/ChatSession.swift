import Greenlet

/// One connection to the room, on its own green thread: the name prompt, then the reader
/// loop, with the member's writer on a second green thread. Whichever of the two ends
/// first ends the other (the writer closes the connection; the reader finishes the
/// queue), and the user leaves the room exactly once.
struct ChatSession {
    let connection: Connection
    let room: ChatRoom
    let limits: ChatServer.Limits
    private var framer: LineFramer
    private var pieces: [LineFramer.Piece] = []
    private var nextPiece = 0
    private var input = [UInt8](repeating: 0, count: 16 * 1024)

    static let prompt = ChatRoom.line("Welcome to greenlet chat. Your name?")

    init(connection: Connection, room: ChatRoom, limits: ChatServer.Limits) {
        self.connection = connection
        self.room = room
        self.limits = limits
        framer = LineFramer(maxLength: limits.maxLineLength)
    }

    mutating func run() async {
        defer { connection.close() }
        guard let name = await askName() else { return }
        if room.isShuttingDown {
            _ = try? await withTimeout(seconds: limits.flushTimeout) {
                try await connection.sendAll(ChatRoom.line("## server shutting down"))
            }
            return
        }
        let member = ChatMember(name: name, connection: connection, limits: limits)
        room.join(member)
        let writer = spawn("chat writer for \(name)") { await member.writeLoop() }
        await readLoop(member)
        room.leave(member)
        // What is queued (a farewell, the shutdown notice) goes out before the close.
        member.finish()
        _ = try? await withTimeout(seconds: limits.flushTimeout) { try await writer.value }
        writer.kill()
    }

    /// Asks until a valid, free name comes; nil when the client leaves, or has no name
    /// `nameTimeout` seconds after connecting (however it trickles bytes or stops reading
    /// the refusals). Nobody else hears of a client at the prompt.
    private mutating func askName() async -> String? {
        var session = self
        defer { self = session }
        return try? await withTimeout(seconds: limits.nameTimeout) { try await session.promptUntilNamed() }
    }

    private mutating func promptUntilNamed() async throws -> String? {
        do {
            try await connection.sendAll(Self.prompt)
            while let piece = try await next(timeout: nil) {
                let answer: [UInt8]
                switch piece {
                case .tooLong: answer = ChatRoom.line(tooLong)
                case .line(let bytes):
                    let name = String(decoding: bytes, as: UTF8.self)
                    switch await room.claim(name, from: connection.remoteAddress?.host ?? "?") {
                    case nil: return name
                    case .invalid: answer = ChatRoom.line("## invalid name: use 1 to 32 letters, digits, _ or -")
                    case .taken: answer = ChatRoom.line("## the name \(name) is taken")
                    }
                }
                try await connection.sendAll(answer + Self.prompt)
            }
        } catch let error as TimeoutError {
            throw error
        } catch {}
        return nil
    }

    private mutating func readLoop(_ member: ChatMember) async {
        while let piece = try? await next(timeout: nil) {
            // A burst (one read holds ~1,000 short lines) goes out with the writers'
            // turns between, else users who do read would be dropped as too slow.
            await room.pace()
            switch piece {
            case .tooLong:
                member.deliver(ChatRoom.line(tooLong))
            case .line(let bytes):
                // Invalid UTF-8 becomes U+FFFD here: no raw bytes pass through the room.
                let text = String(decoding: bytes, as: UTF8.self)
                switch text {
                case "": continue
                case "/quit":
                    member.deliver(ChatRoom.line("## bye"))
                    return
                case "/who": member.deliver(ChatRoom.line("## online: \(room.names.joined(separator: ", "))"))
                default: room.say(text, from: member)
                }
            }
        }
    }

    private var tooLong: String { "## line too long (over \(limits.maxLineLength) bytes), not sent" }

    /// The next line or over-long line; nil at end of stream.
    private mutating func next(timeout: Double?) async throws -> LineFramer.Piece? {
        while nextPiece == pieces.count {
            let count = try await connection.recv(into: &input, timeout: timeout)
            if count == 0 { return nil }
            pieces = framer.feed(input[..<count])
            nextPiece = 0
        }
        nextPiece += 1
        return pieces[nextPiece - 1]
    }
}
