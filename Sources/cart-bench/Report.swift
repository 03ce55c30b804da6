import Foundation

/// The machine a run was made on.
struct MachineInfo: Codable, Sendable {
    var nproc: Int
    var cpuModel: String
    var kernel: String

    static func current() -> MachineInfo {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let model = cpuinfo.split(separator: "\n").first { $0.hasPrefix("model name") }
            .map { $0.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "" }
        let kernel = (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        return MachineInfo(nproc: ProcessInfo.processInfo.activeProcessorCount, cpuModel: model ?? "", kernel: kernel)
    }
}

/// One closed-loop phase of one workload.
struct PhaseResult: Codable, Sendable {
    var workload: String
    /// `sequential` (1 × 1) or `concurrent` (C × W).
    var mode: String
    var connections: Int
    var inFlight: Int
    var calls: Int
    var seconds: Double
    var callsPerSecond: Double
    var p50Us: Double
    var p90Us: Double
    var p99Us: Double
    var p999Us: Double
    var maxUs: Double
    var errors: Int
    var errorSamples: [String]
    var requestFrameBytes: Int?
    var responseFrameBytes: Int?
    /// The floor this phase is compared with (by frame sizes), and the ratios.
    var floor: String?
    var floorP50Us: Double?
    var p50ToFloor: Double?
    var p99ToFloor: Double?
    var daemonCPUUsPerCall: Double?
    var benchCPUUsPerCall: Double
    var daemonPeakRSSMiB: Double?

    init(workload: String, mode: String, connections: Int, inFlight: Int, measurement m: PhaseMeasurement,
         sizes: FrameSizes?, floor: FloorResult?) {
        self.workload = workload
        self.mode = mode
        self.connections = connections
        self.inFlight = inFlight
        calls = m.calls
        seconds = m.seconds
        callsPerSecond = Double(m.calls) / m.seconds
        p50Us = m.histogram.microseconds(50)
        p90Us = m.histogram.microseconds(90)
        p99Us = m.histogram.microseconds(99)
        p999Us = m.histogram.microseconds(99.9)
        maxUs = Double(m.histogram.max) / 1000
        errors = m.errors
        errorSamples = m.errorSamples
        requestFrameBytes = sizes?.request
        responseFrameBytes = sizes?.response
        if let floor {
            self.floor = floor.name
            floorP50Us = floor.p50Us
            p50ToFloor = floor.p50Us > 0 ? p50Us / floor.p50Us : nil
            p99ToFloor = floor.p99Us > 0 ? p99Us / floor.p99Us : nil
        }
        let calls = Double(max(1, m.calls))
        daemonCPUUsPerCall = m.daemonCPUNanoseconds.map { Double($0) / 1000 / calls }
        benchCPUUsPerCall = Double(m.benchCPUNanoseconds) / 1000 / calls
        daemonPeakRSSMiB = m.daemonPeakRSSBytes.map { Double($0) / mebibyte }
    }
}

/// The watch-fanout result.
struct WatchResult: Codable, Sendable {
    var watchers: Int
    var carts: Int
    var connections: Int
    var writesPerSecond: Int
    var writes: Int
    var expectedDeliveries: Int
    var deliveries: Int
    /// Receipt minus the time the mutating call was sent (an upper bound of commit-to-delivery).
    var fromSentP50Us: Double
    var fromSentP90Us: Double
    var fromSentP99Us: Double
    var fromSentP999Us: Double
    /// Receipt minus the time the mutating call's reply arrived (a lower bound; 0 when the event came first).
    var fromReplyP50Us: Double
    var fromReplyP99Us: Double
    var deliveredBeforeReply: Int
    var errors: Int
    var errorSamples: [String]
    var daemonCPUUsPerDelivery: Double?
    var daemonPeakRSSMiB: Double?

