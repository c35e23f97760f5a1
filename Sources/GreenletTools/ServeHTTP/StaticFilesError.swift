import Glibc

/// Why `serve-http` cannot serve its root; checked once, at start.
public struct StaticFilesError: Error, Equatable, CustomStringConvertible {
    public enum Reason: Equatable, Sendable {
        case noSuchDirectory
        case notADirectory
        case permissionDenied
        case other(errno: Int32)
    }

    /// The root as given.
    public let root: String
    public let reason: Reason

    /// One line, such as `cannot serve /x: no such directory`.
    public var description: String {
        let text = switch reason {
        case .noSuchDirectory: "no such directory"
        case .notADirectory: "not a directory"
        case .permissionDenied: "permission denied"
        case .other(let code): String(cString: strerror(code)).lowercased()
        }
        return "cannot serve \(root): \(text)"
    }
}
