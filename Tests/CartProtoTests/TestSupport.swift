// Shared fixtures and helpers for the CartProto tests.

import CartCore
import CartProto
import ProtobufCSupport
import Testing

/// A tiny seeded PRNG (SplitMix64) so random tests are reproducible.
struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Encodes, decodes and re-encodes `value`: the decoded value must equal it and the two encodings must match.
func expectRoundTrip<M: ProtoMessage & Equatable>(
    _ value: M, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let bytes = value.protobufBytes()
    let decoded = try M(protobufBytes: bytes)
    #expect(decoded == value, "\(M.protoName) changed in a round trip", sourceLocation: sourceLocation)
    #expect(decoded.protobufBytes() == bytes, "\(M.protoName) re-encoded differently", sourceLocation: sourceLocation)
}

/// Expects decoding `bytes` as `M` to throw a ``ProtobufDecodingError`` whose message contains `fragment`.
func expectDecodingError<M: ProtoDecodable>(
    _ type: M.Type, _ bytes: [UInt8], mentioning fragment: String, sourceLocation: SourceLocation = #_sourceLocation
) {
    do throws(ProtobufDecodingError) {
        _ = try M(protobufBytes: bytes)
        Issue.record("decoded a \(M.protoName) from invalid bytes \(bytes)", sourceLocation: sourceLocation)
    } catch {
        #expect(error.message.contains(fragment), "message: \(error.message)", sourceLocation: sourceLocation)
    }
}

/// Hex text → bytes, ignoring spaces: `"0a 02 70 31"`.
func hex(_ text: String) -> [UInt8] {
    let digits = text.filter { !$0.isWhitespace }
    precondition(digits.count.isMultiple(of: 2), "odd number of hex digits")
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// Values with awkward content: unicode, extremes, empty and long repeated fields.
enum Sample {
    static let unicode = "स्वेटर 🧶 Ünïcödé 👩‍👩‍👧 “quotes” \u{7F}"
    static let longText = String(repeating: "ab€", count: 3_000)

    static func inr(_ minor: Int64) -> Money { Money(currencyCode: "INR", amountMinor: minor) }

    static let problems: [ItemProblem] = [
        ItemProblem(code: .outOfStock, message: "Out of stock", availableQuantity: 0),
        ItemProblem(code: .insufficientStock, message: "Only 2 left — हिंदी", availableQuantity: 2),
        ItemProblem(code: .productUnavailable, message: ""),
        ItemProblem(code: .priceChanged, message: "Price changed", previousUnitPrice: inr(-49_900)),
        ItemProblem(code: .priceChanged, message: "zero", availableQuantity: Int64.min, previousUnitPrice: inr(0)),
    ]

    static func item(_ index: Int, problems: [ItemProblem] = []) -> PricedItem {
        PricedItem(
            id: "item_\(index)", productID: "p\(index)", variantID: index.isMultiple(of: 2) ? "" : "v\(index)",
            productName: "\(unicode) \(index)", variantName: index.isMultiple(of: 2) ? "" : "Large",
            quantity: Int64(index), unitPrice: inr(Int64(index) * -1_000),
            totalPrice: Money(currencyCode: "", amountMinor: Int64.max), available: problems.isEmpty,
            problems: problems)
    }

    static let items: [PricedItem] = (0..<60).map { item($0, problems: $0.isMultiple(of: 3) ? problems : []) }

    static let cart = PricedCart(
        id: "cart_1", userID: unicode, version: UInt64.max, currencyCode: "INR", items: items,
        itemsCount: items.count, totalItems: Int64.max, totalPrice: inr(Int64.min), hasUnavailableItems: true,
        createdAtMs: -1, updatedAtMs: Int64.max)

    static let emptyCart = PricedCart(
        id: "", userID: "", version: 0, currencyCode: "", items: [], itemsCount: 0, totalItems: 0,
        totalPrice: Money(currencyCode: "", amountMinor: 0), hasUnavailableItems: false, createdAtMs: 0,
        updatedAtMs: 0)

    static let address = Address(
        name: "Ananya Rao", line1: "12, MG Road", line2: "Flat 4B — ತಳಮಹಡಿ", city: "Bengaluru", state: "KA",
        postalCode: "560001", country: "IN", phone: "+91 98450 00000")

    static let product = Product(
        id: "p1", name: unicode, price: inr(Int64.max), active: false, stock: Int64.min,
        variants: [
            ProductVariant(id: "v1", name: "Large", additionalPrice: inr(-5_000), active: true, stock: 5),
            ProductVariant(id: "v2", name: "", additionalPrice: inr(0), active: false, stock: 0),
        ])

    static func payment(_ status: PaymentStatus, items: [PricedItem] = Sample.items) -> Payment {
        Payment(
            id: "pay_1", cartID: "cart_1", userID: unicode, status: status, amount: inr(-1), paymentMethod: "razorpay",
            gateway: "simulated", gatewayOrderID: "order_ABC", gatewayKeyID: "rzp_test_1", items: items,
            shippingAddress: address, billingAddress: Address(), createdAtMs: 1_700_000_000_000,
            expiresAtMs: Int64.max, orderID: status == .paid ? "ord_1" : nil, cartVersion: UInt64.max,
            statusReason: status == .failed ? unicode : "", updatedAtMs: Int64.min,
            gatewayPaymentID: status == .paid ? "pay_XYZ" : nil)
    }

    static func order(_ index: Int) -> Order {
        Order(
            id: "ord_\(index)", paymentID: "pay_\(index)", userID: unicode, items: Array(items.prefix(index)),
            totalPrice: inr(Int64(index) * 1_000), shippingAddress: address,
            billingAddress: index.isMultiple(of: 2) ? Address() : Address(name: "B", country: "IN"),
            status: .confirmed, createdAtMs: Int64(index), cartID: "cart_\(index)")
    }
}
