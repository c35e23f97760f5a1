import Greenlet
import GreenletRedis

/// Joins this server's room to the rooms of the same name on other servers, through Redis
/// (`ChatRoomSchema`). Lives on the room's hub and is called between waits, like the room.
///
/// Local users never wait for Redis: their events go into an outbox (one append), and a
/// publisher green thread hands them to Redis in batches. A reader green thread takes the
/// other servers' events from the stream into the room, in the stream's order, which keeps
/// each sender's. A heartbeat green thread renews this server's sign of life and takes the
/// users of servers whose sign expired out of the room. `/who` and name checks read the
/// room's own list, kept from the events, and never wait either.
///
/// When Redis goes away the three stop, the server says so once (`warn`) and connects
/// again with backoff, saying so when it is back. Then it reads the events it missed,
/// compares what it knows with the members hash (announcing who came or went meanwhile,
/// claiming its own users again if they were taken for dead), and sends what it queued.
final class ChatFederation: @unchecked Sendable {
    /// This server in the room: random, so that a restarted server is a new one.
    let id: String
    private unowned let room: ChatRoom
    private let settings: ChatServer.Federation
    private let schema: ChatRoomSchema
    private let warn: (String) -> Void
    private let hub: Hub?

    // MARK: The link

    /// For commands, and for reading the stream (its reads block); nil while Redis is away.
    private var commands: RedisClient?
    private var reader: RedisClient?
    /// Keeps the link up, from `start` to `stop`.
    private var link: GreenThread<Void>?
    /// Why the link's green threads stopped: the first failure among them.
    private var failure: (any Error)?
    /// Until then, a server just connected does not judge others dead: after an outage
    /// they need a moment to connect again and renew their signs of life.
    private var judgeFrom: UInt64 = 0
    private var isStopping = false

    // MARK: Outgoing

    private var outbox: ChatOutbox
    private var nextSequence: UInt64 = 1
    private let outboxFilled = ParkingLot("chat outbox")
    private var publisherParked = false
    /// A batch is on its way to Redis.
    private var isPublishing = false
    /// Woken whenever the outbox is empty and nothing is on its way, for `stop`.
    private let drained = ParkingLot("chat outbox drained")
    private var saidOverflow = false
    /// Names being claimed at a prompt here: a leave of the same name queued before must
    /// not release the claim.
    private var claiming: [String: Int] = [:]

    // MARK: Incoming

    /// The last stream entry read; nil before the first connect.
    private var lastEventID: String?
    /// Woken after each read of the stream.
    private let readProgress = ParkingLot("chat stream read")
    /// The other servers' members this server knows of → the server holding each.
    private var owners: [String: String] = [:]
    /// The highest sequence seen from each server, to skip events that came twice.
    private var lastSequence: [String: UInt64] = [:]

    init(room: ChatRoom, settings: ChatServer.Federation, warn: @escaping (String) -> Void) {
        self.room = room
        self.settings = settings
        self.warn = warn
        schema = ChatRoomSchema(room: settings.room)
        outbox = ChatOutbox(capacity: settings.outboxLimit)
        id = (0..<16).map { _ in String(Int.random(in: 0..<16), radix: 16) }.joined()
        hub = Hub.current
    }

    // MARK: - Life

    /// Connects and learns who is in the room, then keeps the link up on a green thread
    /// of its own until `stop`.
    /// - Throws: `RedisError` when Redis cannot be reached or refuses: the server does not
    ///   start.
    func start() async throws {
        try await connect()
        link = spawn("chat redis link") { [self] in try await maintain() }
    }

    /// Gives the queued events (the leaves of a shutdown) `seconds` to reach Redis, takes
    /// this server's sign of life away, and closes the link.
    func stop(within seconds: Double) async {
        isStopping = true
        _ = try? await withTimeout(seconds: seconds) {
            while commands != nil && (!outbox.isEmpty || isPublishing) { try await drained.park() }
            _ = try await commands?.command("DEL", schema.liveness(of: id))
        }
        link?.kill()
        _ = try? await link?.value
        disconnect()
    }

    // MARK: - From the room (no waiting)

