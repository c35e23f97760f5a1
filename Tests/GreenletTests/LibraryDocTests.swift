import Testing
@testable import Greenlet

/// The examples of docs/library.md, kept compiling and true.
@Suite("docs/library.md")
struct LibraryDocTests {
    @Test func theSpawnAndJoinExample() async throws {
        let total = try await onHub {
            let workers = (1...3).map { n in
                spawn("worker \(n)") {
                    try await sleep(seconds: 0.01 * Double(n))
                    return n * n
                }
            }
            return try await joinAll(workers).reduce(0, +)
        }
        #expect(total == 14)
    }

    @Test func theQueueOfJobsExample() async throws {
        let fetched = try await onHub { () async throws -> [Int] in
            let done = Shared<[Int]>([])
            let urls = Array(0..<50)
            func fetch(_ url: Int) async throws {
                try await sleep(seconds: 0.001)
                done.value.append(url)
            }
            let jobs = Queue<Int>(capacity: 100)
            let workers = (0..<8).map { _ in
                spawn {
                    for try await url in jobs { try await fetch(url) }
                }
            }
            for url in urls { try await jobs.put(url) }
            jobs.close()
            _ = try await joinAll(workers)
            return done.value
        }
        #expect(fetched.sorted() == Array(0..<50))
    }

    @Test func thePoolMapExample() async throws {
        let pages = try await onHub { () async throws -> [String] in
            @Sendable func fetch(_ url: String) async throws -> String {
                try await sleep(seconds: 0.001)
                return "page of \(url)"
            }
            let urls = (0..<30).map { "http://127.0.0.1/\($0)" }
            let pool = Pool(size: 20)
            return try await pool.map(urls) { url in try await fetch(url) }
        }
        #expect(pages == (0..<30).map { "page of http://127.0.0.1/\($0)" })
    }
}

