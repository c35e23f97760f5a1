import GreenletHTTP
import GreenletStreams
import HTTPTypes

/// An https fetch through an HTTP proxy: `CONNECT host:port` asks the proxy for a raw TCP
/// tunnel to the origin, and TLS then runs end to end with the origin inside it, so the
/// proxy sees neither the request nor the certificate checks (RFC 9110 §9.3.6).
enum ProxyTunnel {
    /// Asks for the tunnel on `stream`, a connection to the proxy, and reads the answer.
    /// - Throws: `FetchError.proxy` when the proxy refuses (any status but 2xx); a proxy that
    ///   closes first fails as a server would, transiently; and what the stream throws.
    static func open(over stream: any ByteStream, to url: HTTPURL, authorization: String?) async throws {
        var head = HTTPRequestHead(method: .connect, target: url.authorityWithPort)
        head.headerFields.append(HTTPField(name: HTTPClient.hostName, value: url.authorityWithPort))
        if let authorization { head.headerFields[.proxyAuthorization] = authorization }
        var bytes: [UInt8] = []
        HTTPSerializer.append(head, to: &bytes)
        try await stream.write(bytes)
        // Small: only a head is read, and the origin says nothing before the TLS hello.
        var reader = MessageReader(parser: HTTPResponseParser(requestMethod: .connect), bufferSize: 4096)
        guard case .head(let answer) = try await reader.nextEvent(from: stream) else {
            throw FetchError.malformedResponse(FetchError.closedBeforeResponse)
        }
        guard answer.status.kind == .successful else {
            throw FetchError.proxy("CONNECT \(url.authorityWithPort) answered \(answer.status.code) \(answer.status.reasonPhrase)".lowercased())
        }
    }
}

extension HTTPURL {
    /// `host:port`, the port always given, brackets around an IPv6 address: CONNECT's target.
    var authorityWithPort: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
