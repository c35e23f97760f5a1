import Glibc

/// Delivers POSIX signals to a handler on the hub thread, through libevent (gevent's
/// `signal_handler`). Only one hub in a process should watch signals.
public final class SignalWatcher: @unchecked Sendable {
    private let hub: Hub
    private var events: [OpaquePointer] = []
    private let handler: (Int32) -> Void

    /// Starts watching `signals`; `handler` runs on the hub thread for each delivery,
    /// between green threads, so it may touch hub-owned state but must not wait.
    public init(_ signals: [Int32], handler: @escaping (Int32) -> Void) {
        hub = Hub.mustBeCurrent()
        self.handler = handler
        events = signals.map { hub.watchSignal($0, for: self) }
    }

    /// A delivery of `signal`, on the hub thread.
    func deliver(_ signal: Int32) {
        handler(signal)
    }

    deinit {
        cancel()
    }

    /// Stops watching; the signals get their previous dispositions back.
    public func cancel() {
        for event in events { hub.freeEvent(event) }
        events = []
    }
}
