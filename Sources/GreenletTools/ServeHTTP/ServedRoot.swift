import Glibc

/// The directory `serve-http` serves, and the one way files are opened below it.
///
/// A file is opened with `openat2(RESOLVE_BENEATH)` relative to the root's descriptor:
/// the kernel resolves every component, symlinks included, and refuses (`EXDEV`) any
/// resolution that would leave the root, in the same single syscall that opens the file.
/// That refuses absolute symlinks too, even ones pointing inside; those, and kernels or
/// sandboxes without `openat2`, take the slow way: a plain `open`, then the opened
/// descriptor's real path (from `/proc/self/fd`, so no rename can race the check) must lie
/// inside the root's real path.
final class ServedRoot: Sendable {
    /// The real path of the root (symlinks resolved), without a trailing slash unless it is `/`.
    let path: String
    private let descriptor: Int32
    /// Whether files are opened with `openat2` (else the slow way always).
    let beneath: Bool

    /// What opening a path found.
    enum Opened {
        case opened(descriptor: Int32, status: stat)
        /// The path resolves outside the root.
        case outside
        case failed(errno: Int32)
    }

    /// - Parameter beneath: whether to use `openat2`; when false, or when the kernel lacks
    ///   it, every open takes the slow way.
    init(_ root: String, beneath: Bool = true) throws(StaticFilesError) {
        func failure(_ code: Int32) -> StaticFilesError {
            StaticFilesError(root: root, reason: code == ENOENT || code == ENOTDIR ? .noSuchDirectory : code == EACCES ? .permissionDenied : .other(errno: code))
        }
        guard let resolved = realpath(root, nil) else { throw failure(errno) }
        path = String(cString: resolved)
        free(resolved)
        var status = stat()
        guard stat(path, &status) == 0 else { throw failure(errno) }
        guard status.st_mode & S_IFMT == S_IFDIR else { throw StaticFilesError(root: root, reason: .notADirectory) }
        guard access(path, R_OK | X_OK) == 0 else { throw failure(errno) }
        descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(errno) }
        let probe = beneath ? Self.openBeneath(descriptor, ".") : -1
        if probe >= 0 { close(probe) }
        self.beneath = probe >= 0
    }

    deinit { close(descriptor) }

    /// Opens `relativePath` (a C string; `.` for the root itself) for reading, without
    /// blocking on a FIFO, and reads its status.
    func open(_ relativePath: UnsafePointer<CChar>) -> Opened {
        var fd = beneath ? Self.openBeneath(descriptor, relativePath) : -1
        if fd < 0 {
            // EAGAIN: a rename raced the kernel's check of a `..` inside a symlink.
            guard !beneath || errno == EXDEV || errno == EAGAIN else { return .failed(errno: errno) }
            fd = openat(descriptor, relativePath, Self.flags)
            guard fd >= 0 else { return .failed(errno: errno) }
            guard isInside(fd) else {
                close(fd)
                return .outside
            }
        }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            let code = errno
            close(fd)
            return .failed(errno: code)
        }
        return .opened(descriptor: fd, status: status)
    }

    private static let flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK

    private func isInside(_ fd: Int32) -> Bool {
        var target = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink("/proc/self/fd/\(fd)", &target, target.count - 1)
        guard count > 0 else { return false }
        let real = String(decoding: target[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return path == "/" || real == path || real.hasPrefix(path + "/")
    }

    /// `openat2(2)` has no libc wrapper; glibc's `syscall` is assembly that passes its
    /// integer arguments on in registers, so calling it through a fixed-arity C pointer
    /// is sound on Linux's x86-64 and AArch64 ABIs.
    private typealias Openat2 = @convention(c) (Int, Int32, UnsafePointer<CChar>, UnsafeRawPointer, Int) -> Int
    private static let syscall: Openat2? = dlsym(nil, "syscall").map { unsafeBitCast($0, to: Openat2.self) }

    private static func openBeneath(_ directory: Int32, _ path: UnsafePointer<CChar>) -> Int32 {
        // struct open_how; RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS.
        var how: (flags: UInt64, mode: UInt64, resolve: UInt64) = (UInt64(flags), 0, 0x08 | 0x02)
        guard let syscall else {
            errno = ENOSYS
            return -1
        }
        return Int32(withUnsafeBytes(of: &how) { syscall(437, directory, path, $0.baseAddress!, $0.count) })
    }
}
