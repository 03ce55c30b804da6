import Foundation
import Locking

/// Samples a process's resident set size (VmRSS from /proc) at a fixed interval. Thread-safe (a mutex).
final class RSSSampler: Sendable {
    /// One sample: seconds since the start, and RSS in bytes.
    struct Sample: Sendable, Codable {
        var seconds: Double
        var bytes: UInt64
    }

    private let samples = Locked<[Sample]>([])
    private let pid: Int32
    private let start = ContinuousClock.now

    init(pid: Int32) { self.pid = pid }

    /// Samples every `interval` until cancelled (one sample right away).
    func run(every interval: Duration) async {
        while !Task.isCancelled {
            sample()
            try? await Task.sleep(for: interval)
        }
    }

    /// Takes one sample now.
    func sample() {
        guard let bytes = Self.rss(pid: pid) else { return }
        let elapsed = ContinuousClock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        samples.withLock { $0.append(Sample(seconds: seconds, bytes: bytes)) }
    }

    /// Every sample so far.
    var all: [Sample] { samples.withLock { $0 } }

    /// VmRSS of a process, bytes.
    static func rss(pid: Int32) -> UInt64? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let kilobytes = line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first
            return kilobytes.flatMap { UInt64($0) }.map { $0 * 1024 }
        }
        return nil
    }
}

/// RSS growth between the start and the end of the run: the mean of the first window (the first minute, or the
/// first third of a run shorter than three minutes) against the mean of the last one.
struct RSSGrowth: Codable {
    var windowSeconds: Double
    var firstMiB: Double
    var lastMiB: Double
    var peakMiB: Double
    var growthMiB: Double { lastMiB - firstMiB }
    var growthPercent: Double { firstMiB > 0 ? 100 * growthMiB / firstMiB : 0 }

    init?(_ samples: [RSSSampler.Sample]) {
        guard let end = samples.last?.seconds, samples.count >= 2 else { return nil }
        let window = end >= 180 ? 60 : max(end / 3, 1)
        windowSeconds = window
        firstMiB = Self.meanMiB(samples.filter { $0.seconds <= window })
        lastMiB = Self.meanMiB(samples.filter { $0.seconds >= end - window })
        peakMiB = Double(samples.map(\.bytes).max() ?? 0) / 1_048_576
    }

    private static func meanMiB(_ window: [RSSSampler.Sample]) -> Double {
        window.isEmpty ? 0 : window.map { Double($0.bytes) }.reduce(0, +) / Double(window.count) / 1_048_576
    }
}