    func joined(_ name: String, from address: String) {
        enqueue(name, .join(address: address))
    }

    func said(_ text: String, by name: String) {
        enqueue(name, .line(text: text))
    }

    func left(_ name: String) {
        enqueue(name, .leave(owner: id))
    }

    /// Claims `name` in Redis for a user at the prompt; false when another server holds it.
    /// Once claimed, waits until the stream has been read as far as it went at the claim,
    /// so that the welcome names everyone who joined before, on any server. Waits at most
    /// `claimTimeout` in all: with Redis slow or away the room's own list, already asked,
    /// decides alone (two servers may then admit the same name).
    func claim(_ name: String, from address: String) async -> Bool {
        guard let commands else { return true }
        claiming[name, default: 0] += 1
        defer { claiming[name] = claiming[name]! > 1 ? claiming[name]! - 1 : nil }
        let arguments = ["EVAL", ChatRoomSchema.claim, "2", schema.members, schema.events, name, id, address, "", "0"]
        // Its own green thread: a claim given up on still ends cleanly, and the
        // connection stays usable for everyone else.
        let attempt = spawn("chat name claim for \(name)") { try await commands.command(arguments) }
        do {
            return try await withTimeout(seconds: settings.claimTimeout) {
                let reply = try await attempt.value.array ?? []
                guard reply.first?.int == 1 else { return false }
                if let last = reply.last?.string {
                    while let read = lastEventID, ChatRoomSchema.entry(last, isAfter: read) { try await readProgress.park() }
                }
                return true
            }
        } catch {
            return true
        }
    }

    private func enqueue(_ name: String, _ kind: ChatEvent.Kind) {
        assert(Hub.current === hub, "a chat room is used from its own hub only")
        if !outbox.append(ChatEvent(origin: id, sequence: nextSequence, name: name, kind: kind)) { overflowed() }
        nextSequence += 1
        if publisherParked {
            publisherParked = false
            outboxFilled.unparkOne()
        }
    }

    private func overflowed() {
        guard !saidOverflow else { return }
        saidOverflow = true
        warn("redis \(settings.redis.address): \(outbox.capacity) chat events waiting; dropping the oldest")
    }

    // MARK: - Connecting

    /// Connects again and again, with backoff, while the link is up; one warning when
    /// Redis is lost and one when it is back.
    private func maintain() async throws {
        var delay = 0.1
        var isLost = false
        while true {
            if commands == nil {
                do {
                    try await connect()
                } catch let error where !(error is CancellationError) {
                    if !isLost { warn("\(describe(error)); reconnecting") }
                    isLost = true
                    try await sleep(seconds: delay)
                    delay = min(delay * 2, settings.maxReconnectDelay)
                    continue
                }
                if isLost { warn("redis \(settings.redis.address): connected again") }
                isLost = false
                delay = 0.1
            }
            let failure = try await runConnected()
            disconnect()
            warn("\(describe(failure)); reconnecting")
            isLost = true
            try await sleep(seconds: delay)
        }
    }

    /// Two connections, this server's sign of life, the events missed since the last
    /// connection (none the first time: a new server starts from now), and the members.
    private func connect() async throws {
        let url = settings.redis
        let commands = try await RedisClient.connect(url, timeout: settings.commandTimeout, commandTimeout: settings.commandTimeout)
        do {
            let reader = try await RedisClient.connect(url, timeout: settings.commandTimeout, commandTimeout: settings.commandTimeout)
            do {
                _ = try await commands.command("SET", schema.liveness(of: id), "1", "PX", livenessMilliseconds)
                if lastEventID == nil {
                    let last = try await commands.command("XREVRANGE", schema.events, "+", "-", "COUNT", "1")
                    lastEventID = last.array?.first?.array?.first?.string ?? "0-0"
                } else {
                    while try await read(from: reader, blocking: false) > 0 {}
                }
                try await resync(commands)
            } catch {
                reader.close()
                throw error
            }
            self.reader = reader
        } catch {
            commands.close()
            throw error
        }
        self.commands = commands
        judgeFrom = MonotonicClock.deadline(after: settings.liveness)
        saidOverflow = false
    }

