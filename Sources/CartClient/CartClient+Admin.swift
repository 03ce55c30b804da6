// cart.v1.AdminService: operations (role admin).

import CartProto
import NIOCore

extension CartClient {
    /// The service name of the admin RPCs.
    static let adminService = "cart.v1.AdminService"

    /// `InspectUser`: everything cartd holds about one user.
    /// - Parameters:
    ///   - userID: The user.
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The user's active cart (if any), payments and orders.
    /// - Throws: ``RPCError``; PERMISSION_DENIED without role admin.
    public func inspectUser(userID: String, timeout: TimeAmount? = nil) async throws(RPCError) -> InspectUserResponse {
        try await read(Self.adminService, "InspectUser", InspectUserRequest(userID: userID), InspectUserResponse.self,
                       timeout: timeout)
    }

    /// `GetMetrics`: the daemon's metrics.
    /// - Parameter timeout: Overrides the configured deadline.
    /// - Returns: The Prometheus text exposition.
    /// - Throws: ``RPCError``.
    public func metrics(timeout: TimeAmount? = nil) async throws(RPCError) -> String {
        try await read(Self.adminService, "GetMetrics", GetMetricsRequest(), GetMetricsResponse.self,
                       timeout: timeout).prometheusText
    }

    /// `Backup`: writes a consistent copy of the database while the daemon serves.
    /// - Parameters:
    ///   - path: Where the daemon writes the copy (a path on the daemon's host).
    ///   - idempotencyKey: The operation's key; `nil` generates one (reused across retries).
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: The file written and its size.
    /// - Throws: ``RPCError``.
    public func backup(path: String, idempotencyKey: String? = nil,
                       timeout: TimeAmount? = nil) async throws(RPCError) -> BackupResponse {
        try await mutate(Self.adminService, "Backup", BackupRequest(path: path), BackupResponse.self,
                         idempotencyKey: idempotencyKey, timeout: timeout)
    }

    /// `ImportLegacyCarts`: imports carts of a legacy system, merging each user's into their one active cart.
    /// - Parameters:
    ///   - carts: The legacy carts.
    ///   - idempotencyKey: The operation's key; `nil` generates one (reused across retries).
    ///   - timeout: Overrides the configured deadline.
    /// - Returns: What was imported, capped and skipped.
    /// - Throws: ``RPCError``.
    public func importLegacyCarts(_ carts: [LegacyCart], idempotencyKey: String? = nil,
                                  timeout: TimeAmount? = nil) async throws(RPCError) -> ImportLegacyCartsResponse {
        try await mutate(Self.adminService, "ImportLegacyCarts", ImportLegacyCartsRequest(carts: carts),
                         ImportLegacyCartsResponse.self, idempotencyKey: idempotencyKey, timeout: timeout)
    }
}
