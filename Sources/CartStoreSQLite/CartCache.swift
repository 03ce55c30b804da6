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
    /// A cached cart and the last pricing of that very cart: one reference per user, so a GetCart
    /// finds both with one lookup and copies neither.
    private final class Entry {
        let cart: StoredCart
        /// The pricing of `cart`, with the catalog epoch it was computed at.
        var priced: (catalogEpoch: UInt64, cart: PricedCart)?

        init(_ cart: StoredCart) { self.cart = cart }
    }

    private struct State {
        var carts: RandomEvictingDictionary<String, Entry>
        var epochs = [UInt64](repeating: 0, count: 256)
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
        return state.withLock { $0.carts[userID] }?.cart
    }

    /// The remembered pricing of `userID`'s cached cart, if it was computed at `catalogEpoch`.
    func priced(userID: String, catalogEpoch: UInt64) -> PricedCart? {
        guard capacity > 0 else { return nil }
        return state.withLock { state in
            guard let priced = state.carts[userID]?.priced, priced.catalogEpoch == catalogEpoch else { return nil }
            return priced.cart
        }
    }

    /// The pricing of `cart` computed at `catalogEpoch`, if remembered.
    func priced(_ cart: StoredCart, catalogEpoch: UInt64) -> PricedCart? {
        guard let priced = priced(userID: cart.userID, catalogEpoch: catalogEpoch),
              priced.id == cart.id, priced.version == cart.version else { return nil }
        return priced
    }

    /// Remembers a pricing of the cached cart it was computed from (ignored when that cart is no
    /// longer the cached one).
    func remember(_ priced: PricedCart, catalogEpoch: UInt64) {
        guard capacity > 0 else { return }
        state.withLock { state in
            guard let entry = state.carts[priced.userID], entry.cart.id == priced.id,
                  entry.cart.version == priced.version else { return }
            entry.priced = (catalogEpoch, priced)
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
            } else if state.carts[cart.userID]?.cart.id == cart.id {
                state.carts.removeValue(forKey: cart.userID)
            }
        }
    }

    /// The number of cached carts.
    var count: Int { state.withLock { $0.carts.count } }

    /// Caches `cart` (without a pricing); when full, a random other cart and its pricing make room.
    private static func insert(_ cart: StoredCart, into state: inout State) {
        state.carts.set(Entry(cart), for: cart.userID)
    }

    private static func bucket(_ userID: String) -> Int {
        var hasher = Hasher()
        hasher.combine(userID)
        return Int(UInt(bitPattern: hasher.finalize()) & 255)
    }
}
