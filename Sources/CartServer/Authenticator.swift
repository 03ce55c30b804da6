import CartAuth
import Locking
import NIOCore
import TTRPC

/// Who is calling, as far as cartd's authorization is concerned.
public struct CallerIdentity: Sendable, Hashable {
    /// The cart owner: the token's `sub`, or `guest:<sub>` for guest sessions (so a guest token can
    /// never reach a registered user's cart, whatever its `sub`).
    public var userID: String
    /// The token's `sub` as is; empty for an admin peer calling without a token.
    public var subject: String
    /// A guest session.
    public var isGuest: Bool
    /// Token roles.
    public var roles: Set<String>
    /// Role `admin`, or a peer uid listed as admin.
    public var isAdmin: Bool
}

/// Turns a call's `authorization: Bearer <JWT>` metadata (and its peer credentials) into a
/// ``CallerIdentity``, or UNAUTHENTICATED / PERMISSION_DENIED.
///
/// Thread-safe. Tokens verified before come from the verifier's cache synchronously (no hop);
/// a new token is verified once on a task.
public final class Authenticator: Sendable {
    /// The token verifier.
    public let verifier: TokenVerifier
    /// Peer uids treated as admin for Catalog/Admin RPCs.
    public let adminUIDs: Set<UInt32>
    private let onCacheLookup: @Sendable (_ hit: Bool) -> Void
    /// The caller last identified on each connection, by connection id (ids are never reused).
    private let recentCallers = Locked<[UInt64: RecentCaller]>([:])

    /// The most connections whose last caller is kept; when full, the memo starts again empty.
    static let recentCallerCapacity = 4096

    /// A connection's last caller: a later call on the connection with the same authorization value
    /// is the same caller, answered without parsing the value, copying the token or hashing it for
    /// the verifier's cache (only its expiry is checked again). A class: the lookup under the lock
    /// copies one reference, not the strings of the token and the identity.
    private final class RecentCaller: Sendable {
        let authorization: String
        let token: VerifiedToken
        let identity: CallerIdentity

        init(authorization: String, token: VerifiedToken, identity: CallerIdentity) {
            self.authorization = authorization
            self.token = token
            self.identity = identity
        }
    }

    /// Creates an authenticator.
    /// - Parameters:
    ///   - verifier: Verifies tokens.
    ///   - adminUIDs: Peers that are admins without a token role.
    ///   - onCacheLookup: Told about every token cache hit or miss (metrics).
    public init(verifier: TokenVerifier, adminUIDs: Set<UInt32> = [],
                onCacheLookup: @escaping @Sendable (_ hit: Bool) -> Void = { _ in }) {
        self.verifier = verifier
        self.adminUIDs = adminUIDs
        self.onCacheLookup = onCacheLookup
    }

    /// The caller's identity; fails UNAUTHENTICATED when the token is missing or bad.
    public func authenticate(_ context: ServerCallContext) -> EventLoopFuture<CallerIdentity> {
        authenticated(context) { $0 }
    }

    /// Runs `body` with the caller's identity, as `authenticate(context).flatMapThrowing(body)` does, but
    /// without the callback chain on the hot path: ``answer(_:_:)`` as a future (a completed one when
    /// the token was verified before).
    public func authenticated<Value: Sendable>(
        _ context: ServerCallContext, _ body: @escaping @Sendable (CallerIdentity) throws -> Value
    ) -> EventLoopFuture<Value> {
        answer(context, body).future(on: context.eventLoop)
    }

    /// Runs `body` with the caller's identity, answering at once (no future) for a token verified
    /// before (or a missing or malformed one), later for a new token, verified once on a task first.
    public func answer<Value: Sendable>(
        _ context: ServerCallContext, _ body: @escaping @Sendable (CallerIdentity) throws -> Value
    ) -> CallAnswer<Value> {
        switch lookUp(context) {
        case .known(let result): return .now(Result { try body(result.get()) })
        case .unverified(let token): return .later(verify(token, context).flatMapThrowing(body))
        }
    }

    /// What the call's metadata says without verifying a token.
    private enum Lookup {
        /// The identity of a token verified before, or UNAUTHENTICATED for a missing or malformed entry.
        case known(Result<CallerIdentity, RPCError>)
        /// A well-formed bearer token not in the verifier's cache.
        case unverified(String)
    }

    private func lookUp(_ context: ServerCallContext) -> Lookup {
        let authorization: String
        do { authorization = try Self.authorizationValue(context.metadata) } catch {
            return .known(.failure(error))
        }
        if let recent = recentCallers.withLock({ $0[context.connectionID] }), recent.authorization == authorization,
           verifier.isUnexpired(recent.token) {
            onCacheLookup(true)
            context.annotations["user.id"] = recent.identity.userID
            return .known(.success(recent.identity))
        }
        let token: String
        do { token = try Self.bearerToken(authorization) } catch {
            return .known(.failure(error))
        }
        guard let hit = verifier.cached(token) else {
            onCacheLookup(false)
            return .unverified(token)
        }
        onCacheLookup(true)
        let identity = identity(hit, context)
        let recent = RecentCaller(authorization: authorization, token: hit, identity: identity)
        recentCallers.withLock { callers in
            if callers.count >= Self.recentCallerCapacity, callers[context.connectionID] == nil {
                callers.removeAll(keepingCapacity: true)
            }
            callers[context.connectionID] = recent
        }
        return .known(.success(identity))
    }

