import Locking

/// The ``TimerHistogram``s of one daemon, by name and labels, written out as Prometheus histogram
/// families: one `# TYPE name histogram` line per name, then each label set's lines, in the order
/// they were created.
///
/// Thread-safe.
public final class TimerHistograms: Sendable {
    private struct Family {
        var name: String
        var members: [TimerHistogram]
    }

    private let families = Locked<[Family]>([])

    /// Creates an empty set.
    public init() {}

    /// The histogram for `name` and `labels`: the one already made for them, or a new one.
    /// - Parameters:
    ///   - name: The metric name.
    ///   - labels: Label pairs (the same pairs in the same order find the same histogram).
    ///   - buckets: Upper bounds for a new histogram, strictly ascending.
    public func histogram(name: String, labels: [(String, String)], buckets: [Duration]) -> TimerHistogram {
        families.withLock { families in
            let family = families.firstIndex { $0.name == name } ?? {
                families.append(Family(name: name, members: []))
                return families.count - 1
            }()
            if let existing = families[family].members.first(where: { Self.same($0.labels, labels) }) {
                return existing
            }
            let histogram = TimerHistogram(name: name, labels: labels, buckets: buckets)
            families[family].members.append(histogram)
            return histogram
        }
    }

    /// Stops exporting `histogram` (a family left empty is dropped with it).
    public func remove(_ histogram: TimerHistogram) {
        families.withLock { families in
            guard let family = families.firstIndex(where: { $0.name == histogram.name }) else { return }
            families[family].members.removeAll { $0 === histogram }
            if families[family].members.isEmpty { families.remove(at: family) }
        }
    }

    /// Appends every family in the text exposition format.
    public func emit(into buffer: inout [UInt8]) {
        for family in families.withLock({ $0 }) {
            PrometheusText.typeLine(into: &buffer, name: family.name, type: "histogram")
            for histogram in family.members { histogram.emit(into: &buffer) }
        }
    }

    private static func same(_ lhs: [(String, String)], _ rhs: [(String, String)]) -> Bool {
        lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
    }
}
