import CUDSFloor
import Histogram
import NIOCore
import TTRPC

/// Makes the calls of one connection, one after another.
///
/// Confined to the event loop of the connection it was made for.
protocol CallGenerator: AnyObject {
    /// The next call to send.
    func next() -> RequestEnvelope
}

/// A closed-loop workload: each connection gets its own generator.
protocol Workload: Sendable {
    /// The workload's name, as on the command line.
    var name: String { get }
    /// A generator for connection `index` of `count` (partitions per-user state between connections).
    func makeGenerator(connection index: Int, of count: Int) -> any CallGenerator
}

/// Latencies in nanoseconds.
typealias LatencyHistogram = Histogram<UInt64>

/// An empty latency histogram (1 ns … 60 s, three significant digits).
func makeLatencyHistogram() -> LatencyHistogram {
    var histogram = LatencyHistogram(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000,
                                     numberOfSignificantValueDigits: .three)
    histogram.autoResize = true
    return histogram
}

/// Runs `inFlight` calls at a time on one connection: each answer records its latency and sends the
/// next call from the completion callback, on the connection's event loop (no task hop per call).
///
/// After ``start(slots:)`` every mutable property is touched on the connection's event loop only.
final class ClosedLoopDriver: @unchecked Sendable {
    let connection: TTRPCClientConnection
    private let generator: any CallGenerator
    private let measureStart: UInt64
    private let measureEnd: UInt64
    private var histogram = makeLatencyHistogram()
    private var calls = 0
    private var errors = 0
    private var errorSamples: [String] = []
    private var running = 0
    private let done: EventLoopPromise<Void>

    init(connection: TTRPCClientConnection, generator: any CallGenerator, measureStart: UInt64, measureEnd: UInt64) {
        self.connection = connection
        self.generator = generator
        self.measureStart = measureStart
        self.measureEnd = measureEnd
        self.done = connection.channel.eventLoop.makePromise()
    }

    /// Starts `slots` closed loops.
    func start(slots: Int) {
        connection.channel.eventLoop.execute {
            self.running = slots
            for _ in 0..<slots { self.issue() }
        }
    }

    private func issue() {
        let start = cuds_now_ns()
        guard start < measureEnd, errors < 100 else {
            running -= 1
            if running == 0 { done.succeed(()) }
            return
        }
        connection.unaryCall(generator.next(), localDeadline: nil).whenComplete { result in
            let end = cuds_now_ns()
            switch result {
            case .success:
                if start >= self.measureStart, end <= self.measureEnd {
                    _ = self.histogram.record(end - start)
                    self.calls += 1
                }
            case .failure(let error):
                self.errors += 1
                if self.errorSamples.count < 5 { self.errorSamples.append("\(error)") }
            }
            self.issue()
        }
    }

    /// Waits for every loop to stop, then returns what was measured.
    func finish() async throws -> (LatencyHistogram, Int, Int, [String]) {
        try await done.futureResult.get()
        return try await connection.channel.eventLoop.submit {
            (self.histogram, self.calls, self.errors, self.errorSamples)
        }.get()
    }
}

/// What one closed-loop phase measured.
struct PhaseMeasurement {
    var histogram: LatencyHistogram
    var calls: Int
    var errors: Int
    var errorSamples: [String]
    var seconds: Double
    var daemonCPUNanoseconds: UInt64?
    var benchCPUNanoseconds: UInt64
    var daemonPeakRSSBytes: UInt64?
}

/// Runs `workload` closed-loop on `connections` new connections with `inFlight` calls each: a warm-up,
/// then `duration` measured (latencies, calls, daemon and bench CPU between the two instants).
func runClosedLoop(_ workload: any Workload, socketPath: String, group: any EventLoopGroup, connections: Int,
                   inFlight: Int, warmupNanoseconds: UInt64, durationNanoseconds: UInt64,
                   daemon: DaemonUnderTest) async throws -> PhaseMeasurement {
    let opened = try await openConnections(connections, socketPath: socketPath, group: group)
    daemon.resetPeakRSS()
    let measureStart = cuds_now_ns() + warmupNanoseconds
    let measureEnd = measureStart + durationNanoseconds
    let drivers = opened.enumerated().map { index, connection in
        ClosedLoopDriver(connection: connection, generator: workload.makeGenerator(connection: index, of: connections),
                         measureStart: measureStart, measureEnd: measureEnd)
    }
    for driver in drivers { driver.start(slots: inFlight) }
    await sleep(until: measureStart)
    let daemonBefore = daemon.stats()
    let benchBefore = ProcessStats.selfCPUNanoseconds()
    await sleep(until: measureEnd)
    let daemonAfter = daemon.stats()
    let benchAfter = ProcessStats.selfCPUNanoseconds()
    var merged = makeLatencyHistogram()
    var calls = 0
    var errors = 0
    var samples: [String] = []
    for driver in drivers {
        let (histogram, driverCalls, driverErrors, driverSamples) = try await driver.finish()
        merged.add(histogram)
        calls += driverCalls
        errors += driverErrors
        samples += driverSamples
    }
    await closeAll(opened)
    var daemonCPU: UInt64?
    if let daemonBefore, let daemonAfter { daemonCPU = daemonAfter.cpuNanoseconds - daemonBefore.cpuNanoseconds }
    return PhaseMeasurement(histogram: merged, calls: calls, errors: errors, errorSamples: Array(samples.prefix(5)),
                            seconds: Double(durationNanoseconds) / 1e9, daemonCPUNanoseconds: daemonCPU,
                            benchCPUNanoseconds: benchAfter - benchBefore,
                            daemonPeakRSSBytes: daemonAfter?.peakRSSBytes)
}

/// Sleeps until the monotonic clock reads `deadline` (nanoseconds).
func sleep(until deadline: UInt64) async {
    let now = cuds_now_ns()
    if deadline > now { try? await Task.sleep(nanoseconds: deadline - now) }
}

/// A small, fast PRNG (xorshift64*), one per generator.
struct FastRandom {
    private var state: UInt64
    init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 2_685_821_657_736_338_717
    }
    /// A value in 0..<bound.
    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}
