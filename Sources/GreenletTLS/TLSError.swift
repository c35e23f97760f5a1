import COpenSSL
import Glibc

/// Why a TLS context or session failed: its description reads `tls: <message>`, with
/// OpenSSL's reason where it names the cause (a verify failure, an alert from the peer).
public struct TLSError: Error, Hashable, CustomStringConvertible {
    /// The text after `tls: `, lowercase and short.
    public let message: String

    /// An error whose description is `tls: ` followed by `message`.
    public init(_ message: String) {
        self.message = message
    }

    public var description: String { "tls: " + message }
}

extension TLSError {
    /// `what`, followed by the reason for the first error OpenSSL queued on this thread. The
    /// first is the cause; later ones are the callers that passed it up. The whole queue is
    /// emptied so nothing leaks into the next call's failure.
    static func fromQueue(_ what: String) -> TLSError {
        let first = ERR_get_error()
        while ERR_get_error() != 0 {}
        return first == 0 ? TLSError(what) : TLSError("\(what): \(reason(first))")
    }

    /// OpenSSL's reason string for a queued error code. System errors (a missing file)
    /// carry an errno instead, told as strerror does but lowercase like the rest.
    static func reason(_ code: UInt) -> String {
        if ERR_GET_LIB(code) == ERR_LIB_SYS {
            let text = String(cString: strerror(ERR_GET_REASON(code)))
            return text.prefix(1).lowercased() + text.dropFirst()
        }
        if let text = ERR_reason_error_string(code) { return String(cString: text) }
        var text = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &text, text.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
