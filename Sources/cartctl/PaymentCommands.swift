import ArgumentParser
import CartAuth
import CartClient
import CartCore
import Crypto
import Foundation

/// `cartctl checkout`: turns the caller's cart into a payment (CREATED, stock reserved, gateway order created).
struct CheckoutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout",
        abstract: "Check out your cart: snapshot it, reserve its stock and create the gateway order (CreatePaymentFromCart).",
        discussion: """
            Address files are JSON objects with the fields name, line1, line2, city, state, postal_code, country \
            (ISO-3166 alpha-2) and phone, e.g. {"name":"Asha Rao","line1":"12 MG Road","city":"Bengaluru",\
            "state":"KA","postal_code":"560001","country":"IN"}. Then pay with `cartctl pay simulate PAYMENT_ID` \
            (simulated gateway) or `cartctl pay confirm`.
            """
    )

    @OptionGroup var options: ClientOptions

    @Option(help: "JSON file with the shipping address.")
    var shippingFile: String

    @Option(help: "JSON file with the billing address (default: the shipping address).")
    var billingFile: String?

    @Option(help: "The currency you expect to pay in, ISO-4217 (default: the cart's).")
    var currency: String?

    @Option(help: "Check out only if the cart is at this version, else ABORTED (default: the version fetched just before).")
    var expectedVersion: UInt64?

    @Option(help: "The operation's idempotency key (generated when absent).")
    var idempotencyKey: String?

    func run() async throws {
        try await options.withClient { client in
            let shipping = try AddressJSON.read(file: shippingFile)
            let billing = try billingFile.map { try AddressJSON.read(file: $0) }
            let payment: Payment
            if expectedVersion == nil && idempotencyKey == nil {
                // Fetches the cart first: an empty one is refused here, and the checkout is pinned to its version.
                payment = try await CartSession(client: client).checkout(shipping: shipping, billing: billing,
                                                                         currencyCode: currency)
            } else {
                payment = try await client.createPaymentFromCart(
                    shipping: shipping, billing: billing ?? shipping, currencyCode: currency ?? "",
                    expectedVersion: expectedVersion ?? 0, idempotencyKey: idempotencyKey)
            }
            PayCommand.emit(payment, json: options.json)
        }
    }
}

