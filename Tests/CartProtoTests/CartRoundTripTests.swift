// Round trips of every cart/v1/cart.proto message.

import CartCore
import CartProto
import ProtobufCSupport
import Testing

@Suite("cart.proto round trips")
struct CartRoundTripTests {
    @Test func cartWithManyLinesProblemsAndExtremes() throws {
        try expectRoundTrip(Sample.cart)
    }

    @Test func emptyCart() throws {
        try expectRoundTrip(Sample.emptyCart)
        #expect(Sample.emptyCart.protobufBytes() == [0x42, 0x00], "only the (present, empty) total_price is sent")
    }

    @Test func cartLineWithEveryProblemKind() throws {
        var cart = Sample.emptyCart
        cart.items = [Sample.item(7, problems: Sample.problems)]
        cart.itemsCount = 1
        try expectRoundTrip(cart)
        let decoded = try PricedCart(protobufBytes: cart.protobufBytes())
        #expect(decoded.items[0].problems.map(\.code) == Sample.problems.map(\.code))
        #expect(decoded.items[0].problems[2].previousUnitPrice == nil, "absent previous_unit_price stays nil")
        #expect(decoded.items[0].problems[4].previousUnitPrice == Sample.inr(0), "zero but present stays present")
    }

    @Test func itemsCountIsClampedToInt32() throws {
        var cart = Sample.emptyCart
        cart.itemsCount = Int(Int32.max) + 10
        #expect(try PricedCart(protobufBytes: cart.protobufBytes()).itemsCount == Int(Int32.max))
    }

    @Test func cartEvent() throws {
        try expectRoundTrip(CartEvent(cart: Sample.cart))
        try expectRoundTrip(CartEvent(cart: Sample.emptyCart))
        try expectRoundTrip(CartEvent(cart: nil))
        #expect(CartEvent(cart: nil).protobufBytes().isEmpty)
    }

    @Test func requests() throws {
        try expectRoundTrip(GetCartRequest())
        try expectRoundTrip(AddItemRequest(productID: Sample.unicode, variantID: "v1", quantity: Int64.max,
                                           expectedVersion: UInt64.max))
        try expectRoundTrip(AddItemRequest(productID: "p1", quantity: -1))
        try expectRoundTrip(AddItemRequest())
        try expectRoundTrip(UpdateItemRequest(itemID: "item_1", quantity: Int64.min, expectedVersion: 1))
        try expectRoundTrip(UpdateItemRequest(itemID: Sample.longText))
        try expectRoundTrip(RemoveItemRequest(itemID: "item_1", expectedVersion: UInt64.max))
        try expectRoundTrip(RemoveItemRequest())
        try expectRoundTrip(ClearCartRequest(expectedVersion: UInt64.max))
        try expectRoundTrip(ClearCartRequest())
        try expectRoundTrip(MergeGuestCartRequest(guestToken: "eyJhbGciOiJIUzI1NiJ9.e30.\(Sample.unicode)"))
        try expectRoundTrip(WatchCartRequest(sinceVersion: UInt64.max))
        try expectRoundTrip(WatchCartRequest())
    }

    @Test func encodingWorksFromAGivenArena() throws {
        let arena = ProtobufArena()
        let built = AddItemRequest(productID: "p1", quantity: 2).build(in: arena)
        let bytes = [UInt8](unsafeUninitializedCapacity: built.packedSize) { buffer, count in
            count = built.pack(into: buffer.baseAddress!)
        }
        #expect(bytes == hex("0a 02 70 31 18 02"))
    }
}
