import CartAuth
import CartClient
import CartCore
import CartProto
import CartTesting
import Foundation
import NIOCore
import Testing
import TTRPC

/// The origin system's cart suite, and more, against the real cartd over its socket.
@Suite("CartService over the socket")
struct CartServiceTests {
    /// Runs `body` with a daemon that has the test catalog.
    func withCatalogDaemon(_ arguments: [String] = [], _ body: (TestDaemon) async throws -> Void) async throws {
        try await withTestDaemon(arguments: arguments) { daemon in
            try await TestCatalog.load(into: daemon)
            try await body(daemon)
        }
    }

    @Test("an empty cart: created on first access, same cart on every call")
    func emptyCart() async throws {
        try await withCatalogDaemon { daemon in
            let client = try await daemon.client(user: "alice")
            let first = try await client.getCart()
            #expect(first.version == 1)
            #expect(first.items.isEmpty)
            #expect(first.itemsCount == 0)
            #expect(first.totalItems == 0)
            #expect(first.totalPrice == Money(currencyCode: "INR", amountMinor: 0))
            #expect(first.userID == "alice")
            #expect(!first.hasUnavailableItems)
            for _ in 0..<5 {
                let again = try await client.getCart()
                #expect(again == first)
            }
            await client.close()
        }
    }

    @Test("add, merge, update, remove and clear, with exact prices and versions")
    func addUpdateRemove() async throws {
        try await withCatalogDaemon { daemon in
            let client = try await daemon.client(user: "alice")
            var cart = try await client.addItem(productID: "p-shirt", variantID: "p-shirt-s", quantity: 2)
            #expect(cart.version == 2)
            #expect(cart.totalPrice.amountMinor == 100_000)
            cart = try await client.addItem(productID: "p-mug", quantity: 1)
            #expect(cart.version == 3)
            #expect(cart.itemsCount == 2)
            #expect(cart.totalItems == 3)
            #expect(cart.totalPrice.amountMinor == 125_000)
            cart = try await client.addItem(productID: "p-shirt", variantID: "p-shirt-s", quantity: 1)
            #expect(cart.itemsCount == 2, "same product+variant merges into one line")
            let shirt = try #require(cart.items.first { $0.variantID == "p-shirt-s" })
            #expect(shirt.quantity == 3)
            #expect(shirt.unitPrice.amountMinor == 50_000)
            #expect(shirt.totalPrice.amountMinor == 150_000)
            #expect(shirt.productName == "Shirt")
            #expect(shirt.variantName == "S")
            cart = try await client.addItem(productID: "p-shirt", variantID: "p-shirt-l", quantity: 1)
            let large = try #require(cart.items.first { $0.variantID == "p-shirt-l" })
            #expect(large.unitPrice.amountMinor == 55_000, "unit price = product price + variant additional price")
            let mug = try #require(cart.items.first { $0.productID == "p-mug" })
            cart = try await client.updateItem(itemID: mug.id, quantity: 4)
            #expect(cart.totalPrice.amountMinor == 150_000 + 55_000 + 4 * 25_000)
            #expect(cart.version == 6)
            cart = try await client.updateItem(itemID: mug.id, quantity: 0)
            #expect(!cart.items.contains { $0.productID == "p-mug" }, "quantity 0 removes the line")
            cart = try await client.removeItem(itemID: large.id)
            #expect(cart.items.map(\.productID) == ["p-shirt"])
            #expect(cart.version == 8)
            cart = try await client.clearCart()
            #expect(cart.items.isEmpty)
            #expect(cart.totalPrice.amountMinor == 0)
            #expect(cart.version == 9)
            #expect(try await client.getCart() == cart, "GetCart agrees with the last mutation's reply")
            await client.close()
        }
    }

