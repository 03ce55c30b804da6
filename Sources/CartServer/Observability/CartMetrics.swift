import CartCore
import CoreMetrics
import Locking
import TTRPC

/// Every metric cartd exports, created through one swift-metrics factory (Prometheus in cartd,
/// anything in tests). Metric objects with labels are created once per label set and cached.
///
/// Thread-safe.
public final class CartMetrics: Sendable {
    /// Codes with a slot of their own in ``Series/requests``: the gRPC codes, 0…16.
    private static let codeSlots = 17

    /// The per-call series, found by array index rather than by hashing: slot 0 is for calls that
    /// reached no known method, slot i + 1 for router index i.
    private struct Series {
        /// `rpc_requests_total` of slot s and code c at `s * codeSlots + c`.
        var requests: [CoreMetrics.Counter?] = []
        /// `rpc_duration_seconds` of slot s.
        var durations: [CoreMetrics.Timer?] = []
        /// Requests with a code above 16 (a handler's own code), by slot and code.
        var otherRequests: [Int: [Int32: CoreMetrics.Counter]] = [:]
    }

    private let factory: any MetricsFactory
    private let series = Locked(Series())
    private let labelled = Locked<[String: CoreMetrics.Counter]>([:])

    /// Open connections.
    public let connections: Gauge
    /// Open WatchCart streams.
    public let watchers: Gauge
    /// Carts created.
    public let cartsCreated: CoreMetrics.Counter
    /// Units added by AddItem.
    public let itemsAdded: CoreMetrics.Counter
    /// Orders created.
    public let ordersCreated: CoreMetrics.Counter
    /// Mutations answered from an idempotency record.
    public let idempotentReplays: CoreMetrics.Counter
    /// Token cache hits.
    public let tokenCacheHits: CoreMetrics.Counter
    /// Token cache misses (full verifications).
    public let tokenCacheMisses: CoreMetrics.Counter
    /// Store transaction durations.
    public let storeTransactionDuration: CoreMetrics.Timer
    /// CREATED payments holding reservations.
    public let reservationsPending: Gauge

    /// The services whose method names are reported as they are (others become "unknown").
    private let knownServices: Set<String>

    /// Creates the metrics.
    /// - Parameters:
    ///   - factory: Where metrics go.
    ///   - knownServices: Services whose method names may appear as labels.
    public init(factory: any MetricsFactory, knownServices: Set<String>) {
        self.factory = factory
        self.knownServices = knownServices
        connections = Gauge(label: "cartd_connections", factory: factory)
        watchers = Gauge(label: "cartd_watchers", factory: factory)
        cartsCreated = Counter(label: "cartd_carts_created_total", factory: factory)
        itemsAdded = Counter(label: "cartd_cart_items_added_total", factory: factory)
        ordersCreated = Counter(label: "cartd_orders_total", factory: factory)
        idempotentReplays = Counter(label: "cartd_idempotent_replays_total", factory: factory)
        tokenCacheHits = Counter(label: "cartd_token_cache_hits_total", factory: factory)
        tokenCacheMisses = Counter(label: "cartd_token_cache_misses_total", factory: factory)
        storeTransactionDuration = Timer(label: "cartd_store_transaction_duration_seconds", factory: factory)
        reservationsPending = Gauge(label: "cartd_reservations_pending", factory: factory)
        // Series that alerts and dashboards use exist from the start, at zero.
        connections.record(0)
        watchers.record(0)
        reservationsPending.record(0)
        for reason in ["version_conflict", "watch_failed"] {
            _ = labelledCounter("cartd_cart_sync_failures_total", "reason", reason)
        }
        for status in PaymentStatus.allCases { _ = labelledCounter("cartd_payments_total", "status", status.rawValue) }
        for result in ["created", "existing", "empty_cart", "unavailable_items", "gateway_error"] {
            _ = labelledCounter("cartd_checkouts_total", "result", result)
        }
    }

    /// Counts a finished call and records its duration.
    public func record(_ call: CallRecord) {
        let index = call.reachedHandler ? (call.methodIndex ?? -1) : -1
        let timed = index >= 0 && !call.isStreaming
        let (counter, timer) = series.withLock { series in
            let counter = requestCounter(&series, slot: index + 1, call: call)
            return (counter, timed ? durationTimer(&series, slot: index + 1, call: call) : nil)
        }
        counter.increment()
        guard index >= 0 else { return }
        if call.isStreaming {
            if call.method == "WatchCart", call.code != .ok, call.code != .cancelled { cartSyncFailure("watch_failed") }
            return
        }
        timer?.recordNanoseconds(call.durationNanos)
        if call.code == .aborted, call.service == CartService.name { cartSyncFailure("version_conflict") }
    }

    /// The name a call's service and method are reported under: their own for a known service's method.
    private func names(slot: Int, call: CallRecord) -> (service: String, method: String) {
        slot > 0 && knownServices.contains(call.service) ? (call.service, call.method) : ("unknown", "unknown")
    }

    private func requestCounter(_ series: inout Series, slot: Int, call: CallRecord) -> CoreMetrics.Counter {
        let code = Int(call.code.rawValue)
        let make = {
            let (service, method) = self.names(slot: slot, call: call)
            return Counter(label: "cartd_rpc_requests_total",
                           dimensions: [("service", service), ("method", method), ("code", call.code.name)],
                           factory: self.factory)
        }
        guard code >= 0, code < Self.codeSlots else {
            if let counter = series.otherRequests[slot]?[call.code.rawValue] { return counter }
            let counter = make()
            series.otherRequests[slot, default: [:]][call.code.rawValue] = counter
            return counter
        }
        return Self.cached(in: &series.requests, at: slot * Self.codeSlots + code, make)
    }

    private func durationTimer(_ series: inout Series, slot: Int, call: CallRecord) -> CoreMetrics.Timer {
        Self.cached(in: &series.durations, at: slot) {
            Timer(label: "cartd_rpc_duration_seconds", dimensions: [("method", names(slot: slot, call: call).method)],
                  factory: factory)
        }
    }

    /// The metric at `position` of `array`, made (and kept there) on first use; the array grows as needed.
    private static func cached<Metric>(in array: inout [Metric?], at position: Int, _ make: () -> Metric) -> Metric {
        if position < array.count, let metric = array[position] { return metric }
        if position >= array.count { array += Array(repeating: nil, count: position + 1 - array.count) }
        let metric = make()
        array[position] = metric
        return metric
    }

    /// A checkout attempt ended with `result`.
    public func checkout(_ result: String) { labelledCounter("cartd_checkouts_total", "result", result).increment() }

    /// A payment reached `status`.
    public func payment(_ status: PaymentStatus) {
        labelledCounter("cartd_payments_total", "status", status.rawValue).increment()
    }

    /// A client's view of a cart could not be kept in sync: a version conflict (ABORTED) or a watch
    /// stream that failed.
    public func cartSyncFailure(_ reason: String) {
        labelledCounter("cartd_cart_sync_failures_total", "reason", reason).increment()
    }

    /// A connection was refused at accept.
    public func connectionRefused(_ reason: String) {
        labelledCounter("cartd_connections_refused_total", "reason", reason).increment()
    }

    private func labelledCounter(_ name: String, _ label: String, _ value: String) -> CoreMetrics.Counter {
        let key = name + "\u{0}" + value
        return labelled.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Counter(label: name, dimensions: [(label, value)], factory: factory)
            cache[key] = counter
            return counter
        }
    }
}
