/// Something that happened in a room spanning servers, as it travels between them through
/// Redis: a join, a line or a leave, in one line of text (sans-I/O).
///
/// Each event carries the server it comes from and that server's count of events, so a
/// receiver skips its own events and any it has already seen: a batch that is sent again
/// after a lost connection may have arrived the first time. Names and addresses hold no
/// spaces, so only a line's text, last, may.
struct ChatEvent: Equatable, Sendable {
    enum Kind: Equatable {
        case join(address: String)
        case line(text: String)
        /// `owner`: the server the name belonged to, which is not the origin when a server
        /// announces the users of a dead one.
        case leave(owner: String)
    }

    var origin: String
    var sequence: UInt64
    var name: String
    var kind: Kind

    /// `ORIGIN SEQUENCE join NAME ADDRESS`, `… line NAME TEXT`, `… leave NAME OWNER`.
    var encoded: [UInt8] {
        let head = "\(origin) \(sequence) "
        switch kind {
        case .join(let address): return Array((head + "join \(name) \(address)").utf8)
        case .line(let text): return Array((head + "line \(name) \(text)").utf8)
        case .leave(let owner): return Array((head + "leave \(name) \(owner)").utf8)
        }
    }

    init(origin: String, sequence: UInt64, name: String, kind: Kind) {
        self.origin = origin
        self.sequence = sequence
        self.name = name
        self.kind = kind
    }

    /// nil for anything that is not an event (another program's entry, a newer format).
    init?(decoding bytes: [UInt8]) {
        let fields = String(decoding: bytes, as: UTF8.self).split(separator: " ", maxSplits: 4, omittingEmptySubsequences: false)
        guard fields.count == 5, !fields[0].isEmpty, let sequence = UInt64(fields[1]), ChatRoom.check(String(fields[3])) == nil else {
            return nil
        }
        let rest = String(fields[4])
        switch fields[2] {
        case "join" where !rest.isEmpty && !rest.contains(" "): kind = .join(address: rest)
        case "line": kind = .line(text: rest)
        case "leave" where !rest.isEmpty && !rest.contains(" "): kind = .leave(owner: rest)
        default: return nil
        }
        origin = String(fields[0])
        self.sequence = sequence
        name = String(fields[3])
    }
}
