/// RFC 9110 §10.2.3 `Retry-After`: a number of seconds, or an HTTP date.
public enum RetryAfter {
    /// The seconds to wait that `value` asks for, measured from `now` (seconds since the
    /// Unix epoch) for a date: never negative, at most `longest`; nil when it is neither form.
    public static func seconds(_ value: some StringProtocol, now: Int) -> Double? {
        let text = value.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
        if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) {
            return min(Double(String(text))!, longest)
        }
        return HTTPDate.parse(String(text)).map { min(Double(max(0, $0 - now)), longest) }
    }

    /// A year: longer than any wait a client keeps, and a finite number to pass on.
    public static let longest = 365 * 86_400.0
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
