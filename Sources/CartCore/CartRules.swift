// The rules of API.md for changing a cart: validation, optimistic versions, merging, stock and currency.

/// Applies `CartCommand`s to carts, enforcing every rule of API.md's CartService.
///
/// Checks run in this order, so the most fundamental problem is reported: the request's own shape (ids, quantity
/// range) → the cart is active → `expected_version` → the catalog (existence, ownership, activity, currency,
/// line limits, stock). A successful `apply` returns the cart with `version + 1` and `updatedAtMs = nowMs`,
/// except a merge that moves nothing, which returns the cart unchanged (API.md: merging twice is a no-op, and
/// the version never increases without a change).
///
/// Decisions: ClearCart of an empty cart is still a committed change (version + 1), and so is UpdateItem to the
/// same quantity (it refreshes the price the line was set at). UpdateItem re-checks stock, activity and currency
/// only when the quantity grows: lowering a quantity is always allowed, so a shopper can shrink a line whose
/// stock ran short.
/// Thread safety: a value type, `Sendable`.
public struct CartRules: Sendable, Hashable {
    /// The largest quantity of one line (config `max_line_quantity`, default 50).
    public var maxLineQuantity: Int64
    /// The most lines a cart may hold (default 100).
    public var maxLines: Int

    /// Creates the rules.
    /// - Parameters:
    ///   - maxLineQuantity: The largest quantity of one line; 1…10,000 (keeps totals far from overflow).
    ///   - maxLines: The most lines a cart may hold; 1…1,000.
    /// - Precondition: The limits are in range (configuration is validated before it gets here).
    public init(maxLineQuantity: Int64 = 50, maxLines: Int = 100) {
        precondition((1...10_000).contains(maxLineQuantity), "maxLineQuantity must be 1…10000")
        precondition((1...1_000).contains(maxLines), "maxLines must be 1…1000")
        self.maxLineQuantity = maxLineQuantity
        self.maxLines = maxLines
    }

    /// Applies a command to a cart.
    /// - Parameters:
    ///   - command: The change.
    ///   - cart: The user's active cart as loaded in the current transaction.
    ///   - catalog: The live catalog, with units reserved by pending payments.
    ///   - expectedVersion: 0 = unconditional; otherwise must equal `cart.version`.
    ///   - nowMs: The time of the change, Unix milliseconds.
    ///   - ids: Mints ids for new lines.
    /// - Returns: The changed cart (version + 1), or `cart` itself for a merge that moves nothing.
    /// - Throws: `CartError` — INVALID_ARGUMENT, NOT_FOUND, FAILED_PRECONDITION, ABORTED or RESOURCE_EXHAUSTED
    ///   as in API.md's error table. On error nothing changed.
    public func apply(
        _ command: CartCommand, to cart: StoredCart, catalog: some CatalogLookup, expectedVersion: UInt64,
        nowMs: Int64, ids: inout some IDSource
    ) throws(CartError) -> StoredCart {
        try validate(command)
        guard cart.status == .active else { throw CartError.cartClosed }
        try checkVersion(of: cart, expected: expectedVersion)

        var next = cart
        switch command {
        case .add(let productID, let variantID, let quantity):
            let variantID = CartCommand.normalizedVariantID(variantID)
            try addItem(
                productID: productID, variantID: variantID, quantity: quantity, to: &next, catalog: catalog,
                nowMs: nowMs, ids: &ids)
        case .update(let itemID, let quantity):
            try updateItem(itemID: itemID, quantity: quantity, in: &next, catalog: catalog)
        case .remove(let itemID):
            guard let index = next.lines.firstIndex(where: { $0.id == itemID }) else {
                throw CartError.itemNotFound(itemID)
            }
            next.lines.remove(at: index)
        case .clear:
            next.lines.removeAll()
        case .mergeGuest(let lines):
            next = mergeGuest(lines: lines, into: cart, ids: &ids).cart
            if next == cart { return cart }
        }
        next.version = cart.version + 1
        next.updatedAtMs = nowMs
        return next
    }

    /// Checks the request's own fields, before anything is looked up.
    /// - Parameter command: The command as received.
    /// - Throws: `CartError` INVALID_ARGUMENT for a bad id or a quantity out of range.
    public func validate(_ command: CartCommand) throws(CartError) {
        switch command {
        case .add(let productID, let variantID, let quantity):
            try IDValidation.required(productID, field: "product_id")
            _ = try IDValidation.optional(variantID ?? "", field: "variant_id")
            guard quantity >= 1 else { throw CartError.invalidQuantity("quantity must be at least 1") }
            guard quantity <= maxLineQuantity else {
                throw CartError.quantityAboveMax(quantity, max: maxLineQuantity)
            }
        case .update(let itemID, let quantity):
            try IDValidation.required(itemID, field: "item_id")
            guard quantity >= 0 else {
                throw CartError.invalidQuantity(
                    "quantity must be between 0 and \(maxLineQuantity); 0 removes the item")
            }
            guard quantity <= maxLineQuantity else {
                throw CartError.quantityAboveMax(quantity, max: maxLineQuantity)
            }
        case .remove(let itemID):
            try IDValidation.required(itemID, field: "item_id")
        case .clear, .mergeGuest:
            break
        }
    }

