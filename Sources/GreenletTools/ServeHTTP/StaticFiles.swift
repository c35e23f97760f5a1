import Glibc
import GreenletHTTP
import HTTPTypes

/// What `greenlet serve-http` answers: the static files under one root directory.
///
/// Filesystem calls are made inline, on the calling hub's thread, as nginx does for local
/// files: opening and reading the status of a cached local file takes microseconds, less
/// than a hand-over to a worker thread and back. A file costs one `openat2` and one
/// `fstat`; a directory one more `openat2` for its `index.html`.
///
/// Every attempt to leave the root gets 403 — a `..` segment, an encoded slash, a NUL,
/// a symlink resolving outside — whether or not its target exists; a missing file inside
/// gets 404.
public final class StaticFiles: Sendable {
    private let root: ServedRoot
    private static let indexName = "index.html"
    /// Files served again and again (a site's assets) mostly share a few modification
    /// times: the last one's `Last-Modified` text is kept.
    private let lastModifiedText = CachedTimestamp(format: HTTPDate.format)

    /// The real path of the served directory.
    public var rootPath: String { root.path }

    /// - Throws: `StaticFilesError` when `root` is missing, not a directory or unreadable.
    public convenience init(root: String) throws(StaticFilesError) {
        try self.init(root: ServedRoot(root))
    }

    init(root: ServedRoot) {
        self.root = root
    }

    /// The answer to one request; HEAD gets GET's status and fields without a body.
    /// - Parameters:
    ///   - target: the request target as received (`/a%20b/c.txt?x=1`).
    ///   - now: the current second since the Unix epoch.
    public func respond(method: HTTPRequest.Method, target: String, headerFields: HTTPFields, now: Int) -> StaticResponse {
        var response = answer(method: method, target: target, headerFields: headerFields, now: now)
        if method == .head { response.dropBody() }
        return response
    }

    private func answer(method: HTTPRequest.Method, target: String, headerFields: HTTPFields, now: Int) -> StaticResponse {
        guard method == .get || method == .head else { return .page(.methodNotAllowed, [.allow: "GET, HEAD"]) }
        do throws(RequestPath.Refusal) {
            let (path, query) = try RequestPath.split(target[...])
            let request = Request(method: method, headerFields: headerFields, now: now)
            // Room for the decoded path, `/index.html` and a NUL.
            let capacity = path.utf8.count + Self.indexName.utf8.count + 2
            return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer throws(RequestPath.Refusal) in
                let (count, isDirectoryForm) = try RequestPath.decode(path, into: buffer)
                return serve(buffer, count: count, isDirectoryForm: isDirectoryForm, request) {
                    .page(.movedPermanently, [.location: path + "/" + (query.map { "?" + $0 } ?? "")])
                }
            }
        } catch {
            return .page(error == .malformed ? .badRequest : .forbidden)
        }
    }

    private struct Request {
        let method: HTTPRequest.Method
        let headerFields: HTTPFields
        let now: Int
    }

    /// - Parameters:
    ///   - path: the decoded root-relative path in its first `count` bytes, with room after.
    ///   - redirect: the answer to a directory named without its trailing slash.
    private func serve(
        _ path: UnsafeMutableBufferPointer<UInt8>, count: Int, isDirectoryForm: Bool, _ request: Request,
        redirect: () -> StaticResponse
    ) -> StaticResponse {
        let (descriptor, status): (Int32, stat)
        switch open(path, count: count) {
        case .opened(let openedDescriptor, let openedStatus): (descriptor, status) = (openedDescriptor, openedStatus)
        case let other: return Self.failure(other)
        }
        switch status.st_mode & S_IFMT {
        case S_IFREG where !isDirectoryForm:
            return file(descriptor, status, name: path[..<count], request)
        case S_IFDIR where isDirectoryForm:
            break
        case S_IFDIR:
            close(descriptor)
            return redirect()
        default:
            // `/file.txt/`, and FIFOs, sockets and devices, which are no files to serve.
            close(descriptor)
            return .page(isDirectoryForm ? .notFound : .forbidden)
        }
        var indexCount = count
        if count > 0 {
            path[indexCount] = UInt8(ascii: "/")
            indexCount += 1
        }
        indexCount = path[indexCount...].initialize(fromContentsOf: Self.indexName.utf8)
        switch open(path, count: indexCount) {
        case .opened(let index, let indexStatus) where indexStatus.st_mode & S_IFMT == S_IFREG:
            close(descriptor)
            return file(index, indexStatus, name: Self.indexName.utf8, request)
        case .opened(let index, _):
            close(index)
        case .failed(let code) where code == ENOENT:
            break
        case let other:
            close(descriptor)
            return Self.failure(other)
        }
        let urlPath = [UInt8(ascii: "/")] + path[..<count] + (count > 0 ? [UInt8(ascii: "/")] : [])
        guard let listing = DirectoryListing.page(directory: descriptor, path: urlPath) else { return Self.failure(.failed(errno: errno)) }
        return .html(.ok, listing)
    }

    /// Opens the first `count` bytes of `path` (the root itself when empty).
    private func open(_ path: UnsafeMutableBufferPointer<UInt8>, count: Int) -> ServedRoot.Opened {
        var end = count
        if count == 0 {
            path[0] = UInt8(ascii: ".")
            end = 1
        }
        path[end] = 0
        return path.withMemoryRebound(to: CChar.self) { root.open($0.baseAddress!) }
    }

    private static func failure(_ opened: ServedRoot.Opened) -> StaticResponse {
        switch opened {
        case .outside: .page(.forbidden)
        case .failed(let code) where code == EACCES || code == EPERM: .page(.forbidden)
        case .failed(let code) where code == ENOENT || code == ENOTDIR || code == ENAMETOOLONG || code == ELOOP: .page(.notFound)
        case .failed(let code) where code == EMFILE || code == ENFILE: .page(.serviceUnavailable)
        default: .page(.internalServerError)
        }
    }

    /// A regular file, after the conditions and the range the request sets.
    private func file(_ descriptor: Int32, _ status: stat, name: some BidirectionalCollection<UInt8>, _ request: Request) -> StaticResponse {
        let validators = FileValidators(status: status, now: request.now)
        let lastModified = lastModifiedText.text(at: validators.lastModified)
        let size = Int(status.st_size)
        var range = ByteRange.whole
        if validators.isNotModified(by: request.headerFields) {
            close(descriptor)
            return StaticResponse(status: .notModified, lastModified: lastModified, eTag: validators.eTag, body: .none)
        }
        if request.method == .get, let header = request.headerFields[.range], validators.allowsRange(request.headerFields) {
            range = ByteRange(header: header, size: size)
        }
        var response = StaticResponse(
            status: .ok, contentType: MIMETypes.contentType(forName: name), contentLength: size,
            lastModified: lastModified, eTag: validators.eTag, acceptsRanges: true, body: .none)
        var (offset, length) = (0, size)
        switch range {
        case .whole:
            break
        case .unsatisfiable:
            close(descriptor)
            return .page(.rangeNotSatisfiable, [.contentRange: "bytes */\(size)"])
        case .part(let partOffset, let partLength):
            (offset, length) = (partOffset, partLength)
            response.status = .partialContent
            response.contentLength = length
            response.otherFields[.contentRange] = "bytes \(offset)-\(offset + length - 1)/\(size)"
        }
        if length > 0 {
            response.body = .file(descriptor: descriptor, offset: offset, length: length)
        } else {
            close(descriptor)
        }
        return response
    }
}
