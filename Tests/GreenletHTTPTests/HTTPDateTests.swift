import Glibc
import Testing
import GreenletHTTP

@Suite("HTTPDate")
struct HTTPDateTests {
    @Test(arguments: [
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"), (0, "Thu, 01 Jan 1970 00:00:00 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"), (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"), (1_709_210_096, "Thu, 29 Feb 2024 12:34:56 GMT"),
    ])
    func formatsIMFFixdate(seconds: Int, text: String) {
        #expect(HTTPDate.format(seconds) == text)
        #expect(HTTPDate.parse(text) == seconds)
    }

    @Test func civilTimeAgreesWithGmtime() {
        for seconds in stride(from: -2_208_988_800, to: 4_102_444_800, by: 86_400 * 37 + 3_607) {
            var time = time_t(seconds)
            var expected = tm()
            gmtime_r(&time, &expected)
            let civil = CivilTime(secondsSince1970: seconds)
            #expect(civil.year == Int(expected.tm_year) + 1900 && civil.month == Int(expected.tm_mon) + 1 && civil.day == Int(expected.tm_mday))
            #expect(civil.hour == Int(expected.tm_hour) && civil.minute == Int(expected.tm_min) && civil.second == Int(expected.tm_sec))
            #expect(civil.weekday == Int(expected.tm_wday))
            #expect(civil.secondsSince1970 == seconds)
        }
    }

    @Test func parsesTheObsoleteForms() {
        #expect(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT") == 784_111_777)
        #expect(HTTPDate.parse("Sun Nov  6 08:49:37 1994") == 784_111_777)
        #expect(HTTPDate.parse("Tue Feb 29 00:00:00 2000") == 951_782_400)
        #expect(HTTPDate.parse("Monday, 01-Jan-35 00:00:00 GMT") == 2_051_222_400)
        #expect(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"[...]) == 784_111_777)
    }

    @Test(arguments: [
        "", "yesterday", "Sun, 06 Nov 1994 08:49:37", "Sun, 06 Nov 1994 08:49:37 GMT; length=3", "06 Nov 1994 08:49:37 GMT",
        "Sun, 32 Nov 1994 08:49:37 GMT", "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 94 08:49:37 GMT", "Sun Nov 6 08:49:37", "Sun, 06 Nov 1994 08:60:37 GMT",
    ])
    func rejectsWhatIsNoHTTPDate(text: String) {
        #expect(HTTPDate.parse(text) == nil)
    }
}
