import Glibc
import GreenletHTTP
import GreenletTLS
import Testing
@testable import Greenlet
@testable import GreenletClient

@Suite("FetchError")
struct FetchErrorTests {
    @Test(arguments: [
        (FetchError.invalidURL(.invalid("empty host")), "invalid url: empty host"),
        (.invalidURL(.unsupportedScheme("ftp")), "unsupported scheme ftp"),
        (.unknownHost("no-such-host.invalid"), "unknown host no-such-host.invalid"),
        (.connectionRefused, "connection refused"),
        (.connectionReset, "connection reset"),
        (.timedOut, "timed out"),
        (.tooManyRedirects, "too many redirects"),
        (.malformedResponse("invalid status code"), "malformed response: invalid status code"),
        (.tls(TLSError("certificate verify failed")), "tls: certificate verify failed"),
        (.sink("disk full"), "disk full"),
        (.network("recv: Input/output error"), "recv: Input/output error"),
    ])
    func descriptionsCarryTheirPhrase(error: FetchError, text: String) {
        #expect(error.description == text)
    }

    @Test(arguments: [
        (NetworkError.hostNotFound("example.invalid") as any Error, FetchError.unknownHost("example.invalid")),
        (NetworkError.connectionRefused, .connectionRefused),
        (NetworkError.connectionReset, .connectionReset),
        (NetworkError.timedOut, .timedOut),
        (TimeoutError(seconds: 2), .timedOut),
        (NetworkError.system(call: "recv", errno: EIO), .network("recv: input/output error")),
        (NetworkError.closed, .network("socket closed")),
        (HTTPParseError.unexpectedEndOfInput, .malformedResponse("connection closed mid-message")),
        (HTTPParseError.invalidStatus, .malformedResponse("invalid status code")),
        (HTTPURLError.invalid("empty host"), .invalidURL(.invalid("empty host"))),
        (HTTPURLError.unsupportedScheme("gopher"), .invalidURL(.unsupportedScheme("gopher"))),
        (TLSError("handshake failed"), .tls(TLSError("handshake failed"))),
        (FetchError.tooManyRedirects, .tooManyRedirects),
        (CancellationError(), .network("CancellationError()")),
    ])
    func everyCauseMapsToItsFetchError(cause: any Error, expected: FetchError) {
        #expect(FetchError(cause) == expected)
    }
}
