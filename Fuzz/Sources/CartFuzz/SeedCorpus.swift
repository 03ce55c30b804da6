import CartCore
import CartProto
import NIOCore
import ProtobufCSupport
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// The seed corpus (`Fuzz/corpus/`): real frames, built with the same encoders cartd and its clients
/// use, plus the Go client's captured bytes and the malformed shapes a hostile peer sends.
/// `cartsync-fuzz --write-seed-corpus Fuzz/corpus` (or `make fuzz-corpus`) writes it.
enum SeedCorpus {
    struct WriteError: Error, CustomStringConvertible {
        let description: String
    }

    /// Writes every seed as `DIR/NAME.bin`.
    /// - Returns: How many files were written.
    static func write(to directory: String) throws -> Int {
        mkdir(directory, 0o755)
        let seeds = all()
        for (name, bytes) in seeds {
            let path = "\(directory)/\(name).bin"
            guard let file = fopen(path, "wb") else { throw WriteError(description: "cannot create \(path)") }
            let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
            guard written == bytes.count else { throw WriteError(description: "short write to \(path)") }
        }
        return seeds.count
    }

    /// A fake but well-formed bearer token (the fuzzer never verifies it; cartd's parser sees its shape).
    static let token = "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1c2VyLTEiLCJleHAiOjQxMDI0NDQ4MDB9."
        + "c2lnbmF0dXJlLWJ5dGVzLW5vdC12YWxpZA"

    static let auth: Metadata = ["authorization": token]
    static let mutation: Metadata = ["authorization": token, "idempotency-key": "fuzz-seed-0001"]

