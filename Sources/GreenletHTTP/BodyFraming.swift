import HTTPTypes

/// How a message's body is delimited (RFC 9112 §6.3).
enum BodyFraming: Equatable {
    case none
    case length(Int)
    case chunked
    /// Until the server closes: responses only.
    case untilClose

    /// A request's framing: anything ambiguous is an error, never a guess, so that no two
    /// parsers on the path can disagree about where this request ends.
    static func request(_ fields: HTTPFields, version: HTTPVersion) throws(HTTPParseError) -> BodyFraming {
        let framing = try FramingFields(fields)
        guard let codings = framing.transferCodings else {
            return framing.contentLength.map(BodyFraming.length) ?? .none
        }
        guard version == .http1_1 else { throw .invalidTransferEncoding }
        guard framing.contentLength == nil else { throw .contentLengthWithTransferEncoding }
        guard codings.chunkedLast, !codings.chunkedEarlier else { throw .invalidTransferEncoding }
        guard !codings.others else { throw .unsupportedTransferCoding }
        return .chunked
    }

    /// A response's framing, given the method of the request it answers.
    static func response(
        _ fields: HTTPFields,
        version: HTTPVersion,
        status: HTTPResponse.Status,
        requestMethod: HTTPRequest.Method
    ) throws(HTTPParseError) -> BodyFraming {
        if requestMethod == .head || status.kind == .informational || status.code == 204 || status.code == 304
            || (requestMethod == .connect && status.kind == .successful)
        {
            return .none
        }
        let framing = try FramingFields(fields)
        guard let codings = framing.transferCodings else {
            return framing.contentLength.map(BodyFraming.length) ?? .untilClose
        }
        guard version == .http1_1, !codings.chunkedEarlier else { throw .invalidTransferEncoding }
        guard framing.contentLength == nil else { throw .contentLengthWithTransferEncoding }
        return codings.chunkedLast ? .chunked : .untilClose
    }
}

/// The framing fields of a head, read once.
private struct FramingFields {
    struct TransferCodings {
        var chunkedLast = false
        var chunkedEarlier = false
        var others = false
    }

    /// Nil when absent. Identical values, in one list or in several fields, are folded
    /// (RFC 9112 §6.3 allows it); a value past `Int.max` saturates, so it fails any limit.
    var contentLength: Int?
    /// Nil when absent.
    var transferCodings: TransferCodings?

    init(_ fields: HTTPFields) throws(HTTPParseError) {
        for field in fields {
            if field.name == .contentLength {
                try field.withUnsafeBytesOfValue { value throws(HTTPParseError) in
                    var empty = true
                    try forEachListElement(value) { element throws(HTTPParseError) in
                        guard let length = saturatingDecimal(element) else { throw .invalidContentLength }
                        guard contentLength == nil || contentLength == length else { throw .invalidContentLength }
                        contentLength = length
                        empty = false
                    }
                    if empty { throw .invalidContentLength }
                }
            } else if field.name == .transferEncoding {
                var codings = transferCodings ?? TransferCodings()
                field.withUnsafeBytesOfValue { value in
                    forEachListElement(value) { coding in
                        if codings.chunkedLast { codings.chunkedEarlier = true }
                        codings.chunkedLast = coding.equalsLowercase("chunked")
                        if !codings.chunkedLast { codings.others = true }
                    }
                }
                transferCodings = codings
            }
        }
    }

}
