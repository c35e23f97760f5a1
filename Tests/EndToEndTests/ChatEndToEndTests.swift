import Foundation
import Glibc
import Testing

/// `greenlet chat`, run as a real process and driven by line clients over loopback.
@Suite("greenlet chat, end to end", .serialized, .timeLimit(.minutes(1)))
struct ChatEndToEndTests {
    /// How long a client waits to be sure that nothing more comes.
    static let quiet = 0.3
    static let invalidName = "## invalid name: use 1 to 32 letters, digits, _ or -"
    static let tooLong = "## line too long (over 4096 bytes), not sent"

    func startChat(_ arguments: [String] = []) throws -> (server: GreenletProcess, port: UInt16) {
        try GreenletProcess.listening("chat", arguments)
    }

    /// Joins `names` in order after the members already in `room`; every member present
    /// reads each newcomer's join notice. Returns the room with the newcomers added.
    func join(_ names: [String], port: UInt16, room: [(name: String, client: ChatClient)] = []) throws -> [(name: String, client: ChatClient)] {
        var room = room
        for name in names {
            let newcomer = try ChatClient.joined(port: port, as: name, online: room.map(\.name) + [name])
            for member in room {
                let notice = try member.client.readLine()
                try #require(notice == "## \(name) joined from 127.0.0.1.", "\(member.name)")
            }
            room.append((name, newcomer))
        }
        return room
    }

    @Test("three clients join: each is welcomed with who is online, the others hear where it joined from")
    func threeClientsJoin() throws {
        let (server, port) = try startChat()
        defer { server.kill() }

        let alice = try ChatClient(port: port)
        #expect(try alice.answerPrompt(with: "alice") == "## welcome, alice. online: alice")

        let bob = try ChatClient(port: port)
        #expect(try bob.answerPrompt(with: "bob") == "## welcome, bob. online: alice, bob")
        #expect(try alice.readLine() == "## bob joined from 127.0.0.1.")

        let carol = try ChatClient(port: port)
        #expect(try carol.answerPrompt(with: "carol") == "## welcome, carol. online: alice, bob, carol")
        #expect(try alice.readLine() == "## carol joined from 127.0.0.1.")
        #expect(try bob.readLine() == "## carol joined from 127.0.0.1.")

        for (name, client) in [("alice", alice), ("bob", bob), ("carol", carol)] {
            #expect(client.staysQuiet(for: Self.quiet), "\(name) got more than its welcome and the join notices")
        }
    }

    @Test("over IPv6 the notice names the peer's address alone, as the gevent chat server does: `joined from ::1.`")
    func joinNoticeOverIPv6() throws {
        let (server, port) = try GreenletProcess.listening("chat", host: "::1")
        defer { server.kill() }
        let alice = try ChatClient.joined(port: port, host: "::1", as: "alice", online: ["alice"])
        _ = try ChatClient.joined(port: port, host: "::1", as: "bob", online: ["alice", "bob"])
        #expect(try alice.readLine() == "## bob joined from ::1.")
    }

    @Test("a message reaches every member, the sender included, and all see the same order")
    func messageReachesEveryone() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let room = try join(["alice", "bob", "carol"], port: port)
        let (alice, bob, carol) = (room[0].client, room[1].client, room[2].client)

        try bob.send("hello, room")
        for member in room {
            #expect(try member.client.readLine() == "bob> hello, room", "\(member.name)")
        }
        // Spaces are the sender's own, and a line that looks like a notice is just text.
        try carol.send("  two  spaces, ## and a hash  ")
        for member in room {
            #expect(try member.client.readLine() == "carol>   two  spaces, ## and a hash  ", "\(member.name)")
        }

