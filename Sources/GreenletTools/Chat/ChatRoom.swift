import Greenlet

/// The chat room: who is in it, and the lines they all get. Lives on one hub; every
/// member's reader green thread calls into it between waits, so it needs no lock.
///
/// With a federation the room spans servers: this server's members and their lines are
/// handed to it, and the other servers' come back through the `remote…` calls.
final class ChatRoom: @unchecked Sendable {
    /// This server's members, in the order they joined.
    private var members: [ChatMember] = []
    /// Everyone in the room, this server's members and the other servers' ones, in the
    /// order this server learned of them: what `/who` and a welcome list.
    private(set) var names: [String] = []
    var federation: ChatFederation?
    private(set) var isShuttingDown = false
    /// Lines put in the queues since the writers last had a turn, counted room-wide:
    /// several readers bursting at once must not together fill the queues of users who
    /// do read before any writer runs.
    private var linesSinceWritersRan = 0
    private static let linesPerTurn = 256

    /// Why a name is refused.
    enum Refusal: Equatable {
        case invalid
        case taken
    }

    /// Names are 1 to 32 letters, digits, `_` and `-` (ASCII).
    static func check(_ name: String) -> Refusal? {
        let bytes = Array(name.utf8)
        let valid = (1...32).contains(bytes.count) && bytes.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F || byte == 0x2D
        }
        return valid ? nil : .invalid
    }

    func refusal(for name: String) -> Refusal? {
        Self.check(name) ?? (names.contains(name) ? .taken : nil)
    }

    /// `refusal`, then, across servers, the name's claim in Redis: the one user at the
    /// prompt waits for it (briefly), no one else.
    func claim(_ name: String, from address: String) async -> Refusal? {
        if let refusal = refusal(for: name) { return refusal }
        guard let federation else { return nil }
        guard await federation.claim(name, from: address) else { return .taken }
        // Someone else here may have taken the name meanwhile.
        return refusal(for: name)
    }

    func isLocal(_ name: String) -> Bool {
        members.contains { $0.name == name }
    }

    var localMembers: [(name: String, address: String)] { members.map { ($0.name, $0.address) } }

    /// Called by a reader before it puts a line in. Past `linesPerTurn` lines it waits
    /// behind the writers those lines woke (the hub runs ready green threads in order),
    /// and while a user who reads is behind a burst bigger than its queue, it waits for
    /// them to catch up (1 ms turns, 200 ms at most per backlog): only a user who stopped
    /// reading then overflows and is dropped, and it slows the room for 200 ms once.
    func pace() async {
        guard linesSinceWritersRan >= Self.linesPerTurn else { return }
        await yieldNow()
        linesSinceWritersRan = 0
        // Looked at once per turn: a backlog starts at half a queue, so the lines of one
        // turn cannot overflow it.
        while members.contains(where: { $0.isCatchingUp(at: MonotonicClock.now()) }) {
            try? await sleep(seconds: 0.001)
        }
    }

    /// Admits `member`: it gets a welcome naming who is online, the others a notice.
    func join(_ member: ChatMember) {
        let notice = Self.line("## \(member.name) joined from \(member.address).")
        linesSinceWritersRan += 1
        for other in members { other.deliver(notice) }
        members.append(member)
        names.append(member.name)
        member.deliver(Self.line("## welcome, \(member.name). online: \(names.joined(separator: ", "))"))
        federation?.joined(member.name, from: member.address)
    }

    /// Takes `member` out, once; the others get a notice unless the server is closing
    /// (the other servers' users get it then too: the member does leave the room).
    func leave(_ member: ChatMember) {
        guard let index = members.firstIndex(where: { $0 === member }) else { return }
        members.remove(at: index)
        names.removeAll { $0 == member.name }
        federation?.left(member.name)
        guard !isShuttingDown else { return }
        broadcast(Self.line("## \(member.name) left the chat."))
    }

    /// A line from `member` to everyone, on every server.
    func say(_ text: String, from member: ChatMember) {
        broadcast(Self.line("\(member.name)> \(text)"))
        federation?.said(text, by: member.name)
    }

    // MARK: - From the other servers

    /// Announces a user of another server; false when the name is known already (or the
    /// server is closing), and nothing changes.
    func remoteJoined(_ name: String, from address: String) -> Bool {
        guard !isShuttingDown, !names.contains(name) else { return false }
        broadcast(Self.line("## \(name) joined from \(address)."))
        names.append(name)
        return true
    }

    func remoteLeft(_ name: String) {
        guard !isLocal(name), let index = names.firstIndex(of: name) else { return }
        names.remove(at: index)
        guard !isShuttingDown else { return }
        broadcast(Self.line("## \(name) left the chat."))
    }

    func remoteSaid(_ text: String, by name: String) {
        guard !isShuttingDown else { return }
        broadcast(Self.line("\(name)> \(text)"))
    }

    /// `line` to every member, in the same order for all.
    func broadcast(_ line: [UInt8]) {
        linesSinceWritersRan += 1
        for member in members { member.deliver(line) }
    }

    /// Tells everyone the server is closing, once; from now on no one is announced
    /// leaving or admitted.
    func shutDown() {
        guard !isShuttingDown else { return }
        broadcast(Self.line("## server shutting down"))
        isShuttingDown = true
    }

    /// `text` and a newline, as bytes.
    static func line(_ text: String) -> [UInt8] {
        Array((text + "\n").utf8)
    }
}
