import CoreMetrics
import Foundation
import Prometheus
import Testing
@testable import PrometheusTimers

/// The exposition must be what swift-prometheus writes for the same timer, so each case records the
/// same values through both and compares the text byte for byte.
@Suite struct TimerHistogramTests {
    static let buckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .milliseconds(1), .microseconds(2_500),
        .seconds(1), .microseconds(2_500_000),
    ]

    /// A Prometheus factory with `buckets`, on its own registry.
    static func prometheus(_ buckets: [Duration] = buckets) -> PrometheusMetricsFactory {
        var factory = PrometheusMetricsFactory(registry: PrometheusCollectorRegistry())
        factory.defaultDurationHistogramBuckets = buckets
        return factory
    }

    /// What swift-prometheus alone emits for one timer.
    static func reference(_ name: String, _ labels: [(String, String)], _ values: [Int64],
                          buckets: [Duration] = buckets) -> String {
        let factory = prometheus(buckets)
        let timer = factory.makeTimer(label: name, dimensions: labels)
        for value in values { timer.recordNanoseconds(value) }
        var bytes: [UInt8] = []
        factory.registry.emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What the registry and `HistogramTimerFactory.timers` emit together for the same timer.
    static func ours(_ name: String, _ labels: [(String, String)], _ values: [Int64],
                     buckets: [Duration] = buckets) -> String {
        let factory = HistogramTimerFactory(base: prometheus(buckets))
        let timer = factory.makeTimer(label: name, dimensions: labels)
        for value in values { timer.recordNanoseconds(value) }
        #expect(timer is TimerHistogram)
        var bytes: [UInt8] = []
        factory.base.registry.emit(into: &bytes)
        factory.timers.emit(into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Below, on and just above every bound, zero, negative and beyond the last bound.
    static let edgeValues: [Int64] = [-5, 0, 1, 49_999, 50_000, 50_001, 100_000, 100_001, 999_999, 1_000_000,
                                      2_500_000, 2_500_001, 1_000_000_000, 2_500_000_000, 2_500_000_001,
                                      90_000_000_000, 12_345]

    @Test func sameTextAsSwiftPrometheusWithLabels() {
        let labels = [("method", "GetCart")]
        let expected = Self.reference("cartd_rpc_duration_seconds", labels, Self.edgeValues)
        #expect(Self.ours("cartd_rpc_duration_seconds", labels, Self.edgeValues) == expected)
        // The comparison is not between two empty texts: the first bucket holds -5, 0, 1, 12345, 49999, 50000.
        #expect(expected.contains(#"cartd_rpc_duration_seconds_bucket{method="GetCart",le="0.00005"} 6"#))
        #expect(expected.contains(#"cartd_rpc_duration_seconds_count{method="GetCart"} 17"#))
    }

    @Test func sameTextAsSwiftPrometheusWithoutLabels() {
        #expect(Self.ours("store_seconds", [], Self.edgeValues) == Self.reference("store_seconds", [], Self.edgeValues))
    }

    @Test func sameTextWhenNothingWasRecorded() {
        let text = Self.ours("idle_seconds", [("method", "Check")], [])
        #expect(text == Self.reference("idle_seconds", [("method", "Check")], []))
        #expect(text.contains(#"idle_seconds_sum{method="Check"} 0.0"#))
    }

    @Test func labelValuesAreEscapedTheSameWay() {
        let labels = [("method", #"a"b\c"# + "\nd"), ("code", "OK")]
        let values: [Int64] = [7, 70_000]
        #expect(Self.ours("escaped_seconds", labels, values) == Self.reference("escaped_seconds", labels, values))
    }

    @Test func boundsBetweenWholeNanosecondsCountLikeSwiftPrometheus() {
        // 0.5 ns: 0 is at or below it, 1 ns is not; 1.5 ns: 1 ns is, 2 ns is not. (swift-prometheus
        // cannot write a negative bound; the conversion below is checked for one directly.)
        let half = Duration(secondsComponent: 0, attosecondsComponent: 500_000_000)
        let buckets: [Duration] = [half, .nanoseconds(1) + half, .seconds(3)]
        let values: [Int64] = [-2, -1, 0, 1, 2, 3]
        #expect(Self.ours("odd_seconds", [], values, buckets: buckets)
                    == Self.reference("odd_seconds", [], values, buckets: buckets))
        #expect(TimerHistogram.nanoseconds(.nanoseconds(1) + half) == 1)
        #expect(TimerHistogram.nanoseconds(.zero - half) == -1)
        #expect(TimerHistogram.nanoseconds(.seconds(Int64.max)) == .max)
    }

    @Test func invalidCharactersInNamesAreFixedLikeTheRegistry() {
        let cases: [(name: String, labels: [(String, String)], fixed: String)] = [
            ("store.transaction seconds", [("http.method", "GET")],
             #"store_transaction_seconds_count{http_method="GET"}"#),
            ("9lives_seconds", [("1st", "a"), ("ok_name", "b"), ("caf\u{E9}", "c")],
             #"_lives_seconds_count{_st="a",ok_name="b",caf_="c"}"#),
            ("ns:sub_seconds", [("a:b", "x"), ("x2", "y")], #"ns:sub_seconds_count{a_b="x",x2="y"}"#),
        ]
        for (name, labels, fixed) in cases {
            let expected = Self.reference(name, labels, [1, 60_000])
            #expect(Self.ours(name, labels, [1, 60_000]) == expected)
            #expect(expected.contains(fixed + " 2"), "the reference fixed the names: \(expected)")
        }
    }

    @Test func oneHistogramPerNameAndLabels() {
        let factory = HistogramTimerFactory(base: Self.prometheus())
        let first = factory.makeTimer(label: "rpc_seconds", dimensions: [("method", "A")])
        let again = factory.makeTimer(label: "rpc_seconds", dimensions: [("method", "A")])
        let other = factory.makeTimer(label: "rpc_seconds", dimensions: [("method", "B")])
        #expect(first === again)
        #expect(first !== other)
        first.recordNanoseconds(10)
        again.recordNanoseconds(20)
        var bytes: [UInt8] = []
        factory.timers.emit(into: &bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.components(separatedBy: "# TYPE rpc_seconds histogram\n").count == 2)
        #expect(text.contains(#"rpc_seconds_count{method="A"} 2"#))
        #expect(text.contains(#"rpc_seconds_count{method="B"} 0"#))
    }

    @Test func destroyedTimersAreNoLongerExported() {
        let factory = HistogramTimerFactory(base: Self.prometheus())
        let kept = factory.makeTimer(label: "kept_seconds", dimensions: [])
        let dropped = factory.makeTimer(label: "dropped_seconds", dimensions: [])
        kept.recordNanoseconds(1)
        dropped.recordNanoseconds(1)
        factory.destroyTimer(dropped)
        var bytes: [UInt8] = []
        factory.timers.emit(into: &bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("kept_seconds_count 1"))
        #expect(!text.contains("dropped_seconds"))
    }

    @Test func bucketsAndSanitisingComeFromTheBaseFactory() {
        var base = Self.prometheus()
        base.durationHistogramBuckets["special_seconds"] = [.milliseconds(7)]
        base.nameAndLabelSanitizer = { label, dimensions in
            (label.replacingOccurrences(of: ".", with: "_"), dimensions)
        }
        let factory = HistogramTimerFactory(base: base)
        factory.makeTimer(label: "special.seconds", dimensions: []).recordNanoseconds(5)
        var bytes: [UInt8] = []
        factory.timers.emit(into: &bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#"special_seconds_bucket{le="0.007"} 1"#))
        #expect(!text.contains(#"le="0.00005""#))
    }

    @Test func otherMetricsStayInThePrometheusRegistry() {
        let factory = HistogramTimerFactory(base: Self.prometheus())
        factory.makeCounter(label: "calls_total", dimensions: [("code", "OK")]).increment(by: 3)
        factory.makeMeter(label: "open", dimensions: []).set(Int64(4))
        var registry: [UInt8] = []
        factory.base.registry.emit(into: &registry)
        let text = String(decoding: registry, as: UTF8.self)
        #expect(text.contains(#"calls_total{code="OK"} 3"#))
        #expect(text.contains("open 4"))
        var timers: [UInt8] = []
        factory.timers.emit(into: &timers)
        #expect(timers.isEmpty)
    }

    @Test func concurrentRecordsAreAllCounted() async {
        let histogram = TimerHistogram(name: "busy_seconds", labels: [], buckets: Self.buckets)
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<4 {
                group.addTask {
                    for call in 0..<10_000 { histogram.recordNanoseconds(Int64((task * 10_000 + call) % 3) * 60_000) }
                }
            }
        }
        var bytes: [UInt8] = []
        histogram.emit(into: &bytes)
        let text = String(decoding: bytes, as: UTF8.self)
        // Values 0, 60 µs, 120 µs in turn: 13,334 at 0, 13,333 at 60 µs, 13,333 at 120 µs.
        #expect(text.contains(#"busy_seconds_bucket{le="0.00005"} 13334"#))
        #expect(text.contains(#"busy_seconds_bucket{le="0.0001"} 26667"#))
        #expect(text.contains(#"busy_seconds_bucket{le="0.00025"} 40000"#))
        #expect(text.contains("busy_seconds_count 40000"))
    }
}
