import NIOCore

/// What a handler answers: a value (or error) it has at once, or a future one.
///
/// An answer ready at once costs no future: the server writes the reply straight away. Handlers
/// whose answer is usually ready (a cached lookup) return ``now(_:)`` on that path and ``later(_:)``
/// only when they must wait.
public enum CallAnswer<Value: Sendable>: Sendable {
    /// The answer, ready now.
    case now(Result<Value, any Error>)
    /// The answer once the future completes.
    case later(EventLoopFuture<Value>)

    /// The answer as a future on `eventLoop` (an already-completed one for ``now(_:)``).
    @inlinable
    public func future(on eventLoop: any EventLoop) -> EventLoopFuture<Value> {
        switch self {
        case .now(let result): return eventLoop.makeCompletedFuture(result)
        case .later(let future): return future
        }
    }
}
