import HTTPTypes

/// A header a user adds to every request, from curl's `-H 'Name: value'`. It replaces the
/// client's own field of that name (`User-Agent`, `Accept`, even `Host`); `Name:` with
/// nothing after the colon removes that field instead, as with curl.
public struct RequestHeader: Sendable, Equatable {
    public let name: HTTPField.Name
    /// nil: the field is removed.
    public let value: String?

    /// - Throws: `RequestHeaderError` for a name that is not a token and for a value with
    ///   CR, LF or NUL, which would smuggle other fields or a second request in.
    public init(parsing text: String) throws(RequestHeaderError) {
        guard let colon = text.firstIndex(of: ":") else { throw .noColon(text) }
        let rawName = String(text[..<colon])
        guard rawName.utf8.allSatisfy(Self.isTokenByte), let name = HTTPField.Name(rawName), !rawName.isEmpty else {
            throw .badName(rawName)
        }
        let value = text[text.index(after: colon)...].trimmingLeadingAndTrailingSpaces
        guard !value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) else { throw .badValue(rawName) }
        self.init(name: name, value: value.isEmpty ? nil : value)
    }

    public init(name: HTTPField.Name, value: String?) {
        self.name = name
        self.value = value
    }

    /// RFC 9110's tchar.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}

extension Substring {
    fileprivate var trimmingLeadingAndTrailingSpaces: String {
        String(drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed())
    }
}
