// Validation of the ids that arrive in requests (product_id, variant_id, item_id, payment_id, …).

/// Checks ids that arrive in requests before anything is looked up, so that error messages can safely name them.
///
/// Request ids are opaque: any string of 1…128 UTF-8 bytes without control characters. Catalog ids written by
/// `UpsertProducts` are stricter (see `CatalogValidation.validateID(_:field:)`), so a request id that passes
/// here but could never exist simply ends in NOT_FOUND.
/// Thread safety: stateless; all members are safe from any thread.
public enum IDValidation {
    /// The longest id accepted, in UTF-8 bytes.
    public static let maxBytes = 128

    /// Validates a required id.
    /// - Parameters:
    ///   - value: The id as received.
    ///   - field: The wire name of the field, e.g. `product_id`.
    /// - Throws: `CartError` INVALID_ARGUMENT: "product_id is required", "product_id is longer than 128 bytes",
    ///   "product_id contains control characters".
    public static func required(_ value: String, field: String) throws(CartError) {
        guard !value.isEmpty else { throw CartError.invalidField(field, message: "\(field) is required") }
        try checkShape(value, field: field)
    }

    /// Validates an optional id, where the empty string (proto3's default) means "none".
    /// - Parameters:
    ///   - value: The id as received; `""` means none.
    ///   - field: The wire name of the field, e.g. `variant_id`.
    /// - Returns: The id, or `nil` for `""`.
    /// - Throws: `CartError` INVALID_ARGUMENT when a non-empty id is too long or holds control characters.
    public static func optional(_ value: String, field: String) throws(CartError) -> String? {
        guard !value.isEmpty else { return nil }
        try checkShape(value, field: field)
        return value
    }

    /// Whether `value` holds a control character (Unicode general category Cc: NUL, TAB, LF, DEL, C1 …).
    /// - Parameter value: The string to check.
    /// - Returns: `true` when at least one scalar is a control character.
    public static func containsControlCharacters(_ value: String) -> Bool {
        value.unicodeScalars.contains { $0.properties.generalCategory == .control }
    }

    private static func checkShape(_ value: String, field: String) throws(CartError) {
        guard value.utf8.count <= maxBytes else {
            throw CartError.invalidField(field, message: "\(field) is longer than \(maxBytes) bytes")
        }
        guard !containsControlCharacters(value) else {
            throw CartError.invalidField(field, message: "\(field) contains control characters")
        }
    }
}
