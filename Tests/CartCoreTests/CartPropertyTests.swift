// A seeded random walk of commands against a random, changing catalog, checking the cart's invariants after
// every step.

import CartCore
import Testing

@Suite("CartRules · property")
struct CartPropertyTests {
    static let rules = CartRules(maxLineQuantity: 50, maxLines: 4)

    @Test("random command sequences keep every invariant", arguments: [UInt64(1), 7, 42, 2024, 0xDEAD_BEEF])
    func randomWalk(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var ids = IDGenerator(generator: SplitMix64(seed: seed &+ 1))
        var catalog = Self.randomCatalog(&rng)
        var cart = StoredCart.new(id: "cart_p", userID: "u", currency: "INR", nowMs: 0, isGuest: false)
        var mintedIDs: Set<String> = []
        var successes = 0
        var errorKinds: Set<ErrorKind> = []

        for step in 1...2_000 {
            if Int.random(in: 0..<20, using: &rng) == 0 { Self.mutateCatalog(&catalog, &rng) }
            let command = Self.randomCommand(cart: cart, catalog: catalog, &rng)
            let expected: UInt64 =
                switch Int.random(in: 0..<10, using: &rng) {
                case 0: cart.version &+ 1
                case 1, 2: cart.version
                default: 0
                }
            let nowMs = Int64(step) * 10
            let before = cart
            do throws(CartError) {
                let after = try Self.rules.apply(
                    command, to: before, catalog: catalog, expectedVersion: expected, nowMs: nowMs, ids: &ids)
                if case .mergeGuest = command, after == before {
                    // A merge that moves nothing commits nothing.
                } else {
                    #expect(after.version == before.version + 1, "step \(step): \(command)")
                    #expect(after.updatedAtMs == nowMs)
                    successes += 1
                }
                #expect(expected == 0 || expected == before.version)
                cart = after
            } catch {
                #expect(!error.message.isEmpty)
                errorKinds.insert(error.kind)
                if expected != 0 && expected != before.version {
                    #expect(error.kind == .aborted || error.kind == .invalidArgument, "\(error.message)")
                }
                #expect(cart == before)
            }
            for line in cart.lines where !before.lines.contains(where: { $0.id == line.id }) {
                #expect(mintedIDs.insert(line.id).inserted, "line id \(line.id) minted twice")
            }
            try Self.checkInvariants(cart, catalog: catalog, step: step)
        }
        #expect(successes > 300, "the walk should mostly succeed (\(successes))")
        let expectedKinds: Set<ErrorKind> = [
            .invalidArgument, .notFound, .failedPrecondition, .aborted, .resourceExhausted,
        ]
        #expect(errorKinds == expectedKinds, "the walk should hit every rule's error kind")
    }

    static func checkInvariants(_ cart: StoredCart, catalog: StaticCatalog, step: Int) throws {
        #expect(cart.lines.allSatisfy { (1...rules.maxLineQuantity).contains($0.quantity) }, "step \(step)")
        #expect(cart.lines.count <= rules.maxLines)
        let keys = cart.lines.map { StockKey(productID: $0.productID, variantID: $0.variantID) }
        #expect(Set(keys).count == keys.count, "duplicate product+variant at step \(step)")
        #expect(Set(cart.lines.map(\.id)).count == cart.lines.count)
        #expect(cart.lines.allSatisfy { $0.variantID != "" })

        let priced = try CartPricer.price(cart, catalog: catalog)
        #expect(priced.version == cart.version && priced.itemsCount == cart.lines.count)
        #expect(priced.totalItems == cart.lines.reduce(0) { $0 + $1.quantity })
        var total: Int64 = 0
        for (line, item) in zip(cart.lines, priced.items) {
            let expectedUnit = expectedUnitPrice(line, cartCurrency: cart.currencyCode, catalog: catalog)
            #expect(item.unitPrice.amountMinor == (expectedUnit ?? 0), "step \(step) line \(line.productID)")
            #expect(item.unitPrice.currencyCode == cart.currencyCode)
            #expect(item.totalPrice.amountMinor == item.unitPrice.amountMinor * line.quantity)
            #expect(item.available == !item.problems.contains { $0.code.makesLineUnavailable })
            if item.available { total += item.totalPrice.amountMinor }
        }
        #expect(priced.totalPrice == Money(currencyCode: cart.currencyCode, amountMinor: total))
        #expect(priced.hasUnavailableItems == priced.items.contains { !$0.available })
    }

