import Logging
import Synchronization
import TTRPC

/// Logs and meters every connection and call the ttrpc server reports.
///
/// One line per event: calls at debug, errors at notice (error for INTERNAL/UNKNOWN/DATA_LOSS, with
/// the local cause that never reaches the client), with `rpc.service`, `rpc.method`, `rpc.code`,
/// `rpc.duration_us`, `rpc.request_id`, `peer.uid` and whatever the handler annotated (`user.id`,
/// `cart.id`, `payment.id`). Tokens and secrets are never in call records, so never in these lines.
///
/// Thread-safe.
public final class CallObserver: RPCObserver {
    let metrics: CartMetrics
    let logger: Logger
    private let connections = Atomic<Int>(0)

    /// Creates the observer.
    /// - Parameters:
    ///   - metrics: Where counts go.
    ///   - logger: The `cart` logger.
    public init(metrics: CartMetrics, logger: Logger) {
        self.metrics = metrics
        self.logger = logger
    }

    /// Counts the connection.
    public func connectionOpened(id: UInt64, peer: PeerCredentials?) {
        let open = connections.add(1, ordering: .relaxed).newValue
        metrics.connections.record(open)
        logger.debug("connection opened", metadata: ["connection.id": "\(id)", "peer.uid": "\(peer?.uid ?? 0)",
                                                     "peer.pid": "\(peer?.pid ?? 0)"])
    }

    /// Counts the connection.
    public func connectionClosed(id: UInt64, peer: PeerCredentials?) {
        let open = connections.subtract(1, ordering: .relaxed).newValue
        metrics.connections.record(open)
        logger.debug("connection closed", metadata: ["connection.id": "\(id)"])
    }

    /// Counts and logs the refusal.
    public func connectionRefused(peer: PeerCredentials?, reason: String) {
        metrics.connectionRefused(reason.hasPrefix("peer") ? "peer_not_allowed" : "connection_limit")
        logger.notice("connection refused", metadata: [
            "reason": "\(reason)", "peer.uid": "\(peer.map { "\($0.uid)" } ?? "unknown")",
            "peer.pid": "\(peer.map { "\($0.pid)" } ?? "unknown")"])
    }

    /// Meters and logs one call.
    public func callFinished(_ record: CallRecord) {
        metrics.record(record)
        let level: Logger.Level
        switch record.code {
        case .ok: level = .debug
        case .internal, .unknown, .dataLoss: level = .error
        default: level = .notice
        }
        logger.log(level: level, "\(record.code == .ok ? "rpc" : "rpc failed")", metadata: Self.metadata(record))
    }

    static func metadata(_ record: CallRecord) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "rpc.service": "\(record.service)", "rpc.method": "\(record.method)", "rpc.code": "\(record.code.name)",
            "rpc.duration_us": "\(record.durationNanos / 1_000)", "rpc.request_id": "\(record.requestID)",
            "peer.uid": "\(record.peer.map { "\($0.uid)" } ?? "unknown")",
        ]
        if let message = record.message { metadata["rpc.message"] = "\(message)" }
        if let cause = record.cause { metadata["error.cause"] = "\(cause)" }
        for (key, value) in record.annotations { metadata[key] = "\(value)" }
        return metadata
    }
}
