import Greenlet

/// Lets every client of a load begin at once, when all have connected (and joined): the
/// clock starts then, so set-up is not counted as load. Lives on the load's hub.
final class StartLine: @unchecked Sendable {
    let clients: Int
    private var arrived = 0
    /// When the last client arrived, on `Measure.now()`.
    private(set) var time: UInt64 = 0
    let go = Event()

    init(clients: Int) {
        self.clients = clients
    }

    func arrive() {
        arrived += 1
        if arrived == clients {
            time = Measure.now()
            go.set()
        }
    }
}

/// Runs `body` for each of `count` clients on its own green thread. The first to fail
/// kills the others (they would wait forever for its lines or its turn), and its error is
/// thrown once all have ended.
func runClients(_ count: Int, named name: String, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
    let group = Group()
    for index in 0..<count {
        group.spawn("\(name) \(index)") {
            do {
                try await body(index)
            } catch {
                group.killAll()
                throw error
            }
        }
    }
    try await group.joinAll()
}
