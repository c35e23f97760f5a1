import Glibc
import GreenletHTTP

/// The HTML index of a directory that has no `index.html`: its entries sorted by name
/// (byte order), subdirectories marked with a trailing slash. Names are HTML-escaped for
/// display and percent-encoded in links, so no name can inject markup or change the
/// link's scheme.
enum DirectoryListing {
    /// Reads the directory open at `descriptor`, and closes it.
    /// - Parameter path: the directory's decoded URL path, with leading and trailing slash.
    /// - Returns: the page, or nil (with `errno` set) when the directory cannot be read.
    static func page(directory descriptor: Int32, path: [UInt8]) -> [UInt8]? {
        guard let entries = entries(descriptor) else { return nil }
        let title = escapedHTML(path)
        var html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of \(title)</title></head>\n"
        html += "<body><h1>Index of \(title)</h1>\n<ul>\n"
        if path.count > 1 { html += "<li><a href=\"../\">../</a></li>\n" }
        for entry in entries {
            let slash = entry.isDirectory ? "/" : ""
            var href: [UInt8] = []
            PercentEncoding.append(entry.name, to: &href) { $0.isUnreserved }
            html += "<li><a href=\"\(String(decoding: href, as: UTF8.self))\(slash)\">\(escapedHTML(entry.name))\(slash)</a></li>\n"
        }
        html += "</ul>\n</body></html>\n"
        return Array(html.utf8)
    }

    private static func entries(_ descriptor: Int32) -> [(name: [UInt8], isDirectory: Bool)]? {
        guard let directory = fdopendir(descriptor) else {
            let code = errno
            close(descriptor)
            errno = code
            return nil
        }
        defer { closedir(directory) }
        var entries: [(name: [UInt8], isDirectory: Bool)] = []
        while let entry = readdir(directory) {
            let namePointer = UnsafeRawPointer(entry).advanced(by: MemoryLayout<dirent>.offset(of: \.d_name)!).assumingMemoryBound(to: CChar.self)
            let name = Array(UnsafeRawBufferPointer(start: namePointer, count: strlen(namePointer)))
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            var isDirectory = Int(entry.pointee.d_type) == DT_DIR
            if Int(entry.pointee.d_type) == DT_LNK || Int(entry.pointee.d_type) == DT_UNKNOWN {
                var status = stat()
                isDirectory = fstatat(dirfd(directory), namePointer, &status, 0) == 0 && status.st_mode & S_IFMT == S_IFDIR
            }
            entries.append((name, isDirectory))
        }
        return entries.sorted { $0.name.lexicographicallyPrecedes($1.name) }
    }

    private static func escapedHTML(_ bytes: [UInt8]) -> String {
        var text = ""
        for character in String(decoding: bytes, as: UTF8.self) {
            switch character {
            case "&": text += "&amp;"
            case "<": text += "&lt;"
            case ">": text += "&gt;"
            case "\"": text += "&quot;"
            case "'": text += "&#39;"
            default: text.append(character)
            }
        }
        return text
    }
}
