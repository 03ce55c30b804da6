import CartCore
import CartProto
import NIOCore
import Locking
import TTRPC

/// Fans committed cart changes out to every WatchCart stream of the cart's owner.
///
/// Each watcher holds at most one message in flight and one pending: a watcher that lags is
/// coalesced to the latest version (bounded memory), and ``publish(userID:cart:)`` never waits
/// for a watcher. Events are encoded once per change and shared by all of its watchers.
///
/// Thread-safe: the registry is behind a mutex; each watcher's state lives on its stream's event loop.
public final class WatchHub: Sendable {
    private struct Registry: Sendable {
        var byUser: [String: [UInt64: Watcher]] = [:]
        var nextID: UInt64 = 1
        var count = 0
    }

    private let registry = Locked(Registry())
    private let onCountChange: @Sendable (Int) -> Void

    /// Creates a hub.
    /// - Parameter onCountChange: Told the number of watchers whenever it changes (metrics).
    public init(onCountChange: @escaping @Sendable (Int) -> Void = { _ in }) {
        self.onCountChange = onCountChange
    }

    /// The number of open watchers.
    public var watcherCount: Int { registry.withLock { $0.count } }

    /// Registers a stream for a user's cart.
    /// - Parameters:
    ///   - userID: Whose cart.
    ///   - sinceVersion: Versions up to this one are not sent.
    ///   - writer: The stream.
    ///   - eventLoop: The stream's event loop.
    /// - Returns: The watcher (pass it to ``unsubscribe(_:)``).
    public func subscribe(userID: String, sinceVersion: UInt64, writer: ServerStreamWriter,
                          eventLoop: any EventLoop) -> Watcher {
        let (watcher, count) = registry.withLock { registry in
            let watcher = Watcher(id: registry.nextID, userID: userID, sinceVersion: sinceVersion, writer: writer,
                                  eventLoop: eventLoop)
            registry.nextID += 1
            registry.byUser[userID, default: [:]][watcher.id] = watcher
            registry.count += 1
            return (watcher, registry.count)
        }
        onCountChange(count)
        return watcher
    }

    /// Removes a watcher.
    public func unsubscribe(_ watcher: Watcher) {
        let count: Int? = registry.withLock { registry in
            guard registry.byUser[watcher.userID]?.removeValue(forKey: watcher.id) != nil else { return nil }
            if registry.byUser[watcher.userID]?.isEmpty == true { registry.byUser.removeValue(forKey: watcher.userID) }
            registry.count -= 1
            return registry.count
        }
        if let count { onCountChange(count) }
    }

    /// Sends a committed cart to every watcher of its owner.
    public func publish(userID: String, cart: PricedCart) {
        let watchers = registry.withLock { $0.byUser[userID].map { Array($0.values) } ?? [] }
        guard !watchers.isEmpty else { return }
        let event = ByteBufferAllocator().buffer(protoMessage: CartEvent(cart: cart))
        for watcher in watchers { watcher.offer(version: cart.version, event: event) }
    }
}

/// One WatchCart stream: remembers the last version sent, one message in flight, one pending.
public final class Watcher: Sendable {
    private struct State {
        var lastSent: UInt64
        var inFlight = false
        var pending: (version: UInt64, event: ByteBuffer)?
        var closed = false
    }

    let id: UInt64
    let userID: String
    private let writer: ServerStreamWriter
    private let eventLoop: any EventLoop
    private let state: NIOLoopBoundBox<State>

    init(id: UInt64, userID: String, sinceVersion: UInt64, writer: ServerStreamWriter, eventLoop: any EventLoop) {
        self.id = id
        self.userID = userID
        self.writer = writer
        self.eventLoop = eventLoop
        self.state = NIOLoopBoundBox(State(lastSent: sinceVersion), eventLoop: eventLoop)
    }

    /// Offers a cart version; older or equal versions than what was sent or queued are dropped.
    func offer(version: UInt64, event: ByteBuffer) {
        if eventLoop.inEventLoop {
            deliver(version: version, event: event)
        } else {
            eventLoop.execute { self.deliver(version: version, event: event) }
        }
    }

    private func deliver(version: UInt64, event: ByteBuffer) {
        guard !state.value.closed, version > state.value.lastSent,
              version > (state.value.pending?.version ?? 0) else { return }
        if state.value.inFlight {
            state.value.pending = (version, event)
            return
        }
        send(version: version, event: event)
    }

    private func send(version: UInt64, event: ByteBuffer) {
        state.value.inFlight = true
        state.value.lastSent = version
        writer.send(event).hop(to: eventLoop).assumeIsolated().whenComplete { result in
            self.state.value.inFlight = false
            guard case .success = result else {
                self.state.value.closed = true
                self.state.value.pending = nil
                return
            }
            if let next = self.state.value.pending {
                self.state.value.pending = nil
                self.send(version: next.version, event: next.event)
            }
        }
    }
}
