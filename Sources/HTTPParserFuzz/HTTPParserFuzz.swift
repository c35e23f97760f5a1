import Foundation
import GreenletHTTP
import HTTPTypes

// One fuzz input drives both parsers: whole, then cut where its own bytes say, and the two
// readings must agree. Any violated invariant traps, which libFuzzer reports as a crash.

/// What a parser made of an input: events with body pieces joined, and the final error.
struct Reading<Head: Hashable & Sendable>: Equatable {
    var heads: [Head] = []
    var trace: [UInt8] = []
    var body: [UInt8] = []
    var error: HTTPParseError?
}

protocol FuzzedParser {
    associatedtype Head: Hashable & Sendable
    mutating func parse(_ input: ArraySlice<UInt8>) throws(HTTPParseError) -> HTTPParseStep<Head>
    mutating func finish() throws(HTTPParseError) -> HTTPParseEvent<Head>?
}

extension HTTPRequestParser: FuzzedParser {}
extension HTTPResponseParser: FuzzedParser {}

/// Runs `parser` over `pieces` in order and checks each step: consumed within the input,
/// no event only when all is consumed, and events in the order head, body*, end.
func read<Parser: FuzzedParser>(_ parser: inout Parser, _ pieces: [ArraySlice<UInt8>]) -> Reading<Parser.Head> {
    var reading = Reading<Parser.Head>()
    var inMessage = false
    func note(_ event: HTTPParseEvent<Parser.Head>) {
        switch event {
        case .head(let head):
            precondition(!inMessage, "head inside a message")
            reading.heads.append(head)
            reading.trace.append(0x48)
        case .body(let bytes):
            precondition(inMessage && !bytes.isEmpty, "body outside a message, or empty")
            reading.body += bytes
            if reading.trace.last != 0x42 { reading.trace.append(0x42) }
        case .end:
            precondition(inMessage, "end outside a message")
            reading.trace.append(0x45)
        }
        inMessage = if case .end = event { false } else { true }
    }
    var unread: [UInt8] = []
    do throws(HTTPParseError) {
        for piece in pieces {
            unread += piece
            var rest = unread[...]
            while true {
                let step = try parser.parse(rest)
                precondition(step.consumed >= 0 && step.consumed <= rest.count, "consumed out of range")
                rest = rest.dropFirst(step.consumed)
                guard let event = step.event else { break }
                note(event)
            }
            precondition(rest.isEmpty, "stopped before the end of its input")
            unread = []
        }
        if let event = try parser.finish() { note(event) }
    } catch {
        reading.error = error
    }
    return reading
}

/// Up to three cut points taken from the input's first bytes.
func pieces(of input: [UInt8]) -> [ArraySlice<UInt8>] {
    let cuts = input.prefix(3).map { Int($0) % (input.count + 1) }.sorted()
    var result: [ArraySlice<UInt8>] = []
    var start = 0
    for cut in cuts + [input.count] {
        result.append(input[start..<max(start, cut)])
        start = max(start, cut)
    }
    return result
}

/// Limits small enough for inputs of a few KiB to reach every limit check.
let smallLimits = HTTPParserLimits(maxStartLineLength: 40, maxHeaderBlockLength: 200, maxHeaderFields: 6, maxBodyLength: 300)

func checkRequests(_ input: [UInt8], limits: HTTPParserLimits) {
    var whole = HTTPRequestParser(limits: limits)
    let reading = read(&whole, [input[...]])
    var cut = HTTPRequestParser(limits: limits)
    precondition(read(&cut, pieces(of: input)) == reading, "request parse depends on where the input is cut")
    for head in reading.heads {
        var wire: [UInt8] = []
        HTTPSerializer.append(head, to: &wire)
        var again = HTTPRequestParser()
        let step = try? again.parse(wire[...])
        precondition(step?.event == .head(head) && step?.consumed == wire.count, "request head does not round-trip")
    }
}

func checkResponses(_ input: [UInt8], limits: HTTPParserLimits) {
    let methods: [HTTPRequest.Method] = [.get, .head, .connect, .post]
    let method = methods[Int(input.first ?? 0) % methods.count]
    var whole = HTTPResponseParser(requestMethod: method, limits: limits)
    let reading = read(&whole, [input[...]])
    var cut = HTTPResponseParser(requestMethod: method, limits: limits)
    precondition(read(&cut, pieces(of: input)) == reading, "response parse depends on where the input is cut")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    checkRequests(input, limits: HTTPParserLimits())
    checkRequests(input, limits: smallLimits)
    checkResponses(input, limits: HTTPParserLimits(maxBodyLength: .max))
    checkResponses(input, limits: smallLimits)
    return 0
}

/// libFuzzer's own `main` cannot be used: SwiftPM links every executable's entry point as
/// `main`. So this `main` hands control to libFuzzer's driver when built for fuzzing
/// (`make fuzz`), and otherwise replays the files named on the command line (a corpus, a
/// crash artifact), so a plain build links and runs it too.
@main
enum HTTPParserFuzz {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput))
        #else
        let paths = CommandLine.arguments.dropFirst()
        for path in paths {
            guard let data = FileManager.default.contents(atPath: path) else {
                print("cannot read \(path)")
                exit(2)
            }
            _ = data.withUnsafeBytes { fuzzOneInput($0.bindMemory(to: UInt8.self).baseAddress, $0.count) }
        }
        print("\(paths.count) inputs replayed")
        #endif
    }
}

#if FUZZING
/// libFuzzer's entry for programs with a `main` of their own. Its C arguments (pointers and
/// a C function pointer) pass the same way under Swift's calling convention on x86-64 and
/// arm64, so no C module is needed to declare it.
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ testOneInput: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt
#endif
