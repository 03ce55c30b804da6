import CartClient
import CartCore
import CartProto
import CartTesting
import Foundation
import Testing
import TTRPC

/// Checkout, ConfirmPayment, cancellation, reservations and orders against the real cartd (simulated gateway).
@Suite("PaymentService over the socket")
struct PaymentTests {
    @Test("an empty cart cannot be checked out: the exact message with the cart id, nothing changes")
    func emptyCart() async throws {
        try await withPaymentDaemon { daemon, _ in
            let alice = try await daemon.client(user: "alice")
            let cart = try await alice.getCart()
            let error = await expectRPCError(.failedPrecondition, "empty cart") {
                try await alice.createPaymentFromCart(shipping: Addresses.home)
            }
            #expect(error?.message == "Cart is empty. Please add items first. Cart ID: \(cart.id)")
            #expect(try await alice.getCart() == cart)
            // A cart emptied after use is refused the same way.
            _ = try await alice.addItem(productID: "p-pen", quantity: 1)
            let cleared = try await alice.clearCart()
            let again = await expectRPCError(.failedPrecondition, "emptied cart") {
                try await alice.createPaymentFromCart(shipping: Addresses.home)
            }
            #expect(again?.message == "Cart is empty. Please add items first. Cart ID: \(cleared.id)")
            #expect(try await alice.listOrders().orders.isEmpty)
            await alice.close()
        }
    }

    @Test("unavailable lines (inactive, deleted, out of stock, short) block checkout, each named; nothing is reserved")
    func unavailableLines() async throws {
        try await withPaymentDaemon { daemon, admin in
            let alice = try await daemon.client(user: "alice")
            let bob = try await daemon.client(user: "bob")
            _ = try await alice.addItem(productID: "p-pen", quantity: 2)
            _ = try await alice.addItem(productID: "p-mug", quantity: 1)
            _ = try await alice.addItem(productID: "p-shirt", variantID: "p-shirt-l", quantity: 2)
            _ = try await bob.addItem(productID: "p-shirt", variantID: "p-shirt-l", quantity: 1)
            var mug = try await admin.getProduct(productID: "p-mug")
            mug.active = false
            _ = try await admin.upsertProducts([mug])
            _ = try await admin.setStock(productID: "p-shirt", variantID: "p-shirt-l", stock: 1)
            let cart = try await alice.getCart()
            let mugItem = try #require(cart.items.first { $0.productID == "p-mug" }).id
            let largeItem = try #require(cart.items.first { $0.variantID == "p-shirt-l" }).id
            let penItem = try #require(cart.items.first { $0.productID == "p-pen" }).id
            let first = await expectRPCError(.failedPrecondition, "inactive + short") {
                try await alice.createPaymentFromCart(shipping: Addresses.home)
            }
            var reasons = [String: String]()
            reasons[mugItem] = "Mug [item \(mugItem)]: This product is no longer available"
            reasons[largeItem] = "Shirt (L) [item \(largeItem)]: Only 1 left in stock"
            #expect(first?.message == linesMessage(cart.items.compactMap { reasons[$0.id] }))

            #expect(try await admin.deleteProduct(productID: "p-pen"))
            _ = try await admin.setStock(productID: "p-shirt", variantID: "p-shirt-l", stock: 0)
            let second = await expectRPCError(.failedPrecondition, "deleted + out of stock") {
                try await alice.createPaymentFromCart(shipping: Addresses.home)
            }
            // A deleted product's name is gone with it: the line is named by what the cart still knows.
            let penName = try #require(try await alice.getCart().items.first { $0.id == penItem }).productName
            #expect(!penName.isEmpty)
            reasons[penItem] = "\(penName) [item \(penItem)]: This product is no longer available"
            reasons[largeItem] = "Shirt (L) [item \(largeItem)]: This item is out of stock"
            #expect(second?.message == linesMessage(cart.items.compactMap { reasons[$0.id] }))
            #expect(try await alice.getCart().version == cart.version, "a refused checkout leaves the cart alone")
            #expect(try await stock(admin, "p-shirt", variant: "p-shirt-l") == 0)

            // Nothing was reserved by the refused checkouts: bob can take the one L once it is back.
            _ = try await admin.setStock(productID: "p-shirt", variantID: "p-shirt-l", stock: 1)
            let bobs = try await bob.createPaymentFromCart(shipping: Addresses.office)
            #expect(bobs.status == .created)
            #expect(bobs.amount == TestCatalog.inr(55_000))
            #expect(try await alice.listOrders().orders.isEmpty)
            await alice.close()
            await bob.close()
        }
    }

