import Foundation
import Testing
@testable import GreenletTools

@Suite("BenchmarkReport")
struct BenchmarkReportTests {
    let report = BenchmarkReport(
        benchmark: "spawn",
        parameters: [("count", 1000)],
        results: [
            .init(mode: "green", figures: [("switch_ns", 512.5), ("count", 1000)]),
            .init(mode: "threads", figures: [("switch_ns", 2100), ("count", 10)]),
        ]
    )

    @Test func jsonHasTheDocumentedShape() throws {
        let object = try #require(JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        #expect(object["benchmark"] as? String == "spawn")
        #expect((object["parameters"] as? [String: Any])?["count"] as? Int == 1000)
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.map { $0["mode"] as? String } == ["green", "threads"])
        #expect(results[0]["switch_ns"] as? Double == 512.5)
        #expect(results[1]["count"] as? Int == 10)
        #expect((object["machine"] as? [String: Any])?["cores"] as? Int == ProcessInfo.processInfo.activeProcessorCount)
        #expect(!report.json().contains("\n"))
    }

    @Test func tableHasAHeaderAndOneAlignedLinePerMode() {
        let lines = report.table().split(separator: "\n").map(String.init)
        #expect(lines == [
            "spawn: count=1000",
            "mode     switch_ns  count",
            "green          512   1000",
            "threads       2100     10",
        ])
    }

    @Test func spawnBenchmarkMeasuresEveryFigureForEveryMode() throws {
        let report = try SpawnBenchmark.run(count: 2000, osThreads: 8)
        #expect(report.results.map(\.mode) == ["green", "threads", "swift-task"])
        // Each row has the three figures; the swift-task row is the bare tasks' floor.
        let figures: [SpawnBenchmark.Figure] = [.spawnJoin, .switchTime, .memory]
        for row in report.results {
            for figure in figures {
                let value = try #require(row.value(figure.rawValue), "\(row.mode) \(figure.rawValue)")
                // Resident memory is the whole process's, and other tests in it free memory
                // meanwhile: only the times can be required to be positive here.
                if figure == .memory { #expect(value.isFinite) } else { #expect(value > 0, "\(row.mode) \(figure.rawValue)") }
            }
        }
    }

    @Test func aFloorFigureAloneMeasuresOnlyTheBareTasks() throws {
        let report = try SpawnBenchmark.run(count: 500, osThreads: 2, figures: [.taskSwitch])
        #expect(report.results.map(\.mode) == ["swift-task"])
        let floor = try #require(report.results[0].value(SpawnBenchmark.Figure.switchTime.rawValue))
        #expect(floor > 0)
    }
}
