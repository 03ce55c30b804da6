import CoreMetrics
import Prometheus

/// swift-prometheus's metrics factory with one change: timers are ``TimerHistogram``s, kept in
/// ``timers`` rather than in the Prometheus registry.
///
/// Counters, gauges, meters and recorders go to `base` unchanged. Timers take their buckets and
/// name sanitising from `base` too, and have invalid characters in names fixed as the registry
/// fixes them, so each timer's lines are what `base` alone would have written for it; a timer
/// recorded on every call just costs a few comparisons instead of one per bucket. Write both out
/// for a scrape: `base.registry.emit(into:)`, then `timers.emit(into:)` (timer families come last,
/// in the order they were made). A timer's name must not also name a metric in the registry, and
/// one name's timers should share their label names and buckets (the registry would stop the
/// process otherwise; here each keeps its own).
public struct HistogramTimerFactory: MetricsFactory {
    /// Where every metric other than timers goes, and where timers' buckets are configured.
    public let base: PrometheusMetricsFactory
    /// The timers made so far.
    public let timers: TimerHistograms

    /// Creates the factory.
    /// - Parameter base: The Prometheus factory, its duration buckets already set.
    public init(base: PrometheusMetricsFactory) {
        self.base = base
        timers = TimerHistograms()
    }

    /// A ``TimerHistogram`` with `base`'s buckets for `label`.
    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let (sanitized, dimensions) = base.nameAndLabelSanitizer(label, dimensions)
        let buckets = base.durationHistogramBuckets[sanitized] ?? base.defaultDurationHistogramBuckets
        // The registry then fixes invalid characters in names; so does this, the same way.
        return timers.histogram(name: PrometheusText.metricName(sanitized),
                                labels: PrometheusText.labelNames(dimensions), buckets: buckets)
    }

    /// Removes a timer this factory made; others go to `base`.
    public func destroyTimer(_ handler: any TimerHandler) {
        if let histogram = handler as? TimerHistogram { timers.remove(histogram) } else { base.destroyTimer(handler) }
    }

    /// `base`'s counter.
    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        base.makeCounter(label: label, dimensions: dimensions)
    }

    /// `base`'s floating-point counter.
    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)])
        -> any FloatingPointCounterHandler {
        base.makeFloatingPointCounter(label: label, dimensions: dimensions)
    }

    /// `base`'s meter.
    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        base.makeMeter(label: label, dimensions: dimensions)
    }

    /// `base`'s recorder.
    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        base.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }

    /// Passed to `base`.
    public func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }

    /// Passed to `base`.
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        base.destroyFloatingPointCounter(handler)
    }

    /// Passed to `base`.
    public func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }

    /// Passed to `base`.
    public func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
}
