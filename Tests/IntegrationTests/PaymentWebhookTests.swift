import CartClient
import CartCore
import CartProto
import CartTesting
import Foundation
import Testing
import TTRPC

/// HandleGatewayWebhook, and its race with ConfirmPayment, against the real cartd (simulated gateway).
@Suite("PaymentService webhooks over the socket")
struct PaymentWebhookTests {
    /// Sends a webhook as the web service would: the raw body, its signature, the event id.
    func send(_ admin: CartClient, body: String, secret: String = SimulatedSecrets.webhookSecret,
              eventID: String, gateway: String = "razorpay") async throws -> GatewayWebhookResponse {
        let signature = try pythonHMAC(secret: secret, body)
        return try await admin.handleGatewayWebhook(gateway: gateway, body: Array(body.utf8), signature: signature,
                                                    eventID: eventID)
    }

    @Test("payment.captured completes the payment once; a replayed event id is a duplicate and changes nothing")
    func capturedAndDuplicate() async throws {
        try await withPaymentDaemon { daemon, admin in
            let alice = try await daemon.client(user: "alice")
            let cart = try await alice.addItem(productID: "p-pen", quantity: 2)
            let payment = try await alice.createPaymentFromCart(shipping: Addresses.home)
            let body = webhookBody(event: "payment.captured", orderID: payment.gatewayOrderID,
                                   gatewayPaymentID: "pay_hook_1", amount: payment.amount.amountMinor)
            let first = try await send(admin, body: body, eventID: "evt_captured_1")
            #expect(first == GatewayWebhookResponse(duplicate: false, paymentID: payment.id, status: .paid))
            let paid = try await alice.getPayment(paymentID: payment.id)
            #expect(paid.status == .paid)
            let orderID = try #require(paid.orderID)
            let order = try await alice.getOrder(orderID: orderID)
            #expect(order.paymentID == payment.id)
            #expect(order.items == cart.items)
            #expect(order.totalPrice == TestCatalog.inr(2_100))
            #expect(try await stock(admin, "p-pen") == 998)
            let cleared = try await alice.getCart()
            #expect(cleared.items.isEmpty && cleared.version == cart.version + 1)

            let again = try await send(admin, body: body, eventID: "evt_captured_1")
            #expect(again == GatewayWebhookResponse(duplicate: true, paymentID: payment.id, status: .paid))
            // A second capture event under a new id finds the payment paid: same order, nothing more.
            let other = try await send(admin, body: body, eventID: "evt_captured_2")
            #expect(other == GatewayWebhookResponse(duplicate: false, paymentID: payment.id, status: .paid))
            // The shopper's own confirmation arriving later gets the same order.
            let signature = try pythonPaymentSignature(orderID: payment.gatewayOrderID, gatewayPaymentID: "pay_hook_1")
            #expect(try await alice.confirmPayment(paymentID: payment.id, gatewayPaymentID: "pay_hook_1",
                                                   signature: signature) == order)
            #expect(try await stock(admin, "p-pen") == 998)
            #expect(try await alice.listOrders().orders == [order])
            #expect(try await alice.getCart() == cleared)
            await alice.close()
        }
    }

    @Test("bad webhooks: wrong signature, tampered body, not JSON, no admin role, bad event id change nothing")
    func badWebhooks() async throws {
        try await withPaymentDaemon { daemon, admin in
            let alice = try await daemon.client(user: "alice")
            _ = try await alice.addItem(productID: "p-pen", quantity: 2)
            let payment = try await alice.createPaymentFromCart(shipping: Addresses.home)
            let cart = try await alice.getCart()
            let body = webhookBody(event: "payment.captured", orderID: payment.gatewayOrderID,
                                   gatewayPaymentID: "pay_hook_bad", amount: payment.amount.amountMinor)
            let signature = try pythonHMAC(secret: SimulatedSecrets.webhookSecret, body)
            let tampered = body.replacingOccurrences(of: "\"amount\":2100", with: "\"amount\":1")
            #expect(tampered != body)
            let notJSON = "event=payment.captured&order_id=\(payment.gatewayOrderID)"
            let notJSONSignature = try pythonHMAC(secret: SimulatedSecrets.webhookSecret, notJSON)
            let keySecretSignature = try pythonHMAC(secret: SimulatedSecrets.keySecret, body)
            let cases: [(String, CartClient, String, String, String, StatusCode, String)] = [
                ("signed with the key secret", admin, body, keySecretSignature, "evt_bad_1", .permissionDenied,
                 "the webhook signature does not match the body"),
                ("tampered after signing", admin, tampered, signature, "evt_bad_2", .permissionDenied,
                 "the webhook signature does not match the body"),
                ("signature not hex", admin, body, "not-a-signature", "evt_bad_3", .permissionDenied,
                 "the webhook signature does not match the body"),
                ("no signature", admin, body, "", "evt_bad_4", .permissionDenied,
                 "the webhook signature does not match the body"),
                ("body not JSON", admin, notJSON, notJSONSignature, "evt_bad_5", .invalidArgument,
                 "body: is not a JSON object"),
                ("empty event id", admin, body, signature, "", .invalidArgument,
                 "event_id: must be 1–128 printable ASCII characters"),
                ("event id with a space", admin, body, signature, "evt 6", .invalidArgument,
                 "event_id: must be 1–128 printable ASCII characters"),
                ("a shopper, not admin", alice, body, signature, "evt_bad_7", .permissionDenied, ""),
            ]
            for (name, caller, text, sig, eventID, code, message) in cases {
                let error = await expectRPCError(code, name) {
                    try await caller.handleGatewayWebhook(gateway: "razorpay", body: Array(text.utf8), signature: sig,
                                                          eventID: eventID)
                }
                if !message.isEmpty { #expect(error?.message == message, "\(name)") }
                #expect(try await alice.getPayment(paymentID: payment.id) == payment, "\(name) changed the payment")
            }
            await expectRPCError(.invalidArgument, "another gateway") {
                try await admin.handleGatewayWebhook(gateway: "stripe", body: Array(body.utf8), signature: signature,
                                                     eventID: "evt_bad_8")
            }
            #expect(try await alice.getCart() == cart)
            #expect(try await stock(admin, "p-pen") == 1_000)
            #expect(try await alice.listOrders().orders.isEmpty)
            // The refused event ids were not recorded: the genuine event under one of them still works.
            let genuine = try await admin.handleGatewayWebhook(gateway: "razorpay", body: Array(body.utf8),
                                                               signature: signature, eventID: "evt_bad_7")
            #expect(genuine == GatewayWebhookResponse(duplicate: false, paymentID: payment.id, status: .paid))
            #expect(try await stock(admin, "p-pen") == 998)
            await alice.close()
        }
    }

    @Test("payment.failed fails the payment and frees its stock; a later capture cannot revive it; order.paid completes")
    func failedAndOrderPaid() async throws {
        try await withPaymentDaemon { daemon, admin in
            let bob = try await daemon.client(user: "bob")
            let carol = try await daemon.client(user: "carol")
            _ = try await bob.addItem(productID: "p-mug", quantity: 5)
            _ = try await carol.addItem(productID: "p-mug", quantity: 5)
            let payment = try await bob.createPaymentFromCart(shipping: Addresses.home)
            await expectRPCError(.failedPrecondition, "carol while bob holds the mugs") {
                try await carol.createPaymentFromCart(shipping: Addresses.office)
            }
            let failedBody = webhookBody(event: "payment.failed", orderID: payment.gatewayOrderID,
                                         gatewayPaymentID: "pay_fail_1", amount: payment.amount.amountMinor,
                                         errorDescription: "Payment failed because the card was declined")
            let failed = try await send(admin, body: failedBody, eventID: "evt_failed_1")
            #expect(failed == GatewayWebhookResponse(duplicate: false, paymentID: payment.id, status: .failed))
            #expect(try await bob.getPayment(paymentID: payment.id).status == .failed)
            #expect(try await send(admin, body: failedBody, eventID: "evt_failed_1")
                == GatewayWebhookResponse(duplicate: true, paymentID: payment.id, status: .failed))

            // A capture arriving for the failed payment does not create an order (it is logged for a refund).
            let late = webhookBody(event: "payment.captured", orderID: payment.gatewayOrderID,
                                   gatewayPaymentID: "pay_fail_2", amount: payment.amount.amountMinor)
            #expect(try await send(admin, body: late, eventID: "evt_late_1")
                == GatewayWebhookResponse(duplicate: false, paymentID: payment.id, status: .failed))
            let signature = try pythonPaymentSignature(orderID: payment.gatewayOrderID, gatewayPaymentID: "pay_fail_2")
            let error = await expectRPCError(.failedPrecondition, "confirm a failed payment") {
                try await bob.confirmPayment(paymentID: payment.id, gatewayPaymentID: "pay_fail_2", signature: signature)
            }
            #expect(error?.message == "payment \(payment.id) is FAILED and cannot be paid; start a new checkout")
            #expect(try await bob.listOrders().orders.isEmpty)
            #expect(try await stock(admin, "p-mug") == 5)

            // The reservation is gone: carol gets the mugs, and completes through order.paid.
            let carols = try await carol.createPaymentFromCart(shipping: Addresses.office)
            #expect(carols.items.map(\.quantity) == [5])
            let paidBody = webhookBody(event: "order.paid", orderID: carols.gatewayOrderID,
                                       gatewayPaymentID: "pay_carol", amount: carols.amount.amountMinor)
            #expect(try await send(admin, body: paidBody, eventID: "evt_order_paid_1")
                == GatewayWebhookResponse(duplicate: false, paymentID: carols.id, status: .paid))
            let orders = try await carol.listOrders().orders
            #expect(orders.count == 1 && orders.first?.paymentID == carols.id)
            #expect(orders.first?.totalPrice == TestCatalog.inr(125_000))
            #expect(try await stock(admin, "p-mug") == 0)

            // Unknown events are recorded and ignored; an unknown gateway order matches no payment.
            let refund = webhookBody(event: "refund.processed", orderID: carols.gatewayOrderID,
                                     gatewayPaymentID: "pay_carol", amount: 1)
            #expect(try await send(admin, body: refund, eventID: "evt_refund_1")
                == GatewayWebhookResponse(duplicate: false, paymentID: carols.id, status: .paid))
            let stray = webhookBody(event: "payment.captured", orderID: "order_NOTOURS0000000",
                                    gatewayPaymentID: "pay_x", amount: 100)
            #expect(try await send(admin, body: stray, eventID: "evt_stray_1")
                == GatewayWebhookResponse(duplicate: false, paymentID: "", status: nil))
            await bob.close()
            await carol.close()
        }
    }

    @Test("the race: ConfirmPayment and the capture webhook fired together, 20 payments: one order and one stock decrement each")
    func confirmWebhookRace() async throws {
        try await withPaymentDaemon { daemon, admin in
            let rounds = 20
            let users = (0..<rounds).map { "racer-\($0)" }
            var tokens: [String] = []
            var payments: [Payment] = []
            for user in users {
                let token = try await daemon.token(user: user)
                let client = CartClient(socketPath: daemon.socketPath, token: token)
                _ = try await client.addItem(productID: "p-pen", quantity: 2)
                _ = try await client.addItem(productID: "p-shirt", variantID: "p-shirt-s", quantity: 1)
                payments.append(try await client.createPaymentFromCart(shipping: Addresses.home))
                tokens.append(token)
                await client.close()
            }
            let penBefore = try await stock(admin, "p-pen")
            let smallBefore = try await stock(admin, "p-shirt", variant: "p-shirt-s")
            let signatures = try pythonHMAC(secret: SimulatedSecrets.keySecret,
                                            payments.map { "\($0.gatewayOrderID)|pay_race_\($0.id)" })
            let bodies = payments.map {
                webhookBody(event: "payment.captured", orderID: $0.gatewayOrderID, gatewayPaymentID: "pay_race_\($0.id)",
                            amount: $0.amount.amountMinor)
            }
            let bodySignatures = try pythonHMAC(secret: SimulatedSecrets.webhookSecret, bodies)
            let adminToken = try await daemon.token(user: "web-service", admin: true)

            // One connection per call, connected before the start line so that the calls leave together.
            var shoppers: [CartClient] = []
            var hooks: [CartClient] = []
            for index in 0..<rounds {
                let shopper = CartClient(socketPath: daemon.socketPath, token: tokens[index])
                let hook = CartClient(socketPath: daemon.socketPath, token: adminToken)
                _ = try await shopper.health()
                _ = try await hook.health()
                shoppers.append(shopper)
                hooks.append(hook)
            }
            let start = ContinuousClock.now + .milliseconds(300)
            enum Outcome: Sendable {
                case confirmed(Int, Order)
                case hooked(Int, GatewayWebhookResponse)
            }
            let outcomes = try await withThrowingTaskGroup(of: Outcome.self) { group in
                for index in 0..<rounds {
                    let (payment, shopper, hook) = (payments[index], shoppers[index], hooks[index])
                    let (signature, body, bodySignature) = (signatures[index], bodies[index], bodySignatures[index])
                    group.addTask {
                        try await Task.sleep(until: start)
                        return .confirmed(index, try await shopper.confirmPayment(
                            paymentID: payment.id, gatewayPaymentID: "pay_race_\(payment.id)", signature: signature))
                    }
                    group.addTask {
                        try await Task.sleep(until: start)
                        return .hooked(index, try await hook.handleGatewayWebhook(
                            gateway: "razorpay", body: Array(body.utf8), signature: bodySignature,
                            eventID: "evt_race_\(index)"))
                    }
                }
                var outcomes: [Outcome] = []
                for try await outcome in group { outcomes.append(outcome) }
                return outcomes
            }
            #expect(outcomes.count == 2 * rounds, "every call succeeded")
            var confirmed: [Int: Order] = [:]
            var hooked: [Int: GatewayWebhookResponse] = [:]
            for outcome in outcomes {
                switch outcome {
                case .confirmed(let index, let order): confirmed[index] = order
                case .hooked(let index, let response): hooked[index] = response
                }
            }
            for index in 0..<rounds {
                let payment = payments[index]
                let order = try #require(confirmed[index])
                #expect(order.paymentID == payment.id)
                #expect(order.totalPrice == TestCatalog.inr(2 * 1_050 + 50_000))
                #expect(hooked[index] == GatewayWebhookResponse(duplicate: false, paymentID: payment.id, status: .paid))
                let paid = try await shoppers[index].getPayment(paymentID: payment.id)
                #expect(paid.status == .paid)
                #expect(paid.orderID == order.id, "the webhook and the confirmation point to the same order")
                #expect(try await shoppers[index].listOrders().orders == [order], "exactly one order for \(users[index])")
                #expect(try await shoppers[index].getCart().items.isEmpty)
            }
            #expect(try await stock(admin, "p-pen") == penBefore - Int64(2 * rounds))
            #expect(try await stock(admin, "p-shirt", variant: "p-shirt-s") == smallBefore - Int64(rounds))
            for client in shoppers + hooks { await client.close() }
        }
    }
}