    static func all() -> [(String, [UInt8])] {
        var seeds: [(String, [UInt8])] = []
        func add(_ name: String, _ bytes: [UInt8]) { seeds.append((name, bytes)) }

        // The Go ttrpc 1.1.1 client's captured call and the Go server's replies (PROTOCOL.md).
        add("go-request-echo-say", goRequest)
        add("go-response-echo", hex("00 00 00 0f 00 00 00 01 02 00 12 0d 0a 0b") + Array("echo: hello".utf8))
        add("go-response-not-found", hex("00 00 00 19 00 00 00 01 02 00 0a 17 08 05 12 13")
            + Array("no such cart \"fail\"".utf8))

        // Every request of every service, as the Swift client sends it.
        let cart = "cart.v1.CartService", catalog = "cart.v1.CatalogService"
        let payment = "cart.v1.PaymentService", admin = "cart.v1.AdminService"
        let testing = "cartsync.testing.v1.TestService"
        let inr = Money(currencyCode: "INR", amountMinor: 49_900)
        let address = Address(name: "A. Buyer", line1: "12 MG Road", line2: "Flat 4", city: "Bengaluru",
                              state: "KA", postalCode: "560001", country: "IN", phone: "+919800000000")
        let product = Product(id: "sku-mug", name: "Mug", price: inr, stock: 25, variants: [
            ProductVariant(id: "red", name: "Red", additionalPrice: Money(currencyCode: "INR", amountMinor: 1_000),
                           stock: 5),
            ProductVariant(id: "blue", name: "Blue", additionalPrice: .zero("INR"), active: false, stock: 0),
        ])
        add("health-check", request(1, "grpc.health.v1.Health", "Check", HealthCheckRequest()))
        add("health-check-service", request(1, "grpc.health.v1.Health", "Check",
                                            HealthCheckRequest(service: cart), timeoutNano: 2_000_000_000))
        add("health-watch", request(1, "grpc.health.v1.Health", "Watch", HealthCheckRequest(), flags: .remoteClosed))
        add("cart-get", request(1, cart, "GetCart", GetCartRequest(), metadata: auth))
        add("cart-add-item", request(3, cart, "AddItem",
                                     AddItemRequest(productID: "sku-mug", variantID: "red", quantity: 2,
                                                    expectedVersion: 7), metadata: mutation))
        add("cart-update-item", request(5, cart, "UpdateItem",
                                        UpdateItemRequest(itemID: "item-1", quantity: 3, expectedVersion: 8),
                                        metadata: mutation))
        add("cart-remove-item", request(7, cart, "RemoveItem", RemoveItemRequest(itemID: "item-1", expectedVersion: 9),
                                        metadata: mutation))
        add("cart-clear", request(9, cart, "ClearCart", ClearCartRequest(expectedVersion: 10), metadata: mutation))
        add("cart-merge-guest", request(11, cart, "MergeGuestCart", MergeGuestCartRequest(guestToken: token),
                                        metadata: mutation))
        add("cart-watch", request(13, cart, "WatchCart", WatchCartRequest(sinceVersion: 3), metadata: auth,
                                  flags: .remoteClosed))
        add("catalog-upsert", request(1, catalog, "UpsertProducts", UpsertProductsRequest(products: [product]),
                                      metadata: auth))
        add("catalog-get", request(1, catalog, "GetProduct", GetProductRequest(productID: "sku-mug"), metadata: auth))
        add("catalog-list", request(1, catalog, "ListProducts", ListProductsRequest(pageSize: 50, pageToken: "sku-a"),
                                    metadata: auth))
        add("catalog-set-stock", request(1, catalog, "SetStock",
                                         SetStockRequest(productID: "sku-mug", variantID: "red", stock: 40), metadata: auth))
        add("catalog-delete", request(1, catalog, "DeleteProduct", DeleteProductRequest(productID: "sku-mug"),
                                      metadata: auth))
        add("payment-create", request(1, payment, "CreatePaymentFromCart",
                                      CreatePaymentFromCartRequest(paymentMethod: "razorpay", shippingAddress: address,
                                                                   billingAddress: address, currencyCode: "INR",
                                                                   expectedVersion: 4), metadata: mutation))
        add("payment-confirm", request(1, payment, "ConfirmPayment",
                                       ConfirmPaymentRequest(paymentID: "pay-1", gatewayPaymentID: "pay_Mx1",
                                                             gatewaySignature: String(repeating: "ab", count: 32)),
                                       metadata: mutation))
        add("payment-webhook", request(1, payment, "HandleGatewayWebhook",
                                       HandleGatewayWebhookRequest(gateway: "razorpay",
                                                                   body: Array(#"{"event":"payment.captured","payload":{}}"#.utf8),
                                                                   signature: String(repeating: "cd", count: 32),
                                                                   eventID: "evt-1")))
        add("payment-cancel", request(1, payment, "CancelPayment", CancelPaymentRequest(paymentID: "pay-1"),
                                      metadata: mutation))
        add("payment-get", request(1, payment, "GetPayment", GetPaymentRequest(paymentID: "pay-1"), metadata: auth))
        add("payment-get-order", request(1, payment, "GetOrder", GetOrderRequest(orderID: "ord-1"), metadata: auth))
        add("payment-list-orders", request(1, payment, "ListOrders", ListOrdersRequest(pageSize: 20, pageToken: "ord-0"),
                                           metadata: auth))
        add("admin-inspect-user", request(1, admin, "InspectUser", InspectUserRequest(userID: "user-1"), metadata: auth))
        add("admin-get-metrics", request(1, admin, "GetMetrics", GetMetricsRequest(), metadata: auth))
        add("admin-backup", request(1, admin, "Backup", BackupRequest(path: "/var/lib/cartd/backup.db"), metadata: auth))
        add("admin-import-legacy", request(1, admin, "ImportLegacyCarts", ImportLegacyCartsRequest(carts: [
            LegacyCart(userID: "user-1", lines: [LegacyCartLine(productID: "sku-mug", variantID: "red", quantity: 2),
                                                 LegacyCartLine(productID: "sku-tee", quantity: 1)]),
        ]), metadata: auth))
        add("test-sleep", request(1, testing, "Sleep", SleepRequest(durationMs: 10), timeoutNano: 1_000_000))
        add("test-echo", request(1, testing, "Echo", EchoRequest(data: [1, 2, 3], replySize: 16)))
        add("test-count", request(1, testing, "Count", CountRequest(count: 3, failWithCode: 10), flags: .remoteClosed))

        // Replies and stream frames, as cartd sends them.
        add("reply-product", response(1, product))
        add("reply-health", response(1, HealthCheckResponse(status: .serving)))
        add("reply-error", frame { $0.writeResponseFrame(streamID: 3, status: RPCError(code: .resourceExhausted,
            message: "message length 5242880 exceed maximum message size of 4194304")) })
        add("stream-data-end", frame {
            var message = ByteBuffer()
            message.writeProtoMessage(CountResponse(n: 1))
            $0.writeDataFrame(streamID: 1, message: message)
            $0.writeDataFrame(streamID: 1, message: ByteBuffer())
            $0.writeEndOfStreamFrame(streamID: 1)
        })

        // Shapes a hostile or broken peer sends.
        let check = request(1, "grpc.health.v1.Health", "Check", HealthCheckRequest())
        add("pipelined-three-calls", check + request(3, cart, "GetCart", GetCartRequest(), metadata: auth)
            + request(5, cart, "AddItem", AddItemRequest(productID: "p", quantity: 1), metadata: mutation))
        add("oversized-length-5mib", hex("00 50 00 00 00 00 00 01 01 00") + [UInt8](repeating: 0x41, count: 64)
            + request(3, "grpc.health.v1.Health", "Check", HealthCheckRequest()))
        add("oversized-length-max", hex("ff ff ff ff 00 00 00 01 01 00 0a 0c"))
        add("exactly-max-length-header", hex("00 40 00 00 00 00 00 01 01 00"))
        add("truncated-header", Array(check.prefix(7)))
        add("truncated-body", Array(check.prefix(check.count - 3)))
        add("empty-request", hex("00 00 00 00 00 00 00 01 01 00"))
        add("garbage-envelope", hex("00 00 00 03 00 00 00 01 01 00 ff ff ff"))
        add("even-stream-id", request(2, "grpc.health.v1.Health", "Check", HealthCheckRequest()))
        add("stream-id-max", request(0xffff_ffff, "grpc.health.v1.Health", "Check", HealthCheckRequest()))
        add("unknown-frame-type", hex("00 00 00 01 00 00 00 05 42 00 00") + check)
        add("data-on-unknown-stream", hex("00 00 00 02 00 00 00 09 03 01 08 01"))
        add("negative-timeout", request(1, "grpc.health.v1.Health", "Check", HealthCheckRequest(), timeoutNano: -1))
        add("invalid-utf8-method", hex("00 00 00 11 00 00 00 01 01 00 0a 0c") + Array("demo.v1.Echo".utf8)
            + hex("12 01 ff"))
        var manyKeys = Metadata()
        for index in 0..<65 { manyKeys.append("k\(index)", "v") }
        add("metadata-65-entries", request(1, "grpc.health.v1.Health", "Check", HealthCheckRequest(), metadata: manyKeys))
        add("metadata-repeated-key", request(1, cart, "GetCart", GetCartRequest(),
                                             metadata: ["Authorization": token, "authorization": "Bearer x"]))
        // A payload with an unknown field nested in a length-delimited unknown field, and an unknown varint.
        var nested = ByteBuffer()
        nested.writeBytes(AddItemRequest(productID: "sku-mug", quantity: 1).protobufBytes())
        nested.writeBytes(hex("7a 06 7a 04 7a 02 08 01 f8 01 2a"))
        add("payload-unknown-fields", frame {
            RequestEnvelope(service: cart, method: "AddItem", payload: nested, metadata: mutation)
                .writeFrame(streamID: 1, flags: [], to: &$0, arena: ProtobufArena())
        })
        return seeds
    }

    static let goRequest: [UInt8] = hex("00 00 00 34 00 00 00 01 01 00 0a 0c") + Array("demo.v1.Echo".utf8)
        + hex("12 03") + Array("Say".utf8) + hex("1a 07 0a 05") + Array("hello".utf8)
        + hex("20 e5 97 96 d0 12 2a 10 0a 09") + Array("x-cart-id".utf8) + hex("12 03") + Array("c42".utf8)

    static func request(_ streamID: UInt32, _ service: String, _ method: String, _ message: some ProtoEncodable,
                        timeoutNano: Int64 = 0, metadata: Metadata = Metadata(), flags: FrameFlags = []) -> [UInt8] {
        var payload = ByteBuffer()
        payload.writeProtoMessage(message)
        return frame {
            RequestEnvelope(service: service, method: method, payload: payload, timeoutNano: timeoutNano,
                            metadata: metadata).writeFrame(streamID: streamID, flags: flags, to: &$0, arena: ProtobufArena())
        }
    }

    static func response(_ streamID: UInt32, _ message: some ProtoEncodable) -> [UInt8] {
        var payload = ByteBuffer()
        payload.writeProtoMessage(message)
        return frame { $0.writeResponseFrame(streamID: streamID, payload: payload) }
    }

    static func frame(_ body: (inout ByteBuffer) -> Void) -> [UInt8] {
        var buffer = ByteBuffer()
        body(&buffer)
        return Array(buffer.readableBytesView)
    }

    static func hex(_ text: String) -> [UInt8] {
        text.split(separator: " ").map { UInt8($0, radix: 16)! }
    }
}
