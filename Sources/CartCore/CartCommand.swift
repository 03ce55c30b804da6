// The changes a user can make to their cart, as CartRules applies them.

/// A change to a cart, one per mutating CartService RPC.
///
/// Build `add` from the wire with `CartCommand.addItem(productID:variantID:quantity:)`, which turns proto3's empty
/// `variant_id` into `nil` — the one place that normalisation happens (`apply` repeats it defensively).
/// Thread safety: a value type, `Sendable`.
public enum CartCommand: Hashable, Sendable {
    /// AddItem: add `quantity` units of a product (and variant); merges into an existing line of the same pair.
    case add(productID: String, variantID: String?, quantity: Int64)
    /// UpdateItem: set a line's quantity; 0 removes the line.
    case update(itemID: String, quantity: Int64)
    /// RemoveItem: remove a line.
    case remove(itemID: String)
    /// ClearCart: remove every line.
    case clear
    /// MergeGuestCart: move a guest cart's lines (read by the store in the same transaction) into this cart.
    case mergeGuest(lines: [CartLine])

    /// An AddItem command from wire values, where `variantID == ""` means no variant.
    /// - Parameters:
    ///   - productID: `AddItemRequest.product_id`.
    ///   - variantID: `AddItemRequest.variant_id`; `""` for none.
    ///   - quantity: `AddItemRequest.quantity`.
    /// - Returns: The command.
    public static func addItem(productID: String, variantID: String, quantity: Int64) -> CartCommand {
        .add(productID: productID, variantID: normalizedVariantID(variantID), quantity: quantity)
    }

    /// Maps proto3's "no variant" (`""`) to `nil`; any other value is kept.
    /// - Parameter variantID: A variant id as received, or `nil`.
    /// - Returns: `nil` for `nil` or `""`, else the id.
    public static func normalizedVariantID(_ variantID: String?) -> String? {
        guard let variantID, !variantID.isEmpty else { return nil }
        return variantID
    }

    /// The CartService method that issues this command, e.g. `"AddItem"` (used in idempotency fingerprints).
    public var methodName: String {
        switch self {
        case .add: "AddItem"
        case .update: "UpdateItem"
        case .remove: "RemoveItem"
        case .clear: "ClearCart"
        case .mergeGuest: "MergeGuestCart"
        }
    }
}