    @Test("bad checkout input: each gets its code and exact message, and changes no cart, stock or reservation")
    func badCheckoutInput() async throws {
        try await withPaymentDaemon { daemon, admin in
            let alice = try await daemon.client(user: "alice")
            let bob = try await daemon.client(user: "bob")
            _ = try await bob.addItem(productID: "p-mug", quantity: 5)
            let before = try await alice.addItem(productID: "p-mug", quantity: 5)
            func with(_ change: (inout Address) -> Void) -> Address {
                var address = Addresses.home
                change(&address)
                return address
            }
            let cases: [(String, Address, Address, String, String, StatusCode, String)] = [
                ("no shipping address", Address(), Address(), "", "razorpay", .invalidArgument,
                 "shipping_address: is required"),
                ("no city", with { $0.city = "" }, Address(), "", "razorpay", .invalidArgument,
                 "shipping_address.city: is required"),
                ("blank name", with { $0.name = "   " }, Address(), "", "razorpay", .invalidArgument,
                 "shipping_address.name: is required"),
                ("no postal code", with { $0.postalCode = "" }, Address(), "", "razorpay", .invalidArgument,
                 "shipping_address.postal_code: is required"),
                ("line1 of 201 characters", with { $0.line1 = String(repeating: "a", count: 201) }, Address(), "",
                 "razorpay", .invalidArgument, "shipping_address.line1: is longer than 200 characters"),
                ("10 KB name", with { $0.name = String(repeating: "n", count: 10_240) }, Address(), "", "razorpay",
                 .invalidArgument, "shipping_address.name: is longer than 200 characters"),
                ("billing postal code of 21", Addresses.home, with { $0.postalCode = String(repeating: "9", count: 21) },
                 "", "razorpay", .invalidArgument, "billing_address.postal_code: is longer than 20 characters"),
                ("billing without line1", Addresses.home, with { $0.line1 = "" }, "", "razorpay", .invalidArgument,
                 "billing_address.line1: is required"),
                ("lower-case country", with { $0.country = "in" }, Address(), "", "razorpay", .invalidArgument,
                 "shipping_address.country: must be an ISO-3166 alpha-2 code such as IN"),
                ("three-letter country", with { $0.country = "IND" }, Address(), "", "razorpay", .invalidArgument,
                 "shipping_address.country: is longer than 2 characters"),
                ("control character", with { $0.name = "Asha\u{07}Rao" }, Address(), "", "razorpay", .invalidArgument,
                 "shipping_address.name: contains control characters"),
                ("letters in the phone", with { $0.phone = "call me" }, Address(), "", "razorpay", .invalidArgument,
                 "shipping_address.phone: may hold only digits, spaces, + - ( )"),
                ("bad currency", Addresses.home, Address(), "RUPEES", "razorpay", .invalidArgument,
                 "currency_code: RUPEES is not an ISO-4217 code"),
                ("other currency", Addresses.home, Address(), "USD", "razorpay", .failedPrecondition,
                 "currency_code USD does not match the cart's currency INR"),
                ("unknown method", Addresses.home, Address(), "", "paypal", .invalidArgument,
                 "payment_method: must be one of razorpay"),
            ]
            for (name, shipping, billing, currency, method, code, message) in cases {
                let error = await expectRPCError(code, name) {
                    try await alice.createPaymentFromCart(paymentMethod: method, shipping: shipping, billing: billing,
                                                          currencyCode: currency)
                }
                #expect(error?.message == message, "\(name)")
                #expect(try await alice.getCart() == before, "\(name) changed the cart")
                #expect(try await stock(admin, "p-mug") == 5, "\(name) changed the stock")
            }
            let stale = await expectRPCError(.aborted, "stale expected_version") {
                try await alice.createPaymentFromCart(shipping: Addresses.home, expectedVersion: before.version - 1)
            }
            #expect(stale?.message.contains("\(before.version)") == true)
            #expect(try await alice.getCart() == before)
            // None of that reserved anything: bob can take all five mugs.
            let bobs = try await bob.createPaymentFromCart(shipping: Addresses.office)
            #expect(bobs.amount == TestCatalog.inr(5 * 25_000))
            #expect(bobs.items.map(\.quantity) == [5])
            await alice.close()
            await bob.close()
        }
    }