    init(watchers: Int, carts: Int, connections: Int, rate: Int, measurement m: WatchMeasurement) {
        self.watchers = watchers
        self.carts = carts
        self.connections = connections
        writesPerSecond = rate
        writes = m.writes
        expectedDeliveries = m.expectedDeliveries
        deliveries = m.deliveries
        fromSentP50Us = m.fromSent.microseconds(50)
        fromSentP90Us = m.fromSent.microseconds(90)
        fromSentP99Us = m.fromSent.microseconds(99)
        fromSentP999Us = m.fromSent.microseconds(99.9)
        fromReplyP50Us = m.fromReply.microseconds(50)
        fromReplyP99Us = m.fromReply.microseconds(99)
        deliveredBeforeReply = m.deliveredBeforeReply
        errors = m.failures.count
        errorSamples = Array(m.failures.prefix(5))
        daemonCPUUsPerDelivery = m.daemonCPUNanoseconds.map { Double($0) / 1000 / Double(max(1, m.deliveries)) }
        daemonPeakRSSMiB = m.daemonPeakRSSBytes.map { Double($0) / mebibyte }
    }
}

/// One database size of the scale scenario.
struct ScaleResult: Codable, Sendable {
    var carts: Int
    /// Seconds spent writing this size's new carts with sqlite3 (cumulative sizes grow one database).
    var populateSeconds: Double
    var databaseMiB: Double
    /// The median of three starts (spawn to first answered Health), after the file was flushed to disk.
    var coldStartMs: Double
    var coldStartsMs: [Double]
    var idleRSSMiB: Double
    var getCart: PhaseResult
    var addItem: PhaseResult
    var idleConnections: Int
    var rssWithIdleConnectionsMiB: Double?
    var peakRSSMiB: Double?
}

/// Frame sizes of one workload's calls, headers included, as cartd actually exchanged them.
struct FrameSizes: Codable, Sendable {
    var request: Int
    var response: Int
}

/// Everything one cart-bench run measured.
struct BenchReport: Codable, Sendable {
    var tool = "cart-bench"
    var generatedAt: String
    var command: [String]
    var machine: MachineInfo
    var pinned: Bool
    var warmupSeconds: Double
    var durationSeconds: Double
    var connections: Int
    var inFlight: Int
    var users: Int
    var clientThreads: Int
    var daemonBinary: String?
    var daemonArguments: [String]?
    var daemonStartToHealthMs: Double?
    var daemonIdleRSSMiB: Double?
    var frameSizes: [String: FrameSizes] = [:]
    var floors: [FloorResult] = []
    var phases: [PhaseResult] = []
    var watch: WatchResult?
    var scale: [ScaleResult]?
    var errors: Int = 0

