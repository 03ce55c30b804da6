import CartCore
import Dispatch
import GRDB
import Locking

/// Group commit for cart mutations: mutations submitted while a transaction is running wait and are
/// then applied together in ONE write transaction, each inside its own savepoint (a mutation failing
/// for a domain reason rolls back alone and gets its own error; a storage error, or a failed commit,
/// fails the whole batch), with one commit for all. Runs on its own thread, so
/// event loops never block on the database.
///
/// Thread-safe: ``submit(_:)`` from any thread; jobs run in submission order on the writer thread;
/// completions are called on the writer thread after the commit (or its failure).
final class WriteBatcher: Sendable {
    /// One mutation: its body runs inside a savepoint of the batch's transaction.
    struct Job: Sendable {
        let body: @Sendable (Database) throws -> CartMutationOutcome
        let completion: @Sendable (Result<CartMutationOutcome, any Error>) -> Void
    }

    private struct State {
        var pending: [Job] = []
        var draining = false
    }

    private let state = Locked(State())
    private let queue = DispatchQueue(label: "cartd.store.writer", qos: .userInitiated)
    private let maxBatch: Int
    private let run: @Sendable (_ batch: [Job]) -> Void

    /// Creates a batcher.
    /// - Parameters:
    ///   - maxBatch: The most mutations in one transaction.
    ///   - run: Applies a batch and completes its jobs (the store's transaction logic).
    init(maxBatch: Int, run: @escaping @Sendable (_ batch: [Job]) -> Void) {
        self.maxBatch = maxBatch
        self.run = run
    }

    /// Queues a mutation.
    func submit(_ job: Job) {
        let start = state.withLock { state -> Bool in
            state.pending.append(job)
            guard !state.draining else { return false }
            state.draining = true
            return true
        }
        if start { queue.async { self.drain() } }
    }

    private func drain() {
        while true {
            let batch = state.withLock { state -> [Job] in
                guard !state.pending.isEmpty else {
                    state.draining = false
                    return []
                }
                let count = min(maxBatch, state.pending.count)
                let batch = Array(state.pending.prefix(count))
                state.pending.removeFirst(count)
                return batch
            }
            if batch.isEmpty { return }
            run(batch)
        }
    }
}