    /// Runs the reader, the publisher and the heartbeat until one of them fails, and
    /// returns why.
    private func runConnected() async throws -> any Error {
        guard let commands, let reader else { preconditionFailure("runConnected without a connection") }
        failure = nil
        let ended = Event()
        let threads = [
            watched("chat redis reader", ended) { [self] in while true { _ = try await read(from: reader, blocking: true) } },
            watched("chat redis publisher", ended) { [self] in try await publish(on: commands) },
            watched("chat redis heartbeat", ended) { [self] in try await heartbeat(on: commands) },
        ]
        do {
            try await ended.wait()
        } catch {
            for thread in threads { thread.kill() }
            for thread in threads { _ = try? await thread.value }
            throw error
        }
        for thread in threads { thread.kill() }
        for thread in threads { _ = try? await thread.value }
        return failure ?? RedisError.closed
    }

    private func watched(_ name: String, _ ended: Event, _ body: @escaping @Sendable () async throws -> Void) -> GreenThread<Void> {
        spawn(name) { [self] in
            do {
                try await body()
            } catch {
                if failure == nil { failure = error }
                ended.set()
            }
        }
    }

    private func disconnect() {
        commands?.close()
        reader?.close()
        commands = nil
        reader = nil
        drained.unparkAll()
    }

    private func describe(_ error: any Error) -> String {
        error is RedisError ? "\(error)" : "redis \(settings.redis.address): \(error)"
    }

    private var livenessMilliseconds: String { String(Int(settings.liveness * 1000)) }

    // MARK: - Publishing

    /// Hands the outbox to Redis, a batch per round trip, until the connection fails; a
    /// batch that may not have arrived goes back in front of the outbox.
    private func publish(on commands: RedisClient) async throws {
        while true {
            while outbox.isEmpty {
                saidOverflow = false
                drained.unparkAll()
                publisherParked = true
                try await outboxFilled.park()
            }
            let batch = outbox.take(upTo: 256)
            isPublishing = true
            do {
                let replies = try await commands.pipeline(bytes: batch.map(command(for:)))
                // A server still loading its data after a restart refuses every command.
                for case .failure(let error) in replies where error.isTransient { throw error }
                isPublishing = false
            } catch {
                isPublishing = false
                if !outbox.putBack(batch) { overflowed() }
                throw error
            }
        }
    }

    /// The command that hands `event` to Redis: joins and leaves change the members hash
    /// in the same script.
    private func command(for event: ChatEvent) -> [[UInt8]] {
        let length = String(ChatRoomSchema.streamLength)
        let payload = event.encoded
        let arguments: [String]
        switch event.kind {
        case .join(let address):
            arguments = ["EVAL", ChatRoomSchema.claim, "2", schema.members, schema.events, event.name, id, address]
            return arguments.map { Array($0.utf8) } + [payload, Array(length.utf8)]
        case .line:
            return ["XADD", schema.events, "MAXLEN", "~", length, "*", "e"].map { Array($0.utf8) } + [payload]
        case .leave(let owner):
            // The same user may be back (or at the prompt) here: the name stays claimed.
            let keep = owner == id && (room.isLocal(event.name) || claiming[event.name] != nil)
            arguments = ["EVAL", ChatRoomSchema.release, "2", schema.members, schema.events, event.name, owner]
            return arguments.map { Array($0.utf8) } + [payload, Array(length.utf8), Array((keep ? "keep" : "").utf8)]
        }
    }

    // MARK: - Reading

    /// Reads the events after the last one read into the room; returns how many came.
    /// Blocking, it waits up to a heartbeat for one.
    private func read(from reader: RedisClient, blocking: Bool) async throws -> Int {
        guard let after = lastEventID else { preconditionFailure("reading before the first connect") }
        var arguments = ["XREAD", "COUNT", "512"]
        if blocking { arguments += ["BLOCK", String(Int(settings.heartbeat * 1000))] }
        arguments += ["STREAMS", schema.events, after]
        let reply = try await reader.command(arguments, timeout: settings.commandTimeout + (blocking ? settings.heartbeat : 0))
        guard let entries = reply.array?.first?.array?.last?.array else { return 0 }
        for entry in entries {
            guard let parts = entry.array, parts.count == 2, let id = parts[0].string else { continue }
            lastEventID = id
            if let fields = parts[1].array, fields.count == 2, case .bulk(let payload) = fields[1],
               let event = ChatEvent(decoding: payload) {
                await apply(event)
            }
        }
        readProgress.unparkAll()
        return entries.count
    }

