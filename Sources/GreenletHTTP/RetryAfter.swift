/// RFC 9110 §10.2.3 `Retry-After`: a number of seconds, or an HTTP date.
public enum RetryAfter {
    /// The seconds to wait that `value` asks for, measured from `now` (seconds since the
    /// Unix epoch) for a date, never negative; nil when it is neither form.
    public static func seconds(_ value: some StringProtocol, now: Int) -> Double? {
        let text = value.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed()
        if !text.isEmpty, text.allSatisfy(\.isASCIIDigit) {
            return Double(String(text)) ?? .infinity
        }
        return HTTPDate.parse(String(text)).map { Double(max(0, $0 - now)) }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
