// Idempotency: validating keys, fingerprinting requests, and deciding between replay, conflict and execution.

/// Rules for the `idempotency-key` metadata value.
///
/// Thread safety: stateless; all members are safe from any thread.
public enum IdempotencyKey {
    /// The longest key accepted, in characters.
    public static let maxLength = 128
    /// How long a stored result is kept and replayed: 24 hours, the minimum API.md promises.
    public static let defaultRetentionMs: Int64 = 24 * 60 * 60 * 1000

    /// Validates a key: 1…128 printable ASCII characters (`!` … `~`; no space, which metadata handling may trim).
    /// - Parameter key: The metadata value.
    /// - Throws: `CartError` INVALID_ARGUMENT "idempotency-key must be 1–128 printable ASCII characters".
    public static func validate(_ key: String) throws(CartError) {
        let utf8 = key.utf8
        guard (1...maxLength).contains(utf8.count), utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw CartError.invalidField(
                "idempotency-key", message: "idempotency-key must be 1–\(maxLength) printable ASCII characters")
        }
    }
}

/// A canonical, unambiguous digest of one request: the method name and its fields, each length-prefixed
/// (`"7:AddItem2:p10:1:30:"`), so that `["a|b", "c"]` and `["a", "b|c"]` never collide.
///
/// Two requests are "the same request" for idempotency exactly when their fingerprints are equal. The user is not
/// part of it: records are keyed by user id and key.
/// Thread safety: a value type, `Sendable`.
public struct IdempotencyFingerprint: Hashable, Sendable, Codable {
    /// The canonical string.
    public let value: String

    /// Builds a fingerprint from a method name and the request's fields in a fixed order.
    /// - Parameters:
    ///   - method: The RPC method, e.g. `"AddItem"`.
    ///   - fields: The request's fields rendered as strings (`""` for empty), always in the same order.
    public init(method: String, fields: [String]) {
        var value = ""
        for component in [method] + fields {
            value += "\(component.utf8.count):\(component)"
        }
        self.value = value
    }

    /// Restores a fingerprint from its stored canonical string.
    /// - Parameter value: A `value` read back from storage.
    public init(storedValue value: String) {
        self.value = value
    }

    /// The fingerprint of a cart command with its `expected_version`.
    ///
    /// MergeGuestCart should rather use `mergeGuestCart(guestUserID:)`: its request is the guest token, not lines.
    /// - Parameters:
    ///   - command: The command (its wire fields, with `nil` variant as `""`).
    ///   - expectedVersion: The request's `expected_version`.
    /// - Returns: The fingerprint.
    public static func cart(_ command: CartCommand, expectedVersion: UInt64) -> IdempotencyFingerprint {
        let version = String(expectedVersion)
        switch command {
        case .add(let productID, let variantID, let quantity):
            return IdempotencyFingerprint(
                method: command.methodName, fields: [productID, variantID ?? "", String(quantity), version])
        case .update(let itemID, let quantity):
            return IdempotencyFingerprint(method: command.methodName, fields: [itemID, String(quantity), version])
        case .remove(let itemID):
            return IdempotencyFingerprint(method: command.methodName, fields: [itemID, version])
        case .clear:
            return IdempotencyFingerprint(method: command.methodName, fields: [version])
        case .mergeGuest(let lines):
            return IdempotencyFingerprint(method: command.methodName, fields: lines.map(\.id))
        }
    }

    /// The fingerprint of a MergeGuestCart request: the guest identity its token names.
    /// - Parameter guestUserID: The `sub` of the verified guest token.
    /// - Returns: The fingerprint.
    public static func mergeGuestCart(guestUserID: String) -> IdempotencyFingerprint {
        IdempotencyFingerprint(method: "MergeGuestCart", fields: [guestUserID])
    }
}

/// A stored first result of an idempotent request.
///
/// Only successful results are recorded: a failed request changed nothing, so its retry simply runs again.
/// Thread safety: a value type, `Sendable`.
public struct IdempotencyRecord: Sendable, Codable, Hashable {
    /// The caller.
    public var userID: String
    /// The `idempotency-key` value.
    public var key: String
    /// The fingerprint of the first request.
    public var fingerprint: IdempotencyFingerprint
    /// The first response, encoded (opaque to CartCore).
    public var result: [UInt8]
    /// When it was stored, Unix milliseconds.
    public var createdAtMs: Int64

    /// Creates a record.
    public init(userID: String, key: String, fingerprint: IdempotencyFingerprint, result: [UInt8], createdAtMs: Int64) {
        self.userID = userID
        self.key = key
        self.fingerprint = fingerprint
        self.result = result
        self.createdAtMs = createdAtMs
    }
}

/// What to do with a request that carries an idempotency key.
///
/// Thread safety: a value type, `Sendable`.
public enum IdempotencyDecision: Hashable, Sendable {
    /// No live record: run the request and store its result.
    case execute
    /// The same request ran before: return its stored result without applying anything.
    case replay([UInt8])
}

extension IdempotencyRecord {
    /// Decides between replay, conflict and execution, before any other check (a retry of a successful call with
    /// `expected_version` must replay, not fail with ABORTED).
    /// - Parameters:
    ///   - existing: The record stored under (user, key), if any.
    ///   - fingerprint: The fingerprint of the request now.
    ///   - nowMs: The current time, Unix milliseconds.
    ///   - retentionMs: How long records live; older ones count as absent.
    /// - Returns: `.replay` for the same request, `.execute` when there is no live record.
    /// - Throws: `CartError` INVALID_ARGUMENT when the key was used for a different request.
    public static func decide(
        existing: IdempotencyRecord?, fingerprint: IdempotencyFingerprint, nowMs: Int64,
        retentionMs: Int64 = IdempotencyKey.defaultRetentionMs
    ) throws(CartError) -> IdempotencyDecision {
        guard let existing else { return .execute }
        let (age, overflow) = nowMs.subtractingReportingOverflow(existing.createdAtMs)
        guard !overflow, age < retentionMs else { return .execute }
        guard existing.fingerprint == fingerprint else {
            throw CartError.idempotencyKeyConflict(key: existing.key)
        }
        return .replay(existing.result)
    }
}
