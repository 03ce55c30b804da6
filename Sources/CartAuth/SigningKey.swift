import Foundation

/// One HS256 secret the daemon accepts, with an optional key id and end of validity (for rotation:
/// the old key stays accepted until `acceptUntil` while new tokens carry the new key's id).
public struct SigningKey: Sendable, Hashable {
    /// The key id (`kid` header); `nil` for a key that tokens without a `kid` use.
    public var id: String?
    /// The secret bytes.
    public var secret: [UInt8]
    /// Tokens signed with this key are refused after this time; `nil` = no limit.
    public var acceptUntil: Date?

    /// Creates a key.
    public init(id: String?, secret: [UInt8], acceptUntil: Date? = nil) {
        self.id = id
        self.secret = secret
        self.acceptUntil = acceptUntil
    }

    /// The shortest HS256 token secret accepted: the hash output size. JWTKit asserts it (a trap in debug builds,
    /// "a precondition in a future release"), so a shorter secret is refused when the file is read instead.
    public static let minimumTokenSecretBytes = 32

    /// Reads a secret file: its bytes with trailing whitespace (a final newline) removed.
    /// - Parameters:
    ///   - path: The file.
    ///   - minimumBytes: The shortest secret accepted: 16 for gateway secrets (Razorpay key secrets are 24
    ///     characters), ``minimumTokenSecretBytes`` for token keys.
    /// - Throws: ``AuthError`` when the file cannot be read, is empty, or is shorter than `minimumBytes`.
    public static func secret(fromFile path: String, minimumBytes: Int = 16) throws(AuthError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw AuthError("cannot read the secret file \(path)")
        }
        var bytes = [UInt8](data)
        while let last = bytes.last, last == 0x0a || last == 0x0d || last == 0x20 || last == 0x09 { bytes.removeLast() }
        guard bytes.count >= minimumBytes else {
            throw AuthError("the secret in \(path) is \(bytes.count) bytes; use at least \(minimumBytes) (32 random bytes recommended)")
        }
        return bytes
    }
}

/// Why a token was refused, in words that name the problem but never the secret.
public struct AuthError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The reason.
    public let message: String
    /// Creates an error.
    public init(_ message: String) { self.message = message }
    /// The reason.
    public var description: String { message }
}
