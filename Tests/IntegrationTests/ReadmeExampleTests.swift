import CartClient
import CartCore
import CartTesting
import Crypto
import Foundation
import Testing

/// The README's "Using cartd from Swift" example, run as written against the real daemon.
@Suite("README example")
struct ReadmeExampleTests {
    @Test("add an item, read the cart, check out and confirm, as the README shows")
    func readmeExample() async throws {
        try await withTestDaemon(arguments: ["--seed-catalog", ObservabilityTests.repositoryRoot + "/deploy/demo-catalog.json"]) { daemon in
            let jwtForThisUser = try await daemon.token(user: "readme-user")
            let client = CartClient(socketPath: daemon.socketPath, token: jwtForThisUser)
            let session = CartSession(client: client)
            await session.startWatching()

            let cart = try await session.addItem(productID: "tee-classic", variantID: "tee-classic-m", quantity: 2)
            #expect(cart.totalPrice.formatted == "₹998.00")
            #expect(cart.version == 2)

            let current = try await session.getCart()
            let fresh = try await session.getCart(forceRefresh: true)
            #expect(current == fresh)

            let payment = try await session.checkout(shipping: Address(name: "Asha Rao", line1: "12 MG Road",
                                                                       city: "Bengaluru", postalCode: "560001",
                                                                       country: "IN"))
            #expect(payment.status == .created)
            #expect(payment.amount == cart.totalPrice)
            // What Razorpay's checkout would hand back, signed with the simulated gateway's test secret.
            let razorpayPaymentID = "pay_readme_1"
            let key = SymmetricKey(data: Array("cartsync-simulated-key-secret".utf8))
            let mac = HMAC<SHA256>.authenticationCode(for: Array("\(payment.gatewayOrderID)|\(razorpayPaymentID)".utf8),
                                                      using: key)
            let razorpaySignature = mac.map { String(format: "%02x", $0) }.joined()
            let order = try await session.confirmPayment(paymentID: payment.id, gatewayPaymentID: razorpayPaymentID,
                                                         signature: razorpaySignature)
            #expect(order.totalPrice == cart.totalPrice)
            #expect(try await session.getCart(forceRefresh: true).items.isEmpty)
            await session.stopWatching()
            await client.close()
        }
    }
}
