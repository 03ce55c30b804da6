// Every CartError factory maps to the kind API.md's error table requires, with an actionable message.

import CartCore
import Testing

@Suite("CartError")
struct CartErrorTests {
    static let table: [(CartError, ErrorKind, String)] = [
        (.productNotFound("p9"), .notFound, "product p9 not found"),
        (.variantNotFound("v9"), .notFound, "variant v9 not found"),
        (
            .variantNotOfProduct(variantID: "v2", productID: "p1"), .invalidArgument,
            "variant v2 does not belong to product p1"
        ),
        (.itemNotFound("item_x"), .notFound, "item item_x not found in your cart"),
        (.invalidQuantity("quantity must be at least 1"), .invalidArgument, "quantity must be at least 1"),
        (.quantityAboveMax(51, max: 50), .invalidArgument, "quantity 51 is more than the maximum of 50 per line"),
        (.lineQuantityAboveMax(53, max: 50), .invalidArgument, "line quantity would be 53, the maximum is 50"),
        (.productUnavailable(productID: "p1"), .failedPrecondition, "product p1 is not available for sale"),
        (
            .productUnavailable(productID: "p1", variantID: "v1"), .failedPrecondition,
            "variant v1 of product p1 is not available for sale"
        ),
        (
            .insufficientStock(available: 3, productID: "p1", variantID: nil), .failedPrecondition,
            "only 3 of p1 in stock"
        ),
        (
            .insufficientStock(available: 0, productID: "p1", variantID: "v1"), .failedPrecondition,
            "p1 (variant v1) is out of stock"
        ),
        (
            .versionMismatch(current: 7, expected: 5), .aborted,
            "cart version is 7, expected 5; fetch the cart with GetCart and retry"
        ),
        (
            .productCurrencyMismatch(productID: "u1", productCurrency: "USD", cartCurrency: "INR"),
            .failedPrecondition, "product u1 is priced in USD but your cart is in INR; clear the cart to shop in USD"
        ),
        (.currencyMismatch("INR", "USD"), .failedPrecondition, "cannot combine amounts in INR and USD"),
        (
            .invalidField("products[0].name", "must not be empty"), .invalidArgument,
            "products[0].name: must not be empty"
        ),
        (
            .tooManyLines(max: 100), .resourceExhausted,
            "your cart already has 100 lines, the maximum; remove a line before adding another product"
        ),
        (.amountOverflow, .invalidArgument, "the amount is too large to represent"),
        (
            .idempotencyKeyConflict(key: "k1"), .invalidArgument,
            "idempotency-key k1 was already used for a different request"
        ),
        (
            .cartClosed, .failedPrecondition,
            "this cart was merged into another cart and can no longer change; fetch your cart with GetCart"
        ),
    ]

    @Test("factories map to API.md's kinds and messages", arguments: table.indices)
    func factoryKinds(index: Int) {
        let (error, kind, message) = Self.table[index]
        #expect(error.kind == kind)
        #expect(error.message == message)
    }

    @Test func reasonsCarryMachineReadableData() {
        #expect(CartError.versionMismatch(current: 7, expected: 5).reason == .versionMismatch(current: 7))
        #expect(
            CartError.insufficientStock(available: -4, productID: "p", variantID: nil).reason
                == .insufficientStock(available: 0))
        #expect(CartError.lineQuantityAboveMax(53, max: 50).reason == .quantityAboveMax(max: 50))
        #expect(CartError.invalidField("f", "x").reason == .invalidField("f"))
    }

    @Test func isADomainError() {
        let error: any DomainError = CartError.amountOverflow
        #expect(error.kind == .invalidArgument)
        #expect(ErrorKind.allCases.count == 12)
        #expect(ErrorKind.internal.rawValue == "internal")
    }
}
