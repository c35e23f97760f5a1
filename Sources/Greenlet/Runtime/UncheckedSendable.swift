/// Carries a `sending` closure, which the caller gave up, through a closure the compiler
/// cannot see it is safe in: the non-escaping closure of `withValue` into a green
/// thread's task, a pool's wrapper around the work it runs.
@usableFromInline
struct UncheckedSendable<Value>: @unchecked Sendable {
    @usableFromInline let value: Value
    @usableFromInline init(_ value: Value) { self.value = value }
}
