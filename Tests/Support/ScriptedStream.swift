import GreenletStreams

/// An in-memory `ByteStream` that serves scripted reads: each step is one read's worth
/// (split further when the reader's buffer is smaller) or an error; after the last step,
/// end of stream. Writes are kept.
public final class ScriptedStream: ByteStream {
    public enum Step {
        case bytes([UInt8])
        case fail(any Error)
    }

    public var deadline: UInt64?
    private var steps: [Step]
    public private(set) var written: [UInt8] = []
    public private(set) var isClosed = false

    public init(_ steps: [Step] = []) {
        self.steps = steps
    }

    /// `text` in reads of `chunkSize` bytes, then end of stream.
    public convenience init(_ text: String, chunkSize: Int) {
        let bytes = Array(text.utf8)
        self.init(stride(from: 0, to: bytes.count, by: chunkSize).map { .bytes(Array(bytes[$0..<min($0 + chunkSize, bytes.count)])) })
    }

    public func write(_ bytes: [UInt8]) async throws {
        written += bytes
    }

    public func read(into bytes: inout [UInt8]) async throws -> Int {
        guard let step = steps.first else { return 0 }
        switch step {
        case .fail(let error):
            steps.removeFirst()
            throw error
        case .bytes(let chunk):
            let count = min(chunk.count, bytes.count)
            for index in 0..<count { bytes[index] = chunk[index] }
            if count == chunk.count { steps.removeFirst() } else { steps[0] = .bytes(Array(chunk[count...])) }
            return count
        }
    }

    public func close() {
        isClosed = true
    }
}
