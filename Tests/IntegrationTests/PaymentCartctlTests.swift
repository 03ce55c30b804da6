import CartClient
import CartCore
import CartTesting
import Foundation
import Testing

/// `cartctl checkout`, `pay` and `orders`, the real binary against the real daemon.
@Suite("cartctl checkout, pay and orders")
struct PaymentCartctlTests {
    @Test("cartctl checkout --shipping-file, pay simulate, orders list/show; errors exit 1 with CODE: message")
    func endToEnd() async throws {
        try await withPaymentDaemon { daemon, admin in
            let cartctl = TestDaemon.siblingBinary("cartctl")
            let identity = ["--socket", daemon.socketPath, "--user", "alice", "--secret-file", daemon.secretPath]
            let addressFile = daemon.directory + "/addr.json"
            try Data("""
                {"name": "Asha Rao", "line1": "12 MG Road", "line2": "Flat 4B", "city": "Bengaluru", "state": "KA",
                 "postal_code": "560001", "country": "IN", "phone": "+91 80 1234 5678"}
                """.utf8).write(to: URL(fileURLWithPath: addressFile))
            let alice = try await daemon.client(user: "alice")
            let emptyCart = try await alice.getCart()

            let (emptyStatus, emptyOutput) = try runTool(cartctl, ["checkout", "--shipping-file", addressFile] + identity)
            #expect(emptyStatus == 1)
            #expect(emptyOutput
                == "cartctl: FAILED_PRECONDITION: Cart is empty. Please add items first. Cart ID: \(emptyCart.id)\n")

            _ = try await alice.addItem(productID: "p-pen", quantity: 2)
            let cart = try await alice.addItem(productID: "p-mug", quantity: 1)
            let (status, output) = try runTool(cartctl, ["checkout", "--shipping-file", addressFile, "--json"] + identity)
            #expect(status == 0, "\(output)")
            let payment = try json(output)
            let paymentID = try #require(payment["id"] as? String)
            #expect(payment["status"] as? String == "CREATED")
            #expect((payment["amount"] as? [String: Any])?["amount_minor"] as? Int == 2 * 1_050 + 25_000)
            #expect((payment["amount"] as? [String: Any])?["currency_code"] as? String == "INR")
            #expect((payment["gateway_order_id"] as? String)?.hasPrefix("order_") == true)
            #expect(payment["gateway_key_id"] as? String == SimulatedSecrets.keyID)
            #expect(payment["cart_id"] as? String == cart.id)
            #expect((payment["shipping_address"] as? [String: Any])?["postal_code"] as? String == "560001")
            #expect((payment["billing_address"] as? [String: Any])?["name"] as? String == "Asha Rao")
            #expect((payment["items"] as? [[String: Any]])?.count == 2)
            #expect(try await alice.getPayment(paymentID: paymentID).amount == cart.totalPrice)

            let (showStatus, shown) = try runTool(cartctl, ["pay", "show", paymentID] + identity)
            #expect(showStatus == 0)
            #expect(shown.contains(paymentID) && shown.contains("CREATED") && shown.contains("Mug"))

            let (payStatus, paid) = try runTool(cartctl, ["pay", "simulate", paymentID, "--json"] + identity)
            #expect(payStatus == 0, "\(paid)")
            let order = try json(paid)
            let orderID = try #require(order["id"] as? String)
            #expect(order["payment_id"] as? String == paymentID)
            #expect(order["status"] as? String == "ORDER_STATUS_CONFIRMED")
            #expect((order["total_price"] as? [String: Any])?["amount_minor"] as? Int == 27_100)
            #expect((order["items"] as? [[String: Any]])?.compactMap { $0["quantity"] as? Int } == [2, 1])
            #expect(try await alice.getPayment(paymentID: paymentID).status == .paid)
            #expect(try await alice.getCart().items.isEmpty)
            #expect(try await stock(admin, "p-mug") == 4)

            let (listStatus, listed) = try runTool(cartctl, ["orders", "list", "--json"] + identity)
            #expect(listStatus == 0)
            let orders = try json(listed)["orders"] as? [[String: Any]]
            #expect(orders?.compactMap { $0["id"] as? String } == [orderID])
            let (tableStatus, table) = try runTool(cartctl, ["orders", "list"] + identity)
            #expect(tableStatus == 0)
            #expect(table.hasPrefix("ORDER"))
            #expect(table.contains(orderID) && table.contains("₹271.00"))
            let (orderStatus, detail) = try runTool(cartctl, ["orders", "show", orderID] + identity)
            #expect(orderStatus == 0)
            #expect(detail.contains("12 MG Road") && detail.contains("₹271.00") && detail.contains("Pen"))

            // Bad input is reported like the daemon's errors, and nothing is created.
            let badFile = daemon.directory + "/bad.json"
            try Data(#"{"name": "A", "postcode": "1"}"#.utf8).write(to: URL(fileURLWithPath: badFile))
            _ = try await alice.addItem(productID: "p-pen", quantity: 1)
            let (badStatus, bad) = try runTool(cartctl, ["checkout", "--shipping-file", badFile] + identity)
            #expect(badStatus == 1)
            #expect(bad.hasPrefix("cartctl: INVALID_ARGUMENT: \(badFile): unknown field \"postcode\""))
            let (wrongStatus, wrong) = try runTool(cartctl, ["pay", "confirm", paymentID, "--gateway-payment-id", "pay_1",
                                                             "--signature", String(repeating: "0", count: 64)] + identity)
            #expect(wrongStatus == 1)
            #expect(wrong == "cartctl: PERMISSION_DENIED: the payment signature does not match this payment\n")
            let (unknownStatus, unknown) = try runTool(cartctl, ["pay", "show", "pay_nope"] + identity)
            #expect(unknownStatus == 1)
            #expect(unknown == "cartctl: NOT_FOUND: payment pay_nope not found\n")

            // Checkout with an explicit version, then cancel.
            let current = try await alice.getCart()
            let (pinnedStatus, pinned) = try runTool(cartctl, ["checkout", "--shipping-file", addressFile, "--json",
                                                               "--expected-version", "\(current.version)"] + identity)
            #expect(pinnedStatus == 0, "\(pinned)")
            let second = try #require(try json(pinned)["id"] as? String)
            let (cancelStatus, cancelled) = try runTool(cartctl, ["pay", "cancel", second, "--json"] + identity)
            #expect(cancelStatus == 0)
            #expect(try json(cancelled)["status"] as? String == "CANCELLED")
            let (staleStatus, stale) = try runTool(cartctl, ["checkout", "--shipping-file", addressFile,
                                                             "--expected-version", "1"] + identity)
            #expect(staleStatus == 1)
            #expect(stale.hasPrefix("cartctl: ABORTED: "))
            await alice.close()
        }
    }

    /// The one JSON object cartctl printed.
    func json(_ output: String) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(output.utf8))
        return try #require(object as? [String: Any], "not a JSON object: \(output)")
    }
}
