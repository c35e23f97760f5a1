/// HTTP dates (RFC 9110 §5.6.7) as whole seconds since the Unix epoch.
public enum HTTPDate {
    /// The IMF-fixdate of a second, `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func format(_ secondsSince1970: Int) -> String {
        let time = CivilTime(secondsSince1970: secondsSince1970)
        return ASCIIWriter.string(capacity: 29) { out in
            out.append(CivilTime.dayNames[time.weekday])
            out.append(", ")
            out.appendDate(time, separator: " ")
            out.append(" ")
            out.appendClock(time)
            out.append(" GMT")
        }
    }

    /// The second an HTTP date names, or nil when it is none of the three forms a
    /// recipient must accept: IMF-fixdate, RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and
    /// asctime (`Sun Nov  6 08:49:37 1994`).
    public static func parse(_ text: some StringProtocol) -> Int? {
        var input = DateScanner(text.utf8)
        guard input.skipLetters(), let time = input.hasPrefix(",") ? input.afterComma() : input.asctime(),
              input.atEnd, (1...12).contains(time.month), (1...31).contains(time.day),
              time.hour < 24, time.minute < 60, time.second <= 60
        else { return nil }
        return time.secondsSince1970
    }
}

/// A cursor over the bytes of an HTTP date.
private struct DateScanner {
    private let bytes: [UInt8]
    private var index = 0

    init(_ utf8: some Sequence<UInt8>) { bytes = Array(utf8) }

    var atEnd: Bool { index == bytes.count }

    func hasPrefix(_ text: String) -> Bool { bytes[index...].starts(with: text.utf8) }

    mutating func skip(_ text: String) -> Bool {
        guard hasPrefix(text) else { return false }
        index += text.utf8.count
        return true
    }

    /// Skips a day name; true when there was one.
    mutating func skipLetters() -> Bool {
        let start = index
        while index < bytes.count, (bytes[index] | 0x20) >= UInt8(ascii: "a"), (bytes[index] | 0x20) <= UInt8(ascii: "z") {
            index += 1
        }
        return index > start
    }

    /// `count` digits, or one to `count` when `exact` is false.
    mutating func number(_ count: Int, exact: Bool = true) -> Int? {
        var value = 0
        let start = index
        while index < bytes.count, index - start < count, let digit = bytes[index].decimalValue {
            value = value * 10 + digit
            index += 1
        }
        return index - start == count || (!exact && index > start) ? value : nil
    }

    mutating func month() -> Int? {
        guard index + 3 <= bytes.count,
              let found = CivilTime.monthNames.firstIndex(where: { $0.utf8.elementsEqual(bytes[index..<index + 3]) })
        else { return nil }
        index += 3
        return found + 1
    }

    mutating func clock() -> (Int, Int, Int)? {
        guard let hour = number(2), skip(":"), let minute = number(2), skip(":"), let second = number(2) else { return nil }
        return (hour, minute, second)
    }

    /// IMF-fixdate `, 06 Nov 1994 08:49:37 GMT` or RFC 850 `, 06-Nov-94 08:49:37 GMT`.
    mutating func afterComma() -> CivilTime? {
        guard skip(", "), let day = number(2) else { return nil }
        let separator = hasPrefix("-") ? "-" : " "
        guard skip(separator), let month = month(), skip(separator),
              let year = separator == "-" ? number(2).map({ $0 < 70 ? 2000 + $0 : 1900 + $0 }) : number(4),
              skip(" "), let (hour, minute, second) = clock(), skip(" GMT")
        else { return nil }
        return CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }

    /// ` Nov  6 08:49:37 1994`
    mutating func asctime() -> CivilTime? {
        guard skip(" "), let month = month(), skip(" ") else { return nil }
        _ = skip(" ")  // a one-digit day is padded with a space
        guard let day = number(2, exact: false), skip(" "), let (hour, minute, second) = clock(),
              skip(" "), let year = number(4)
        else { return nil }
        return CivilTime(year: year, month: month, day: day, hour: hour, minute: minute, second: second)
    }
}
