import CartCore
import Locking

/// Active carts in memory, so GetCart does not touch SQLite.
///
/// Coherence: every write stores its carts here once its COMMIT succeeded, on the single writer
/// queue, in commit order, before the next write starts — so a cached cart is never older
/// than the last committed one. A cart read from the database (a miss) is offered back only if no
/// write touched that user's bucket since the read began (bucketed write epochs), so a slow
/// reader cannot put back an older version. Bounded: past `capacity` entries, a random entry is
/// dropped (the next read reloads it).
///
/// Thread-safe (a mutex).
final class CartCache: Sendable {
    private struct State {
        var carts: RandomEvictingDictionary<String, StoredCart>
        var epochs = [UInt64](repeating: 0, count: 256)
        /// The last pricing of each cached cart, with the catalog epoch it was computed at.
        var priced: [String: (catalogEpoch: UInt64, cart: PricedCart)] = [:]
    }

    private let state: Locked<State>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        state = Locked(State(carts: RandomEvictingDictionary(capacity: capacity)))
    }

    /// The cached active cart of `userID`.
    func cart(userID: String) -> StoredCart? {
        guard capacity > 0 else { return nil }
        return state.withLock { $0.carts[userID] }
    }

    /// The pricing of `cart` computed at `catalogEpoch`, if remembered.
    func priced(_ cart: StoredCart, catalogEpoch: UInt64) -> PricedCart? {
        guard capacity > 0 else { return nil }
        return state.withLock { state in
            guard let memo = state.priced[cart.userID], memo.catalogEpoch == catalogEpoch,
                  memo.cart.id == cart.id, memo.cart.version == cart.version else { return nil }
            return memo.cart
        }
    }

    /// Remembers a pricing of a cached cart.
    func remember(_ priced: PricedCart, catalogEpoch: UInt64) {
        guard capacity > 0 else { return }
        state.withLock { state in
            guard state.carts[priced.userID] != nil else { return }
            state.priced[priced.userID] = (catalogEpoch, priced)
        }
    }

    /// A token to pass to ``offer(_:token:)`` for a read that starts now.
    func readToken(userID: String) -> UInt64 {
        state.withLock { $0.epochs[Self.bucket(userID)] }
    }

    /// Caches a cart read from the database, unless a write touched the user since `token`.
    func offer(_ cart: StoredCart, token: UInt64) {
        guard capacity > 0 else { return }
        state.withLock { state in
            guard state.carts[cart.userID] == nil, state.epochs[Self.bucket(cart.userID)] == token else { return }
            Self.insert(cart, into: &state)
        }
    }

    /// Records a committed cart (called on the writer queue right after the transaction that wrote it committed).
    func committed(_ cart: StoredCart) {
        state.withLock { state in
            state.epochs[Self.bucket(cart.userID)] &+= 1
            if cart.status == .active, capacity > 0 {
                Self.insert(cart, into: &state)
            } else if state.carts[cart.userID]?.id == cart.id {
                state.carts.removeValue(forKey: cart.userID)
                state.priced.removeValue(forKey: cart.userID)
            }
        }
    }

    /// The number of cached carts.
    var count: Int { state.withLock { $0.carts.count } }

    /// Caches `cart`; when full, a random other cart (and its pricing) makes room.
    private static func insert(_ cart: StoredCart, into state: inout State) {
        if let evicted = state.carts.set(cart, for: cart.userID) { state.priced.removeValue(forKey: evicted) }
    }

    private static func bucket(_ userID: String) -> Int {
        var hasher = Hasher()
        hasher.combine(userID)
        return Int(UInt(bitPattern: hasher.finalize()) & 255)
    }
}
