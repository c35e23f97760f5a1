/// What a `Range` header asks of a file of known size (RFC 9110 §14.2). Only a single
/// `bytes` range is honoured; RFC 9110 lets a server ignore the header, so a malformed
/// one, another unit or several ranges get the whole file.
package enum ByteRange: Equatable {
    case whole
    case unsatisfiable
    /// `offset ..< offset + length`, never empty.
    case part(offset: Int, length: Int)

    package init(header: String, size: Int) {
        let value = Substring(header).trimmingBlanks
        guard value.utf8.count > 6, value.prefix(6).lowercased() == "bytes=" else {
            self = .whole
            return
        }
        let spec = value.dropFirst(6)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else {
            self = .whole
            return
        }
        let firstText = spec[..<dash].trimmingBlanks, lastText = spec[spec.index(after: dash)...].trimmingBlanks
        switch (saturatingDecimal(firstText.utf8), saturatingDecimal(lastText.utf8)) {
        case (.some(let first), .some(let last)) where last >= first:
            self = first < size ? .part(offset: first, length: min(last, size - 1) - first + 1) : .unsatisfiable
        case (.some(let first), .none) where lastText.isEmpty:
            self = first < size ? .part(offset: first, length: size - first) : .unsatisfiable
        case (.none, .some(let suffix)) where firstText.isEmpty:
            self = suffix > 0 && size > 0 ? .part(offset: max(0, size - suffix), length: min(suffix, size)) : .unsatisfiable
        default:
            self = .whole
        }
    }

}

extension Substring {
    /// Without the spaces and tabs (OWS) that may surround a header value or list element.
    package var trimmingBlanks: Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return self[endIndex...] }
        return self[first...last]
    }
}
