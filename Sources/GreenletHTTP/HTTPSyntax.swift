import HTTPTypes

/// Bytes of the message being parsed; parsing works on raw buffers to stay free of
/// bounds-check traffic and intermediate Strings.
typealias Bytes = UnsafeBufferPointer<UInt8>

enum ASCII {
    static let tab: UInt8 = 0x09
    static let lf: UInt8 = 0x0A
    static let cr: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22
    static let comma: UInt8 = 0x2C
    static let colon: UInt8 = 0x3A
    static let semicolon: UInt8 = 0x3B
    static let equals: UInt8 = 0x3D
    static let backslash: UInt8 = 0x5C
}

// Digit helpers the tools share (`package`): ranges, dates, percent-encoding.
extension UInt8 {
    /// The value of a hexadecimal digit.
    package var hexValue: UInt8? {
        switch self {
        case 0x30...0x39: self - 0x30
        case 0x41...0x46: self - 0x41 + 10
        case 0x61...0x66: self - 0x61 + 10
        default: nil
        }
    }

    /// The value of a decimal digit.
    package var decimalValue: Int? { isDigit ? Int(self - 0x30) : nil }

    /// The ASCII digit of a value below 16.
    package init(hexDigit value: Int, uppercase: Bool) {
        self = UInt8(value < 10 ? value + 0x30 : value - 10 + (uppercase ? 0x41 : 0x61))
    }
}

/// 1*DIGIT as an `Int`, saturating at `Int.max` (which exceeds any limit or file); nil
/// when empty or when any byte is not a digit.
package func saturatingDecimal(_ digits: some Collection<UInt8>) -> Int? {
    guard !digits.isEmpty else { return nil }
    var value = 0
    for byte in digits {
        guard let digit = byte.decimalValue else { return nil }
        let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
        let (sum, overflow2) = times10.addingReportingOverflow(digit)
        value = overflow1 || overflow2 ? .max : sum
    }
    return value
}

extension UInt8 {
    /// tchar (RFC 9110 §5.6.2), as a 128-bit set so the check is two shifts and no table load.
    var isToken: Bool {
        let word: UInt64
        switch self >> 6 {
        case 0: word = 0x03FF_6CFA_0000_0000
        case 1: word = 0x57FF_FFFF_C7FF_FFFE
        default: return false
        }
        return word >> (self & 63) & 1 != 0
    }

    /// VCHAR: what a request target may hold.
    var isVisibleASCII: Bool { self > 0x20 && self < 0x7F }

    /// field-vchar, SP or HTAB (RFC 9110 §5.5): everything but controls (NUL, CR, LF, DEL, …).
    var isFieldContent: Bool { self == ASCII.tab || (self >= 0x20 && self != 0x7F) }

    var isWhitespace: Bool { self == ASCII.space || self == ASCII.tab }

    var isDigit: Bool { self >= 0x30 && self <= 0x39 }
}

extension UnsafeBufferPointer<UInt8> {
    /// The bytes from `lower` to `upper`, as a buffer of their own.
    func slice(_ lower: Int, _ upper: Int) -> Bytes { Bytes(rebasing: self[lower..<upper]) }

    /// Without leading and trailing SP and HTAB (OWS).
    var trimmed: Bytes {
        var lower = 0
        var upper = count
        while lower < upper && self[lower].isWhitespace { lower += 1 }
        while upper > lower && self[upper - 1].isWhitespace { upper -= 1 }
        return slice(lower, upper)
    }

    /// Compares with a lowercase ASCII literal, ignoring the case of these bytes.
    func equalsLowercase(_ literal: StaticString) -> Bool {
        equalsLowercase(Bytes(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    /// Compares with lowercase ASCII bytes, ignoring the case of these bytes.
    func equalsLowercase(_ lowercase: Bytes) -> Bool {
        guard count == lowercase.count else { return false }
        for index in 0..<count {
            var byte = self[index]
            if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
            if byte != lowercase[index] { return false }
        }
        return true
    }

    func allSatisfy(_ predicate: (UInt8) -> Bool) -> Bool {
        for byte in self where !predicate(byte) { return false }
        return true
    }
}

/// Calls `body` with each non-empty element of a comma-separated list (RFC 9110 §5.6.1),
/// whitespace trimmed.
func forEachListElement<Failure>(_ value: Bytes, _ body: (Bytes) throws(Failure) -> Void) throws(Failure) {
    var start = 0
    for index in 0...value.count where index == value.count || value[index] == ASCII.comma {
        let element = value.slice(start, index).trimmed
        if !element.isEmpty { try body(element) }
        start = index + 1
    }
}

extension HTTPField.Name {
    /// `HTTPField.Name.host` is withheld in favour of HTTP/2's :authority; HTTP/1 has only this.
    static let http1Host = HTTPField.Name("Host")!

    /// Names that most heads carry, with their lowercase bytes. Making a name costs a String
    /// and, unless sent lowercase, a lowercased copy: for a typical browser request that was
    /// a fifth of the parse (docs/architecture.md), so these are matched on the bytes and
    /// shared. The price: such a name keeps its registered spelling, not the sender's case.
    private static let common: [(lowercase: [UInt8], name: HTTPField.Name)] = [
        http1Host, .userAgent, .accept, .acceptEncoding, .acceptLanguage, .connection, .contentLength,
        .contentType, .transferEncoding, .referer, .origin, .cookie, .authorization, .cacheControl,
        .ifNoneMatch, .ifModifiedSince, .ifRange, .range, .upgrade, .te, .date, .server, .eTag,
        .lastModified, .location, .vary, .contentEncoding, .acceptRanges, .setCookie, .expect,
    ].map { (Array($0.canonicalName.utf8), $0) }

    /// The name spelled by `bytes`, already checked to be a token.
    init(token bytes: Bytes) {
        for entry in Self.common where entry.lowercase.withUnsafeBufferPointer({ bytes.equalsLowercase($0) }) {
            self = entry.name
            return
        }
        self.init(String(decoding: bytes, as: UTF8.self))!
    }
}

extension HTTPField {
    /// Parses `name: value` (the line without its CRLF).
    init(line: Bytes) throws(HTTPParseError) {
        guard let first = line.first, !first.isWhitespace else { throw .obsoleteLineFolding }
        guard let colon = line.firstIndex(of: ASCII.colon), colon > 0 else { throw .invalidFieldName }
        let nameBytes = line.slice(0, colon)
        guard nameBytes.allSatisfy(\.isToken) else { throw .invalidFieldName }
        let value = line.slice(colon + 1, line.count).trimmed
        var ascii = true
        for byte in value {
            guard byte.isFieldContent else { throw .invalidFieldValue }
            ascii = ascii && byte < 0x80
        }
        // An ASCII value goes through String, which costs half the instructions of the
        // byte path; other values keep their bytes as sent (obs-text need not be UTF-8).
        if ascii {
            self.init(name: HTTPField.Name(token: nameBytes), value: String(decoding: value, as: UTF8.self))
        } else {
            self.init(name: HTTPField.Name(token: nameBytes), value: value)
        }
    }
}
