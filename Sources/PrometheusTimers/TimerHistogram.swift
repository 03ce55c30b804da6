import CoreMetrics
import Locking
import Prometheus

/// A swift-metrics timer kept as a Prometheus histogram: a count per bucket, found by walking the
/// bounds until the first one the value does not exceed, instead of swift-prometheus's comparison
/// of every bound on every call.
///
/// The exposition (``emit(into:)``) is byte for byte what swift-prometheus's `DurationHistogram`
/// writes for the same name, labels, bounds and recorded values: cumulative `_bucket` lines with
/// `le` in its `Duration.bucketRepresentation`, `+Inf`, `_sum` and `_count`. A value equal to a bound
/// counts in that bound's bucket; a negative one in the first.
///
/// Thread-safe: counts sit behind one lock, so a scrape sees buckets, sum and count of the same
/// set of calls.
public final class TimerHistogram: TimerHandler, Sendable {
    /// The metric name, as the exposition writes it.
    public let name: String
    /// The labels, in the order they were given.
    public let labels: [(String, String)]
    /// Upper bounds of the buckets, in nanoseconds, ascending.
    let bounds: [Int64]
    /// `le` of each bound, rendered once.
    private let boundText: [[UInt8]]
    /// `key="value",…` with values escaped, or nil without labels.
    private let renderedLabels: [UInt8]?
    private let state: Locked<State>

    private struct State {
        /// Calls per bucket (not cumulative); calls above the last bound are in `count` only.
        var buckets: [Int]
        var sum: Duration = .zero
        var count = 0
    }

    /// Creates an empty histogram.
    /// - Parameters:
    ///   - name: The metric name.
    ///   - labels: Label pairs.
    ///   - buckets: Upper bounds, strictly ascending (a programming error otherwise: they are constants).
    public init(name: String, labels: [(String, String)], buckets: [Duration]) {
        precondition(zip(buckets, buckets.dropFirst()).allSatisfy { $0 < $1 },
                     "histogram buckets of \(name) must be strictly ascending")
        self.name = name
        self.labels = labels
        bounds = buckets.map { Self.nanoseconds($0) }
        boundText = buckets.map { Array($0.bucketRepresentation.utf8) }
        renderedLabels = PrometheusText.labels(labels)
        state = Locked(State(buckets: Array(repeating: 0, count: buckets.count)))
    }

    /// Records one call of `duration` nanoseconds.
    public func recordNanoseconds(_ duration: Int64) {
        var index = 0
        while index < bounds.count, bounds[index] < duration { index += 1 }
        let value = Duration.nanoseconds(duration)
        state.withLock { state in
            if index < state.buckets.count { state.buckets[index] += 1 }
            state.sum += value
            state.count += 1
        }
    }

    /// Appends the `_bucket`, `_sum` and `_count` lines (no `# TYPE` line: that is the family's).
    public func emit(into buffer: inout [UInt8]) {
        let snapshot = state.withLock { $0 }
        var cumulative = 0
        for (index, bound) in boundText.enumerated() {
            cumulative += snapshot.buckets[index]
            bucketLine(into: &buffer, le: bound, count: cumulative)
        }
        bucketLine(into: &buffer, le: Array("+Inf".utf8), count: snapshot.count)
        sampleLine(into: &buffer, suffix: "_sum", value: snapshot.sum.bucketRepresentation)
        sampleLine(into: &buffer, suffix: "_count", value: "\(snapshot.count)")
    }

    private func bucketLine(into buffer: inout [UInt8], le: [UInt8], count: Int) {
        buffer.append(contentsOf: name.utf8)
        buffer.append(contentsOf: "_bucket{".utf8)
        if let renderedLabels {
            buffer.append(contentsOf: renderedLabels)
            buffer.append(UInt8(ascii: ","))
        }
        buffer.append(contentsOf: "le=\"".utf8)
        buffer.append(contentsOf: le)
        buffer.append(contentsOf: "\"} ".utf8)
        buffer.append(contentsOf: "\(count)\n".utf8)
    }

    private func sampleLine(into buffer: inout [UInt8], suffix: String, value: String) {
        buffer.append(contentsOf: name.utf8)
        buffer.append(contentsOf: suffix.utf8)
        if let renderedLabels {
            buffer.append(UInt8(ascii: "{"))
            buffer.append(contentsOf: renderedLabels)
            buffer.append(contentsOf: "} ".utf8)
        } else {
            buffer.append(UInt8(ascii: " "))
        }
        buffer.append(contentsOf: "\(value)\n".utf8)
    }

    /// The largest whole number of nanoseconds not above `duration`, saturating at `Int64`'s range:
    /// a call of n ns is at or below the bound exactly when n is at or below this.
    static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        var nanos = attoseconds / 1_000_000_000
        if attoseconds % 1_000_000_000 < 0 { nanos -= 1 }
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return seconds < 0 ? .min : .max }
        let (total, overflowAdding) = scaled.addingReportingOverflow(nanos)
        return overflowAdding ? (nanos < 0 ? .min : .max) : total
    }
}
