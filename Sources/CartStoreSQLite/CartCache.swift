import CartCore
import Locking

/// Active carts in memory, so GetCart does not touch SQLite.
///
/// Coherence: every committed write stores its carts here from a commit hook that runs on the
/// single writer, in commit order, before the next write starts — so a cached cart is never older
/// than the last committed one. A cart read from the database (a miss) is offered back only if no
/// write touched that user's bucket since the read began (bucketed write epochs), so a slow
/// reader cannot put back an older version. Bounded: past `capacity` entries, arbitrary entries
/// are dropped (the next read reloads them).
///
/// Thread-safe (a mutex).
final class CartCache: Sendable {
    private struct State {
        var carts = CachedCarts()
        var epochs = [UInt64](repeating: 0, count: 256)
        /// The last pricing of each cached cart, with the catalog epoch it was computed at.
        var priced: [String: (catalogEpoch: UInt64, cart: PricedCart)] = [:]
    }

    private let state = Locked(State())
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
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
            Self.insert(cart, into: &state, capacity: capacity)
        }
    }

    /// Records a committed cart (called from the commit hook of the transaction that wrote it).
    func committed(_ cart: StoredCart) {
        state.withLock { state in
            state.epochs[Self.bucket(cart.userID)] &+= 1
            if cart.status == .active, capacity > 0 {
                Self.insert(cart, into: &state, capacity: capacity)
            } else if state.carts[cart.userID]?.id == cart.id {
                state.carts.remove(userID: cart.userID)
                state.priced.removeValue(forKey: cart.userID)
            }
        }
    }

    /// Forgets everything (after a failure that may leave the cache unsure).
    func removeAll() {
        state.withLock { state in
            state.carts.removeAll()
            state.priced.removeAll()
            for index in state.epochs.indices { state.epochs[index] &+= 1 }
        }
    }

    /// The number of cached carts.
    var count: Int { state.withLock { $0.carts.count } }

    private static func insert(_ cart: StoredCart, into state: inout State, capacity: Int) {
        if state.carts[cart.userID] == nil, state.carts.count >= capacity {
            // Full: drop a random entry. (Dropping the dictionary's first entries instead, as before, kept
            // evicting what had just been inserted once the front of the hash table had been emptied:
            // with 20,000 carts over a 10,000-entry cache, 1,000 users read in turn missed almost
            // every time — store-bench's get-priced-5 went from 0.5 µs to 120 µs.)
            let evicted = state.carts.removeRandom()
            state.priced.removeValue(forKey: evicted)
        }
        state.carts.set(cart)
    }

    private static func bucket(_ userID: String) -> Int {
        var hasher = Hasher()
        hasher.combine(userID)
        return Int(UInt(bitPattern: hasher.finalize()) & 255)
    }
}

/// The cached carts by user, with removal of a random entry in O(1) (a dictionary of slots in an array).
struct CachedCarts {
    private var entries: [String: (cart: StoredCart, slot: Int)] = [:]
    private var users: [String] = []

    /// How many carts are cached.
    var count: Int { users.count }

    /// The cached cart of `userID`.
    subscript(userID: String) -> StoredCart? { entries[userID]?.cart }

    /// Caches `cart` under its user, replacing the user's previous cart.
    mutating func set(_ cart: StoredCart) {
        if let slot = entries[cart.userID]?.slot {
            entries[cart.userID] = (cart, slot)
        } else {
            entries[cart.userID] = (cart, users.count)
            users.append(cart.userID)
        }
    }

    /// Forgets the cart of `userID`, if cached.
    mutating func remove(userID: String) {
        guard let slot = entries.removeValue(forKey: userID)?.slot else { return }
        let last = users.removeLast()
        if slot < users.count {
            users[slot] = last
            entries[last]?.slot = slot
        }
    }

    /// Forgets a random cached cart (the cache must not be empty).
    /// - Returns: Its user id.
    mutating func removeRandom() -> String {
        let userID = users[Int.random(in: 0..<users.count)]
        remove(userID: userID)
        return userID
    }

    /// Forgets every cart.
    mutating func removeAll() {
        entries.removeAll()
        users.removeAll()
    }
}
