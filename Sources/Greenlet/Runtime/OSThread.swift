import Glibc

/// Starting OS threads for hubs of their own (a server's extra hubs, a crawl's blocking
/// workers), with the signals the main hub watches blocked in them: the kernel then
/// delivers those signals to the thread that watches them.
public enum OSThread {
    /// Starts `body` on a new OS thread; join it with `pthread_join`, or let it end alone.
    /// - Throws: `OSThreadError` when the system refuses another thread.
    public static func start(blocking signals: [Int32] = [], _ body: @escaping @Sendable () -> Void) throws(OSThreadError) -> pthread_t {
        var blocked = sigset_t()
        sigemptyset(&blocked)
        for signal in signals { sigaddset(&blocked, signal) }
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }

        let context = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        var thread = pthread_t()
        let code = pthread_create(&thread, nil, { context in
            Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, context)
        guard code == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            throw OSThreadError(errno: code)
        }
        return thread
    }
}

/// The system would not start another thread (`pthread_create`'s error).
public struct OSThreadError: Error, Equatable, CustomStringConvertible {
    public let errno: Int32
    public var description: String { "cannot start a thread: \(String(cString: strerror(errno)))" }
}

/// A closure carried through `pthread_create`'s one pointer argument.
private final class ThreadBody: Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}
