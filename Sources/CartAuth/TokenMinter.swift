import JWTKit

import Foundation

/// Signs cartsync tokens with an HS256 secret: for `cartctl token mint`, tests and development.
public struct TokenMinter: Sendable {
    /// The key tokens are signed with (its id goes in the `kid` header when set).
    public let key: SigningKey

    /// Creates a minter.
    public init(key: SigningKey) { self.key = key }

    /// Signs a token.
    /// - Parameters:
    ///   - subject: The `sub` (user id).
    ///   - lifetime: Seconds until `exp`.
    ///   - roles: The `roles` claim (omitted when empty).
    ///   - guest: Sets `guest: true`.
    ///   - issuer: The `iss` claim.
    ///   - audience: The `aud` claim.
    ///   - notBefore: The `nbf` claim.
    ///   - now: The issue time.
    /// - Returns: The compact JWT.
    public func mint(subject: String, lifetime: TimeInterval, roles: [String] = [], guest: Bool = false,
                     issuer: String? = nil, audience: String? = nil, notBefore: Date? = nil,
                     now: Date = Date()) async throws -> String {
        try await mint(TokenClaims(sub: subject, exp: now.addingTimeInterval(lifetime), nbf: notBefore, iss: issuer,
                                   aud: audience.map { [$0] }, roles: roles.isEmpty ? nil : roles,
                                   guest: guest ? true : nil))
    }

    /// Signs arbitrary claims (tests use this for tokens missing a claim).
    public func mint(_ claims: TokenClaims) async throws -> String {
        let collection = JWTKeyCollection()
        await collection.add(hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256)
        var header = JWTHeader()
        if let id = key.id { header.kid = id }
        return try await collection.sign(claims, header: header)
    }
}
