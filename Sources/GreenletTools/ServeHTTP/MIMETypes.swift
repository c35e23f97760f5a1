/// The `Content-Type` of a file, from its name's extension (case-insensitive).
enum MIMETypes {
    static let html = "text/html; charset=utf-8"
    static let unknown = "application/octet-stream"

    /// - Parameter name: the file's name, or its whole path.
    static func contentType(forName name: some BidirectionalCollection<UInt8>) -> String {
        guard let dot = name.lastIndex(of: UInt8(ascii: ".")), !name[dot...].contains(UInt8(ascii: "/")) else { return unknown }
        let suffix = name[name.index(after: dot)...]
        // Every known extension is short ASCII: such a string is stored inline, not allocated.
        guard suffix.count <= 8, suffix.allSatisfy({ $0 < 0x80 }) else { return unknown }
        return contentType(forExtension: String(decoding: suffix.lazy.map { $0 | ($0 >= 0x41 && $0 <= 0x5A ? 0x20 : 0) }, as: UTF8.self))
    }

    private static func contentType(forExtension suffix: String) -> String {
        switch suffix {
        case "html", "htm": html
        case "txt", "text", "log": "text/plain; charset=utf-8"
        case "md": "text/markdown; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "csv": "text/csv; charset=utf-8"
        case "json", "map": "application/json"
        case "xml": "application/xml"
        case "wasm": "application/wasm"
        case "pdf": "application/pdf"
        case "zip": "application/zip"
        case "gz": "application/gzip"
        case "tar": "application/x-tar"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        case "gif": "image/gif"
        case "svg": "image/svg+xml"
        case "ico": "image/x-icon"
        case "webp": "image/webp"
        case "avif": "image/avif"
        case "bmp": "image/bmp"
        case "mp4": "video/mp4"
        case "webm": "video/webm"
        case "mp3": "audio/mpeg"
        case "ogg": "audio/ogg"
        case "wav": "audio/wav"
        case "woff": "font/woff"
        case "woff2": "font/woff2"
        case "ttf": "font/ttf"
        case "otf": "font/otf"
        default: unknown
        }
    }
}
