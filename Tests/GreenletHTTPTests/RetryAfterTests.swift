import Testing
import GreenletHTTP

@Suite("RetryAfter")
struct RetryAfterTests {
    let now = 1_709_210_096  // Thu, 29 Feb 2024 12:34:56 GMT

    @Test func readsDelaySeconds() {
        #expect(RetryAfter.seconds("120", now: now) == 120)
        #expect(RetryAfter.seconds(" 7 ", now: now) == 7)
        #expect(RetryAfter.seconds("0", now: now) == 0)
        #expect(RetryAfter.seconds("120"[...], now: now) == 120)
    }

    @Test func readsAnIMFFixdateAsTheSecondsUntilIt() {
        #expect(RetryAfter.seconds(HTTPDate.format(now + 30), now: now) == 30)
        #expect(RetryAfter.seconds(" \(HTTPDate.format(now + 30)) ", now: now) == 30)
        #expect(RetryAfter.seconds(HTTPDate.format(now), now: now) == 0)
    }

    @Test func aDateInThePastAsksForNoWait() {
        #expect(RetryAfter.seconds(HTTPDate.format(now - 3_600), now: now) == 0)
    }

    @Test func readsTheObsoleteDateForms() {
        let date = 784_111_777  // Sun, 06 Nov 1994 08:49:37 GMT
        #expect(RetryAfter.seconds("Sunday, 06-Nov-94 08:49:37 GMT", now: date - 60) == 60)
        #expect(RetryAfter.seconds("Sun Nov  6 08:49:37 1994", now: date - 45) == 45)
    }

    @Test(arguments: ["", " ", "soon", "-5", "1.5", "+5", "5s", "0x10", "Sun, 06 Nov 1994 08:49:37"])
    func rejectsWhatIsNeitherForm(value: String) {
        #expect(RetryAfter.seconds(value, now: 1_709_210_096) == nil)
    }
}
