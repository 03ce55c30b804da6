import JWTKit
import Locking

import Foundation

/// What a verified token says about the caller.
public struct VerifiedToken: Sendable, Hashable {
    /// The `sub` claim.
    public var subject: String
    /// The `roles` claim.
    public var roles: Set<String>
    /// The `guest` claim.
    public var isGuest: Bool
    /// The `exp` claim.
    public var expiresAt: Date

    /// Creates a verified identity.
    public init(subject: String, roles: Set<String>, isGuest: Bool, expiresAt: Date) {
        self.subject = subject
        self.roles = roles
        self.isGuest = isGuest
        self.expiresAt = expiresAt
    }
}

/// Which tokens are accepted besides a valid HS256 signature and `exp`.
public struct TokenPolicy: Sendable, Hashable {
    /// Required `iss`, when set.
    public var issuer: String?
    /// A value the `aud` claim must contain, when set.
    public var audience: String?
    /// Clock tolerance for `exp` and `nbf`, seconds.
    public var leewaySeconds: Double = 5
    /// Longer tokens are refused before any parsing.
    public var maxTokenBytes = 8 * 1024
    /// Verified tokens remembered (until their `exp`), so verification is not paid on every call.
    public var cacheCapacity = 10_000

    /// The defaults: no issuer or audience check, 5 s leeway, 8 KiB tokens, 10,000 cached tokens.
    public init() {}
}

/// Verifies `authorization: Bearer` tokens: HS256 only (any other `alg`, `none` included, is refused
/// before the signature is looked at), `kid` matched against the configured keys for rotation, then
/// `sub`, `exp`, `nbf`, `iss`, `aud`. Verified tokens are cached until they expire.
///
/// Thread-safe. ``cached(_:)`` is the synchronous fast path; ``verify(_:)`` does the full check.
public final class TokenVerifier: Sendable {
    private struct Key: Sendable {
        let id: String?
        let acceptUntil: Date?
        let collection: JWTKeyCollection
    }

    private struct CacheEntry: Sendable {
        let token: VerifiedToken
    }

    private let keys: [Key]
    /// The policy.
    public let policy: TokenPolicy
    private let now: @Sendable () -> Date
    private let cache = Locked<[String: CacheEntry]>([:])

    /// Creates a verifier.
    /// - Parameters:
    ///   - keys: The accepted secrets (at least one).
    ///   - policy: Issuer, audience, leeway, limits.
    ///   - now: The clock (tests inject one).
    public static func make(keys: [SigningKey], policy: TokenPolicy = TokenPolicy(),
                            now: @escaping @Sendable () -> Date = { Date() }) async -> TokenVerifier {
        var built: [Key] = []
        for key in keys {
            let collection = JWTKeyCollection()
            await collection.add(hmac: HMACKey(from: key.secret), digestAlgorithm: .sha256)
            built.append(Key(id: key.id, acceptUntil: key.acceptUntil, collection: collection))
        }
        return TokenVerifier(keys: built, policy: policy, now: now)
    }

    private init(keys: [Key], policy: TokenPolicy, now: @escaping @Sendable () -> Date) {
        self.keys = keys
        self.policy = policy
        self.now = now
    }

    /// The identity of a token verified before and not expired since, without verifying again.
    public func cached(_ token: String) -> VerifiedToken? {
        guard let entry = cache.withLock({ $0[token] }) else { return nil }
        guard isUnexpired(entry.token) else {
            _ = cache.withLock { $0.removeValue(forKey: token) }
            return nil
        }
        return entry.token
    }

    /// Whether a token this verifier verified has not expired since (within the policy's leeway):
    /// the check ``cached(_:)`` makes on every hit, for callers that keep a verified token themselves.
    public func isUnexpired(_ token: VerifiedToken) -> Bool {
        token.expiresAt.timeIntervalSince(now()) > -policy.leewaySeconds
    }