    @Test("user isolation: another user's item id is NOT_FOUND, exactly like an unknown id")
    func isolation() async throws {
        try await withCatalogDaemon { daemon in
            let alice = try await daemon.client(user: "alice")
            let bob = try await daemon.client(user: "bob")
            let aliceCart = try await alice.addItem(productID: "p-pen", quantity: 3)
            let aliceItem = aliceCart.items[0].id
            let bobCart = try await bob.getCart()
            #expect(bobCart.id != aliceCart.id)
            var messages: [String] = []
            for itemID in [aliceItem, "item_DOESNOTEXIST0000000"] {
                let error = await expectRPCError(.notFound, "update \(itemID)") {
                    try await bob.updateItem(itemID: itemID, quantity: 1)
                }
                messages.append(error?.message.replacingOccurrences(of: itemID, with: "ID") ?? "")
            }
            #expect(messages.count == 2 && messages[0] == messages[1], "no hint that alice's item exists")
            await #expect(throws: RPCError.self) { try await bob.removeItem(itemID: aliceItem) }
            #expect(try await alice.getCart() == aliceCart, "alice's cart is untouched")
            #expect(try await bob.getCart().items.isEmpty)
            await alice.close()
            await bob.close()
        }
    }

    @Test("one cart per user, also under concurrent first calls from many connections")
    func uniqueCart() async throws {
        try await withCatalogDaemon { daemon in
            let token = try await daemon.token(user: "carol")
            let ids = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<24 {
                    group.addTask {
                        let client = CartClient(socketPath: daemon.socketPath, token: token)
                        defer { Task { await client.close() } }
                        return try await client.getCart().id
                    }
                }
                var ids = Set<String>()
                for try await id in group { ids.insert(id) }
                return ids
            }
            #expect(ids.count == 1)
        }
    }

    @Test("concurrent AddItem from many connections: exact final quantity and version")
    func concurrentAdds() async throws {
        try await withCatalogDaemon { daemon in
            let token = try await daemon.token(user: "dave")
            let start = try await CartClient(socketPath: daemon.socketPath, token: token).getCart()
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<8 {
                    group.addTask {
                        let client = CartClient(socketPath: daemon.socketPath, token: token)
                        for _ in 0..<5 { _ = try await client.addItem(productID: "p-pen", quantity: 1) }
                        await client.close()
                    }
                }
                try await group.waitForAll()
            }
            let final = try await CartClient(socketPath: daemon.socketPath, token: token).getCart()
            #expect(final.items.count == 1)
            #expect(final.items.first?.quantity == 40)
            #expect(final.version == start.version + 40)
            #expect(final.totalPrice.amountMinor == 40 * 1_050)
        }
    }

    @Test("bad input: every case gets its code and leaves the cart as it was")
    func badInput() async throws {
        try await withCatalogDaemon { daemon in
            let client = try await daemon.client(user: "erin")
            let before = try await client.addItem(productID: "p-pen", quantity: 1)
            let cases: [(String, StatusCode, () async throws -> PricedCart)] = [
                ("unknown product", .notFound, { try await client.addItem(productID: "p-nope", quantity: 1) }),
                ("unknown variant", .notFound,
                 { try await client.addItem(productID: "p-shirt", variantID: "v-nope", quantity: 1) }),
                ("variant of another product", .invalidArgument,
                 { try await client.addItem(productID: "p-mug", variantID: "p-shirt-s", quantity: 1) }),
                ("quantity 0", .invalidArgument, { try await client.addItem(productID: "p-pen", quantity: 0) }),
                ("negative quantity", .invalidArgument, { try await client.addItem(productID: "p-pen", quantity: -3) }),
                ("quantity over the line maximum", .invalidArgument,
                 { try await client.addItem(productID: "p-pen", quantity: 51) }),
                ("quantity 2^32-1", .invalidArgument,
                 { try await client.addItem(productID: "p-pen", quantity: 4_294_967_295) }),
                ("inactive product", .failedPrecondition,
                 { try await client.addItem(productID: "p-retired", quantity: 1) }),
                ("inactive variant", .failedPrecondition,
                 { try await client.addItem(productID: "p-shirt", variantID: "p-shirt-xl", quantity: 1) }),
                ("stock short", .failedPrecondition,
                 { try await client.addItem(productID: "p-shirt", variantID: "p-shirt-l", quantity: 3) }),
                ("sold out", .failedPrecondition, { try await client.addItem(productID: "p-soldout", quantity: 1) }),
                ("empty product id", .invalidArgument, { try await client.addItem(productID: "", quantity: 1) }),
                ("10 KB product id", .invalidArgument,
                 { try await client.addItem(productID: String(repeating: "x", count: 10_240), quantity: 1) }),
                ("unknown item", .notFound, { try await client.updateItem(itemID: "item_nope", quantity: 1) }),
                ("update over maximum", .invalidArgument,
                 { try await client.updateItem(itemID: before.items[0].id, quantity: 1_000) }),
                ("remove unknown item", .notFound, { try await client.removeItem(itemID: "item_nope") }),
                ("stale expected_version", .aborted,
                 { try await client.addItem(productID: "p-pen", quantity: 1, expectedVersion: 1) }),
            ]
            for (name, code, call) in cases {
                let error = await expectRPCError(code, name, call)
                #expect(error?.message.isEmpty == false)
                #expect(try await client.getCart() == before, "\(name) changed the cart")
            }
            await client.close()
        }
    }

    @Test("expected_version: a match applies, a mismatch is ABORTED with the current version")
    func expectedVersion() async throws {
        try await withCatalogDaemon { daemon in
            let client = try await daemon.client(user: "frank")
            let cart = try await client.getCart()
            let next = try await client.addItem(productID: "p-pen", quantity: 1, expectedVersion: cart.version)
            #expect(next.version == cart.version + 1)
            let error = await expectRPCError(.aborted, "stale version") {
                try await client.addItem(productID: "p-pen", quantity: 1, expectedVersion: cart.version)
            }
            #expect(error?.message.contains("\(next.version)") == true)
            #expect(try await client.getCart().version == next.version)
            await client.close()
        }
    }

    @Test("idempotent retry: the same AddItem twice with one key adds once and returns the same reply")
    func idempotentRetry() async throws {
        try await withCatalogDaemon { daemon in
            let client = try await daemon.client(user: "gina")
            let first = try await client.addItem(productID: "p-pen", quantity: 2, idempotencyKey: "retry-1")
            let second = try await client.addItem(productID: "p-pen", quantity: 2, idempotencyKey: "retry-1")
            #expect(second == first)
            let now = try await client.getCart()
            #expect(now.items.first?.quantity == 2)
            #expect(now.version == first.version)
            await expectRPCError(.invalidArgument, "key reused for another request") {
                try await client.addItem(productID: "p-pen", quantity: 3, idempotencyKey: "retry-1")
            }
            await expectRPCError(.invalidArgument, "over-long key") {
                try await client.addItem(productID: "p-pen", quantity: 1, idempotencyKey: String(repeating: "k", count: 200))
            }
            // Another user may use the same key.
            let other = try await daemon.client(user: "hank")
            #expect(try await other.addItem(productID: "p-pen", quantity: 1, idempotencyKey: "retry-1").totalItems == 1)
            #expect(try await client.getCart().items.first?.quantity == 2)
            await client.close()
            await other.close()
        }
    }

    @Test("guest merge: lines move, quantities add (capped), the guest cart closes, a second merge is a no-op")
    func guestMerge() async throws {
        try await withCatalogDaemon { daemon in
            let guestToken = try await daemon.token(user: "session-42", guest: true)
            let guest = CartClient(socketPath: daemon.socketPath, token: guestToken)
            _ = try await guest.addItem(productID: "p-pen", quantity: 30)
            let guestCart = try await guest.addItem(productID: "p-mug", quantity: 1)
            let user = try await daemon.client(user: "ivy")
            _ = try await user.addItem(productID: "p-pen", quantity: 30)
            let merged = try await user.mergeGuestCart(guestToken: guestToken)
            #expect(merged.items.first { $0.productID == "p-pen" }?.quantity == 50, "30 + 30 capped at 50")
            #expect(merged.items.first { $0.productID == "p-mug" }?.quantity == 1)
            let again = try await user.mergeGuestCart(guestToken: guestToken)
            #expect(again.version == merged.version, "merging the same guest twice changes nothing")
            let newGuestCart = try await guest.getCart()
            #expect(newGuestCart.id != guestCart.id)
            #expect(newGuestCart.items.isEmpty)
            // A registered user's token is not a guest token.
            let notGuest = try await daemon.token(user: "ivy2")
            await expectRPCError(.invalidArgument, "non-guest token merged") {
                try await user.mergeGuestCart(guestToken: notGuest)
            }
            // A guest token never reaches the registered user of the same name.
            let impostor = CartClient(socketPath: daemon.socketPath, token: try await daemon.token(user: "ivy", guest: true))
            #expect(try await impostor.getCart().id != merged.id)
            await guest.close()
            await user.close()
            await impostor.close()
        }
    }

    @Test("token failures are UNAUTHENTICATED: none, expired, wrong secret, alg none, missing sub, not a JWT")
    func tokenFailures() async throws {
        try await withCatalogDaemon { daemon in
            let key = try daemon.signingKey
            let wrongKey = SigningKey(id: nil, secret: Array("another secret that is long enough".utf8))
            let expired = try await TokenMinter(key: key).mint(subject: "x", lifetime: -120)
            let wrongSecret = try await TokenMinter(key: wrongKey).mint(subject: "x", lifetime: 600)
            let noSub = try await TokenMinter(key: key).mint(TokenClaims(sub: nil, exp: Date().addingTimeInterval(600)))
            let noExp = try await TokenMinter(key: key).mint(TokenClaims(sub: "x", exp: nil))
            let future = try await TokenMinter(key: key).mint(subject: "x", lifetime: 600,
                                                              notBefore: Date().addingTimeInterval(3600))
            let valid = try await daemon.token(user: "x")
            let parts = valid.split(separator: ".")
            let noneHeader = Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64EncodedString()
                .replacingOccurrences(of: "=", with: "")
            let algNone = "\(noneHeader).\(parts[1])."
            let tokens: [(String, String?)] = [
                ("missing", nil), ("expired", expired), ("wrong secret", wrongSecret), ("alg none", algNone),
                ("missing sub", noSub), ("missing exp", noExp), ("not yet valid", future), ("not a JWT", "hello"),
                ("tampered payload", "\(parts[0]).\(parts[1])x.\(parts[2])"),
            ]
            for (name, token) in tokens {
                let client = CartClient(socketPath: daemon.socketPath, token: token)
                let error = await expectRPCError(.unauthenticated, name) { try await client.getCart() }
                #expect(error?.message.contains(String(decoding: key.secret, as: UTF8.self)) == false)
                await client.close()
            }
            let good = CartClient(socketPath: daemon.socketPath, token: valid)
            #expect(try await good.getCart().userID == "x")  // verified, then cached
            #expect(try await good.getCart().userID == "x")  // from the token cache
            await good.close()
        }
    }

    @Test("the authorization entry is parsed on both the verified and the cached path: two entries, no scheme, Basic, empty; case and spaces tolerated")
    func authorizationEntries() async throws {
        try await withCatalogDaemon { daemon in
            let token = try await daemon.token(user: "ann")
            func getCart(_ streamID: UInt32, _ entries: [(String, String)]) -> [UInt8] {
                var metadata = Metadata()
                for (key, value) in entries { metadata.append(key, value) }
                return requestBytes(streamID: streamID, service: "cart.v1.CartService", method: "GetCart",
                                    message: GetCartRequest(), metadata: metadata)
            }
            let bad: [(String, [(String, String)])] = [
                ("two entries", [("authorization", "Bearer \(token)"), ("Authorization", "Bearer \(token)")]),
                ("no scheme", [("authorization", token)]),
                ("Basic", [("authorization", "Basic \(token)")]),
                ("scheme only", [("authorization", "Bearer   ")]),
                ("no entry", [("x-other", "Bearer \(token)")]),
            ]
            // Each bad case before the token is cached (first round) and after (second round).
            var cases: [(String, [UInt8], StatusCode)] = []
            var streamID: UInt32 = 1
            for round in ["uncached", "cached"] {
                for (name, entries) in bad {
                    cases.append(("\(round): \(name)", getCart(streamID, entries), .unauthenticated))
                    streamID += 2
                }
                cases.append(("\(round): good, odd case and spaces", getCart(streamID, [("AUTHORIZATION", "bEaReR  \(token)  ")]), .ok))
                streamID += 2
            }
            let frames = cases
            let results = try await onThread {
                let socket = try RawSocket(path: daemon.socketPath)
                return try frames.map { ($0.0, try socket.call($0.1).status?.code ?? .ok, $0.2) }
            }
            for (what, code, expected) in results { #expect(code == expected, "\(what): \(code.name)") }
        }
    }

    @Test("two watchers of one user converge while a third connection mutates")
    func watchersConverge() async throws {
        try await withCatalogDaemon { daemon in
            let token = try await daemon.token(user: "jack")
            let writer = CartClient(socketPath: daemon.socketPath, token: token)
            let initial = try await writer.getCart()
            let target = initial.version + 20
            func watch() async throws -> [PricedCart] {
                let client = CartClient(socketPath: daemon.socketPath, token: token)
                var seen: [PricedCart] = []
                for try await cart in client.watchCart(sinceVersion: 0) {
                    seen.append(cart)
                    if cart.version >= target { break }
                }
                await client.close()
                return seen
            }
            async let first = watch()
            async let second = watch()
            try await Task.sleep(for: .milliseconds(200))
            for index in 0..<20 {
                if index % 2 == 0 {
                    _ = try await writer.addItem(productID: "p-pen", quantity: 1)
                } else {
                    _ = try await writer.addItem(productID: "p-shirt", variantID: "p-shirt-s", quantity: 1)
                }
            }
            let final = try await writer.getCart()
            let (a, b) = try await (first, second)
            for seen in [a, b] {
                #expect(seen.last == final)
                let versions = seen.map(\.version)
                #expect(versions == versions.sorted() && Set(versions).count == versions.count, "in version order")
            }
            await writer.close()
        }
    }

    @Test("WatchCart with since_version equal to the current version sends only later changes")
    func watchSinceVersion() async throws {
        try await withCatalogDaemon { daemon in
            let client = try await daemon.client(user: "kate")
            let current = try await client.addItem(productID: "p-pen", quantity: 1)
            let watcher = try await daemon.client(user: "kate")
            let stream = watcher.watchCart(sinceVersion: current.version)
            let reader = Task { () -> UInt64? in
                for try await cart in stream { return cart.version }
                return nil
            }
            try await Task.sleep(for: .milliseconds(200))
            _ = try await client.addItem(productID: "p-pen", quantity: 1)
            #expect(try await reader.value == current.version + 1)
            await client.close()
            await watcher.close()
        }
    }

    @Test("catalog RPCs need role admin; deleting or deactivating a product turns lines unavailable")
    func catalogAndAvailability() async throws {
        try await withCatalogDaemon { daemon in
            let shopper = try await daemon.client(user: "leo")
            await expectRPCError(.permissionDenied, "non-admin changed stock") {
                try await shopper.setStock(productID: "p-pen", stock: 0)
            }
            _ = try await shopper.addItem(productID: "p-pen", quantity: 4)
            _ = try await shopper.addItem(productID: "p-mug", quantity: 2)
            _ = try await shopper.addItem(productID: "p-shirt", variantID: "p-shirt-s", quantity: 1)
            let admin = try await daemon.client(user: "root", admin: true)
            _ = try await admin.setStock(productID: "p-pen", stock: 2)
            _ = try await admin.setStock(productID: "p-mug", stock: 0)
            #expect(try await admin.deleteProduct(productID: "p-shirt"))
            let cart = try await shopper.getCart()
            let pen = try #require(cart.items.first { $0.productID == "p-pen" })
            #expect(pen.available)
            #expect(pen.problems.first?.code == .insufficientStock)
            #expect(pen.problems.first?.availableQuantity == 2)
            let mug = try #require(cart.items.first { $0.productID == "p-mug" })
            #expect(!mug.available)
            #expect(mug.problems.first?.code == .outOfStock)
            let shirt = try #require(cart.items.first { $0.productID == "p-shirt" })
            #expect(!shirt.available)
            #expect(shirt.problems.first?.code == .productUnavailable)
            #expect(cart.hasUnavailableItems)
            #expect(cart.totalPrice.amountMinor == 4 * 1_050, "only available lines count")
            var pricier = try await admin.getProduct(productID: "p-pen")
            pricier.price = TestCatalog.inr(1_200)
            _ = try await admin.upsertProducts([pricier])
            let repriced = try await shopper.getCart()
            let penNow = try #require(repriced.items.first { $0.productID == "p-pen" })
            #expect(penNow.unitPrice.amountMinor == 1_200)
            #expect(penNow.problems.contains { $0.code == .priceChanged && $0.previousUnitPrice?.amountMinor == 1_050 })
            await shopper.close()
            await admin.close()
        }
    }
}