    /// Verifies `token` on a task (the verifier caches it), then the identity.
    private func verify(_ token: String, _ context: ServerCallContext) -> EventLoopFuture<CallerIdentity> {
        let verifier = self.verifier
        return context.eventLoop.makeFutureWithTask {
            do throws(AuthError) {
                return self.identity(try await verifier.verify(token), context)
            } catch {
                throw error.rpcError
            }
        }
    }

    /// The identity of a verified token for this call, noted in the call's log annotations.
    private func identity(_ token: VerifiedToken, _ context: ServerCallContext) -> CallerIdentity {
        let peerIsAdmin = context.peer.map { adminUIDs.contains($0.uid) } ?? false
        let identity = Self.identity(token, peerIsAdmin: peerIsAdmin)
        context.annotations["user.id"] = identity.userID
        return identity
    }

    /// The caller's identity when it may use admin RPCs: role `admin`, or an admin peer (which needs no token).
    /// Fails UNAUTHENTICATED for a bad token, PERMISSION_DENIED for a valid non-admin caller.
    public func authenticateAdmin(_ context: ServerCallContext) -> EventLoopFuture<CallerIdentity> {
        let peerIsAdmin = context.peer.map { adminUIDs.contains($0.uid) } ?? false
        if peerIsAdmin, context.metadata["authorization"] == nil {
            return context.eventLoop.makeSucceededFuture(
                CallerIdentity(userID: "", subject: "", isGuest: false, roles: [], isAdmin: true))
        }
        return authenticated(context) { identity in
            guard identity.isAdmin else {
                throw RPCError(code: .permissionDenied, message: "this call needs role admin")
            }
            return identity
        }
    }

    /// Verifies a token passed in a request field (MergeGuestCart's guest token).
    public func verifyToken(_ token: String, on eventLoop: any EventLoop) -> EventLoopFuture<VerifiedToken> {
        if let hit = verifier.cached(token) { return eventLoop.makeSucceededFuture(hit) }
        let verifier = self.verifier
        return eventLoop.makeFutureWithTask {
            do throws(AuthError) { return try await verifier.verify(token) } catch { throw error.rpcError }
        }
    }

    /// The owner id of a verified token (guests are namespaced).
    public static func userID(of token: VerifiedToken) -> String {
        token.isGuest ? "guest:" + token.subject : token.subject
    }

    private static func identity(_ token: VerifiedToken, peerIsAdmin: Bool) -> CallerIdentity {
        CallerIdentity(userID: userID(of: token), subject: token.subject, isGuest: token.isGuest, roles: token.roles,
                       isAdmin: token.roles.contains("admin") || peerIsAdmin)
    }

    /// The value of the call's one `authorization` metadata entry.
    /// - Throws: UNAUTHENTICATED when there is none or more than one.
    static func authorizationValue(_ metadata: Metadata) throws(RPCError) -> String {
        // Keys are stored lowercased; one pass, no array of values.
        var found: String?
        for entry in metadata where entry.key == "authorization" {
            guard found == nil else {
                throw RPCError(code: .unauthenticated, message: "send exactly one authorization metadata entry")
            }
            found = entry.value
        }
        guard let value = found else {
            throw RPCError(code: .unauthenticated, message: "missing authorization metadata; send 'authorization: Bearer <JWT>'")
        }
        return value
    }

    /// The token of an authorization value `Bearer <token>`.
    /// - Throws: UNAUTHENTICATED when the value is not of that form.
    static func bearerToken(_ value: String) throws(RPCError) -> String {
        // Byte-level parse of "Bearer <token>" (hot path: no Foundation, no copies but the token).
        let bytes = value.utf8
        var index = bytes.startIndex
        let scheme = "bearer".utf8
        for expected in scheme {
            guard index != bytes.endIndex, bytes[index] | 0x20 == expected else {
                throw RPCError(code: .unauthenticated, message: "authorization metadata must be 'Bearer <JWT>'")
            }
            bytes.formIndex(after: &index)
        }
        guard index != bytes.endIndex, bytes[index] == UInt8(ascii: " ") else {
            throw RPCError(code: .unauthenticated, message: "authorization metadata must be 'Bearer <JWT>'")
        }
        while index != bytes.endIndex, bytes[index] == UInt8(ascii: " ") { bytes.formIndex(after: &index) }
        var end = bytes.endIndex
        while end != index, bytes[bytes.index(before: end)] == UInt8(ascii: " ") { bytes.formIndex(before: &end) }
        guard index != end else {
            throw RPCError(code: .unauthenticated, message: "authorization metadata must be 'Bearer <JWT>'")
        }
        return String(value[index..<end])
    }
}

import Foundation
