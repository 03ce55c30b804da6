import CartClient
import CartCore
import CartTesting
import Foundation

/// One registered user of the soak and the client that acts for them (one connection each).
struct Shopper: Sendable {
    let userID: String
    let client: CartClient
    /// The cart as the last answered call showed it.
    var cart: PricedCart?
}

/// Runs one worker's share of the users: a closed loop of mixed calls, one call at a time, until `deadline`.
///
/// The mix: add 34 %, update 12 %, remove 8 %, clear 2 %, get 14 %, checkout + confirm 12 % (a quarter of them
/// completed by the gateway webhook instead), checkout + cancel 6 %, checkout left to expire 5 %, guest cart
/// merged 7 %. Every mutation carries an idempotency key (the client's own, one per operation).
struct ShopperWorker: Sendable {
    let shoppers: [Shopper]
    let admin: CartClient
    let daemon: TestDaemon
    let ledger: SoakLedger
    let tokenLifetime: TimeInterval

    /// Runs until the deadline; returns the shoppers with their last known carts.
    func run(until deadline: ContinuousClock.Instant) async -> [Shopper] {
        var shoppers = self.shoppers
        while ContinuousClock.now < deadline {
            let index = Int.random(in: shoppers.indices)
            await step(&shoppers[index])
        }
        return shoppers
    }

    private func step(_ shopper: inout Shopper) async {
        let roll = Int.random(in: 0..<100)
        let lines = shopper.cart?.items ?? []
        switch roll {
        case 0..<34:
            let line = SoakCatalog.lines.randomElement()!
            await call("AddItem", &shopper) {
                try await $0.addItem(productID: line.product, variantID: line.variant, quantity: Int64.random(in: 1...3))
            }
        case 34..<46 where !lines.isEmpty:
            let item = lines.randomElement()!
            await call("UpdateItem", &shopper) { try await $0.updateItem(itemID: item.id, quantity: Int64.random(in: 0...4)) }
        case 46..<54 where !lines.isEmpty:
            let item = lines.randomElement()!
            await call("RemoveItem", &shopper) { try await $0.removeItem(itemID: item.id) }
        case 54..<56:
            await call("ClearCart", &shopper) { try await $0.clearCart() }
        case 56..<68:
            await checkout(&shopper, then: .confirm)
        case 68..<74:
            await checkout(&shopper, then: .cancel)
        case 74..<79:
            await checkout(&shopper, then: .abandon)
        case 79..<86:
            await mergeGuest(into: &shopper)
        default:
            await call("GetCart", &shopper) { try await $0.getCart() }
        }
    }

    /// Makes a call that returns the cart, and remembers the cart.
    private func call(_ method: String, _ shopper: inout Shopper,
                      _ body: (CartClient) async throws -> PricedCart) async {
        do {
            shopper.cart = try await body(shopper.client)
            ledger.answered(method)
        } catch {
            ledger.failed(method, error)
        }
    }

    private enum Ending { case confirm, cancel, abandon }

    private func checkout(_ shopper: inout Shopper, then ending: Ending) async {
        let payment: Payment
        do {
            payment = try await shopper.client.createPaymentFromCart(shipping: SoakCatalog.shipping)
            ledger.answered("CreatePaymentFromCart")
        } catch {
            ledger.failed("CreatePaymentFromCart", error)
            return
        }
        let gatewayPaymentID = "pay_" + UUID().uuidString.prefix(14).replacingOccurrences(of: "-", with: "")
        switch ending {
        case .confirm where Bool.random() || Bool.random():
            let signature = SimulatedGatewaySecrets.paymentSignature(orderID: payment.gatewayOrderID,
                                                                     gatewayPaymentID: gatewayPaymentID)
            do {
                let order = try await shopper.client.confirmPayment(paymentID: payment.id, gatewayPaymentID: gatewayPaymentID,
                                                                   signature: signature)
                ledger.answered("ConfirmPayment")
                if order.paymentID == payment.id {
                    ledger.paid(payment.id)
                } else {
                    ledger.violation("ConfirmPayment of \(payment.id) returned order \(order.id) of \(order.paymentID)")
                }
            } catch {
                ledger.failed("ConfirmPayment", error)
            }
            await call("GetCart", &shopper) { try await $0.getCart() }
        case .confirm:
            let body = SimulatedGatewaySecrets.capturedBody(orderID: payment.gatewayOrderID,
                                                            gatewayPaymentID: gatewayPaymentID,
                                                            amount: payment.amount.amountMinor)
            do {
                let response = try await admin.handleGatewayWebhook(
                    gateway: "razorpay", body: body, signature: SimulatedGatewaySecrets.webhookSignature(body),
                    eventID: "evt_" + UUID().uuidString.replacingOccurrences(of: "-", with: ""))
                ledger.answered("HandleGatewayWebhook")
                if response.status == .paid { ledger.paid(payment.id) }
            } catch {
                ledger.failed("HandleGatewayWebhook", error)
            }
            await call("GetCart", &shopper) { try await $0.getCart() }
        case .cancel:
            do {
                _ = try await shopper.client.cancelPayment(paymentID: payment.id)
                ledger.answered("CancelPayment")
                ledger.cancelled()
            } catch {
                ledger.failed("CancelPayment", error)
            }
        case .abandon:
            ledger.abandoned()
        }
    }

    /// A guest session fills a cart, then the shopper signs in and merges it (the guest's connection is closed).
    private func mergeGuest(into shopper: inout Shopper) async {
        let guestToken: String
        do {
            guestToken = try await daemon.token(user: "guest-" + UUID().uuidString.prefix(12), guest: true,
                                                lifetime: tokenLifetime)
        } catch {
            ledger.violation("cannot mint a guest token: \(error)")
            return
        }
        let guest = CartClient(socketPath: daemon.socketPath, token: guestToken)
        for _ in 0..<Int.random(in: 1...2) {
            let line = SoakCatalog.lines.randomElement()!
            do {
                _ = try await guest.addItem(productID: line.product, variantID: line.variant, quantity: 1)
                ledger.answered("AddItem (guest)")
            } catch {
                ledger.failed("AddItem (guest)", error)
            }
        }
        await guest.close()
        await call("MergeGuestCart", &shopper) { try await $0.mergeGuestCart(guestToken: guestToken) }
        ledger.merged()
    }
}
