// Fan-out of a session's cart changes to any number of AsyncStream consumers.

import CartCore
import Locking

/// Hands every new cart to every open ``CartSession/updates`` stream.
///
/// Thread-safe (a mutex): streams are made from any task, carts are yielded from the session's actor. A stream
/// buffers the newest 16 carts; a consumer further behind skips older ones (the last it sees is the latest).
final class CartUpdateBroadcaster: Sendable {
    private struct State {
        var nextID = 0
        var continuations: [Int: AsyncStream<PricedCart>.Continuation] = [:]
        var finished = false
    }

    private let state = Locked(State())

    /// A new stream of the carts yielded from now on.
    func makeStream() -> AsyncStream<PricedCart> {
        let (stream, continuation) = AsyncStream<PricedCart>.makeStream(bufferingPolicy: .bufferingNewest(16))
        let id: Int? = state.withLock { state in
            guard !state.finished else { return nil }
            defer { state.nextID += 1 }
            state.continuations[state.nextID] = continuation
            return state.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { state in state.continuations.removeValue(forKey: id) }
        }
        return stream
    }

    /// Sends `cart` to every open stream.
    func yield(_ cart: PricedCart) {
        let continuations = state.withLock { state in Array(state.continuations.values) }
        for continuation in continuations { continuation.yield(cart) }
    }

    /// Ends every stream, and every stream made later.
    func finishAll() {
        let continuations = state.withLock { state in
            state.finished = true
            defer { state.continuations = [:] }
            return Array(state.continuations.values)
        }
        for continuation in continuations { continuation.finish() }
    }
}
