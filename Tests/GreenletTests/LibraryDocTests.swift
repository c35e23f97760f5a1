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
}
