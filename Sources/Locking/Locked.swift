#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a `pthread_mutex_t`: the project's lock, in place of `Synchronization.Mutex`.
///
/// Why not `Mutex`: on Linux it waits on futexes directly, which ThreadSanitizer cannot see, so every
/// value it protects is reported as a data race (`make sanitize` showed hundreds of such reports,
/// and a four-line program locking a `Mutex` from four threads reproduces them). A pthread mutex is
/// intercepted by TSan, so its reports mean something; uncontended it costs the same atomic
/// compare-and-swap.
///
/// Thread safety: `Sendable`; the value is only reached inside ``withLock(_:)``. Not reentrant: a
/// nested `withLock` on the same instance from the same thread deadlocks.
public final class Locked<Value>: @unchecked Sendable {
    @usableFromInline
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @usableFromInline
    var value: Value

    /// Creates a lock holding `value`.
    public init(_ value: Value) {
        self.value = value
        mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        let status = pthread_mutex_init(mutex, nil)
        precondition(status == 0, "pthread_mutex_init failed: \(status)")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with exclusive access to the value; the lock is held until `body` returns or throws.
    @inlinable
    public func withLock<Result, E: Error>(_ body: (inout Value) throws(E) -> Result) throws(E) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
