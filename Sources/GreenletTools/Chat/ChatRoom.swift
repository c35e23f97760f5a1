import Greenlet

/// The chat room: who is in it, and the lines they all get. Lives on one hub; every
/// member's reader green thread calls into it between waits, so it needs no lock.
final class ChatRoom: @unchecked Sendable {
    /// In the order they joined.
    private var members: [ChatMember] = []
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
        Self.check(name) ?? (members.contains { $0.name == name } ? .taken : nil)
    }

    var names: [String] { members.map(\.name) }

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
    func join(_ member: ChatMember, from address: String) {
        let notice = Self.line("## \(member.name) joined from \(address).")
        linesSinceWritersRan += 1
        for other in members { other.deliver(notice) }
        members.append(member)
        member.deliver(Self.line("## welcome, \(member.name). online: \(names.joined(separator: ", "))"))
    }

    /// Takes `member` out, once; the others get a notice unless the server is closing.
    func leave(_ member: ChatMember) {
        guard let index = members.firstIndex(where: { $0 === member }) else { return }
        members.remove(at: index)
        guard !isShuttingDown else { return }
        broadcast(Self.line("## \(member.name) left the chat."))
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
