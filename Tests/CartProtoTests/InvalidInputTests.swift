// Malformed input: truncated encodings, invalid UTF-8, unknown enum numbers, and random bytes.

import CartCore
import CartProto
import ProtobufCSupport
import Testing

@Suite("Invalid input")
struct InvalidInputTests {
    @Test func truncatedBytesThrowNamingTheMessage() {
        // product_id claims 5 bytes, only 2 follow.
        expectDecodingError(AddItemRequest.self, hex("0a 05 7031"), mentioning: "cart.v1.AddItemRequest")
        // A tag with no value.
        expectDecodingError(AddItemRequest.self, hex("18"), mentioning: "cart.v1.AddItemRequest")
        // A varint that never ends.
        expectDecodingError(ClearCartRequest.self, hex("08 ff ff"), mentioning: "cart.v1.ClearCartRequest")
        expectDecodingError(PricedCart.self, Array(Sample.cart.protobufBytes().dropLast()), mentioning: "cart.v1.Cart")
    }

    @Test func everyPrefixOfALargeMessageDecodesOrThrows() {
        let bytes = InspectUserResponse(
            cart: Sample.cart, payments: [Sample.payment(.paid)], orders: [Sample.order(3)]
        ).protobufBytes()
        var failures = 0
        for length in 0..<bytes.count {
            if (try? InspectUserResponse(protobufBytes: Array(bytes.prefix(length)))) == nil { failures += 1 }
        }
        #expect(failures > bytes.count / 2, "most prefixes cut a field and must be refused")
    }

    @Test func invalidUTF8NamesTheField() {
        // AddItemRequest.product_id = ff fe.
        expectDecodingError(AddItemRequest.self, hex("0a 02 fffe"), mentioning: "product_id")
        // AddItemRequest.variant_id = a lone continuation byte.
        expectDecodingError(AddItemRequest.self, hex("12 01 80"), mentioning: "variant_id")
        // Cart.items[0].product_name = c3 28 (a broken two-byte sequence).
        expectDecodingError(PricedCart.self, hex("2a 04 2202c328"), mentioning: "product_name")
        // Cart.total_price.currency_code = ff.
        expectDecodingError(PricedCart.self, hex("42 03 0a01ff"), mentioning: "currency_code")
        // Product.variants[0].name = an overlong encoding of "/".
        expectDecodingError(Product.self, hex("32 04 1202c0af"), mentioning: "name")
        // CreatePaymentFromCartRequest.shipping_address.city = ff.
        expectDecodingError(CreatePaymentFromCartRequest.self, hex("12 03 2201ff"), mentioning: "city")
        // ImportLegacyCartsResponse.skipped[1] = ff.
        expectDecodingError(ImportLegacyCartsResponse.self, hex("2a 01 61  2a 01 ff"), mentioning: "skipped")
        // HandleGatewayWebhookRequest.body is bytes: anything goes; event_id is text.
        #expect((try? HandleGatewayWebhookRequest(protobufBytes: hex("12 02 fffe"))) != nil)
        expectDecodingError(HandleGatewayWebhookRequest.self, hex("22 02 fffe"), mentioning: "event_id")
        // A surrogate half encoded in UTF-8 (ed a0 80) is not valid UTF-8 either.
        expectDecodingError(GetMetricsResponse.self, hex("0a 03 eda080"), mentioning: "prometheus_text")
    }

    @Test func paymentStatusMustBeKnown() throws {
        // No status at all (PAYMENT_STATUS_UNSPECIFIED).
        expectDecodingError(Payment.self, [], mentioning: "status")
        // Status 9.
        expectDecodingError(Payment.self, hex("20 09"), mentioning: "status")
        expectDecodingError(GatewayWebhookResponse.self, hex("18 09"), mentioning: "status")
        // A negative enum number (int32 -1, sign-extended to ten bytes).
        expectDecodingError(GatewayWebhookResponse.self, hex("18 ffffffffffffffffff01"), mentioning: "status")
        // In a response, UNSPECIFIED means "no payment matched".
        #expect(try GatewayWebhookResponse(protobufBytes: hex("18 00")).status == nil)
    }