    /// Verifies a token fully (and caches it on success).
    /// - Throws: ``AuthError`` saying what is wrong.
    public func verify(_ token: String) async throws(AuthError) -> VerifiedToken {
        if let hit = cached(token) { return hit }
        let header = try TokenHeader.parse(token, maxBytes: policy.maxTokenBytes)
        guard header.alg == "HS256" else {
            throw AuthError("token algorithm \(header.alg.isEmpty ? "(none)" : header.alg) is not accepted; cartd accepts HS256")
        }
        let now = now()
        let candidates: [Key]
        if let kid = header.kid {
            guard let key = keys.first(where: { $0.id == kid }) else {
                throw AuthError("token key id \(kid) is not one cartd knows")
            }
            candidates = [key]
        } else {
            candidates = keys
        }
        var claims: TokenClaims?
        var lastError = AuthError("token signature is invalid")
        for key in candidates {
            if let until = key.acceptUntil, until < now {
                lastError = AuthError("token key \(key.id ?? "(default)") is no longer accepted")
                continue
            }
            do {
                claims = try await key.collection.verify(token, as: TokenClaims.self)
                break
            } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
                lastError = AuthError("token signature is invalid")
            } catch {
                lastError = AuthError("token claims are malformed")
            }
        }
        guard let claims else { throw lastError }
        let verified = try check(claims, now: now)
        remember(token, verified)
        return verified
    }

    private func check(_ claims: TokenClaims, now: Date) throws(AuthError) -> VerifiedToken {
        guard let subject = claims.sub?.value, !subject.isEmpty else { throw AuthError("token has no sub claim") }
        guard subject.utf8.count <= 256, !subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control })
        else { throw AuthError("token sub claim must be 1–256 bytes without control characters") }
        // Guest carts are owned by "guest:<sub>" (CartServer's Authenticator): a registered user's sub in that
        // namespace would reach a guest's cart.
        if claims.guest != true, subject.hasPrefix("guest:") {
            throw AuthError("token sub must not start with guest: (reserved for guest sessions)")
        }
        guard let expiry = claims.exp?.value else { throw AuthError("token has no exp claim") }
        guard expiry.timeIntervalSince(now) > -policy.leewaySeconds else {
            throw AuthError("token expired at \(expiry.ISO8601Format())")
        }
        if let notBefore = claims.nbf?.value, notBefore.timeIntervalSince(now) > policy.leewaySeconds {
            throw AuthError("token is not valid before \(notBefore.ISO8601Format())")
        }
        if let issuer = policy.issuer, claims.iss?.value != issuer {
            throw AuthError("token issuer is not accepted")
        }
        if let audience = policy.audience, !(claims.aud?.value.contains(audience) ?? false) {
            throw AuthError("token audience does not include \(audience)")
        }
        return VerifiedToken(subject: subject, roles: Set(claims.roles ?? []), isGuest: claims.guest ?? false,
                             expiresAt: expiry)
    }

    private func remember(_ token: String, _ verified: VerifiedToken) {
        let capacity = policy.cacheCapacity
        guard capacity > 0 else { return }
        let now = now()
        cache.withLock { cache in
            if cache.count >= capacity {
                cache = cache.filter { $0.value.token.expiresAt > now }
                // Still full of live tokens: drop an arbitrary tenth rather than grow without bound.
                if cache.count >= capacity {
                    for key in cache.keys.prefix(max(1, capacity / 10)) { cache.removeValue(forKey: key) }
                }
            }
            cache[token] = CacheEntry(token: verified)
        }
    }

    /// The number of cached tokens.
    public var cachedCount: Int { cache.withLock { $0.count } }
}

/// The parts of a JWT header cartd looks at before verifying the signature.
struct TokenHeader {
    var alg: String
    var kid: String?

    static func parse(_ token: String, maxBytes: Int) throws(AuthError) -> TokenHeader {
        guard !token.isEmpty else { throw AuthError("the bearer token is empty") }
        guard token.utf8.count <= maxBytes else { throw AuthError("token is longer than \(maxBytes) bytes") }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw AuthError("token is not a JWT (expected header.payload.signature)") }
        guard let data = base64URLDecode(parts[0]),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { throw AuthError("token header is malformed") }
        guard let alg = object["alg"] as? String else { throw AuthError("token header has no alg") }
        let kid = object["kid"] as? String
        if object["kid"] != nil, kid == nil { throw AuthError("token header kid must be a string") }
        return TokenHeader(alg: alg, kid: kid)
    }

    static func base64URLDecode(_ text: Substring) -> Data? {
        var base64 = String(text).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64.append("=") }
        return Data(base64Encoded: base64)
    }
}
