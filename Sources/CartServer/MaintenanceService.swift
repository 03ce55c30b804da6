import CartCore
import Foundation
import Logging
import ServiceLifecycle

/// Periodic housekeeping as a `Service`: purges idempotency records past their retention.
/// Ends on graceful shutdown.
public struct MaintenanceService: Service {
    let store: any CartStore
    let retentionMs: Int64
    let interval: Duration
    let logger: Logger

    /// Creates the service.
    /// - Parameters:
    ///   - store: The cart store.
    ///   - retentionMs: Records older than this are deleted.
    ///   - interval: How often to run.
    ///   - logger: For what was purged.
    public init(store: any CartStore, retentionMs: Int64, interval: Duration = .seconds(600), logger: Logger) {
        self.store = store
        self.retentionMs = retentionMs
        self.interval = interval
        self.logger = logger
    }

    /// Runs until graceful shutdown.
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            purge()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// One pass.
    func purge() {
        let cutoff = Int64(Date().timeIntervalSince1970 * 1000) - retentionMs
        do {
            let purged = try store.purgeIdempotencyRecords(olderThanMs: cutoff)
            if purged > 0 { logger.info("purged expired idempotency records", metadata: ["count": "\(purged)"]) }
        } catch {
            logger.warning("idempotency purge failed", metadata: ["error": "\(error)"])
        }
    }
}
