import CartCore
import Foundation
import Logging
import ServiceLifecycle

/// Expires unpaid payments whose reservation ended, releasing their stock, as a `Service` that runs
/// every `interval` until graceful shutdown.
public struct ExpirySweeper: Service {
    let store: any PaymentStore
    let interval: Duration
    let events: PaymentEvents
    let reservationsPending: @Sendable (Int) -> Void
    let logger: Logger

    /// Creates the sweeper.
    /// - Parameter reservationsPending: Told the number of CREATED payments after each pass (metrics).
    public init(store: any PaymentStore, interval: Duration = .seconds(5), events: PaymentEvents = PaymentEvents(),
                reservationsPending: @escaping @Sendable (Int) -> Void = { _ in }, logger: Logger) {
        self.store = store
        self.interval = interval
        self.events = events
        self.reservationsPending = reservationsPending
        self.logger = logger
    }

    /// Sweeps until graceful shutdown.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            sweep()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass.
    func sweep() {
        do {
            let expired = try store.expirePayments(nowMs: Int64(Date().timeIntervalSince1970 * 1000))
            for payment in expired {
                events.payment(.expired)
                logger.info("payment expired; reservation released", metadata: ["payment.id": "\(payment.id)"])
            }
            reservationsPending(try store.pendingPaymentCount())
        } catch {
            logger.warning("expiry sweep failed", metadata: ["error": "\(error)"])
        }
    }
}