    @Test("bad payment input: unknown and foreign ids, malformed and wrong signatures change nothing")
    func badPaymentInput() async throws {
        try await withPaymentDaemon { daemon, admin in
            let alice = try await daemon.client(user: "alice")
            let bob = try await daemon.client(user: "bob")
            _ = try await alice.addItem(productID: "p-pen", quantity: 3)
            _ = try await bob.addItem(productID: "p-pen", quantity: 1)
            let mine = try await alice.createPaymentFromCart(shipping: Addresses.home)
            let theirs = try await bob.createPaymentFromCart(shipping: Addresses.office)
            let cartBefore = try await alice.getCart()
            let penBefore = try await stock(admin, "p-pen")
            #expect(penBefore == 1_000)
            let good = try pythonPaymentSignature(orderID: mine.gatewayOrderID, gatewayPaymentID: "pay_bad_1")
            let theirsSigned = try pythonPaymentSignature(orderID: theirs.gatewayOrderID, gatewayPaymentID: "pay_bad_1")
            let otherSecret = try pythonPaymentSignature(orderID: mine.gatewayOrderID, gatewayPaymentID: "pay_bad_1",
                                                         keySecret: "some-other-key-secret")
            #expect(good.count == 64 && good != otherSecret && good != theirsSigned)

            // Unknown and foreign payments: NOT_FOUND with one message shape, no hint which.
            var shapes: [String] = []
            for (id, signature) in [("pay_DOESNOTEXIST00000000", good), (theirs.id, theirsSigned)] {
                let error = await expectRPCError(.notFound, "confirm \(id)") {
                    try await alice.confirmPayment(paymentID: id, gatewayPaymentID: "pay_bad_1", signature: signature)
                }
                #expect(error?.message == "payment \(id) not found")
                shapes.append(error?.message.replacingOccurrences(of: id, with: "ID") ?? "")
            }
            #expect(shapes.count == 2 && shapes[0] == shapes[1])
            let foreign: [(String, () async throws -> Payment)] = [
                ("get", { try await alice.getPayment(paymentID: theirs.id) }),
                ("cancel", { try await alice.cancelPayment(paymentID: theirs.id) }),
                ("cancel unknown", { try await alice.cancelPayment(paymentID: "pay_DOESNOTEXIST00000000") }),
                ("get unknown", { try await alice.getPayment(paymentID: "pay_DOESNOTEXIST00000000") }),
            ]
            for (name, call) in foreign {
                let error = await expectRPCError(.notFound, name, call)
                #expect(error?.message.hasPrefix("payment ") == true && error?.message.hasSuffix(" not found") == true)
            }

            // Malformed: INVALID_ARGUMENT before anything is looked up.
            let malformed: [(String, String, String, String, String)] = [
                ("63 hex digits", mine.id, "pay_bad_1", String(good.dropLast()),
                 "gateway_signature: must be 64 hexadecimal digits"),
                ("65 hex digits", mine.id, "pay_bad_1", good + "0", "gateway_signature: must be 64 hexadecimal digits"),
                ("64 non-hex", mine.id, "pay_bad_1", String(repeating: "g", count: 64),
                 "gateway_signature: must be 64 hexadecimal digits"),
                ("base64 instead of hex", mine.id, "pay_bad_1", String(good.prefix(43)) + "=",
                 "gateway_signature: must be 64 hexadecimal digits"),
                ("empty signature", mine.id, "pay_bad_1", "", "gateway_signature: must be 64 hexadecimal digits"),
            ]
            for (name, paymentID, gatewayPaymentID, signature, message) in malformed {
                let error = await expectRPCError(.invalidArgument, name) {
                    try await alice.confirmPayment(paymentID: paymentID, gatewayPaymentID: gatewayPaymentID,
                                                   signature: signature)
                }
                #expect(error?.message == message, "\(name)")
            }
            await expectRPCError(.invalidArgument, "empty payment id") {
                try await alice.confirmPayment(paymentID: "", gatewayPaymentID: "pay_bad_1", signature: good)
            }
            await expectRPCError(.invalidArgument, "empty gateway payment id") {
                try await alice.confirmPayment(paymentID: mine.id, gatewayPaymentID: "", signature: good)
            }

            // Wrong signatures: PERMISSION_DENIED.
            let wrong: [(String, String, String)] = [
                ("signed with another secret", "pay_bad_1", otherSecret),
                ("signed for another gateway payment id", "pay_bad_2", good),
                ("signed over another payment's gateway order", "pay_bad_1", theirsSigned),
                ("zeros", "pay_bad_1", String(repeating: "0", count: 64)),
            ]
            for (name, gatewayPaymentID, signature) in wrong {
                let error = await expectRPCError(.permissionDenied, name) {
                    try await alice.confirmPayment(paymentID: mine.id, gatewayPaymentID: gatewayPaymentID,
                                                   signature: signature)
                }
                #expect(error?.message == "the payment signature does not match this payment")
            }

            // Nothing changed anywhere.
            #expect(try await alice.getPayment(paymentID: mine.id) == mine)
            #expect(try await bob.getPayment(paymentID: theirs.id) == theirs)
            #expect(try await alice.getCart() == cartBefore)
            #expect(try await stock(admin, "p-pen") == penBefore)
            #expect(try await alice.listOrders().orders.isEmpty)
            #expect(try await bob.listOrders().orders.isEmpty)
            // And the payment is still payable.
            let order = try await alice.confirmPayment(paymentID: mine.id, gatewayPaymentID: "pay_bad_1", signature: good)
            #expect(order.totalPrice == TestCatalog.inr(3 * 1_050))
            await alice.close()
            await bob.close()
        }
    }

