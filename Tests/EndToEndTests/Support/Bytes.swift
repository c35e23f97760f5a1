/// `count` random bytes, for payloads (filled a 64-bit word at a time: fast in debug builds).
func randomBytes(_ count: Int) -> [UInt8] {
    var generator = SystemRandomNumberGenerator()
    let words = (0..<(count + 7) / 8).map { _ in generator.next() as UInt64 }
    return words.withUnsafeBytes { Array($0.prefix(count)) }
}

/// `count` different random payloads of 1 to `maxSize` bytes each.
func distinctPayloads(_ count: Int, upTo maxSize: Int) -> [[UInt8]] {
    var payloads: [[UInt8]] = []
    var seen = Set<[UInt8]>()
    while payloads.count < count {
        let payload = randomBytes(Int.random(in: 1...maxSize))
        if seen.insert(payload).inserted { payloads.append(payload) }
    }
    return payloads
}

/// nil when `received` is exactly `sent`; otherwise a short account of the difference
/// (so a failed expectation does not print two multi-kilobyte arrays).
func echoMismatch(sent: [UInt8], received: [UInt8]) -> String? {
    if sent == received { return nil }
    let common = zip(sent, received).prefix { $0 == $1 }.count
    if common == min(sent.count, received.count) {
        return "sent \(sent.count) bytes, got \(received.count) back (identical up to there)"
    }
    return "sent \(sent.count) bytes, got \(received.count) back, first difference at offset \(common)"
}
