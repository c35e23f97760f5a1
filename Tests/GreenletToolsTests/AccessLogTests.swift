import Testing
@testable import GreenletTools

@Suite("AccessLog")
struct AccessLogTests {
    let log = AccessLog()
    let second = 971_186_136  // 10 Oct 2000 13:55:36 UTC

    @Test func writesCommonLogFormat() {
        #expect(log.line(client: "127.0.0.1", requestLine: "GET /a.txt HTTP/1.1", status: 200, bytes: 2326, at: second)
            == "127.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET /a.txt HTTP/1.1\" 200 2326\n")
        #expect(log.line(client: "::1", requestLine: "HEAD / HTTP/1.1", status: 304, bytes: 0, at: second + 86_400 * 30)
            == "::1 - - [09/Nov/2000:13:55:36 +0000] \"HEAD / HTTP/1.1\" 304 -\n")
    }

    @Test func escapesWhatCouldForgeALine() {
        let line = log.line(client: "10.0.0.1", requestLine: "GET /\"x\\\u{1}é\n HTTP/1.1", status: 404, bytes: 5, at: second)
        #expect(line == "10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET /\\x22x\\x5C\\x01\\xC3\\xA9\\x0A HTTP/1.1\" 404 5\n")
    }

    @Test func formatsTheTimeOfDayInUTC() {
        #expect(AccessLog.formatTime(0) == "01/Jan/1970:00:00:00 +0000")
        #expect(AccessLog.formatTime(784_111_777) == "06/Nov/1994:08:49:37 +0000")
    }
}
