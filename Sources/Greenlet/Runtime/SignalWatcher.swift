import CLibevent
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
        let me = Unmanaged.passUnretained(self).toOpaque()
        for signal in signals {
            let event = event_new(hub.base, signal, Int16(EV_SIGNAL | EV_PERSIST), { signal, _, arg in
                Unmanaged<SignalWatcher>.fromOpaque(arg!).takeUnretainedValue().handler(signal)
            }, me)!
            event_add(event, nil)
            events.append(event)
        }
    }

    deinit {
        cancel()
    }

    /// Stops watching; the signals get their previous dispositions back.
    public func cancel() {
        for event in events { event_free(event) }
        events = []
    }
}