    /// Checks `expected_version` against the cart.
    /// - Parameters:
    ///   - cart: The cart as stored now.
    ///   - expected: The request's `expected_version`; 0 = unconditional.
    /// - Throws: `CartError` ABORTED naming the current version when they differ.
    public func checkVersion(of cart: StoredCart, expected: UInt64) throws(CartError) {
        guard expected == 0 || expected == cart.version else {
            throw CartError.versionMismatch(current: cart.version, expected: expected)
        }
    }

    private func addItem(
        productID: String, variantID: String?, quantity: Int64, to cart: inout StoredCart,
        catalog: some CatalogLookup, nowMs: Int64, ids: inout some IDSource
    ) throws(CartError) {
        let (product, variant) = try purchasable(productID: productID, variantID: variantID, catalog: catalog)
        let unitPrice = try product.unitPrice(variant: variant)
        if cart.lines.isEmpty {
            cart.currencyCode = unitPrice.currencyCode
        } else if unitPrice.currencyCode != cart.currencyCode {
            throw CartError.productCurrencyMismatch(
                productID: productID, productCurrency: unitPrice.currencyCode, cartCurrency: cart.currencyCode)
        }

        let existing = cart.lines.firstIndex { $0.holds(productID: productID, variantID: variantID) }
        let newQuantity = (existing.map { cart.lines[$0].quantity } ?? 0) + quantity
        guard newQuantity <= maxLineQuantity else {
            throw CartError.lineQuantityAboveMax(newQuantity, max: maxLineQuantity)
        }
        guard existing != nil || cart.lines.count < maxLines else { throw CartError.tooManyLines(max: maxLines) }
        try checkStock(productID: productID, variantID: variantID, quantity: newQuantity, catalog: catalog)

        if let existing {
            cart.lines[existing].quantity = newQuantity
            cart.lines[existing].addedUnitPrice = unitPrice
        } else {
            cart.lines.append(
                // The catalog's own ids (byte for byte), whatever form the request spelled them in.
                CartLine(
                    id: Self.newLineID(notIn: cart.lines, ids: &ids), productID: product.id, variantID: variant?.id,
                    quantity: newQuantity, addedUnitPrice: unitPrice, createdAtMs: nowMs))
        }
    }

    private func updateItem(itemID: String, quantity: Int64, in cart: inout StoredCart, catalog: some CatalogLookup)
        throws(CartError)
    {
        guard let index = cart.lines.firstIndex(where: { $0.id == itemID }) else {
            throw CartError.itemNotFound(itemID)
        }
        guard quantity > 0 else {
            cart.lines.remove(at: index)
            return
        }
        let line = cart.lines[index]
        if quantity > line.quantity {
            let (product, variant) = try purchasableLine(line, catalog: catalog)
            let unitPrice = try product.unitPrice(variant: variant)
            guard unitPrice.currencyCode == cart.currencyCode else {
                throw CartError.productCurrencyMismatch(
                    productID: line.productID, productCurrency: unitPrice.currencyCode,
                    cartCurrency: cart.currencyCode)
            }
            try checkStock(productID: line.productID, variantID: line.variantID, quantity: quantity, catalog: catalog)
        }
        cart.lines[index].quantity = quantity
        // The shopper acted on the price shown now: refresh it when it can be computed in the cart's currency.
        if case .available(let product, let variant) = catalog.resolve(
            productID: line.productID, variantID: line.variantID),
            let unitPrice = try? product.unitPrice(variant: variant), unitPrice.currencyCode == cart.currencyCode
        {
            cart.lines[index].addedUnitPrice = unitPrice
        }
    }

    /// The product and variant a request names, if they can be bought; errors per API.md for AddItem.
    private func purchasable(productID: String, variantID: String?, catalog: some CatalogLookup)
        throws(CartError) -> (Product, ProductVariant?)
    {
        guard let product = catalog.product(id: productID) else { throw CartError.productNotFound(productID) }
        var variant: ProductVariant?
        if let variantID {
            guard let found = product.variant(id: variantID) else {
                if let owner = catalog.productID(ofVariant: variantID), owner != productID {
                    throw CartError.variantNotOfProduct(variantID: variantID, productID: productID)
                }
                throw CartError.variantNotFound(variantID)
            }
            variant = found
        }
        guard product.active else { throw CartError.productUnavailable(productID: productID) }
        if let variant, !variant.active {
            throw CartError.productUnavailable(productID: productID, variantID: variant.id)
        }
        return (product, variant)
    }

    /// The product and variant of an existing line, if they can still be bought; FAILED_PRECONDITION otherwise.
    private func purchasableLine(_ line: CartLine, catalog: some CatalogLookup)
        throws(CartError) -> (Product, ProductVariant?)
    {
        guard
            case .available(let product, let variant) = catalog.resolve(
                productID: line.productID, variantID: line.variantID)
        else {
            throw CartError.productUnavailable(productID: line.productID, variantID: line.variantID)
        }
        return (product, variant)
    }

    private func checkStock(productID: String, variantID: String?, quantity: Int64, catalog: some CatalogLookup)
        throws(CartError)
    {
        let available = catalog.availableUnits(productID: productID, variantID: variantID)
        guard available >= quantity else {
            throw CartError.insufficientStock(available: available, productID: productID, variantID: variantID)
        }
    }
}

extension CartRules {
    /// A fresh line id that no line of `lines` has: a line is found by its id within its cart, so ids
    /// must be unique there (the store keeps no index on them).
    static func newLineID(notIn lines: [CartLine], ids: inout some IDSource) -> String {
        while true {
            let id = ids.next(prefix: IDPrefix.item)
            if !lines.contains(where: { $0.id == id }) { return id }
        }
    }
}
