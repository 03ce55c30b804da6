import JWTKit

/// The claims of a cartsync token (API.md): `sub` and `exp` required; `nbf`, `iss`, `aud` checked when
/// configured; `roles` (`"admin"` unlocks Catalog/Admin RPCs); `guest` for guest sessions.
///
/// Every claim is optional in the type so that a missing one gives a precise error instead of a
/// decoding failure; ``TokenVerifier`` enforces what is required.
public struct TokenClaims: JWTPayload, Equatable {
    /// The user id.
    public var sub: SubjectClaim?
    /// Expiry.
    public var exp: ExpirationClaim?
    /// Not valid before.
    public var nbf: NotBeforeClaim?
    /// Issuer.
    public var iss: IssuerClaim?
    /// Audience (a string or an array of strings).
    public var aud: AudienceClaim?
    /// Roles, e.g. `["admin"]`.
    public var roles: [String]?
    /// A guest session (see MergeGuestCart).
    public var guest: Bool?

    /// Creates claims.
    public init(sub: String?, exp: Date?, nbf: Date? = nil, iss: String? = nil, aud: [String]? = nil,
                roles: [String]? = nil, guest: Bool? = nil) {
        self.sub = sub.map { SubjectClaim(value: $0) }
        self.exp = exp.map { ExpirationClaim(value: $0) }
        self.nbf = nbf.map { NotBeforeClaim(value: $0) }
        self.iss = iss.map { IssuerClaim(value: $0) }
        self.aud = aud.map { AudienceClaim(value: $0) }
        self.roles = roles
        self.guest = guest
    }

    /// Time and audience checks are made by ``TokenVerifier`` (with its clock and policy), not here.
    public func verify(using algorithm: some JWTAlgorithm) async throws {}
}

import Foundation
