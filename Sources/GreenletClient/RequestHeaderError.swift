/// Why a `-H` header cannot be sent, as one line naming it.
public enum RequestHeaderError: Error, Equatable, CustomStringConvertible {
    case noColon(String)
    case badName(String)
    case badValue(String)

    public var description: String {
        switch self {
        case .noColon(let text): "header '\(text)' has no colon: use 'Name: value'"
        case .badName(let name): "header name '\(name)' is not a token (letters, digits and !#$%&'*+-.^_`|~)"
        case .badValue(let name): "header '\(name)' has a CR, LF or NUL in its value"
        }
    }
}
