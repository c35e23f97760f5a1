import Foundation

/// One benchmark's outcome: printed as a table for people, or as the JSON document
/// scripts read: `{"benchmark": …, "parameters": {…}, "results": [{"mode": …}, …]}`.
public struct BenchmarkReport: Sendable {
    public let benchmark: String
    public let parameters: [(String, Double)]
    /// One row per execution model; each row's first entry is its mode.
    public let results: [Row]

    public struct Row: Sendable {
        public let mode: String
        public let figures: [(String, Double)]

        public func value(_ key: String) -> Double? {
            figures.first { $0.0 == key }?.1
        }
    }

    /// The JSON document, on one line.
    public func json() -> String {
        func number(_ value: Double) -> Any {
            value.rounded() == value && abs(value) < 1e15 ? Int(value) as Any : value as Any
        }
        let document: [String: Any] = [
            "benchmark": benchmark,
            "parameters": Dictionary(uniqueKeysWithValues: parameters.map { ($0.0, number($0.1)) }),
            "results": results.map { row -> [String: Any] in
                var object: [String: Any] = ["mode": row.mode]
                for (key, value) in row.figures { object[key] = number(value) }
                return object
            },
            // The machine's cores, not the ones this process may use (a pinned load has one).
            "machine": ["cores": Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))],
            "command": CommandLine.arguments.joined(separator: " "),
        ]
        let data = try! JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self)
    }

    /// A plain-text table: one line per mode, one column per figure.
    public func table() -> String {
        let keys = results.first?.figures.map(\.0) ?? []
        let header = ["mode"] + keys
        let rows = results.map { row in
            [row.mode] + keys.map { key in row.value(key).map(Self.format) ?? "-" }
        }
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == 0 ? cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[index] - cell.count) + cell
            }.joined(separator: "  ")
        }
        let parameterLine = parameters.map { "\($0.0)=\(Self.format($0.1))" }.joined(separator: " ")
        return ([("\(benchmark): \(parameterLine)"), line(header)] + rows.map(line)).joined(separator: "\n")
    }

    static func format(_ value: Double) -> String {
        if value.rounded() == value && abs(value) < 1e12 { return String(Int(value)) }
        if abs(value) >= 100 { return String(format: "%.0f", value) }
        return String(format: "%.2f", value)
    }
}
