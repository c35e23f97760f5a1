/// Writes fixed-width ASCII timestamps straight into a string's storage.
package struct ASCIIWriter {
    private let buffer: UnsafeMutableBufferPointer<UInt8>
    package private(set) var count = 0

    package init(_ buffer: UnsafeMutableBufferPointer<UInt8>) { self.buffer = buffer }

    package mutating func append(_ text: String) {
        for byte in text.utf8 { append(byte: byte) }
    }

    package mutating func append(byte: UInt8) {
        buffer[count] = byte
        count += 1
    }

    /// `value` in decimal, zero-padded to `width` digits.
    package mutating func append(_ value: Int, width: Int) {
        var rest = value
        for index in stride(from: count + width - 1, through: count, by: -1) {
            buffer[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
        count += width
    }

    /// Builds a string of at most `capacity` bytes.
    package static func string(capacity: Int, _ write: (inout ASCIIWriter) -> Void) -> String {
        String(unsafeUninitializedCapacity: capacity) { buffer in
            var writer = ASCIIWriter(buffer)
            write(&writer)
            return writer.count
        }
    }
}
