import Glibc
import Greenlet
import GreenletClient
import GreenletHTTP
import GreenletTLS

/// Where a crawled body goes as it arrives: counted and hashed, and for a 2xx with
/// `--save`, written to a new file in the save directory, a few hundred KiB at a time,
/// never held whole.
final class CrawlSink: ResponseSink {
    private(set) var byteCount = 0
    private var hasher = SHA256()
    private let save: SaveDirectory?
    /// Whether file writes leave the calling thread (a hub's: a disk may block).
    private let offloadWrites: Bool
    /// The file a 2xx body goes to; unnamed until the body is complete when the file
    /// system allows (then `name` is nil).
    private var file: (descriptor: Int32, name: String?)?
    private var url: HTTPURL?
    private var pending: [UInt8] = []
    private static let writeSize = 256 * 1024

    init(save: SaveDirectory?, offloadWrites: Bool) {
        self.save = save
        self.offloadWrites = offloadWrites
    }

    func begin(_ head: HTTPResponseHead, url: HTTPURL) async throws {
        guard let save, head.status.kind == .successful else { return }
        self.url = url
        if let unnamed = save.beginUnnamed() {
            file = (unnamed, nil)
        } else {
            let created = try save.create(for: url)
            file = (created.descriptor, created.name)
        }
    }

    func append(_ bytes: ArraySlice<UInt8>) async throws {
        byteCount += bytes.count
        bytes.withUnsafeBytes { hasher.update($0) }
        guard file != nil else { return }
        pending += bytes
        if pending.count >= Self.writeSize { try await flush() }
    }

    func finish() async throws {
        try await flush()
        guard let file, let save, let url else { return }
        defer {
            close(file.descriptor)
            self.file = nil
        }
        if file.name == nil { _ = try save.keep(file.descriptor, for: url) }
    }

    /// The body's digest, once `finish` has run.
    func digest() -> String {
        hasher.finalizeHex()
    }

    /// After a failure: the partial file goes (an unnamed one just by closing it), so a
    /// failed URL leaves nothing behind.
    func abandon() {
        guard let file, let save else { return }
        close(file.descriptor)
        if let name = file.name { save.remove(name) }
        self.file = nil
    }

    private func flush() async throws {
        guard let descriptor = file?.descriptor, !pending.isEmpty else { return }
        let bytes = pending
        pending.removeAll(keepingCapacity: true)
        if offloadWrites {
            try await blocking { try Self.write(bytes, to: descriptor) }
        } else {
            try Self.write(bytes, to: descriptor)
        }
    }

    private static func write(_ bytes: [UInt8], to descriptor: Int32) throws(SaveError) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            guard count > 0 else {
                if count < 0 && errno == EINTR { continue }
                throw SaveError(errno: count < 0 ? errno : EIO)
            }
            offset += count
        }
    }

    struct SaveError: Error, CustomStringConvertible {
        let errno: Int32
        var description: String { "cannot save: \(String(cString: strerror(errno)).lowercased())" }
    }
}
