import Synchronization

/// Why a call stopped before its handler finished.
public enum CancellationReason: Sendable, Hashable {
    /// The connection closed (the client went away).
    case connectionClosed
    /// The call's deadline passed.
    case deadlineExceeded
    /// The server is shutting down; streams are being ended cleanly.
    case serverShutdown
    /// The call ended with an error (from the handler or a protocol violation on its stream).
    case aborted
}

/// A one-shot signal that a call was cancelled, with callbacks.
///
/// Thread-safe: handlers may register from any thread; callbacks run once, on the thread that
/// cancels (usually the connection's event loop), or immediately if already cancelled.
public final class CallCancellation: Sendable {
    private struct State {
        var reason: CancellationReason?
        var callbacks: [@Sendable (CancellationReason) -> Void] = []
    }

    private let state = Mutex(State())

    /// Creates a signal that is not cancelled.
    public init() {}

    /// The reason, once cancelled.
    public var reason: CancellationReason? { state.withLock { $0.reason } }

    /// Whether the call was cancelled.
    public var isCancelled: Bool { reason != nil }

    /// Runs `callback` when the call is cancelled (immediately if it already was).
    public func onCancel(_ callback: @escaping @Sendable (CancellationReason) -> Void) {
        let already: CancellationReason? = state.withLock { state in
            if let reason = state.reason { return reason }
            state.callbacks.append(callback)
            return nil
        }
        if let already { callback(already) }
    }

    /// Cancels the call; later calls do nothing.
    public func cancel(_ reason: CancellationReason) {
        let callbacks: [@Sendable (CancellationReason) -> Void] = state.withLock { state in
            guard state.reason == nil else { return [] }
            state.reason = reason
            defer { state.callbacks = [] }
            return state.callbacks
        }
        for callback in callbacks { callback(reason) }
    }
}
