// Exact bytes, computed by hand from the field numbers of Protos/cart/v1/*.proto, for one or two small
// messages of each file. Tag byte = field_number << 3 | wire_type (0 varint, 2 length-delimited).

import CCartProto
import CartCore
@testable import CartProto
import ProtobufCSupport
import Testing

/// Checks that `value` encodes to exactly `expected`, and that `expected` decodes back to `value`.
private func expectWire<M: ProtoMessage & Equatable>(
    _ value: M, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let bytes = hex(expected)
    #expect(value.protobufBytes() == bytes, sourceLocation: sourceLocation)
    #expect(try M(protobufBytes: bytes) == value, sourceLocation: sourceLocation)
}

/// Packs an internal (not public `ProtoMessage`) mapping, such as Money, and reads it back.
private func packAndRead<T: CMessageMapped>(_ value: T) throws -> (bytes: [UInt8], decoded: T) {
    let arena = ProtobufArena()
    let bytes = ProtobufC.packToArray(value.buildCMessage(in: arena))
    guard let unpacked = try T.read(value.buildCMessage(in: arena)) else { throw ProtobufDecodingError("nil") }
    return (bytes, unpacked)
}

@Suite("Wire bytes")
struct WireGoldenTests {
    // MARK: common.proto

    @Test func money() throws {
        // 1: currency_code "INR"; 2: amount_minor 49900 = varint ec 85 03.
        let (bytes, decoded) = try packAndRead(Money(currencyCode: "INR", amountMinor: 49_900))
        #expect(bytes == hex("0a 03 494e52  10 ec8503"))
        #expect(decoded == Money(currencyCode: "INR", amountMinor: 49_900))
        // A negative int64 is a ten-byte varint.
        #expect(try packAndRead(Money(currencyCode: "", amountMinor: -1)).bytes == hex("10 ffffffffffffffffff01"))
    }

    @Test func address() throws {
        // 1: name "A"; 7: country "IN" (tag 3a); empty fields are not sent.
        let (bytes, decoded) = try packAndRead(Address(name: "A", country: "IN"))
        #expect(bytes == hex("0a 01 41  3a 02 494e"))
        #expect(decoded == Address(name: "A", country: "IN"))
    }

    // MARK: cart.proto

    @Test func addItemRequest() throws {
        try expectWire(AddItemRequest(productID: "p1", quantity: 2), "0a 02 7031  18 02")
        // 4: expected_version UInt64.max.
        try expectWire(AddItemRequest(expectedVersion: UInt64.max), "20 ffffffffffffffffff01")
    }

    @Test func cart() throws {
        let cart = PricedCart(
            id: "c", userID: "", version: 1, currencyCode: "INR", items: [], itemsCount: 0, totalItems: 0,
            totalPrice: Money(currencyCode: "INR", amountMinor: -1), hasUnavailableItems: true, createdAtMs: 0,
            updatedAtMs: 0)
        // 1: id; 3: version; 4: currency_code; 8: total_price (Money, 16 bytes); 9: has_unavailable_items.
        try expectWire(cart, "0a 01 63  18 01  22 03 494e52  42 10 0a03494e52 10ffffffffffffffffff01  48 01")
    }

    @Test func cartItemWithProblem() throws {
        let zero = Money(currencyCode: "", amountMinor: 0)
        let problem = ItemProblem(
            code: .priceChanged, message: "", previousUnitPrice: Money(currencyCode: "", amountMinor: 5))
        let item = PricedItem(
            id: "i", productID: "", variantID: "", productName: "", variantName: "", quantity: 0, unitPrice: zero,
            totalPrice: zero, available: false, problems: [problem])
        let cart = PricedCart(
            id: "", userID: "", version: 0, currencyCode: "", items: [item], itemsCount: 1, totalItems: 0,
            totalPrice: zero, hasUnavailableItems: false, createdAtMs: 0, updatedAtMs: 0)
        // items (5) { 1 id "i"; 7 unit_price {}; 8 total_price {}; 10 problems { 1 code 4; 4 previous { 2: 5 } } },
        // items_count (6) 1, total_price (8) {}.
        try expectWire(cart, "2a 0f 0a0169 3a00 4200 52 06 0804 2202 1005  30 01  42 00")
    }

    @Test func cartEventAndEmptyRequests() throws {
        try expectWire(CartEvent(cart: nil), "")
        try expectWire(GetCartRequest(), "")
        try expectWire(WatchCartRequest(sinceVersion: 300), "08 ac02")
    }

    // MARK: catalog.proto

    @Test func product() throws {
        let product = Product(
            id: "p", name: "Pen", price: Money(currencyCode: "INR", amountMinor: 1_000), active: true, stock: 3,
            variants: [ProductVariant(id: "v", name: "", additionalPrice: Money(currencyCode: "INR", amountMinor: 0),
                                      active: false, stock: 0)])
        // 1 id; 2 name; 3 price {INR, 1000 = e8 07}; 4 active; 5 stock; 6 variants [{1 id; 3 additional_price {INR}}].
        try expectWire(
            product, "0a 01 70  12 03 50656e  1a 08 0a03494e52 10e807  20 01  28 03  32 0a 0a0176 1a05 0a03494e52")
    }

    @Test func listProductsAndDelete() throws {
        try expectWire(ListProductsRequest(pageSize: 50, pageToken: "t"), "08 32  12 01 74")
        try expectWire(DeleteProductResponse(deleted: true), "08 01")
        try expectWire(UpsertProductsResponse(upserted: -1), "08 ffffffffffffffffff01")
    }

    // MARK: payment.proto

    @Test func webhook() throws {
        try expectWire(GatewayWebhookResponse(duplicate: true, paymentID: "p", status: .paid), "08 01  12 01 70  18 02")
        try expectWire(
            HandleGatewayWebhookRequest(gateway: "razorpay", body: [0x00, 0xFF], eventID: "e"),
            "0a 08 72617a6f72706179  12 02 00ff  22 01 65")
    }

    @Test func createPaymentFromCart() throws {
        // 1 payment_method; 2 shipping_address {name "A"}; billing_address empty → absent; 5 expected_version 300.
        try expectWire(
            CreatePaymentFromCartRequest(
                paymentMethod: "razorpay", shippingAddress: Address(name: "A"), expectedVersion: 300),
            "0a 08 72617a6f72706179  12 03 0a0141  28 ac02")
    }

    @Test func paymentStatusNumbers() throws {
        let expected: [PaymentStatus: UInt8] = [.created: 1, .paid: 2, .failed: 3, .cancelled: 4, .expired: 5]
        for (status, number) in expected {
            try expectWire(GatewayWebhookResponse(status: status), "18 0\(number)")
        }
    }

    // MARK: admin.proto

    @Test func admin() throws {
        try expectWire(ImportLegacyCartsResponse(users: 1, skipped: ["a", "b"]), "08 01  2a 01 61  2a 01 62")
        try expectWire(BackupResponse(path: "/b", sizeBytes: -1), "0a 02 2f62  10 ffffffffffffffffff01")
        try expectWire(
            ImportLegacyCartsRequest(
                carts: [LegacyCart(userID: "u", lines: [LegacyCartLine(productID: "p", quantity: 2)])]),
            "0a 0a 0a0175 12 05 0a0170 1802")
        try expectWire(GetMetricsRequest(), "")
    }
}