        // Two senders at once: one order of their lines, the same for everyone.
        for index in 0..<50 {
            try alice.send("a\(index)")
            try carol.send("c\(index)")
        }
        let seen = try room.map { try $0.client.readLines(100) }
        #expect(seen[1] == seen[0], "bob saw another order than alice")
        #expect(seen[2] == seen[0], "carol saw another order than alice")
        #expect(seen[0].filter { $0.hasPrefix("alice> ") } == (0..<50).map { "alice> a\($0)" })
        #expect(seen[0].filter { $0.hasPrefix("carol> ") } == (0..<50).map { "carol> c\($0)" })
        for member in room {
            #expect(member.client.staysQuiet(for: Self.quiet), "\(member.name)")
        }
    }

    @Test("/who answers the asker alone")
    func who() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let room = try join(["alice", "bob", "carol"], port: port)

        try room[1].client.send("/who")
        #expect(try room[1].client.readLine() == "## online: alice, bob, carol")
        for member in room {
            #expect(member.client.staysQuiet(for: Self.quiet), "\(member.name) got something after bob's /who")
        }
    }

    @Test("a taken name is refused and asked again; nobody hears of the attempt")
    func takenName() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let alice = try ChatClient.joined(port: port, as: "alice", online: ["alice"])

        let newcomer = try ChatClient(port: port)
        #expect(try newcomer.answerPrompt(with: "alice") == "## the name alice is taken")
        #expect(try newcomer.answerPrompt(with: "alice") == "## the name alice is taken")
        #expect(alice.staysQuiet(for: Self.quiet), "alice heard of a client that is not named yet")

        #expect(try newcomer.answerPrompt(with: "bob") == "## welcome, bob. online: alice, bob")
        #expect(try alice.readLine() == "## bob joined from 127.0.0.1.")
        #expect(newcomer.staysQuiet(for: Self.quiet))
    }

    @Test("invalid names (empty, 33 characters, a space, non-ASCII) are refused and asked again; 32 characters are fine")
    func invalidNames() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let alice = try ChatClient.joined(port: port, as: "alice", online: ["alice"])

        let newcomer = try ChatClient(port: port)
        for name in ["", String(repeating: "n", count: 33), "a b", "ü", "bob!", "-/who"] {
            #expect(try newcomer.answerPrompt(with: name) == Self.invalidName, "name \(name.debugDescription)")
        }
        #expect(alice.staysQuiet(for: Self.quiet), "alice heard of a client that is not named yet")

        let longest = "Zz_-09" + String(repeating: "x", count: 26)
        #expect(try newcomer.answerPrompt(with: longest) == "## welcome, \(longest). online: alice, \(longest)")
        #expect(try alice.readLine() == "## \(longest) joined from 127.0.0.1.")
        try newcomer.send("/who")
        #expect(try newcomer.readLine() == "## online: alice, \(longest)")
    }

    @Test("lines ending in CRLF work as LF ones: name, messages, /who, /quit")
    func crlf() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let alice = try ChatClient.joined(port: port, as: "alice", online: ["alice"])

        let carol = try ChatClient(port: port)
        #expect(try carol.readLine() == ChatClient.prompt)
        try carol.send(bytes: Array("carol\r\n".utf8))
        #expect(try carol.readLine() == "## welcome, carol. online: alice, carol")
        #expect(try alice.readLine() == "## carol joined from 127.0.0.1.")

        try carol.send(bytes: Array("hi there\r\n".utf8))
        for client in [alice, carol] {
            #expect(try client.readLine() == "carol> hi there")
        }
        // Several lines in one segment, the two endings mixed; an empty CRLF line is ignored.
        try carol.send(bytes: Array("one\r\ntwo\n\r\nthree\r\n".utf8))
        for client in [alice, carol] {
            #expect(try client.readLines(3) == ["carol> one", "carol> two", "carol> three"])
        }
        try carol.send(bytes: Array("/who\r\n".utf8))
        #expect(try carol.readLine() == "## online: alice, carol")
        #expect(alice.staysQuiet(for: Self.quiet))

        try carol.send(bytes: Array("/quit\r\n".utf8))
        #expect(try carol.linesUntilClose() == ["## bye"])
        #expect(try alice.readLine() == "## carol left the chat.")
        #expect(alice.staysQuiet(for: Self.quiet))
    }

    @Test("a line over 4096 bytes is refused to its sender alone and not sent; 4096 bytes are")
    func lineLength() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let room = try join(["alice", "bob"], port: port)
        let (alice, bob) = (room[0].client, room[1].client)

        try alice.send(String(repeating: "x", count: 4097))
        #expect(try alice.readLine() == Self.tooLong)
        #expect(bob.staysQuiet(for: Self.quiet), "bob got something of a refused line")
        try alice.send("next")
        for client in [alice, bob] {
            #expect(try client.readLine() == "alice> next")
        }

        // The limit excludes the line ending: 4096 bytes and CRLF pass, 4097 and CRLF do not.
        let longest = String(repeating: "y", count: 4096)
        try alice.send(longest)
        try alice.send(bytes: Array((longest + "\r\n").utf8))
        for client in [alice, bob] {
            #expect(try client.readLines(2) == ["alice> " + longest, "alice> " + longest])
        }
        try alice.send(bytes: Array((String(repeating: "z", count: 4097) + "\r\n").utf8))
        #expect(try alice.readLine() == Self.tooLong)

        // A 100 kB line sent in pieces is refused once, and the line after it goes through.
        let piece = Array(String(repeating: "w", count: 10_000).utf8)
        for _ in 0..<10 {
            try alice.send(bytes: piece)
            usleep(10_000)
        }
        try alice.send(bytes: Array("\nafter\n".utf8))
        #expect(try alice.readLines(2) == [Self.tooLong, "alice> after"])
        #expect(try bob.readLine() == "alice> after")
        for member in room {
            #expect(member.client.staysQuiet(for: Self.quiet), "\(member.name)")
        }
    }

    @Test("invalid UTF-8 reaches the room as U+FFFD, valid UTF-8 unchanged")
    func invalidUTF8() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let room = try join(["alice", "bob"], port: port)
        let (alice, bob) = (room[0].client, room[1].client)

        // A stray continuation byte, a lead byte cut short by "(", a lone 0xFF, a truncated
        // three-byte sequence at the end: one U+FFFD (EF BF BD) each.
        try alice.send(bytes: [0x61, 0x80, 0x62, 0xC3, 0x28, 0xFF, 0x63, 0xE2, 0x82, 0x0A])
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        let expected = Array("alice> ".utf8) + [0x61] + replacement + [0x62] + replacement + [0x28] + replacement + [0x63] + replacement
        for client in [alice, bob] {
            #expect(try client.readLineBytes() == expected)
        }

        try alice.send("héllo ✓ 日本")
        for client in [alice, bob] {
            #expect(try client.readLineBytes() == Array("alice> héllo ✓ 日本".utf8))
        }
    }

    @Test("/quit says bye, closes, and the others hear of it once")
    func quit() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let room = try join(["alice", "bob", "carol"], port: port)

        try room[1].client.send("/quit")
        #expect(try room[1].client.linesUntilClose() == ["## bye"])
        for member in [room[0], room[2]] {
            #expect(try member.client.readLine() == "## bob left the chat.", "\(member.name)")
            #expect(member.client.staysQuiet(for: Self.quiet), "\(member.name)")
        }
        try room[0].client.send("/who")
        #expect(try room[0].client.readLine() == "## online: alice, carol")
    }

    @Test("a close, a reset and a half-close are each announced once, and free the name")
    func abruptLeaving() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        var room = try join(["alice", "bob", "carol", "dave"], port: port)

        room[3].client.socket.close()
        room.removeLast()
        for member in room {
            #expect(try member.client.readLine() == "## dave left the chat.", "\(member.name)")
            #expect(member.client.staysQuiet(for: Self.quiet), "\(member.name)")
        }

        room[2].client.socket.resetClose()
        room.removeLast()
        for member in room {
            #expect(try member.client.readLine() == "## carol left the chat.", "\(member.name)")
            #expect(member.client.staysQuiet(for: Self.quiet), "\(member.name)")
        }

        // A half-close ends the session too: the others hear of it, the client sees EOF.
        let bob = room.removeLast().client
        bob.socket.shutdownWrite()
        #expect(try bob.linesUntilClose() == [])
        #expect(try room[0].client.readLine() == "## bob left the chat.")
        #expect(room[0].client.staysQuiet(for: Self.quiet))

        // The names are free again.
        room = try join(["carol", "bob", "dave"], port: port, room: room)
        try room[0].client.send("/who")
        #expect(try room[0].client.readLine() == "## online: alice, carol, bob, dave")
    }

    @Test("a connection still at the prompt is in no /who, no notice, and hears nothing")
    func unnamedConnectionsAreInvisible() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let lurker = try ChatClient(port: port)
        #expect(try lurker.readLine() == ChatClient.prompt)

        let room = try join(["alice", "bob"], port: port)  // alice is welcomed alone
        try room[0].client.send("/who")
        #expect(try room[0].client.readLine() == "## online: alice, bob")
        try room[1].client.send("anyone there?")
        for member in room {
            #expect(try member.client.readLine() == "bob> anyone there?")
        }
        #expect(lurker.staysQuiet(for: Self.quiet), "a connection at the prompt got room traffic")

        // Leaving from the prompt, quietly or half-way through a name, is no news.
        lurker.socket.close()
        let typist = try ChatClient(port: port)
        #expect(try typist.readLine() == ChatClient.prompt)
        try typist.send(bytes: Array("eve".utf8))
        usleep(50_000)
        typist.socket.resetClose()
        for member in room {
            #expect(member.client.staysQuiet(for: Self.quiet), "\(member.name) heard of an unnamed connection leaving")
        }
        try room[1].client.send("/who")
        #expect(try room[1].client.readLine() == "## online: alice, bob")
    }

    @Test("--name-timeout 1 closes a connection silent at the prompt, and leaves a silent member alone")
    func nameTimeout() throws {
        let (server, port) = try startChat(["--name-timeout", "1"])
        defer { server.kill() }
        let alice = try ChatClient.joined(port: port, as: "alice", online: ["alice"])

        let silent = try ChatClient(port: port)
        let connected = Date()
        #expect(try silent.readLine() == ChatClient.prompt)
        #expect(try silent.linesUntilClose(within: 4) == [])
        let waited = Date().timeIntervalSince(connected)
        #expect(waited >= 0.9 && waited <= 3, "closed after \(waited) s")

        // A wrong answer does not buy more time than the timeout.
        let hesitant = try ChatClient(port: port)
        #expect(try hesitant.answerPrompt(with: "no way") == Self.invalidName)
        #expect(try hesitant.readLine() == ChatClient.prompt)
        #expect(try hesitant.linesUntilClose(within: 4) == [])

        // alice has been silent all along, as a member: she stays, and heard nothing.
        #expect(alice.staysQuiet(for: 0))
        try alice.send("/who")
        #expect(try alice.readLine() == "## online: alice")
        try alice.send("still here")
        #expect(try alice.readLine() == "alice> still here")
    }

    @Test("SIGTERM: every member gets `## server shutting down`, then EOF; exit status 0")
    func sigterm() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let room = try join(["alice", "bob", "carol"], port: port)
        let lurker = try ChatClient(port: port)
        #expect(try lurker.readLine() == ChatClient.prompt)

        let signalled = Date()
        server.send(signal: SIGTERM)
        for member in room {
            #expect(try member.client.linesUntilClose(within: 5) == ["## server shutting down"], "\(member.name)")
        }
        #expect(try lurker.linesUntilClose(within: 5) == [], "a connection at the prompt is not a member")
        let result = try server.waitForExit(within: 5)
        #expect(result.termination == .exit(0), "\(result)")
        #expect(Date().timeIntervalSince(signalled) < 4)
        #expect(result.stdout == "listening on 127.0.0.1:\(port)\n")
    }

    @Test("a burst of 2,000 short lines in one send reaches every member, and none is dropped")
    func burst() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let room = try join(["alice", "bob"], port: port)

        // About 20 kB: it fits in the socket buffers both ways, so every client can take
        // it all at once, and no queue has a reason to overflow.
        let texts = (0..<2000).map { "burst \($0)" }
        try room[0].client.send(bytes: Array(texts.map { $0 + "\n" }.joined().utf8))
        for member in room {
            let lines = Self.collect(texts.count, linesStartingWith: "alice> ", from: member.client, within: 10)
            if let mismatch = Self.firstDifference(lines.lines, texts.map { "alice> \($0)" }) {
                Issue.record("\(member.name): \(mismatch); other lines: \(lines.others); then \(lines.failure ?? "no error")")
            }
        }
        try room[1].client.send("/who")
        #expect(try room[1].client.readLine() == "## online: alice, bob")
    }

    @Test("20 members pasting 100 lines each at the same moment: everyone gets all 2,000, each sender's in order, none dropped")
    func simultaneousPastes() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let room = try join((0..<20).map { "p\($0)" }, port: port)
        // Everyone reads from the start, as a terminal does: only a client that stops
        // reading may be dropped.
        let readers = room.map { member in Background { try member.client.readLines(2000, within: 20) } }
        for (name, client) in room {
            try client.send(bytes: Array((0..<100).map { "\(name) line \($0)\n" }.joined().utf8))
        }
        for ((name, _), reader) in zip(room, readers) {
            let lines = try reader.value(within: 25)
            for (sender, _) in room {
                let mine = lines.filter { $0.hasPrefix("\(sender)> ") }
                #expect(mine == (0..<100).map { "\(sender)> \(sender) line \($0)" }, "\(name) got \(mine.count) lines of \(sender)")
            }
            #expect(!lines.contains { $0.hasPrefix("## ") }, "\(name): \(lines.filter { $0.hasPrefix("## ") })")
        }
    }

    @Test("a member that never reads is dropped; the others get every line in order, once; memory stays bounded")
    func slowClient() throws {
        let (server, port) = try startChat()
        defer { server.kill() }
        let room = try join(["silent", "sender", "reader"], port: port)
        let (silent, sender, reader) = (room[0].client, room[1].client, room[2].client)
        let baseline = try server.residentBytes()

        // About 8.6 MB in all: more than loopback socket buffers hold for a client that does
        // not read (some 4 MB), so the silent client's queue must overflow.
        let count = 20_000
        let filler = String(repeating: ".", count: 400)
        let texts = (0..<count).map { "line \($0) of \(count) \(filler)" }
        let expected = texts.map { "sender> \($0)" }
        let payload = Array(texts.joined(separator: "\n").utf8) + [0x0A]

        // Both readers read from the start: a reader that fell behind would be dropped too.
        let senderReads = Background { Self.collect(count, linesStartingWith: "sender> ", from: sender, within: 35, lateOther: 3) }
        let readerReads = Background { Self.collect(count, linesStartingWith: "sender> ", from: reader, within: 35, lateOther: 3) }
        let sending = Background { try sender.send(bytes: payload) }

        var peak = baseline
        let deadline = Date(timeIntervalSinceNow: 40)
        while !(senderReads.isDone && readerReads.isDone) && Date() < deadline {
            peak = max(peak, try server.residentBytes())
            usleep(20_000)
        }
        for (name, reads) in [("sender", senderReads), ("reader", readerReads)] {
            let (lines, others, failure) = try reads.value(within: 1)
            if let mismatch = Self.firstDifference(lines, expected) {
                Issue.record("\(name): \(mismatch); other lines: \(others); then \(failure ?? "no error")")
            }
            #expect(others == ["## silent left the chat."], "\(name)")
        }
        for (name, client) in [("sender", sender), ("reader", reader)] {
            #expect(client.staysQuiet(for: Self.quiet), "\(name) got more after the last line, or was closed")
        }
        #expect(throws: Never.self, "sending") { try sending.value(within: 1) }
        let growth = peak - baseline
        #expect(growth < 32 << 20, "the server's RSS grew by \(growth >> 10) KiB")

        // What reached the silent client before it was cut off is the room's traffic in
        // order (and at most a farewell), well short of all of it; then the connection ends.
        let drained = try silent.bytesUntilClose(within: 10)
        var lines = drained.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map {
            String(decoding: $0, as: UTF8.self)
        }
        if lines.last == "## disconnected: too slow" { lines.removeLast() }
        #expect(lines.count < count - 1000, "the silent client got \(lines.count) of \(count) lines")
        if let mismatch = Self.firstDifference(lines, Array(expected.prefix(lines.count))) {
            Issue.record("silent: \(mismatch)")
        }
        #expect(server.isRunning)
    }

    /// Reads from `client` until `count` lines starting with `prefix` came (or the reading
    /// failed: then `failure` says why); returns them and the other lines. When the others
    /// are still none then, waits `lateOther` seconds for one.
    static func collect(
        _ count: Int, linesStartingWith prefix: String, from client: ChatClient, within seconds: Double, lateOther: Double = 0
    ) -> (lines: [String], others: [String], failure: String?) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        var lines: [String] = []
        var others: [String] = []
        lines.reserveCapacity(count)
        do {
            while lines.count < count {
                let line = try client.readLine(within: max(0, deadline.timeIntervalSinceNow))
                if line.hasPrefix(prefix) { lines.append(line) } else { others.append(line) }
            }
        } catch {
            return (lines, others, "\(error)")
        }
        if others.isEmpty, lateOther > 0, let late = try? client.readLine(within: lateOther) { others.append(late) }
        return (lines, others, nil)
    }

    /// nil when `lines` is `expected`; otherwise where they first differ, briefly.
    static func firstDifference(_ lines: [String], _ expected: [String]) -> String? {
        if lines == expected { return nil }
        let index = zip(lines, expected).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(lines.count, expected.count)
        let got = index < lines.count ? lines[index].prefix(40).debugDescription : "nothing"
        let wanted = index < expected.count ? expected[index].prefix(40).debugDescription : "nothing"
        return "\(lines.count) lines, \(expected.count) expected; line \(index) is \(got), expected \(wanted)"
    }
}

/// Runs `body` on a thread of its own at once; `value(within:)` waits for what it returns.
private final class Background<Value>: @unchecked Sendable {
    private let condition = NSCondition()
    private var result: Result<Value, any Error>?

    init(_ body: @escaping @Sendable () throws -> Value) {
        let thread = Thread { [self] in
            let outcome = Result { try body() }
            condition.withLock {
                result = outcome
                condition.broadcast()
            }
        }
        thread.start()
    }

    var isDone: Bool { condition.withLock { result != nil } }

    func value(within seconds: Double) throws -> Value {
        let deadline = Date(timeIntervalSinceNow: seconds)
        let outcome = condition.withLock {
            while result == nil && condition.wait(until: deadline) {}
            return result
        }
        guard let outcome else { throw ChatClientError(description: "a background task still ran after \(seconds) s") }
        return try outcome.get()
    }
}
