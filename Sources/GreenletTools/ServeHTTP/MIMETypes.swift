/// The `Content-Type` of a file, from its name's extension (case-insensitive).
enum MIMETypes {
    static let html = "text/html; charset=utf-8"
    static let unknown = "application/octet-stream"

    /// - Parameter name: the file's name, or its whole path.
    static func contentType(forName name: some BidirectionalCollection<UInt8>) -> String {
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), !name[dot...].contains(UInt8(ascii: "/")) else { return unknown }
        guard let key = key(name[name.index(after: dot)...]) else { return unknown }
        return types[key] ?? unknown
    }

    /// An extension of up to 8 ASCII bytes, lowercased and packed into an integer: one
    /// hash lookup per request instead of a string comparison per known extension.
    private static func key(_ suffix: some Collection<UInt8>) -> UInt64? {
        guard !suffix.isEmpty, suffix.count <= 8 else { return nil }
        var key: UInt64 = 0
        for byte in suffix {
            guard byte < 0x80 else { return nil }
            key = key << 8 | UInt64(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
        }
        return key
    }

    private static let types: [UInt64: String] = {
        let named: [([String], String)] = [
            (["html", "htm"], html),
            (["txt", "text", "log"], "text/plain; charset=utf-8"),
            (["md"], "text/markdown; charset=utf-8"),
            (["css"], "text/css; charset=utf-8"),
            (["js", "mjs"], "text/javascript; charset=utf-8"),
            (["csv"], "text/csv; charset=utf-8"),
            (["json", "map"], "application/json"),
            (["xml"], "application/xml"),
            (["wasm"], "application/wasm"),
            (["pdf"], "application/pdf"),
            (["zip"], "application/zip"),
            (["gz"], "application/gzip"),
            (["tar"], "application/x-tar"),
            (["png"], "image/png"),
            (["jpg", "jpeg"], "image/jpeg"),
            (["gif"], "image/gif"),
            (["svg"], "image/svg+xml"),
            (["ico"], "image/x-icon"),
            (["webp"], "image/webp"),
            (["avif"], "image/avif"),
            (["bmp"], "image/bmp"),
            (["mp4"], "video/mp4"),
            (["webm"], "video/webm"),
            (["mp3"], "audio/mpeg"),
            (["ogg"], "audio/ogg"),
            (["wav"], "audio/wav"),
            (["woff"], "font/woff"),
            (["woff2"], "font/woff2"),
            (["ttf"], "font/ttf"),
            (["otf"], "font/otf"),
        ]
        var types: [UInt64: String] = [:]
        for (extensions, type) in named {
            for name in extensions { types[key(name.utf8)!] = type }
        }
        return types
    }()
}
