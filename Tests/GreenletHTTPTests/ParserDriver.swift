import GreenletHTTP
import HTTPTypes
import Testing

/// The calling pattern both parsers share, so one driver feeds either.
protocol IncrementalParser {
    associatedtype Head: Hashable & Sendable
    mutating func parse(_ input: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPParseStep<Head>
    mutating func finish() throws(HTTPParseError) -> HTTPParseEvent<Head>?
}

extension HTTPRequestParser: IncrementalParser {}
extension HTTPResponseParser: IncrementalParser {}

/// What a parser reported for a whole input: its events, with adjacent body pieces joined
/// (where pieces break depends on how the input was split), and the error that stopped it.
struct Outcome<Head: Hashable & Sendable>: Equatable {
    var events: [HTTPParseEvent<Head>] = []
    var error: HTTPParseError?

    mutating func record(_ event: HTTPParseEvent<Head>) {
        if case .body(let more) = event, case .body(let earlier) = events.last {
            events[events.count - 1] = .body(ArraySlice(Array(earlier) + Array(more)))
        } else {
            events.append(event)
        }
    }
}

/// Feeds `chunks` the way a server does (unconsumed bytes kept and passed again with the
/// next chunk), checking the step invariants, then ends the input if `finish`.
func feed<Parser: IncrementalParser>(
    _ parser: inout Parser,
    _ chunks: [ArraySlice<UInt8>],
    finish: Bool = false
) -> Outcome<Parser.Head> {
    var outcome = Outcome<Parser.Head>()
    var pending: [UInt8] = []
    do throws(HTTPParseError) {
        for chunk in chunks {
            pending += chunk
            var input = pending[...]
            while true {
                let step = try parser.parse(input)
                #expect(step.consumed >= 0 && step.consumed <= input.count)
                input = input.dropFirst(step.consumed)
                guard let event = step.event else {
                    #expect(input.isEmpty)
                    break
                }
                if case .body(let bytes) = event { #expect(!bytes.isEmpty) }
                outcome.record(event)
            }
            pending = Array(input)
        }
        if finish, let event = try parser.finish() { outcome.record(event) }
    } catch {
        outcome.error = error
    }
    return outcome
}

/// Every way to cut `bytes` in two, and one byte at a time. Inputs past 1 KiB (the limit
/// cases) are cut every 61 bytes only, which keeps the run short and still crosses every
/// kind of boundary.
func splits(of bytes: [UInt8]) -> [[ArraySlice<UInt8>]] {
    let stride = bytes.count > 1024 ? 61 : 1
    return Swift.stride(from: 0, through: bytes.count, by: stride).map { [bytes[..<$0], bytes[$0...]] }
        + [bytes.indices.map { bytes[$0...$0] }]
}

/// Checks that every split of `bytes` gives `expected`.
func expectEverySplit<Parser: IncrementalParser>(
    _ bytes: [UInt8],
    gives expected: Outcome<Parser.Head>,
    with makeParser: () -> Parser,
    finish: Bool = false,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    for chunks in splits(of: bytes) {
        var parser = makeParser()
        let outcome = feed(&parser, chunks, finish: finish)
        #expect(outcome == expected, "split \(chunks.map(\.count))", sourceLocation: sourceLocation)
        if outcome != expected { return }
    }
}

func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

func fields(_ pairs: KeyValuePairs<String, String>) -> HTTPFields {
    HTTPFields(pairs.map { HTTPField(name: HTTPField.Name($0.key)!, value: $0.value) })
}

func body<Head>(_ text: String) -> HTTPParseEvent<Head> { .body(ArraySlice(text.utf8)) }