    /// Another server's event, into the room. Joins and leaves change what this server
    /// knows only when they are news, so one seen twice (an event and the members hash)
    /// is announced once.
    private func apply(_ event: ChatEvent) async {
        guard event.origin != id, event.sequence > lastSequence[event.origin, default: 0] else { return }
        lastSequence[event.origin] = event.sequence
        switch event.kind {
        case .join(let address):
            if owners[event.name] != nil {
                owners[event.name] = event.origin
            } else if room.remoteJoined(event.name, from: address) {
                owners[event.name] = event.origin
            }
        case .line(let text):
            // As a local reader does: a burst from afar must not overflow users who read.
            await room.pace()
            room.remoteSaid(text, by: event.name)
        case .leave(let owner):
            guard owners[event.name] == owner else { return }
            owners[event.name] = nil
            room.remoteLeft(event.name)
        }
    }

    // MARK: - Members

    /// Compares what this server knows with the members hash: who joined or left while
    /// it was away is announced now, and its own users missing there (taken for dead, or
    /// lost with Redis's data) are claimed and announced again.
    private func resync(_ commands: RedisClient) async throws {
        let holders = try await members(commands)
        for (name, holder) in holders.sorted(by: { $0.key < $1.key }) where holder.server != id {
            if owners[name] != nil {
                owners[name] = holder.server
            } else if room.remoteJoined(name, from: holder.address) {
                owners[name] = holder.server
            }
        }
        for name in room.names where owners[name] != nil && (holders[name] == nil || holders[name]?.server == id) {
            owners[name] = nil
            room.remoteLeft(name)
        }
        for member in room.localMembers where holders[member.name] == nil {
            joined(member.name, from: member.address)
        }
    }

    private func members(_ commands: RedisClient) async throws -> [String: (server: String, address: String)] {
        let fields = try await commands.command("HGETALL", schema.members).array ?? []
        var holders: [String: (server: String, address: String)] = [:]
        for index in stride(from: 0, to: fields.count - 1, by: 2) {
            if let name = fields[index].string, let value = fields[index + 1].string, let holder = ChatRoomSchema.holder(value) {
                holders[name] = holder
            }
        }
        return holders
    }

    // MARK: - Liveness

    private func heartbeat(on commands: RedisClient) async throws {
        while true {
            try await sleep(seconds: settings.heartbeat)
            if isStopping { return }
            try await beat(commands)
        }
    }

    /// Renews this server's sign of life and looks at the others'; then takes the users of
    /// the servers whose sign expired out of the room.
    private func beat(_ commands: RedisClient) async throws {
        let others = Array(Set(owners.values))
        let replies = try await commands.pipeline(
            [["SET", schema.liveness(of: id), "1", "PX", livenessMilliseconds, "GET"]] + others.map { ["EXISTS", schema.liveness(of: $0)] })
        // Expired: this server was slow to renew it and may have been taken for dead.
        if try replies[0].get().isNull { try await resync(commands) }
        guard MonotonicClock.now() >= judgeFrom else { return }
        for (server, reply) in zip(others, replies.dropFirst()) {
            if try reply.get().int == 0 { try await reap(server, commands) }
        }
    }

    /// Takes a dead server's users out: this server announces them to its own users at
    /// once; in Redis, each is released and announced by whichever server gets there first.
    /// The releases are queued before the notices go out, so a user who hears of a leave
    /// and takes the name finds it free.
    private func reap(_ server: String, _ commands: RedisClient) async throws {
        let held = try await members(commands).filter { $0.value.server == server }
        for name in held.keys.sorted() { enqueue(name, .leave(owner: server)) }
        for name in room.names where owners[name] == server {
            owners[name] = nil
            room.remoteLeft(name)
        }
        lastSequence[server] = nil
    }
}
