/// What `TLSSession.read(into:)` produced.
public enum TLSReadResult: Equatable, Sendable {
    /// This many decrypted bytes, at the start of the buffer; never zero.
    case bytes(Int)
    /// No whole record is buffered: send any pending output, feed more input, read again.
    case needsInput
    /// The peer sent close_notify or ended the stream; no more bytes will come.
    case closed
}
