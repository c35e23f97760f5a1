/// Where a room spanning servers lives in Redis, and the scripts that change it.
///
/// - `greenlet:chat:ROOM:events`, a stream: every join, line and leave (`ChatEvent`), in
///   the order Redis took them, trimmed to about `streamLength` entries. A stream rather
///   than pub/sub, so that a server back from a lost connection reads what it missed.
/// - `greenlet:chat:ROOM:members`, a hash: each name in the room → `SERVER ADDRESS`, the
///   server holding it and where the user joined from. A name is claimed here.
/// - `greenlet:chat:ROOM:server:ID`: the server's sign of life, set every heartbeat to
///   expire after the liveness period; once it has expired, the others take the server's
///   users out of the room.
///
/// Joins and leaves change the hash and add the event in one script, so the stream's
/// order agrees with the hash's: a leave of a name always comes before its next claim.
struct ChatRoomSchema {
    let room: String

    var events: String { "greenlet:chat:\(room):events" }
    var members: String { "greenlet:chat:\(room):members" }
    func liveness(of server: String) -> String { "greenlet:chat:\(room):server:\(server)" }

    static let streamLength = 10_000

    /// Claims a name for a server when it is free, or already that server's (its leave
    /// still on the way), and adds the payload to the stream when there is one. Returns
    /// `{1, ID}` then, ID the stream's last entry before (`0-0` for none): once the server
    /// has read that far, it knows everyone who joined before. Returns `{0}` when another
    /// server holds the name.
    /// KEYS: members, events. ARGV: name, server, address, payload or "", stream length.
    static let claim = """
        local owner = redis.call('HGET', KEYS[1], ARGV[1])
        if owner and string.sub(owner, 1, #ARGV[2] + 1) ~= ARGV[2] .. ' ' then return {0} end
        local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. ARGV[3])
        if ARGV[4] ~= '' then redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[5], '*', 'e', ARGV[4]) end
        return {1, last[1] and last[1][1] or '0-0'}
        """

    /// Releases a name a server holds (unless told to keep it: the same user is back on
    /// that server) and adds the leave to the stream; returns 1 then. Returns 0 and adds
    /// nothing when the server does not hold it, so that of several servers taking a dead
    /// one's users out, one announces each.
    /// KEYS: members, events. ARGV: name, server, payload, stream length, "keep" or "".
    static let release = """
        local owner = redis.call('HGET', KEYS[1], ARGV[1])
        if not owner or string.sub(owner, 1, #ARGV[2] + 1) ~= ARGV[2] .. ' ' then return 0 end
        if ARGV[5] ~= 'keep' then redis.call('HDEL', KEYS[1], ARGV[1]) end
        redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'e', ARGV[3])
        return 1
        """

    /// Whether stream entry `id` comes after `other` (`MILLISECONDS-SEQUENCE`, each part
    /// compared as a number).
    static func entry(_ id: String, isAfter other: String) -> Bool {
        func parts(_ id: String) -> (UInt64, UInt64) {
            let halves = id.split(separator: "-", maxSplits: 1)
            return (UInt64(halves.first ?? "") ?? 0, halves.count > 1 ? UInt64(halves[1]) ?? 0 : 0)
        }
        return parts(id) > parts(other)
    }

    /// A member hash value, `SERVER ADDRESS`, taken apart.
    static func holder(_ value: String) -> (server: String, address: String)? {
        guard let space = value.firstIndex(of: " ") else { return nil }
        return (String(value[..<space]), String(value[value.index(after: space)...]))
    }
}
