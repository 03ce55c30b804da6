import CartCore
import CartProto
import Foundation
import Logging
import NIOCore
import TTRPC

/// `cart.v1.AdminService`: operator tools (role `admin` or an admin peer): a user's cart, payments
/// and orders; metrics; online backup; legacy cart import.
public struct AdminService: Sendable {
    /// The service's proto name.
    public static let name = "cart.v1.AdminService"

    let carts: any CartStore
    let payments: any PaymentStore
    let admin: any AdminStore
    let auth: Authenticator
    let hub: WatchHub
    let rules: CartRules
    let defaultCurrency: String
    let metricsText: @Sendable () -> String
    let logger: Logger

    /// Creates the service.
    /// - Parameters:
    ///   - metricsText: The daemon's metrics in Prometheus text format.
    public init(carts: any CartStore, payments: any PaymentStore, admin: any AdminStore, auth: Authenticator,
                hub: WatchHub, rules: CartRules, defaultCurrency: String,
                metricsText: @escaping @Sendable () -> String, logger: Logger) {
        self.carts = carts
        self.payments = payments
        self.admin = admin
        self.auth = auth
        self.hub = hub
        self.rules = rules
        self.defaultCurrency = defaultCurrency
        self.metricsText = metricsText
        self.logger = logger
    }

    /// Registers every RPC.
    public func register(in router: inout Router) {
        router.registerUnary(service: Self.name, method: "InspectUser", request: InspectUserRequest.self,
                             response: InspectUserResponse.self) { request, context in
            auth.authenticateAdmin(context).flatMapThrowing { _ in
                try IDValidation.required(request.userID, field: "user_id")
                context.annotations["inspect.user_id"] = request.userID
                let cart = try carts.activeCart(userID: request.userID).map { try carts.price($0) }
                return InspectUserResponse(cart: cart, payments: try payments.payments(userID: request.userID, limit: 20),
                                           orders: try payments.orders(userID: request.userID, after: nil, limit: 20))
            }
        }
        router.registerUnary(service: Self.name, method: "GetMetrics", request: GetMetricsRequest.self,
                             response: GetMetricsResponse.self) { _, context in
            auth.authenticateAdmin(context).map { _ in GetMetricsResponse(prometheusText: metricsText()) }
        }
        router.registerUnaryAsync(service: Self.name, method: "Backup", request: BackupRequest.self,
                                  response: BackupResponse.self) { request, context in
            _ = try await auth.authenticateAdmin(context).get()
            // Off the event loop: a backup of a large database takes a while.
            let size = try await Task.detached { try admin.backup(to: request.path) }.value
            logger.info("backup written", metadata: ["path": "\(request.path)", "bytes": "\(size)"])
            return BackupResponse(path: request.path, sizeBytes: size)
        }
        router.registerUnary(service: Self.name, method: "ImportLegacyCarts", request: ImportLegacyCartsRequest.self,
                             response: ImportLegacyCartsResponse.self) { request, context in
            auth.authenticateAdmin(context).flatMapThrowing { _ in
                let carts = request.carts.map { cart in
                    cart.lines.map { LegacyLine(userID: cart.userID, productID: $0.productID,
                                                variantID: $0.variantID.isEmpty ? nil : $0.variantID,
                                                quantity: $0.quantity) }
                }
                let summary = try admin.importLegacyCarts(carts, rules: rules, defaultCurrency: defaultCurrency,
                                                          nowMs: CartService.nowMs())
                for cart in summary.changedCarts { hub.publish(userID: cart.userID, cart: cart) }
                logger.info("legacy carts imported", metadata: [
                    "users": "\(summary.users)", "carts": "\(summary.cartsMerged)", "lines": "\(summary.lines)",
                    "capped": "\(summary.linesCapped)", "skipped": "\(summary.skipped.count)"])
                return ImportLegacyCartsResponse(users: Int32(summary.users), cartsMerged: Int32(summary.cartsMerged),
                                                 lines: Int32(summary.lines), linesCapped: Int32(summary.linesCapped),
                                                 skipped: summary.skipped)
            }
        }
    }
}
