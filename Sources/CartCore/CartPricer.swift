// Prices a stored cart from the live catalog: unit prices, line totals, problems and cart totals.

/// Turns a `StoredCart` into the API's `PricedCart`, following API.md.
///
/// - Unit price = product price + variant additional price, live from the catalog.
/// - Product gone or inactive, variant gone or inactive, or product now priced in another currency than the cart
///   → PRODUCT_UNAVAILABLE, `available = false`. The line is kept; names fall back to the ids when the product or
///   variant is gone. The live price is still shown when it can be computed in the cart's currency (an inactive
///   product), else the unit and line prices are zero in the cart's currency.
/// - Available units ≤ 0 → OUT_OF_STOCK (`available = false`, `available_quantity = 0`);
///   0 < available < quantity → INSUFFICIENT_STOCK with `available_quantity` (the line stays available).
/// - Unit price ≠ the price the line was set at → PRICE_CHANGED with `previous_unit_price` (stays available).
///   Not reported on PRODUCT_UNAVAILABLE lines.
/// - `total_price` sums the totals of available lines only; `total_items` sums all quantities.
///
/// Thread safety: stateless; safe from any thread.
public enum CartPricer {
    /// Prices every line of `cart` and computes the totals.
    /// - Parameters:
    ///   - cart: The persisted cart.
    ///   - catalog: The live catalog (with reservations) to price against.
    /// - Returns: The cart as the API shows it.
    /// - Throws: `CartError` `.amountOverflow` when a line or cart total does not fit in 64 bits.
    public static func price(_ cart: StoredCart, catalog: some CatalogLookup) throws(CartError) -> PricedCart {
        var items: [PricedItem] = []
        items.reserveCapacity(cart.lines.count)
        var total = Money.zero(cart.currencyCode)
        var totalItems: Int64 = 0
        for line in cart.lines {
            let item = try priceLine(line, cartCurrency: cart.currencyCode, catalog: catalog)
            if item.available {
                total = try total.adding(item.totalPrice)
            }
            let (sum, overflow) = totalItems.addingReportingOverflow(item.quantity)
            guard !overflow else { throw CartError.amountOverflow }
            totalItems = sum
            items.append(item)
        }
        return PricedCart(
            id: cart.id, userID: cart.userID, version: cart.version, currencyCode: cart.currencyCode,
            items: items, itemsCount: items.count, totalItems: totalItems, totalPrice: total,
            hasUnavailableItems: items.contains { !$0.available },
            createdAtMs: cart.createdAtMs, updatedAtMs: cart.updatedAtMs)
    }

    /// Prices one line.
    /// - Parameters:
    ///   - line: The persisted line.
    ///   - cartCurrency: The cart's currency.
    ///   - catalog: The live catalog.
    /// - Returns: The priced line with its problems.
    /// - Throws: `CartError` `.amountOverflow` when the line total does not fit in 64 bits.
    public static func priceLine(_ line: CartLine, cartCurrency: String, catalog: some CatalogLookup)
        throws(CartError) -> PricedItem
    {
        let zero = Money.zero(cartCurrency)
        var item = PricedItem(
            id: line.id, productID: line.productID, variantID: line.variantID ?? "",
            productName: line.productID, variantName: line.variantID ?? "", quantity: line.quantity,
            unitPrice: zero, totalPrice: zero, available: true, problems: [])

        let product: Product
        let variant: ProductVariant?
        let unavailableMessage: String?
        switch catalog.resolve(productID: line.productID, variantID: line.variantID) {
        case .productMissing:
            item.markUnavailable(ProblemMessages.productGone)
            return item
        case .variantMissing(let found):
            item.productName = found.name
            item.markUnavailable(ProblemMessages.optionGone)
            return item
        case .productInactive(let found):
            (product, unavailableMessage) = (found, ProblemMessages.productGone)
            variant = line.variantID.flatMap { found.variant(id: $0) }
        case .variantInactive(let found, let foundVariant):
            (product, variant, unavailableMessage) = (found, foundVariant, ProblemMessages.optionGone)
        case .available(let found, let foundVariant):
            (product, variant, unavailableMessage) = (found, foundVariant, nil)
        }
        item.productName = product.name
        if let variant { item.variantName = variant.name }
        guard line.variantID == nil || variant != nil else {
            // An inactive product whose variant is gone: no price can be computed.
            item.markUnavailable(unavailableMessage ?? ProblemMessages.optionGone)
            return item
        }

        let unit = try product.unitPrice(variant: variant)
        guard unit.currencyCode == cartCurrency else {
            item.markUnavailable(ProblemMessages.currencyChanged(to: unit.currencyCode, cart: cartCurrency))
            return item
        }
        item.unitPrice = unit
        item.totalPrice = try unit.multiplied(by: line.quantity)
        if let unavailableMessage {
            item.markUnavailable(unavailableMessage)
            return item
        }

        let available = catalog.availableUnits(productID: line.productID, variantID: line.variantID)
        if available <= 0 {
            item.available = false
            item.problems.append(ItemProblem(code: .outOfStock, message: ProblemMessages.outOfStock))
        } else if available < line.quantity {
            item.problems.append(
                ItemProblem(
                    code: .insufficientStock, message: ProblemMessages.onlyLeft(available),
                    availableQuantity: available))
        }
        if unit != line.addedUnitPrice {
            item.problems.append(
                ItemProblem(
                    code: .priceChanged, message: ProblemMessages.priceChanged(from: line.addedUnitPrice, to: unit),
                    previousUnitPrice: line.addedUnitPrice))
        }
        return item
    }
}

extension PricedItem {
    fileprivate mutating func markUnavailable(_ message: String) {
        available = false
        problems.append(ItemProblem(code: .productUnavailable, message: message))
    }
}

/// The shopper-facing wording of item problems.
enum ProblemMessages {
    static let productGone = "This product is no longer available"
    static let optionGone = "This option of the product is no longer available"
    static let outOfStock = "This item is out of stock"

    static func onlyLeft(_ units: Int64) -> String {
        "Only \(units) left in stock"
    }

    static func currencyChanged(to productCurrency: String, cart cartCurrency: String) -> String {
        "This product is now sold in \(productCurrency), not in your cart's currency \(cartCurrency)"
    }

    static func priceChanged(from old: Money, to new: Money) -> String {
        "Price changed from \(old.formatted) to \(new.formatted)"
    }
}