    @Test func orderStatusAndProblemCodeMustBeKnown() {
        expectDecodingError(Order.self, hex("0a 01 6f"), mentioning: "status")
        expectDecodingError(Order.self, hex("40 02"), mentioning: "status")
        // Cart.items[0].problems[0].code = 0 and = 7.
        expectDecodingError(PricedCart.self, hex("2a 02 5200"), mentioning: "code")
        expectDecodingError(PricedCart.self, hex("2a 04 52020807"), mentioning: "code")
    }

    @Test func absentSubmessagesReadAsDefaults() throws {
        // Cart without total_price; Product without price; Order without addresses.
        #expect(try PricedCart(protobufBytes: hex("0a 01 63")).totalPrice == Money(currencyCode: "", amountMinor: 0))
        #expect(try Product(protobufBytes: hex("0a 01 70")).price == Money(currencyCode: "", amountMinor: 0))
        let order = try Order(protobufBytes: hex("40 01"))
        #expect(order.status == .confirmed)
        #expect(order.shippingAddress == Address() && order.billingAddress == Address())
    }

    @Test func unknownFieldsAreSkipped() throws {
        // Field 15 (varint) and field 16 (length-delimited) are not in AddItemRequest.
        let bytes = hex("0a 02 7031  78 05  82 01 02 6869  18 02")
        #expect(try AddItemRequest(protobufBytes: bytes) == AddItemRequest(productID: "p1", quantity: 2))
    }

    /// Decoders of the message types with the deepest nesting, plus a few flat ones.
    private static let decoders: [@Sendable ([UInt8]) -> Void] = [
        { _ = try? PricedCart(protobufBytes: $0) },
        { _ = try? CartEvent(protobufBytes: $0) },
        { _ = try? AddItemRequest(protobufBytes: $0) },
        { _ = try? Product(protobufBytes: $0) },
        { _ = try? ListProductsResponse(protobufBytes: $0) },
        { _ = try? Payment(protobufBytes: $0) },
        { _ = try? Order(protobufBytes: $0) },
        { _ = try? CreatePaymentFromCartRequest(protobufBytes: $0) },
        { _ = try? HandleGatewayWebhookRequest(protobufBytes: $0) },
        { _ = try? InspectUserResponse(protobufBytes: $0) },
        { _ = try? ImportLegacyCartsRequest(protobufBytes: $0) },
        { _ = try? ImportLegacyCartsResponse(protobufBytes: $0) },
    ]

    @Test func randomGarbageNeverCrashes() {
        var random = SplitMix64(seed: 0xC0FFEE)
        for _ in 0..<4_000 {
            let count = Int.random(in: 0...96, using: &random)
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &random) }
            for decode in Self.decoders { decode(bytes) }
        }
    }

    @Test func mutatedValidEncodingsNeverCrash() {
        var cart = Sample.cart
        cart.items = Array(cart.items.prefix(4))
        let seeds: [[UInt8]] = [
            InspectUserResponse(
                cart: cart, payments: [Sample.payment(.paid, items: cart.items)], orders: [Sample.order(3)]
            ).protobufBytes(),
            ListProductsResponse(products: [Sample.product, Sample.product], nextPageToken: "n").protobufBytes(),
            ImportLegacyCartsRequest(carts: [LegacyCart(userID: "u", lines: [LegacyCartLine(productID: "p")])])
                .protobufBytes(),
        ]
        var random = SplitMix64(seed: 42)
        var decodedSome = false
        for round in 0..<3_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: bytes[index] = UInt8.random(in: 0...255, using: &random)
                case 1: bytes[index] ^= 1 << UInt8.random(in: 0..<8, using: &random)
                default: bytes.removeSubrange(index..<min(bytes.count, index + Int.random(in: 1...8, using: &random)))
                }
                if bytes.isEmpty { break }
            }
            for decode in Self.decoders { decode(bytes) }
            if (try? InspectUserResponse(protobufBytes: bytes)) != nil { decodedSome = true }
        }
        #expect(decodedSome, "some mutations keep the encoding valid, so the mapping code itself was exercised")
    }
}