    @Test("amounts are the cart snapshot: a price change after checkout changes neither payment nor order")
    func snapshotAmounts() async throws {
        try await withPaymentDaemon { daemon, admin in
            let alice = try await daemon.client(user: "alice")
            _ = try await alice.addItem(productID: "p-pen", quantity: 2)
            let cart = try await alice.addItem(productID: "p-shirt", variantID: "p-shirt-l", quantity: 1)
            #expect(cart.totalPrice == TestCatalog.inr(2 * 1_050 + 55_000))
            let payment = try await alice.createPaymentFromCart(shipping: Addresses.home, billing: Addresses.office)
            #expect(payment.status == .created)
            #expect(payment.amount == cart.totalPrice)
            #expect(payment.items == cart.items)
            #expect(payment.cartID == cart.id)
            #expect(payment.userID == "alice")
            #expect(payment.gateway == "simulated")
            #expect(payment.gatewayKeyID == SimulatedSecrets.keyID)
            #expect(payment.paymentMethod == "razorpay")
            #expect(payment.shippingAddress == Addresses.home)
            #expect(payment.billingAddress == Addresses.office)
            #expect(payment.orderID == nil)
            #expect(payment.expiresAtMs - payment.createdAtMs == 15 * 60 * 1000, "the default reservation is 15 min")

            var pen = try await admin.getProduct(productID: "p-pen")
            pen.price = TestCatalog.inr(2_000)
            var shirt = try await admin.getProduct(productID: "p-shirt")
            shirt.price = TestCatalog.inr(60_000)
            _ = try await admin.upsertProducts([pen, shirt])
            let repriced = try await alice.getCart()
            #expect(repriced.totalPrice == TestCatalog.inr(2 * 2_000 + 65_000), "the cart shows the new prices")
            #expect(try await alice.getPayment(paymentID: payment.id) == payment, "the payment keeps the snapshot")

            let order = try await confirm(alice, payment)
            #expect(order.totalPrice == payment.amount)
            #expect(order.totalPrice == TestCatalog.inr(2 * 1_050 + 55_000))
            #expect(order.items == cart.items)
            #expect(order.items.map(\.unitPrice) == [TestCatalog.inr(1_050), TestCatalog.inr(55_000)])
            #expect(order.shippingAddress == Addresses.home)
            #expect(order.billingAddress == Addresses.office)
            await alice.close()
        }
    }

