import Greenlet

/// A failure to start a tool, worded for the one-line `greenlet: error:` message.
public struct ToolError: Error, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }

    /// A listener on `host:port`, or an error that names the address it could not take.
    static func listening(on host: String, port: Int) throws -> Listener {
        do {
            return try Listener(host: host, port: port)
        } catch {
            let address = host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            throw ToolError("cannot listen on \(address): \(error)")
        }
    }
}
