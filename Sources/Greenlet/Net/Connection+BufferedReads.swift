/// Bluelet's line and fixed-size reads, over the connection's `ReadBuffer`.
extension Connection {
    /// Reads up to `delimiter` and returns the line without it (Bluelet's `readline`).
    /// At end of stream returns what is left without a delimiter, or nil when nothing is.
    /// - Throws: `NetworkError.lineTooLong` when no delimiter comes within `maxLength`
    ///   bytes (the connection's read position is then unspecified; close it), and the
    ///   errors of `recv`.
    public func readLine(delimiter: [UInt8] = [0x0A], maxLength: Int = 65536) async throws -> [UInt8]? {
        precondition(!delimiter.isEmpty, "readLine needs a delimiter")
        var searchFrom = 0
        while true {
            if let end = buffered.firstIndex(of: delimiter, from: searchFrom) {
                guard end <= maxLength else { throw NetworkError.lineTooLong(maxLength: maxLength) }
                let line = buffered.take(end)
                buffered.drop(delimiter.count)
                return line
            }
            guard buffered.count < maxLength + delimiter.count else {
                throw NetworkError.lineTooLong(maxLength: maxLength)
            }
            searchFrom = max(0, buffered.count - delimiter.count + 1)
            guard try await fillBuffer() else {
                guard !buffered.isEmpty else { return nil }
                return buffered.take(buffered.count)
            }
        }
    }

    /// Reads exactly `count` bytes.
    /// - Throws: `NetworkError.unexpectedEOF` when the stream ends first (the bytes that
    ///   did arrive are consumed), and the errors of `recv`.
    public func read(exactly count: Int) async throws -> [UInt8] {
        while buffered.count < count {
            guard try await fillBuffer() else {
                let received = buffered.count
                buffered.drop(received)
                throw NetworkError.unexpectedEOF(expected: count, received: received)
            }
        }
        return buffered.take(count)
    }

    /// Appends one read's worth to the buffer; false at end of stream.
    private func fillBuffer() async throws -> Bool {
        let chunk = try await recvFromSocket(max: Self.defaultReadSize)
        buffered.append(chunk)
        return !chunk.isEmpty
    }
}
