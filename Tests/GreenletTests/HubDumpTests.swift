import Testing
@testable import Greenlet

@Suite("Hub.dump")
struct HubDumpTests {
    @Test func theTableNamesEveryGreenThreadWhatItWaitsOnAndItsAge() async throws {
        let spawnLine = #line + 6
        let table = try await onHub { () async throws -> String in
            let (client, server) = try await connectedPair()
            defer { server.close() }
            let queue = Queue<Int>()
            let threads = [
                spawn("sleeper") { try await sleep(seconds: 60) },
                spawn("reader") { _ = try await client.recv() },
                spawn("consumer") { _ = try await queue.get() },
                spawn { try await withTimeout(seconds: 30) { _ = try await queue.get() } },
            ]
            try await sleep(seconds: 0.15)
            let table = Hub.current!.liveTable()
            for thread in threads { thread.kill() }
            return table
        }
        let lines = table.split(separator: "\n").map(String.init)
        #expect(lines.count == 7)
        #expect(lines[0].hasPrefix("greenlet: hub ") && lines[0].hasSuffix(": 5 live green threads"))
        let header = lines[1].split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        #expect(header == "ID NAME SPAWNED AT WAITING ON AGE")
        let rows = lines.dropFirst(2).map { $0.split(separator: "  ", omittingEmptySubsequences: true).map { $0.trimmingCharacters(in: .whitespaces) } }
        #expect(rows.map { $0.count } == [5, 5, 5, 5, 5])
        #expect(rows.map { $0[1] } == ["root", "sleeper", "reader", "consumer", "green thread at GreenletTests/HubDumpTests.swift:\(spawnLine + 3)"])
        #expect(rows[0][2].hasPrefix("GreenletTests/HubHarness.swift:"))  // where the root's hub was run
        #expect(rows[1][2] == "GreenletTests/HubDumpTests.swift:\(spawnLine)")
        #expect(rows[0][3] == "running")
        #expect(rows[1][3].hasPrefix("sleep 59.") && rows[1][3].hasSuffix(" s left"))
        #expect(rows[2][3].hasPrefix("recv fd "))
        #expect(rows[3][3] == "Queue.get")
        #expect(rows[4][3].hasPrefix("Queue.get, 29.") && rows[4][3].hasSuffix(" s left"))
        // Ages: the root is older than the others, which all lived about 0.15 s.
        let ages = rows.map { Double($0[4].dropLast(2)) ?? -1 }
        #expect(ages.allSatisfy { $0 >= 0.1 && $0 < 10 })
        #expect(rows.allSatisfy { $0[4].hasSuffix(" s") })
    }
}
