import CartCore
import Testing

@testable import CartStoreSQLite

/// The in-memory cart cache: its bound, its eviction, and its slot bookkeeping.
@Suite("SQLiteStore · cart cache")
struct CartCacheTests {
    private func cart(_ user: String) -> StoredCart {
        StoredCart.new(id: "cart_\(user)", userID: user, currency: "INR", nowMs: 0, isGuest: false)
    }

    @Test("never holds more than its capacity; the cart just committed is always cached")
    func bounded() {
        let cache = CartCache(capacity: 10)
        for index in 0..<100 {
            cache.committed(cart("u\(index)"))
            #expect(cache.cart(userID: "u\(index)") != nil)
        }
        #expect(cache.count == 10)
    }

    @Test("users read in turn stay cached once read, also when the cache is full of others")
    func cyclicReadersConverge() {
        let cache = CartCache(capacity: 100)
        for index in 0..<300 { cache.committed(cart("u\(index)")) }  // full, of other users
        let readers = (0..<20).map { "r\($0)" }
        var missesPerRound: [Int] = []
        for _ in 0..<30 {
            var misses = 0
            for reader in readers where cache.cart(userID: reader) == nil {
                misses += 1
                cache.offer(cart(reader), token: cache.readToken(userID: reader))
            }
            missesPerRound.append(misses)
        }
        #expect(missesPerRound.first == 20)
        // Each miss evicts a random entry (a reader with probability 1/5): the misses die out. Evicting
        // the table's first entries instead kept evicting the readers just inserted, round after round.
        #expect(missesPerRound.suffix(10).allSatisfy { $0 == 0 }, "misses per round: \(missesPerRound)")
        #expect(cache.count == 100)
    }

    @Test("a cart that is no longer active leaves the cache; removal keeps the others reachable")
    func removal() throws {
        let cache = CartCache(capacity: 10)
        for user in ["a", "b", "c"] { cache.committed(cart(user)) }
        var ordered = cart("a")
        ordered.status = .merged
        cache.committed(ordered)
        #expect(cache.cart(userID: "a") == nil)
        #expect(cache.cart(userID: "b")?.id == "cart_b")
        #expect(cache.cart(userID: "c")?.id == "cart_c")
        #expect(cache.count == 2)

        var carts = RandomEvictingDictionary<String, StoredCart>(capacity: 3)
        for user in ["x", "y", "z"] { #expect(carts.set(cart(user), for: user) == nil) }
        let evictedKey = carts.set(cart("w"), for: "w")
        let evicted = try #require(evictedKey, "a new key in a full dictionary evicts one")
        #expect(["x", "y", "z"].contains(evicted))
        #expect(carts[evicted] == nil)
        #expect(carts["w"] != nil)
        #expect(carts.count == 3)
        for user in ["x", "y", "z"] where user != evicted { #expect(carts[user] != nil) }
        carts.removeValue(forKey: "nobody")
        #expect(carts.count == 3)
        carts.removeValue(forKey: "w")
        #expect(carts.count == 2)
        for user in ["x", "y", "z"] where user != evicted { #expect(carts[user] != nil, "still reachable after a removal") }
    }

    @Test("a read that raced with a write to the same user is not cached")
    func staleOfferRefused() {
        let cache = CartCache(capacity: 10)
        let token = cache.readToken(userID: "w")
        var newer = cart("w")
        newer.version = 2
        cache.committed(newer)
        var closed = newer
        closed.status = .merged
        cache.committed(closed)  // gone from the cache again
        #expect(cache.cart(userID: "w") == nil)
        cache.offer(cart("w"), token: token)  // version 1, read before those commits
        #expect(cache.cart(userID: "w") == nil)
    }

    private func priced(_ cart: StoredCart, total: Int64) -> PricedCart {
        PricedCart(id: cart.id, userID: cart.userID, version: cart.version, currencyCode: cart.currencyCode,
                   items: [], itemsCount: 0, totalItems: 0,
                   totalPrice: Money(currencyCode: cart.currencyCode, amountMinor: total),
                   hasUnavailableItems: false, createdAtMs: 0, updatedAtMs: 0)
    }

    @Test("a pricing is reused only for the same cart version at the same catalog epoch")
    func pricingMemo() {
        let cache = CartCache(capacity: 10)
        let first = cart("p")
        cache.committed(first)
        #expect(cache.priced(userID: "p", catalogEpoch: 1) == nil)
        cache.remember(priced(first, total: 100), catalogEpoch: 1)
        #expect(cache.priced(userID: "p", catalogEpoch: 1)?.totalPrice.amountMinor == 100)
        #expect(cache.priced(first, catalogEpoch: 1)?.totalPrice.amountMinor == 100)
        #expect(cache.priced(userID: "p", catalogEpoch: 2) == nil, "the catalog changed since")

        var second = first
        second.version = 2
        #expect(cache.priced(second, catalogEpoch: 1) == nil, "a pricing of version 1 is not one of version 2")
        cache.committed(second)
        #expect(cache.priced(userID: "p", catalogEpoch: 1) == nil, "a commit drops the old pricing")
        cache.remember(priced(first, total: 100), catalogEpoch: 1)
        #expect(cache.priced(userID: "p", catalogEpoch: 1) == nil, "a late pricing of version 1 is ignored")
        cache.remember(priced(second, total: 200), catalogEpoch: 1)
        #expect(cache.priced(userID: "p", catalogEpoch: 1)?.totalPrice.amountMinor == 200)

        cache.remember(priced(cart("uncached"), total: 5), catalogEpoch: 1)
        #expect(cache.priced(userID: "uncached", catalogEpoch: 1) == nil, "only cached carts keep a pricing")
        var closed = second
        closed.status = .merged
        cache.committed(closed)
        #expect(cache.priced(userID: "p", catalogEpoch: 1) == nil, "a cart leaving the cache takes its pricing")
    }

    @Test("an evicted cart's pricing goes with it: the cart read back has none")
    func pricingEvicted() {
        let cache = CartCache(capacity: 3)
        cache.committed(cart("a"))
        cache.remember(priced(cart("a"), total: 1), catalogEpoch: 7)
        #expect(cache.priced(userID: "a", catalogEpoch: 7) != nil)
        // Once full, each new cart evicts a random one of three: "a" survives all 58 with probability (2/3)^58.
        for index in 0..<60 { cache.committed(cart("n\(index)")) }
        #expect(cache.cart(userID: "a") == nil)
        cache.offer(cart("a"), token: cache.readToken(userID: "a"))
        #expect(cache.cart(userID: "a") != nil)
        #expect(cache.priced(userID: "a", catalogEpoch: 7) == nil)
    }
}