    /// The unit price recomputed from the catalog, independently of the pricer; `nil` when it cannot be shown.
    static func expectedUnitPrice(_ line: CartLine, cartCurrency: String, catalog: StaticCatalog) -> Int64? {
        guard let product = catalog.product(id: line.productID) else { return nil }
        var amount = product.price.amountMinor
        if let variantID = line.variantID {
            guard let variant = product.variant(id: variantID) else { return nil }
            amount += variant.additionalPrice.amountMinor
        }
        return product.price.currencyCode == cartCurrency ? amount : nil
    }

    static func randomCatalog(_ rng: inout SplitMix64) -> StaticCatalog {
        var products: [Product] = []
        for index in 0..<6 {
            products.append(randomProduct(id: "p\(index)", variantBase: index * 10, &rng))
        }
        return StaticCatalog(products)
    }

    static func randomProduct(id: String, variantBase: Int, _ rng: inout SplitMix64) -> Product {
        let currency = Int.random(in: 0..<8, using: &rng) == 0 ? "USD" : "INR"
        let price = Int64.random(in: 0...100_000, using: &rng)
        let variants = (0..<Int.random(in: 0...3, using: &rng)).map { index in
            ProductVariant(
                id: "v\(variantBase + index)", name: "V\(index)",
                additionalPrice: Money(
                    currencyCode: currency, amountMinor: Int64.random(in: -price...5_000, using: &rng)),
                active: Int.random(in: 0..<6, using: &rng) != 0, stock: Int64.random(in: 0...60, using: &rng))
        }
        return Product(
            id: id, name: "Product \(id)", price: Money(currencyCode: currency, amountMinor: price),
            active: Int.random(in: 0..<6, using: &rng) != 0, stock: Int64.random(in: 0...60, using: &rng),
            variants: variants)
    }

    static func mutateCatalog(_ catalog: inout StaticCatalog, _ rng: inout SplitMix64) {
        let index = Int.random(in: 0..<6, using: &rng)
        let id = "p\(index)"
        if Int.random(in: 0..<4, using: &rng) == 0 {
            catalog.remove(id: id)
        } else {
            catalog.upsert(randomProduct(id: id, variantBase: index * 10, &rng))
        }
        let key = StockKey(productID: id, variantID: nil)
        catalog.reservedUnits[key] = Int64.random(in: 0...10, using: &rng)
    }

    static func randomCommand(cart: StoredCart, catalog: StaticCatalog, _ rng: inout SplitMix64) -> CartCommand {
        let quantities: [Int64] = [-1, 0, 1, 1, 2, 3, 5, 10, 25, 49, 50, 51, 4_294_967_295]
        let itemID = cart.lines.randomElement(using: &rng)?.id ?? "item_missing"
        switch Int.random(in: 0..<20, using: &rng) {
        case 0..<9:
            let productID = Int.random(in: 0..<12, using: &rng) == 0 ? "p99" : "p\(Int.random(in: 0..<6, using: &rng))"
            let variantID: String? =
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: nil
                case 1: ""
                default: "v\(Int.random(in: 0..<60, using: &rng))"
                }
            return .add(productID: productID, variantID: variantID, quantity: quantities.randomElement(using: &rng)!)
        case 9..<14:
            let id = Int.random(in: 0..<10, using: &rng) == 0 ? "item_other" : itemID
            return .update(itemID: id, quantity: Int64.random(in: -1...55, using: &rng))
        case 14..<17:
            return .remove(itemID: Int.random(in: 0..<10, using: &rng) == 0 ? "item_other" : itemID)
        case 17:
            return .clear
        default:
            let lines = (0..<Int.random(in: 0...4, using: &rng)).map { index in
                CartLine(
                    id: "guest_\(index)", productID: "p\(Int.random(in: 0..<7, using: &rng))",
                    variantID: nil, quantity: Int64.random(in: 1...60, using: &rng),
                    addedUnitPrice: Money(currencyCode: "INR", amountMinor: 100), createdAtMs: 0)
            }
            return .mergeGuest(lines: lines)
        }
    }
}