    @Test("stock reservation: two shoppers, the last units; the second is refused until the first cancels")
    func noOverselling() async throws {
        try await withPaymentDaemon { daemon, admin in
            let alice = try await daemon.client(user: "alice")
            let bob = try await daemon.client(user: "bob")
            _ = try await alice.addItem(productID: "p-mug", quantity: 5)
            let bobCart = try await bob.addItem(productID: "p-mug", quantity: 5)
            let bobItem = bobCart.items[0].id
            let first = try await alice.createPaymentFromCart(shipping: Addresses.home)
            #expect(first.items.map(\.quantity) == [5])
            let refused = await expectRPCError(.failedPrecondition, "bob checks out reserved units") {
                try await bob.createPaymentFromCart(shipping: Addresses.office)
            }
            #expect(refused?.message == linesMessage(["Mug [item \(bobItem)]: This item is out of stock"]))
            #expect(try await stock(admin, "p-mug") == 5, "a reservation is not a sale")
            // Bob cannot add more either, and his cart shows why.
            let seen = try await bob.getCart()
            #expect(seen.items.first?.problems.map(\.code) == [.outOfStock])
            #expect(try await bob.getCart().version == bobCart.version)

            let cancelled = try await alice.cancelPayment(paymentID: first.id)
            #expect(cancelled.status == .cancelled)
            #expect(cancelled.id == first.id)
            await expectRPCError(.failedPrecondition, "cancel twice") {
                try await alice.cancelPayment(paymentID: first.id)
            }
            let second = try await bob.createPaymentFromCart(shipping: Addresses.office)
            #expect(second.status == .created)
            #expect(second.amount == TestCatalog.inr(5 * 25_000))
            let now = await expectRPCError(.failedPrecondition, "alice after bob reserved") {
                try await alice.createPaymentFromCart(shipping: Addresses.home)
            }
            let aliceItem = try await alice.getCart().items[0].id
            #expect(now?.message == linesMessage(["Mug [item \(aliceItem)]: This item is out of stock"]))
            let order = try await confirm(bob, second)
            #expect(order.items.map(\.quantity) == [5])
            #expect(try await stock(admin, "p-mug") == 0)
            await alice.close()
            await bob.close()
        }
    }

