import Greenlet

/// The load client of `greenlet bench chat`: `clients` users join a chat room, then
/// each sends `messages` lines in a closed loop (the next once its previous came back to
/// it). Every line reaches every user, so a round of N senders is N² deliveries; each is
/// checked to arrive once and in its sender's order. `p50_us` is a sender's wait for its
/// own line; `delivery_p50_us` the wait of every user for every line, from its sending
/// (all users live on one hub, so one clock times both ends).
///
/// The room may span several servers (`greenlet chat --redis`): the users are dealt to
/// the targets round-robin, user `i` to target `i % targets.count`, so every line crosses
/// between servers on its way to most users; `remote_delivery_p50_us` times only those
/// crossings.
public enum ChatLoad {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Drives the chat servers at `targets` (one room) on a hub started on the calling
    /// thread.
    /// - Throws: `Failure` when a line is lost, repeated or out of order, or a server
    ///   answers something else; `NetworkError` when a connection fails.
    public static func run(targets: [(host: String, port: Int)], clients: Int, messages: Int) throws -> BenchmarkReport.Row {
        try Hub.run { try await drive(targets: targets, clients: clients, messages: messages) }
    }

    /// `run` on the current hub, next to servers of the same hub (the tests').
    static func drive(targets: [(host: String, port: Int)], clients: Int, messages: Int) async throws -> BenchmarkReport.Row {
        precondition(!targets.isEmpty, "a chat load needs a server")
        let start = StartLine(clients: clients)
        let results = Results(clients: clients, messages: messages, targets: targets.count)
        try await runClients(clients, named: "chat client") { index in
            let target = targets[targetIndex(ofUser: index, targets: targets.count)]
            try await user(index, of: clients, host: target.host, port: target.port, messages: messages, start: start, results: results)
        }
        let seconds = Measure.seconds(since: start.time)
        let sorted = results.latencies.sorted()
        let deliveries = results.local.count + results.remote.count
        let allDeliveries = (results.local + results.remote).sorted()
        var figures: [(String, Double)] = [
            ("clients", Double(clients)),
            ("deliveries", Double(deliveries)),
            ("seconds", seconds),
            ("deliveries_per_second", Double(deliveries) / seconds),
            ("p50_us", Measure.percentile(sorted, 0.5)),
            ("p99_us", Measure.percentile(sorted, 0.99)),
            ("delivery_p50_us", Measure.percentile(allDeliveries, 0.5)),
            ("delivery_p99_us", Measure.percentile(allDeliveries, 0.99)),
        ]
        if targets.count > 1 {
            let remote = results.remote.sorted()
            figures += [("remote_delivery_p50_us", Measure.percentile(remote, 0.5)),
                        ("remote_delivery_p99_us", Measure.percentile(remote, 0.99))]
        }
        return BenchmarkReport.Row(mode: "target", figures: figures)
    }

    /// The target user `index` joins through: round-robin.
    static func targetIndex(ofUser index: Int, targets: Int) -> Int {
        index % targets
    }

    /// What the users measured, shared by them on the hub.
    private final class Results: @unchecked Sendable {
        let targets: Int
        /// When each user sent each of its lines, in `Measure.now()` ns.
        var sentAt: [[UInt64]]
        /// Senders' waits for their own lines, µs.
        var latencies: [Double] = []
        /// Every delivery's wait from sending, µs: between users of one server, and of two.
        var local: [Double] = []
        var remote: [Double] = []

        init(clients: Int, messages: Int, targets: Int) {
            self.targets = targets
            sentAt = Array(repeating: Array(repeating: 0, count: messages), count: clients)
            latencies.reserveCapacity(clients * messages)
            local.reserveCapacity(clients * clients * messages)
        }

        func delivered(_ line: (sender: Int, number: Int), to user: Int) {
            let waited = Double(Measure.now() - sentAt[line.sender][line.number]) / 1000
            if ChatLoad.targetIndex(ofUser: line.sender, targets: targets) == ChatLoad.targetIndex(ofUser: user, targets: targets) {
                local.append(waited)
            } else {
                remote.append(waited)
            }
        }
    }

    private static func user(
        _ index: Int, of clients: Int, host: String, port: Int, messages: Int, start: StartLine, results: Results
    ) async throws {
        let connection = try await Connection.connect(host: host, port: port, timeout: 10)
        defer { connection.close() }
        func line() async throws -> String {
            guard let bytes = try await connection.readLine(maxLength: 8192) else {
                throw Failure(description: "user \(index): the server closed the connection")
            }
            return String(decoding: bytes.last == 0x0D ? bytes.dropLast() : bytes[...], as: UTF8.self)
        }
        let name = "u\(index)"
        _ = try await line()  // the prompt
        try await connection.sendAll(Array("\(name)\n".utf8))
        let welcome = try await line()
        guard welcome.hasPrefix("## welcome"), let list = welcome.split(separator: ":").last else {
            throw Failure(description: "\(name) was not admitted: \(welcome)")
        }
        // Those who join after this user are announced to it before the load begins.
        let online = list.split(separator: ",").count
        for _ in online..<max(online, clients) {
            let notice = try await line()
            guard notice.hasSuffix(".") && notice.contains(" joined from ") else {
                throw Failure(description: "\(name): expected a join notice, got \(notice)")
            }
        }
        start.arrive()
        try await start.go.wait()

        var next = [Int](repeating: 0, count: clients)
        var deliveries = 0
        func receive() async throws {
            results.delivered(try check(try await line(), &next, user: name), to: index)
            deliveries += 1
        }
        for message in 0..<messages {
            let sent = Measure.now()
            results.sentAt[index][message] = sent
            try await connection.sendAll(Array("m\(message)\n".utf8))
            while next[index] <= message { try await receive() }
            results.latencies.append(Double(Measure.now() - sent) / 1000)
        }
        // The others' last lines are still on their way.
        while deliveries < clients * messages { try await receive() }
    }

    /// `uJ> mK` must be sender J's next line, K.
    private static func check(_ line: String, _ next: inout [Int], user: String) throws -> (sender: Int, number: Int) {
        guard line.hasPrefix("u"), let mark = line.firstIndex(of: ">"),
              let sender = Int(line[line.index(after: line.startIndex)..<mark]), next.indices.contains(sender),
              line[mark...].hasPrefix("> m"), let number = Int(line[line.index(mark, offsetBy: 3)...])
        else { throw Failure(description: "\(user) got an unexpected line: \(line)") }
        guard number == next[sender] else {
            throw Failure(description: "\(user) got u\(sender)'s line \(number) when \(next[sender]) was due")
        }
        next[sender] += 1
        return (sender, number)
    }
}
