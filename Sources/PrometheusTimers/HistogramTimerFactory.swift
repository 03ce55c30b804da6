import CoreMetrics
import Prometheus

/// swift-prometheus's metrics factory with one change: timers are ``TimerHistogram``s, kept in
/// ``timers`` rather than in the Prometheus registry.
///
/// Counters, gauges, meters and recorders go to `base` unchanged. Timers take their buckets and
/// name sanitising from `base` too, so the text `base.registry` and ``timers`` emit together is what
/// `base` alone would have emitted; a timer recorded on every call just costs a few comparisons
/// instead of one per bucket. Write both out for a scrape: `base.registry.emit(into:)`, then
/// `timers.emit(into:)`. A timer's name must not also name a metric in the registry.
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
        let (name, labels) = base.nameAndLabelSanitizer(label, dimensions)
        let buckets = base.durationHistogramBuckets[name] ?? base.defaultDurationHistogramBuckets
        return timers.histogram(name: name, labels: labels, buckets: buckets)
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
