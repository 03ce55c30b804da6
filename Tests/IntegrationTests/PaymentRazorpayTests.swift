import CartClient
import CartCore
import CartProto
import CartTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import TTRPC

/// cartd's `razorpay` gateway over real HTTP, against ``FakeRazorpayServer``.
@Suite("PaymentService with the Razorpay gateway over HTTP")
struct PaymentRazorpayTests {
    static let keyID = "rzp_test_x"
    static let keySecret = "fake-razorpay-key-secret-0001"
    static let webhookSecret = "fake-razorpay-webhook-secret-new"
    static let oldWebhookSecret = "fake-razorpay-webhook-secret-old"

    /// Starts the fake server and cartd configured for it (gateway timeout 1 s), loads the test catalog.
    func withRazorpay(_ body: (FakeRazorpayServer, TestDaemon, CartClient, _ secrets: String) async throws -> Void)
        async throws {
        let fake = FakeRazorpayServer(keyID: Self.keyID, keySecret: Self.keySecret)
        let port = try await fake.start()
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let files = [("key", Self.keySecret), ("hook-new", Self.webhookSecret), ("hook-old", Self.oldWebhookSecret)]
        for (name, secret) in files {
            _ = FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data((secret + "\n").utf8),
                                               attributes: [.posixPermissions: 0o600])
        }
        do {
            try await withPaymentDaemon([
                "--gateway", "razorpay", "--razorpay-base-url", "http://127.0.0.1:\(port)",
                "--razorpay-key-id", Self.keyID, "--razorpay-key-secret-file", "\(directory)/key",
                "--razorpay-webhook-secret-file", "\(directory)/hook-new",
                "--razorpay-webhook-secret-file", "\(directory)/hook-old", "--gateway-timeout", "1",
            ]) { daemon, admin in
                try await body(fake, daemon, admin, directory)
            }
        } catch {
            await fake.stop()
            throw error
        }
        await fake.stop()
    }

    @Test("checkout creates exactly one Razorpay order (Basic auth, paise, receipt, notes); confirm and webhooks use the configured secrets")
    func orderCreated() async throws {
        try await withRazorpay { fake, daemon, admin, _ in
            let alice = try await daemon.client(user: "alice")
            _ = try await alice.addItem(productID: "p-pen", quantity: 2)
            let cart = try await alice.addItem(productID: "p-shirt", variantID: "p-shirt-l", quantity: 1)
            let payment = try await alice.createPaymentFromCart(shipping: Addresses.home)
            let requests = fake.requests
            #expect(requests.count == 1)
            let request = try #require(requests.first)
            #expect(request.method == "POST")
            #expect(request.path == "/v1/orders")
            #expect(request.authorization == "Basic " + Data("\(Self.keyID):\(Self.keySecret)".utf8).base64EncodedString())
            #expect(request.contentType == "application/json")
            #expect(cart.totalPrice.amountMinor == 2 * 1_050 + 55_000)
            #expect(request.amount == cart.totalPrice.amountMinor, "the amount is in paise")
            #expect(request.currency == "INR")
            #expect(request.receipt == payment.id)
            #expect(request.notes == ["cart_id": cart.id, "user_id": "alice"])
            #expect(request.responseStatus == 200)
            let created = try #require(fake.orders.first)
            #expect(payment.gatewayOrderID == created.id)
            #expect(request.orderID == created.id)
            #expect(created.id.hasPrefix("order_") && created.id.count == 20)
            #expect(payment.gateway == "razorpay")
            #expect(payment.gatewayKeyID == Self.keyID)
            #expect(payment.amount == cart.totalPrice)

            // The same unchanged cart: the same payment, no second gateway order.
            #expect(try await alice.createPaymentFromCart(shipping: Addresses.home) == payment)
            #expect(fake.requests.count == 1)

            // The checkout signature uses the configured key secret (not the simulated one) and the stored order id.
            let simulated = try pythonPaymentSignature(orderID: created.id, gatewayPaymentID: "pay_rzp_1")
            await expectRPCError(.permissionDenied, "signed with the simulated secret") {
                try await alice.confirmPayment(paymentID: payment.id, gatewayPaymentID: "pay_rzp_1", signature: simulated)
            }
            let signature = try pythonPaymentSignature(orderID: created.id, gatewayPaymentID: "pay_rzp_1",
                                                       keySecret: Self.keySecret)
            let order = try await alice.confirmPayment(paymentID: payment.id, gatewayPaymentID: "pay_rzp_1",
                                                       signature: signature)
            #expect(order.totalPrice == TestCatalog.inr(57_100))
            #expect(order.items == cart.items)

            // Webhooks: the current and the old (rotation) secret are accepted, the simulated one is not.
            let bob = try await daemon.client(user: "bob")
            let carol = try await daemon.client(user: "carol")
            _ = try await bob.addItem(productID: "p-mug", quantity: 1)
            _ = try await carol.addItem(productID: "p-mug", quantity: 2)
            let bobs = try await bob.createPaymentFromCart(shipping: Addresses.office)
            let carols = try await carol.createPaymentFromCart(shipping: Addresses.office)
            #expect(fake.requests.count == 3)
            #expect(fake.orders.map(\.receipt) == [payment.id, bobs.id, carols.id])
            #expect(fake.orders.map(\.amount) == [57_100, 25_000, 50_000])
            let bobsBody = webhookBody(event: "payment.captured", orderID: bobs.gatewayOrderID,
                                       gatewayPaymentID: "pay_rzp_bob", amount: 25_000)
            let wrong = try pythonHMAC(secret: SimulatedSecrets.webhookSecret, bobsBody)
            await expectRPCError(.permissionDenied, "webhook signed with the simulated secret") {
                try await admin.handleGatewayWebhook(gateway: "razorpay", body: Array(bobsBody.utf8), signature: wrong,
                                                     eventID: "evt_rzp_0")
            }
            let current = try pythonHMAC(secret: Self.webhookSecret, bobsBody)
            #expect(try await admin.handleGatewayWebhook(gateway: "razorpay", body: Array(bobsBody.utf8),
                                                         signature: current, eventID: "evt_rzp_1")
                == GatewayWebhookResponse(duplicate: false, paymentID: bobs.id, status: .paid))
            let carolsBody = webhookBody(event: "payment.captured", orderID: carols.gatewayOrderID,
                                         gatewayPaymentID: "pay_rzp_carol", amount: 50_000)
            let old = try pythonHMAC(secret: Self.oldWebhookSecret, carolsBody)
            #expect(try await admin.handleGatewayWebhook(gateway: "razorpay", body: Array(carolsBody.utf8),
                                                         signature: old, eventID: "evt_rzp_2")
                == GatewayWebhookResponse(duplicate: false, paymentID: carols.id, status: .paid))
            #expect(try await stock(admin, "p-mug") == 2)
            await alice.close()
            await bob.close()
            await carol.close()
        }
    }

    @Test("gateway failures (401, 500, stall past the timeout, a head then silence, dropped connection) are UNAVAILABLE, quickly, with nothing reserved")
    func gatewayFailures() async throws {
        try await withRazorpay { fake, daemon, admin, secrets in
            // No client retries: each checkout below is one RPC and so one attempt at the gateway.
            var configuration = CartClientConfiguration(socketPath: daemon.socketPath,
                                                        token: try await daemon.token(user: "alice"))
            configuration.retry = .none
            let alice = CartClient(configuration: configuration)
            let bob = try await daemon.client(user: "bob")
            _ = try await bob.addItem(productID: "p-mug", quantity: 5)
            let cart = try await alice.addItem(productID: "p-mug", quantity: 5)
            let unavailable = "the payment gateway is unavailable"
            let faults: [(String, () -> Void, String)] = [
                ("wrong key secret (401)", { fake.credentials = (Self.keyID, "rotated-at-razorpay-0002") },
                 "\(unavailable) (Razorpay refused cartd's API credentials); nothing was reserved, retry shortly"),
                ("server error (500)", {
                    fake.credentials = (Self.keyID, Self.keySecret)
                    fake.mode = .serverError
                }, "\(unavailable) (Razorpay refused the order: We are facing some trouble completing your request at the moment. Please try again shortly.); nothing was reserved, retry shortly"),
                ("stall past --gateway-timeout 1", { fake.mode = .stall },
                 "\(unavailable) (Razorpay did not answer within 1.0 s); nothing was reserved, retry shortly"),
                // The request's deadline ends with the response head; the client's read timeout covers the body.
                ("a response head, then no body", { fake.mode = .stallAfterHead },
                 "\(unavailable) (Razorpay did not answer within 1.0 s); nothing was reserved, retry shortly"),
                ("connection closed", { fake.mode = .closeConnection },
                 "\(unavailable) (Razorpay closed the connection without an answer); nothing was reserved, retry shortly"),
            ]
            for (index, (name, inject, message)) in faults.enumerated() {
                inject()
                let started = ContinuousClock.now
                let error = await expectRPCError(.unavailable, name) {
                    try await alice.createPaymentFromCart(shipping: Addresses.home)
                }
                let elapsed = ContinuousClock.now - started
                #expect(elapsed < .seconds(4), "\(name) took \(elapsed)")
                #expect(error?.message == message, "\(name)")
                #expect(error?.message.contains(Self.keySecret) == false)
                #expect(fake.requests.count == index + 1, "\(name): one attempt reached the gateway")
                #expect(fake.requests.last?.receipt?.hasPrefix("pay_") == true)
                #expect(try await alice.getCart() == cart, "\(name) changed the cart")
                #expect(try await stock(admin, "p-mug") == 5, "\(name) changed the stock")
            }
            #expect(fake.requests.first?.responseStatus == 401)
            #expect(fake.requests.dropFirst().first?.responseStatus == 500)
            #expect(fake.orders.isEmpty)
            #expect(try await admin.inspectUser(userID: "alice").payments.isEmpty, "no payment was recorded")

            // Back to normal: nothing of alice's attempts is reserved, so bob takes all five mugs ...
            fake.mode = .normal
            let bobs = try await bob.createPaymentFromCart(shipping: Addresses.office)
            #expect(bobs.items.map(\.quantity) == [5])
            #expect(bobs.gatewayOrderID == fake.orders.last?.id)
            #expect(try await admin.inspectUser(userID: "bob").payments.map(\.id) == [bobs.id])
            // ... and alice is now refused before any gateway order is made.
            await expectRPCError(.failedPrecondition, "alice after bob reserved") {
                try await alice.createPaymentFromCart(shipping: Addresses.home)
            }
            #expect(fake.orders.count == 1)
            #expect(fake.requests.count == faults.count + 1)

            // cartctl pay simulate signs a razorpay payment only with the key secret it is given.
            let cartctl = TestDaemon.siblingBinary("cartctl")
            let identity = ["--socket", daemon.socketPath, "--user", "bob", "--secret-file", daemon.secretPath]
            let (refusedStatus, refused) = try runTool(cartctl, ["pay", "simulate", bobs.id] + identity)
            #expect(refusedStatus == 1)
            #expect(refused == "cartctl: FAILED_PRECONDITION: payment \(bobs.id) is on gateway razorpay, not simulated: give --key-secret or --key-secret-file\n")
            let (paidStatus, paid) = try runTool(cartctl, ["pay", "simulate", bobs.id, "--json",
                                                           "--key-secret-file", "\(secrets)/key"] + identity)
            #expect(paidStatus == 0, "\(paid)")
            #expect(paid.contains("\"payment_id\":\"\(bobs.id)\""))
            #expect(try await bob.getPayment(paymentID: bobs.id).status == .paid)
            #expect(try await stock(admin, "p-mug") == 0)
            await alice.close()
            await bob.close()
        }
    }

    @Test("with the Razorpay gateway configured, a start-up refused later (an unknown --socket-group) exits 2 cleanly")
    func startUpRefusedAfterTheGatewayIsConfigured() throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        for (name, secret) in [("key", Self.keySecret), ("hook", Self.webhookSecret)] {
            _ = FileManager.default.createFile(atPath: "\(directory)/\(name)", contents: Data((secret + "\n").utf8),
                                               attributes: [.posixPermissions: 0o600])
        }
        let run = try runCartd([
            "--socket", "\(directory)/cartd.sock", "--database", "\(directory)/cart.db",
            "--gateway", "razorpay", "--razorpay-key-id", Self.keyID, "--razorpay-key-secret-file", "\(directory)/key",
            "--razorpay-webhook-secret-file", "\(directory)/hook", "--socket-mode", "0660",
            "--socket-group", "no-such-group-cartsync",
        ])
        #expect(run.status == 2, "\(run.errors)")
        #expect(run.errors.contains("cannot start"), "\(run.errors)")
        #expect(run.errors.contains("no-such-group-cartsync"), "\(run.errors)")
        #expect(!FileManager.default.fileExists(atPath: "\(directory)/cartd.sock"))
    }

    @Test("FakeRazorpayServer answers as Razorpay's order API documents: 401, 400 per field, 404, 405, 200")
    func fakeServerContract() async throws {
        let fake = FakeRazorpayServer(keyID: Self.keyID, keySecret: Self.keySecret)
        let port = try await fake.start()
        let session = URLSession(configuration: .ephemeral)
        func call(_ method: String = "POST", path: String = "/v1/orders", auth: String? = "\(Self.keyID):\(Self.keySecret)",
                  body: String) async throws -> (Int, [String: Any]) {
            var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
            request.httpMethod = method
            if let auth { request.setValue("Basic " + Data(auth.utf8).base64EncodedString(), forHTTPHeaderField: "Authorization") }
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            if method == "POST" { request.httpBody = Data(body.utf8) }
            let (data, response) = try await session.data(for: request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            return (status, (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:])
        }
        func error(_ reply: (Int, [String: Any])) -> [String: String] {
            (reply.1["error"] as? [String: Any])?.compactMapValues { $0 as? String } ?? [:]
        }
        let good = #"{"amount":50000,"currency":"INR","receipt":"pay_1","notes":{"cart_id":"c1"}}"#
        let unauthorized = try await call(auth: "\(Self.keyID):wrong-secret", body: good)
        #expect(unauthorized.0 == 401)
        #expect(error(unauthorized) == ["code": "BAD_REQUEST_ERROR", "description": "Authentication failed"])
        #expect(try await call(auth: nil, body: good).0 == 401)
        for (body, field) in [
            (#"{"amount":500.5,"currency":"INR","receipt":"r"}"#, "amount"),
            (#"{"amount":"500","currency":"INR","receipt":"r"}"#, "amount"),
            (#"{"amount":0,"currency":"INR","receipt":"r"}"#, "amount"),
            (#"{"currency":"INR","receipt":"r"}"#, "amount"),
            (#"{"amount":100,"currency":"inr","receipt":"r"}"#, "currency"),
            (#"{"amount":100,"currency":"INR"}"#, "receipt"),
            (#"{"amount":100,"currency":"INR","receipt":"r","notes":{"n":1}}"#, "notes"),
        ] {
            let reply = try await call(body: body)
            #expect(reply.0 == 400, "\(body)")
            #expect(error(reply)["code"] == "BAD_REQUEST_ERROR" && error(reply)["field"] == field, "\(body)")
        }
        #expect(try await call(body: "not json").0 == 400)
        #expect(try await call("GET", body: "").0 == 405)
        #expect(try await call(path: "/v1/payments", body: good).0 == 404)
        let created = try await call(body: good)
        #expect(created.0 == 200)
        let order = created.1
        #expect((order["id"] as? String)?.hasPrefix("order_") == true && (order["id"] as? String)?.count == 20)
        #expect(order["entity"] as? String == "order")
        #expect(order["amount"] as? Int == 50_000 && order["amount_due"] as? Int == 50_000)
        #expect(order["amount_paid"] as? Int == 0)
        #expect(order["currency"] as? String == "INR" && order["receipt"] as? String == "pay_1")
        #expect(order["status"] as? String == "created")
        #expect(order["notes"] as? [String: String] == ["cart_id": "c1"])
        #expect(abs((order["created_at"] as? Int ?? 0) - Int(Date().timeIntervalSince1970)) < 60)
        #expect(fake.requests.count == 13)
        #expect(fake.orders.map(\.id) == [order["id"] as? String])
        #expect(fake.requests.last?.notes == ["cart_id": "c1"])
        session.finishTasksAndInvalidate()
        await fake.stop()
    }
}