/// `cartctl pay`: completing, cancelling and showing payments.
struct PayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pay",
        abstract: "Confirm, simulate, cancel or show a payment from `cartctl checkout`.",
        subcommands: [Confirm.self, Simulate.self, Cancel.self, Show.self]
    )

    /// Prints a payment as a table, or as one line of JSON.
    static func emit(_ payment: Payment, json: Bool) {
        print(json ? JSONOutput.line(PaymentJSON(payment)) : PaymentTables.render(payment))
    }

    /// Prints an order as a table, or as one line of JSON.
    static func emit(_ order: Order, json: Bool) {
        print(json ? JSONOutput.line(OrderJSON(order)) : PaymentTables.render(order))
    }

    /// `cartctl pay confirm`.
    struct Confirm: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Complete a payment with the gateway's payment id and signature; prints the order (ConfirmPayment).")

        @OptionGroup var options: ClientOptions

        @Argument(help: "The payment id.")
        var paymentID: String

        @Option(help: "The gateway's payment id (razorpay_payment_id).")
        var gatewayPaymentId: String

        @Option(help: "The gateway's signature, hex (razorpay_signature).")
        var signature: String

        @Option(help: "The operation's idempotency key (generated when absent).")
        var idempotencyKey: String?

        func run() async throws {
            try await options.withClient { client in
                let order = try await client.confirmPayment(paymentID: paymentID, gatewayPaymentID: gatewayPaymentId,
                                                            signature: signature, idempotencyKey: idempotencyKey)
                PayCommand.emit(order, json: options.json)
            }
        }
    }

    /// `cartctl pay simulate`.
    struct Simulate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pay as the gateway would: sign a made-up gateway payment id with the key secret and confirm it; prints the order.",
            discussion: """
                For payments of the simulated gateway the documented test key secret is used; for others give the \
                key secret cartd is configured with (--key-secret or --key-secret-file).
                """
        )

        @OptionGroup var options: ClientOptions

        @Argument(help: "The payment id.")
        var paymentID: String

        @Option(help: "The gateway key secret to sign with (default: the simulated gateway's test secret).")
        var keySecret: String?

        @Option(help: "A file holding the key secret (trailing whitespace ignored, as cartd does).")
        var keySecretFile: String?

        @Option(help: "The gateway payment id to sign (default: pay_sim_<random>).")
        var gatewayPaymentId: String?

        func validate() throws {
            if keySecret != nil && keySecretFile != nil {
                throw ValidationError("give either --key-secret or --key-secret-file, not both")
            }
        }

        func run() async throws {
            try await options.withClient { client in
                let payment = try await client.getPayment(paymentID: paymentID)
                let secret = try resolveSecret(gateway: payment.gateway, paymentID: payment.id)
                let gatewayPaymentID = gatewayPaymentId ?? SimulatedPayment.makeGatewayPaymentID()
                let signature = SimulatedPayment.signature(orderID: payment.gatewayOrderID,
                                                           paymentID: gatewayPaymentID, keySecret: secret)
                let order = try await client.confirmPayment(paymentID: payment.id, gatewayPaymentID: gatewayPaymentID,
                                                            signature: signature)
                PayCommand.emit(order, json: options.json)
            }
        }

        private func resolveSecret(gateway: String, paymentID: String) throws -> [UInt8] {
            if let keySecret { return Array(keySecret.utf8) }
            if let keySecretFile {
                do {
                    return try SigningKey.secret(fromFile: keySecretFile, minimumBytes: 1)
                } catch {
                    throw CLIError(.invalidArgument, error.message)
                }
            }
            guard gateway == "simulated" else {
                throw CLIError(.failedPrecondition,
                               "payment \(paymentID) is on gateway \(gateway), not simulated: give --key-secret or --key-secret-file")
            }
            return Array(SimulatedPayment.defaultKeySecret.utf8)
        }
    }

    /// `cartctl pay cancel`.
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a payment still CREATED and release its stock (CancelPayment).")

        @OptionGroup var options: ClientOptions

        @Argument(help: "The payment id.")
        var paymentID: String

        @Option(help: "The operation's idempotency key (generated when absent).")
        var idempotencyKey: String?

        func run() async throws {
            try await options.withClient { client in
                PayCommand.emit(try await client.cancelPayment(paymentID: paymentID, idempotencyKey: idempotencyKey),
                                json: options.json)
            }
        }
    }

    /// `cartctl pay show`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one of your payments (GetPayment).")

        @OptionGroup var options: ClientOptions

        @Argument(help: "The payment id.")
        var paymentID: String

        func run() async throws {
            try await options.withClient { client in
                PayCommand.emit(try await client.getPayment(paymentID: paymentID), json: options.json)
            }
        }
    }
}

/// What `pay simulate` does in the gateway's place.
enum SimulatedPayment {
    /// The simulated gateway's documented test key secret. A copy of `SimulatedGateway.defaultKeySecret`
    /// (Sources/CartServer/Payments/SimulatedGateway.swift): cartctl does not import CartServer. Keep them equal.
    static let defaultKeySecret = "cartsync-simulated-key-secret"

    /// Razorpay's checkout signature: lowercase hex HMAC-SHA256 of `"<gateway order id>|<gateway payment id>"`
    /// keyed with the key secret.
    static func signature(orderID: String, paymentID: String, keySecret: [UInt8]) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Array("\(orderID)|\(paymentID)".utf8),
                                                  using: SymmetricKey(data: keySecret))
        return mac.map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0f)]])
        }.joined()
    }

    /// `pay_sim_` and 14 random letters and digits.
    static func makeGatewayPaymentID() -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
        return "pay_sim_" + String((0..<14).map { _ in alphabet.randomElement()! })
    }
}
