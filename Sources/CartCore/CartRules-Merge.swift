// MergeGuestCart: moving a guest cart's lines into the signed-in user's cart.

/// The outcome of moving guest lines into a cart.
///
/// Thread safety: a value type, `Sendable`.
public struct GuestMergeResult: Hashable, Sendable {
    /// The cart with the guest lines merged in (version and time not yet bumped).
    public var cart: StoredCart
    /// Guest lines that did not fit (the cart reached `maxLines`) or were malformed (quantity ≤ 0); the store may
    /// log them. They are not moved.
    public var dropped: [CartLine]
}

extension CartRules {
    /// Moves guest lines into `cart`, never failing: problems show on the lines afterwards instead.
    ///
    /// - A guest line for a product + variant the cart already holds adds its quantity, capped at
    ///   `maxLineQuantity`; the cart line keeps its own id, creation time and price basis.
    /// - Any other guest line is appended as-is (product gone, inactive, out of stock or in another currency
    ///   included — the pricer reports it), with its quantity capped, a fresh id from `ids` (line ids are unique
    ///   across carts, and the closed guest cart keeps its own), and its original price basis and creation time.
    /// - Stock is not checked: lines show INSUFFICIENT_STOCK / OUT_OF_STOCK instead of failing the sign-in.
    /// - Once the cart holds `maxLines` lines, further new guest lines are dropped and returned in `dropped`.
    /// - A cart without lines adopts the currency of the first guest line's price basis.
    /// - Parameters:
    ///   - lines: The guest cart's lines, in their order.
    ///   - cart: The user's active cart.
    ///   - ids: Mints ids for moved lines.
    /// - Returns: The merged cart (version unchanged) and the lines not moved.
    public func mergeGuest(lines: [CartLine], into cart: StoredCart, ids: inout some IDSource) -> GuestMergeResult {
        var merged = cart
        var dropped: [CartLine] = []
        for guest in lines {
            guard guest.quantity > 0 else {
                dropped.append(guest)
                continue
            }
            let variantID = CartCommand.normalizedVariantID(guest.variantID)
            let quantity = min(guest.quantity, maxLineQuantity)
            let sameItem = { (line: CartLine) in line.holds(productID: guest.productID, variantID: variantID) }
            if let index = merged.lines.firstIndex(where: sameItem) {
                // Both terms are ≤ maxLineQuantity (≤ 10,000): the sum cannot overflow.
                merged.lines[index].quantity = min(merged.lines[index].quantity + quantity, maxLineQuantity)
                continue
            }
            guard merged.lines.count < maxLines else {
                dropped.append(guest)
                continue
            }
            if merged.lines.isEmpty, Currency.isValid(guest.addedUnitPrice.currencyCode) {
                merged.currencyCode = guest.addedUnitPrice.currencyCode
            }
            merged.lines.append(
                CartLine(
                    id: Self.newLineID(notIn: merged.lines, ids: &ids), productID: guest.productID, variantID: variantID,
                    quantity: quantity, addedUnitPrice: guest.addedUnitPrice, createdAtMs: guest.createdAtMs))
        }
        return GuestMergeResult(cart: merged, dropped: dropped)
    }
}