    @Test("reservation expiry: the sweeper marks EXPIRED, releases the stock, and an expired payment cannot be paid")
    func reservationExpiry() async throws {
        try await withPaymentDaemon(["--reservation-seconds", "2", "--expiry-sweep-seconds", "1"]) { daemon, admin in
            let alice = try await daemon.client(user: "alice")
            let bob = try await daemon.client(user: "bob")
            _ = try await alice.addItem(productID: "p-mug", quantity: 5)
            _ = try await bob.addItem(productID: "p-mug", quantity: 5)
            let payment = try await alice.createPaymentFromCart(shipping: Addresses.home)
            #expect(payment.expiresAtMs - payment.createdAtMs == 2_000)
            await expectRPCError(.failedPrecondition, "bob while alice holds the mugs") {
                try await bob.createPaymentFromCart(shipping: Addresses.office)
            }
            let deadline = ContinuousClock.now + .seconds(8)
            var status = payment.status
            while status == .created, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(100))
                status = try await alice.getPayment(paymentID: payment.id).status
            }
            #expect(status == .expired)
            let expired = try await alice.getPayment(paymentID: payment.id)
            #expect(expired.orderID == nil)
            #expect(expired.amount == payment.amount)
            let signature = try pythonPaymentSignature(orderID: payment.gatewayOrderID, gatewayPaymentID: "pay_late")
            let late = await expectRPCError(.failedPrecondition, "confirm after expiry") {
                try await alice.confirmPayment(paymentID: payment.id, gatewayPaymentID: "pay_late", signature: signature)
            }
            #expect(late?.message == "payment \(payment.id) is EXPIRED and cannot be paid; start a new checkout")
            await expectRPCError(.failedPrecondition, "cancel after expiry") {
                try await alice.cancelPayment(paymentID: payment.id)
            }
            #expect(try await alice.getPayment(paymentID: payment.id).status == .expired)
            #expect(try await stock(admin, "p-mug") == 5)
            #expect(try await alice.listOrders().orders.isEmpty)
            // The units are free again.
            let bobs = try await bob.createPaymentFromCart(shipping: Addresses.office)
            #expect(bobs.items.map(\.quantity) == [5])
            #expect(try await confirm(bob, bobs).totalPrice == TestCatalog.inr(125_000))
            #expect(try await stock(admin, "p-mug") == 0)
            await alice.close()
            await bob.close()
        }
    }

    @Test("checkout twice on an unchanged cart returns the same payment; a changed cart replaces it")
    func checkoutTwice() async throws {
        try await withPaymentDaemon { daemon, _ in
            let alice = try await daemon.client(user: "alice")
            _ = try await alice.addItem(productID: "p-pen", quantity: 1)
            let first = try await alice.createPaymentFromCart(shipping: Addresses.home)
            let again = try await alice.createPaymentFromCart(shipping: Addresses.home)
            #expect(again == first, "same id, same gateway order, same expiry")
            let keyed = try await alice.createPaymentFromCart(shipping: Addresses.home, idempotencyKey: "co-1")
            #expect(keyed == first)
            #expect(try await alice.createPaymentFromCart(shipping: Addresses.home, idempotencyKey: "co-1") == first)

            // Other addresses on the same cart version: the pending payment is replaced.
            let moved = try await alice.createPaymentFromCart(shipping: Addresses.office)
            #expect(moved.id != first.id)
            #expect(moved.gatewayOrderID != first.gatewayOrderID)
            #expect(moved.shippingAddress == Addresses.office)
            #expect(try await alice.getPayment(paymentID: first.id).status == .cancelled)

            // The cart changes: a new checkout cancels the older payment and snapshots the new cart.
            let changed = try await alice.addItem(productID: "p-pen", quantity: 1)
            let replaced = try await alice.createPaymentFromCart(shipping: Addresses.office)
            #expect(replaced.id != moved.id)
            #expect(replaced.gatewayOrderID != moved.gatewayOrderID)
            #expect(replaced.amount == TestCatalog.inr(2 * 1_050))
            #expect(replaced.amount == changed.totalPrice)
            #expect(try await alice.getPayment(paymentID: moved.id).status == .cancelled)
            let stale = try pythonPaymentSignature(orderID: moved.gatewayOrderID, gatewayPaymentID: "pay_old")
            let error = await expectRPCError(.failedPrecondition, "pay the replaced payment") {
                try await alice.confirmPayment(paymentID: moved.id, gatewayPaymentID: "pay_old", signature: stale)
            }
            #expect(error?.message == "payment \(moved.id) is CANCELLED and cannot be paid; start a new checkout")
            let order = try await confirm(alice, replaced)
            #expect(order.totalPrice == TestCatalog.inr(2_100))
            #expect(try await alice.listOrders().orders.map(\.id) == [order.id])
            await alice.close()
        }
    }

    @Test("signatures: vectors computed by Python's hmac are accepted; another secret or payment id is refused")
    func signatureVectors() async throws {
        // Python itself, against a fixed vector (HMAC-SHA256 of RFC 4231 test case 2).
        #expect(try pythonHMAC(secret: "Jefe", "what do ya want for nothing?")
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        try await withPaymentDaemon { daemon, _ in
            let alice = try await daemon.client(user: "alice")
            _ = try await alice.addItem(productID: "p-pen", quantity: 4)
            let payment = try await alice.createPaymentFromCart(shipping: Addresses.home)
            #expect(payment.gatewayOrderID.hasPrefix("order_") && payment.gatewayOrderID.count == 20)
            let gatewayPaymentID = "pay_29QQoUBi66xm2f"
            let signature = try pythonHMAC(secret: SimulatedSecrets.keySecret,
                                           "\(payment.gatewayOrderID)|\(gatewayPaymentID)")
            let forged = try pythonHMAC(secret: "cartsync-simulated-key-secreT",
                                        "\(payment.gatewayOrderID)|\(gatewayPaymentID)")
            let reordered = try pythonHMAC(secret: SimulatedSecrets.keySecret,
                                           "\(gatewayPaymentID)|\(payment.gatewayOrderID)")
            #expect(signature.count == 64 && signature == signature.lowercased())
            for (name, candidate) in [("another secret", forged), ("ids swapped", reordered)] {
                await expectRPCError(.permissionDenied, name) {
                    try await alice.confirmPayment(paymentID: payment.id, gatewayPaymentID: gatewayPaymentID,
                                                   signature: candidate)
                }
            }
            #expect(try await alice.getPayment(paymentID: payment.id).status == .created)
            let order = try await alice.confirmPayment(paymentID: payment.id, gatewayPaymentID: gatewayPaymentID,
                                                       signature: signature)
            #expect(order.paymentID == payment.id)
            #expect(order.totalPrice == TestCatalog.inr(4 * 1_050))
            let paid = try await alice.getPayment(paymentID: payment.id)
            #expect(paid.status == .paid)
            #expect(paid.orderID == order.id)
            await alice.close()
        }
    }

    @Test("ConfirmPayment: PAID, the order from the snapshot, stock down exactly, cart cleared for watchers; a repeat changes nothing")
    func confirmSuccess() async throws {
        try await withPaymentDaemon { daemon, admin in
            let alice = try await daemon.client(user: "alice")
            _ = try await alice.addItem(productID: "p-pen", quantity: 3)
            let cart = try await alice.addItem(productID: "p-shirt", variantID: "p-shirt-s", quantity: 2)
            let payment = try await alice.createPaymentFromCart(shipping: Addresses.home)
            let watcher = try await daemon.client(user: "alice")
            let stream = watcher.watchCart(sinceVersion: cart.version)
            let watched = Task { () -> PricedCart? in
                for try await next in stream where next.items.isEmpty { return next }
                return nil
            }
            try await Task.sleep(for: .milliseconds(200))

            let signature = try pythonPaymentSignature(orderID: payment.gatewayOrderID, gatewayPaymentID: "pay_ok_1")
            let order = try await alice.confirmPayment(paymentID: payment.id, gatewayPaymentID: "pay_ok_1",
                                                       signature: signature)
            #expect(order.paymentID == payment.id)
            #expect(order.userID == "alice")
            #expect(order.items == cart.items)
            #expect(order.totalPrice == TestCatalog.inr(3 * 1_050 + 2 * 50_000))
            #expect(order.shippingAddress == Addresses.home)
            #expect(order.billingAddress == Addresses.home, "billing defaults to the shipping address")
            #expect(order.status == .confirmed)
            #expect(order.id.hasPrefix("ord"))
            let paid = try await alice.getPayment(paymentID: payment.id)
            #expect(paid.status == .paid)
            #expect(paid.orderID == order.id)
            #expect(try await stock(admin, "p-pen") == 997)
            #expect(try await stock(admin, "p-shirt", variant: "p-shirt-s") == 198)
            #expect(try await stock(admin, "p-shirt") == 100, "variant lines take stock from the variant only")
            let after = try await alice.getCart()
            #expect(after.items.isEmpty)
            #expect(after.id == cart.id)
            #expect(after.version == cart.version + 1)
            let seen = try await watched.value
            #expect(seen == after, "the watcher receives the cleared cart")

            // Repeats: the same order, nothing changes (also with another valid gateway payment id).
            #expect(try await alice.confirmPayment(paymentID: payment.id, gatewayPaymentID: "pay_ok_1",
                                                   signature: signature) == order)
            let other = try pythonPaymentSignature(orderID: payment.gatewayOrderID, gatewayPaymentID: "pay_ok_2")
            #expect(try await alice.confirmPayment(paymentID: payment.id, gatewayPaymentID: "pay_ok_2",
                                                   signature: other) == order)
            await expectRPCError(.failedPrecondition, "cancel a paid payment") {
                try await alice.cancelPayment(paymentID: payment.id)
            }
            #expect(try await alice.getPayment(paymentID: payment.id) == paid)
            #expect(try await stock(admin, "p-pen") == 997)
            #expect(try await alice.getCart() == after)
            #expect(try await alice.listOrders().orders == [order])
            #expect(try await alice.getOrder(orderID: order.id) == order)
            await watcher.close()
            await alice.close()
        }
    }

    @Test("orders: newest first, paged, only the caller's; snapshots survive rename, reprice and delete")
    func ordersAndSnapshots() async throws {
        try await withPaymentDaemon { daemon, admin in
            let alice = try await daemon.client(user: "alice")
            let bob = try await daemon.client(user: "bob")
            var orders: [Order] = []
            for quantity in 1...3 {
                _ = try await alice.addItem(productID: "p-pen", quantity: Int64(quantity))
                _ = try await alice.addItem(productID: "p-shirt", variantID: "p-shirt-s", quantity: 1)
                orders.append(try await checkoutAndPay(alice).1)
                try await Task.sleep(for: .milliseconds(5))
            }
            _ = try await bob.addItem(productID: "p-mug", quantity: 1)
            let bobsOrder = try await checkoutAndPay(bob, shipping: Addresses.office).1
            let newestFirst = Array(orders.reversed())

            #expect(try await alice.listOrders().orders == newestFirst)
            let page1 = try await alice.listOrders(pageSize: 2)
            #expect(page1.orders == Array(newestFirst.prefix(2)))
            #expect(!page1.nextPageToken.isEmpty)
            let page2 = try await alice.listOrders(pageSize: 2, pageToken: page1.nextPageToken)
            #expect(page2.orders == [orders[0]])
            #expect(page2.nextPageToken == "")
            #expect(try await bob.listOrders().orders == [bobsOrder])
            await expectRPCError(.invalidArgument, "page size 101") { try await alice.listOrders(pageSize: 101) }
            await expectRPCError(.invalidArgument, "made-up page token") {
                try await alice.listOrders(pageToken: "bm90IGEgdG9rZW4")
            }

            var shapes: [String] = []
            for id in [orders[0].id, "ord_DOESNOTEXIST000000000"] {
                let error = await expectRPCError(.notFound, "bob reads \(id)") { try await bob.getOrder(orderID: id) }
                #expect(error?.message == "order \(id) not found")
                shapes.append(error?.message.replacingOccurrences(of: id, with: "ID") ?? "")
            }
            #expect(shapes.count == 2 && shapes[0] == shapes[1])

            // The catalog moves on; the orders do not.
            var pen = try await admin.getProduct(productID: "p-pen")
            pen.name = "Fountain Pen"
            pen.price = TestCatalog.inr(9_999)
            _ = try await admin.upsertProducts([pen])
            #expect(try await admin.deleteProduct(productID: "p-shirt"))
            for order in orders {
                #expect(try await alice.getOrder(orderID: order.id) == order)
            }
            #expect(try await alice.listOrders().orders == newestFirst)
            #expect(orders[2].items.map(\.productName) == ["Pen", "Shirt"])
            #expect(orders[2].totalPrice == TestCatalog.inr(3 * 1_050 + 50_000))
            await alice.close()
            await bob.close()
        }
    }

    @Test("CartSession.checkout refuses an empty cart locally and checks out a non-empty one")
    func sessionCheckout() async throws {
        try await withPaymentDaemon { daemon, _ in
            let client = try await daemon.client(user: "alice")
            let session = CartSession(client: client)
            let empty = try await client.getCart()
            do {
                _ = try await session.checkout(shipping: Addresses.home)
                Issue.record("an empty cart was checked out")
            } catch let error as CartSessionError {
                guard case .emptyCart(let cartID) = error else {
                    Issue.record("expected emptyCart, got \(error)")
                    return
                }
                #expect(cartID == empty.id)
                #expect(error.rpcError.code == .failedPrecondition)
                #expect(error.rpcError.message == "Cart is empty. Please add items first. Cart ID: \(empty.id)")
            }
            let cart = try await session.addItem(productID: "p-pen", quantity: 2)
            let payment = try await session.checkout(shipping: Addresses.home)
            #expect(payment.status == .created)
            #expect(payment.amount == TestCatalog.inr(2_100))
            #expect(payment.items == cart.items)
            #expect(payment.billingAddress == Addresses.home)
            let signature = try pythonPaymentSignature(orderID: payment.gatewayOrderID, gatewayPaymentID: "pay_sess")
            let order = try await session.confirmPayment(paymentID: payment.id, gatewayPaymentID: "pay_sess",
                                                         signature: signature)
            #expect(order.totalPrice == TestCatalog.inr(2_100))
            let cached = await session.cart
            #expect(cached?.items.isEmpty == true)
            #expect(cached?.version == cart.version + 1)
            #expect(try await session.orders().orders == [order])
            await client.close()
        }
    }

    /// Confirms with a Python-computed signature.
    func confirm(_ client: CartClient, _ payment: Payment) async throws -> Order {
        let gatewayPaymentID = "pay_\(payment.id.suffix(10))"
        let signature = try pythonPaymentSignature(orderID: payment.gatewayOrderID, gatewayPaymentID: gatewayPaymentID)
        return try await client.confirmPayment(paymentID: payment.id, gatewayPaymentID: gatewayPaymentID,
                                               signature: signature)
    }
}
