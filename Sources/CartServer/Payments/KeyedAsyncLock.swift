import Locking

/// Mutual exclusion per key for async code: one holder per key at a time, others wait in order.
/// Used to run one checkout at a time per user, so a retried checkout never creates a second
/// gateway order.
///
/// Thread-safe.
final class KeyedAsyncLock: Sendable {
    private let waiters = Locked<[String: [CheckedContinuation<Void, Never>]]>([:])

    /// Runs `body` holding the lock for `key`.
    func withLock<T: Sendable>(_ key: String, _ body: () async throws -> T) async throws -> T {
        await acquire(key)
        defer { release(key) }
        return try await body()
    }

    private func acquire(_ key: String) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = waiters.withLock { waiters -> Bool in
                if waiters[key] == nil {
                    waiters[key] = []
                    return true
                }
                waiters[key]!.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    private func release(_ key: String) {
        let next = waiters.withLock { waiters -> CheckedContinuation<Void, Never>? in
            guard var queue = waiters[key], !queue.isEmpty else {
                waiters.removeValue(forKey: key)
                return nil
            }
            let first = queue.removeFirst()
            waiters[key] = queue
            return first
        }
        next?.resume()
    }
}