    func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

// MARK: - The human table

private func pad(_ text: String, _ width: Int, left: Bool = false) -> String {
    let count = text.count
    guard count < width else { return text }
    let fill = String(repeating: " ", count: width - count)
    return left ? text + fill : fill + text
}

private func number(_ value: Double?, _ digits: Int = 1) -> String {
    guard let value else { return "–" }
    return String(format: "%.\(digits)f", value)
}

extension BenchReport {
    /// The report as text tables.
    func table() -> String {
        var out = "cart-bench: \(machine.nproc) CPUs (\(machine.cpuModel)), Linux \(machine.kernel); "
        out += pinned ? "pinned: client, cartd and floor on CPU 0\n" : "unpinned\n"
        out += "warm-up \(number(warmupSeconds)) s, \(number(durationSeconds)) s per phase; "
        out += "concurrent = \(connections) connections × \(inFlight) in flight; \(users) users; "
        out += "\(clientThreads) client event-loop thread(s)\n"
        if let daemonArguments {
            out += "cartd arguments: \(daemonArguments.joined(separator: " "))\n"
        }
        if let daemonStartToHealthMs {
            out += "cartd: start to first Health \(number(daemonStartToHealthMs)) ms, idle RSS \(number(daemonIdleRSSMiB)) MiB\n"
        }
        if !floors.isEmpty {
            out += "\nfloor (blocking C ping-pong over a UDS, same frame sizes):\n"
            for floor in floors {
                out += "  \(pad(floor.name, 12, left: true)) \(pad("\(floor.requestBytes)/\(floor.responseBytes) B", 12))"
                out += "  p50 \(number(floor.p50Us)) µs  p99 \(number(floor.p99Us)) µs\n"
            }
        }
        if !phases.isEmpty {
            out += "\n" + pad("workload", 12, left: true) + pad("mode", 12) + pad("calls/s", 10) + "  "
                + pad("p50 µs (× floor)", 30, left: true) + pad("p90", 8) + pad("p99", 9) + pad("p99.9", 9)
                + pad("err", 5) + pad("cartd µs/call", 15) + pad("bench µs/call", 15) + pad("peak RSS MiB", 14) + "\n"
            for phase in phases {
                var p50 = number(phase.p50Us)
                if let ratio = phase.p50ToFloor, let floor = phase.floorP50Us {
                    p50 += " (\(number(ratio))× floor \(number(floor)))"
                }
                let mode = phase.mode == "sequential" ? "1×1" : "\(phase.connections)×\(phase.inFlight)"
                out += pad(phase.workload, 12, left: true) + pad(mode, 12) + pad(number(phase.callsPerSecond, 0), 10)
                    + "  " + pad(p50, 30, left: true) + pad(number(phase.p90Us), 8) + pad(number(phase.p99Us), 9)
                    + pad(number(phase.p999Us), 9) + pad("\(phase.errors)", 5)
                    + pad(number(phase.daemonCPUUsPerCall), 15) + pad(number(phase.benchCPUUsPerCall), 15)
                    + pad(number(phase.daemonPeakRSSMiB), 14) + "\n"
            }
        }
        if let watch {
            out += "\nwatch-fanout: \(watch.watchers) watchers on \(watch.carts) carts over \(watch.connections) "
            out += "connections, \(watch.writesPerSecond) changes/s: \(watch.deliveries) of \(watch.expectedDeliveries) "
            out += "deliveries; commit-to-delivery from send p50 \(number(watch.fromSentP50Us)) p90 "
            out += "\(number(watch.fromSentP90Us)) p99 \(number(watch.fromSentP99Us)) p99.9 \(number(watch.fromSentP999Us)) µs; "
            out += "from reply p50 \(number(watch.fromReplyP50Us)) p99 \(number(watch.fromReplyP99Us)) µs "
            out += "(\(watch.deliveredBeforeReply) before the reply); errors \(watch.errors); cartd "
            out += "\(number(watch.daemonCPUUsPerDelivery)) µs CPU/delivery, peak RSS \(number(watch.daemonPeakRSSMiB)) MiB\n"
        }
        if let scale, !scale.isEmpty {
            out += "\n" + pad("carts", 9) + pad("populate s", 12) + pad("DB MiB", 9) + pad("cold start ms", 15)
                + pad("idle RSS", 10) + pad("GetCart/s", 11) + pad("p50", 8) + pad("p99", 8) + pad("AddItem/s", 11)
                + pad("p50", 8) + pad("p99", 8) + pad("RSS+conns MiB", 15) + pad("peak MiB", 10) + "\n"
            for row in scale {
                out += pad("\(row.carts)", 9) + pad(number(row.populateSeconds), 12) + pad(number(row.databaseMiB, 0), 9)
                    + pad(number(row.coldStartMs), 15) + pad(number(row.idleRSSMiB), 10)
                    + pad(number(row.getCart.callsPerSecond, 0), 11) + pad(number(row.getCart.p50Us), 8)
                    + pad(number(row.getCart.p99Us), 8) + pad(number(row.addItem.callsPerSecond, 0), 11)
                    + pad(number(row.addItem.p50Us), 8) + pad(number(row.addItem.p99Us), 8)
                    + pad(number(row.rssWithIdleConnectionsMiB), 15) + pad(number(row.peakRSSMiB), 10) + "\n"
            }
        }
        out += "\nerrors: \(errors)\n"
        return out
    }
}
