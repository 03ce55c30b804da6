import ArgumentParser
import CartAuth
import CUDSFloor
import Foundation
import NIOCore
import NIOPosix
import ProtobufCSupport
import TTRPC

#if canImport(Glibc)
import Glibc
#endif

/// `cart-bench`: closed-loop load against cartd, next to the C floor measured in the same run.
@main
struct CartBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cart-bench",
        abstract: "Measure cartd: closed-loop workloads, latency percentiles, CPU per call and RSS, against a C UDS floor.",
        discussion: """
            Without --socket, starts the release cartd next to this binary on a private temporary directory, loads a \
            catalog and --users carts of 5 lines, then runs each workload sequentially (1 × 1) and with \
            --connections × --in-flight calls in flight. --scale-carts runs the database-size scenario instead.
            """)

    @Option(help: "An existing cartd's socket (needs --jwt-secret-file); default: start one.")
    var socket: String?

    @Option(help: "The cartd binary to start (default: cartd next to cart-bench).")
    var cartd: String?

    @Option(name: .customLong("cartd-arg"), parsing: .unconditionalSingleValue,
            help: "An extra argument for the cartd the bench starts, repeatable (--cartd-arg --event-loop-threads --cartd-arg 1).")
    var cartdArguments: [String] = []

    @Option(help: "The HS256 secret file of the daemon given by --socket.")
    var jwtSecretFile: String?

    @Option(help: "The pid of the daemon given by --socket (default: from SO_PEERCRED).")
    var daemonPid: Int32?

    @Option(help: "Comma-separated: health, get-cart, add-item, update-item, mixed, watch-fanout.")
    var workloads = "health,get-cart,add-item,update-item,mixed,watch-fanout"

    @Option(help: "Measured time per phase (e.g. 10s, 500ms).")
    var duration = "10s"

    @Option(help: "Warm-up before each phase.")
    var warmup = "2s"

    @Option(help: "Connections of the concurrent phase.")
    var connections = 4

    @Option(help: "Calls in flight per connection in the concurrent phase.")
    var inFlight = 4

    @Option(help: "Users (carts of 5 lines) to spread calls over.")
    var users = 1000

    @Option(help: "watch-fanout: WatchCart streams.")
    var watchers = 1000

    @Option(help: "watch-fanout: carts watched (the first K users).")
    var carts = 100

    @Option(help: "watch-fanout: dedicated connections the streams are spread over.")
    var watchConnections = 100

    @Option(help: "watch-fanout: cart changes per second.")
    var watchRate = 100

    @Option(help: "Client event-loop threads (default: one per CPU, as the Go peer client's GOMAXPROCS).")
    var clientThreads = System.coreCount

    @Option(help: "Round trips per floor measurement.")
    var floorIterations = 20_000

    @Flag(help: "Pin the bench, cartd and the floor to CPU 0 (both ends share a CPU).")
    var pin = false

    @Flag(help: "Print the JSON report on standard output (the table goes to standard error).")
    var json = false

    @Option(help: "Also write the JSON report to this file.")
    var output: String?

    @Option(help: "Scale scenario: database sizes in carts, e.g. 1000,10000,100000,1000000.")
    var scaleCarts: String?

    @Option(help: "Scale scenario: users sampled per size for GetCart/AddItem.")
    var scaleUsers = 2000

    @Option(help: "Scale scenario: idle connections opened at each size before reading RSS.")
    var idleConnections = 1000

    mutating func run() async throws {
        let warmupNs = try parseDuration(warmup)
        let durationNs = try parseDuration(duration)
        raiseFileLimit()
        if pin {
            let pinned = cuds_pin_process(0, 0)
            guard pinned > 0 else { throw BenchError("cannot pin to CPU 0 (\(pinned))") }
        }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: clientThreads)
        var report = BenchReport(
            generatedAt: ISO8601DateFormatter().string(from: Date()), command: CommandLine.arguments,
            machine: .current(), pinned: pin, warmupSeconds: Double(warmupNs) / 1e9,
            durationSeconds: Double(durationNs) / 1e9, connections: connections, inFlight: inFlight, users: users,
            clientThreads: clientThreads)

        if let scaleCarts {
            let sizes = try scaleCarts.split(separator: ",").map { text -> Int in
                guard let value = Int(text.trimmingCharacters(in: .whitespaces)), value > 0 else {
                    throw ValidationError("--scale-carts takes positive integers, not \(text)")
                }
                return value
            }
            let binary = cartd ?? Self.siblingBinary("cartd")
            report.daemonBinary = binary
            report.daemonArguments = daemonArguments
            report.scale = try await ScaleScenario(
                binary: binary, arguments: daemonArguments, sizes: sizes.sorted(), sampleUsers: scaleUsers, idleConnections: idleConnections,
                connections: connections, inFlight: inFlight, warmupNs: warmupNs, durationNs: durationNs, pin: pin,
                group: group, log: log).run()
            report.errors = report.scale!.reduce(0) { $0 + $1.getCart.errors + $1.addItem.errors }
            try finish(report)
            return
        }

        let daemon: DaemonUnderTest
        if let socket {
            guard let jwtSecretFile else { throw ValidationError("--socket needs --jwt-secret-file") }
            let peer = cuds_socket_peer_pid(socket)
            daemon = DaemonUnderTest(existingSocket: socket, secretPath: jwtSecretFile,
                                     pid: daemonPid ?? (peer > 0 ? peer : nil))
        } else {
            let binary = cartd ?? Self.siblingBinary("cartd")
            report.daemonBinary = binary
            report.daemonArguments = daemonArguments
            daemon = try DaemonUnderTest(binary: binary, extraArguments: daemonArguments)
            let startNs = try await daemon.start(group: group)
            report.daemonStartToHealthMs = Double(startNs) / 1e6
        }
        do {
            try await runWorkloads(daemon: daemon, group: group, warmupNs: warmupNs, durationNs: durationNs,
                                   report: &report)
        } catch {
            await daemon.stop()
            daemon.cleanUp()
            throw error
        }
        await daemon.stop()
        daemon.cleanUp()
        try finish(report)
    }

    private func runWorkloads(daemon: DaemonUnderTest, group: any EventLoopGroup, warmupNs: UInt64, durationNs: UInt64,
                              report: inout BenchReport) async throws {
        if pin, let pid = daemon.pid { _ = cuds_pin_process(pid, 0) }
        report.daemonIdleRSSMiB = daemon.stats().map { Double($0.rssBytes) / mebibyte }
        let names = workloads.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let known = ["health", "get-cart", "add-item", "update-item", "mixed", "watch-fanout"]
        for name in names where !known.contains(name) { throw ValidationError("unknown workload \(name)") }

        let minter = TokenMinter(key: SigningKey(id: nil, secret: try SigningKey.secret(fromFile: daemon.secretPath)))
        log("loading the catalog and \(users) carts of 5 lines …")
        let seedStart = cuds_now_ns()
        try await Fixtures.loadCatalog(socketPath: daemon.socketPath, group: group, minter: minter)
        let fixtures = try await Fixtures.load(socketPath: daemon.socketPath, group: group, minter: minter,
                                               userNumbers: Array(0..<users), seed: true,
                                               maxLineQuantity: daemon.isOwned ? 10_000 : 50)
        log("seeded in \(String(format: "%.1f", Double(cuds_now_ns() - seedStart) / 1e9)) s")
        let quantities = LineQuantities(users: users)
        var all: [String: any Workload] = [
            "health": HealthWorkload(), "get-cart": GetCartWorkload(fixtures: fixtures),
            "add-item": AddItemWorkload(fixtures: fixtures, quantities: quantities),
            "update-item": UpdateItemWorkload(fixtures: fixtures, quantities: quantities),
        ]
        all["mixed"] = MixedWorkload(fixtures: fixtures, quantities: quantities)

        // Frame sizes as cartd actually exchanges them, then the floor for each pair.
        let probe = try await TTRPCClientConnection.connect(unixSocketPath: daemon.socketPath, group: group)
        for name in ["health", "get-cart", "add-item", "update-item"] where names.contains(name)
            || (name == "get-cart" && names.contains("mixed")) {
            report.frameSizes[name] = try await probeSizes(all[name]!, connection: probe)
        }
        await probe.close()
        let floorDirectory = try DaemonUnderTest.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: floorDirectory) }
        for (name, sizes) in report.frameSizes.sorted(by: { $0.key < $1.key }) {
            log("floor \(name): \(sizes.request)/\(sizes.response) bytes …")
            report.floors.append(try measureFloor(name: name, requestBytes: sizes.request, responseBytes: sizes.response,
                                                  iterations: floorIterations, pinCPU: pin ? 0 : nil,
                                                  directory: floorDirectory))
        }

        var modes = [(1, 1)]
        if connections * inFlight > 1 { modes.append((connections, inFlight)) }
        for name in names where name != "watch-fanout" {
            let workload = all[name]!
            let floorName = name == "mixed" ? "get-cart" : name
            let floor = report.floors.first { $0.name == floorName }
            for (connectionCount, window) in modes {
                let mode = connectionCount * window == 1 ? "sequential" : "concurrent"
                log("\(name) \(connectionCount)×\(window) …")
                let measurement = try await runClosedLoop(
                    workload, socketPath: daemon.socketPath, group: group, connections: connectionCount,
                    inFlight: window, warmupNanoseconds: warmupNs, durationNanoseconds: durationNs, daemon: daemon)
                let result = PhaseResult(workload: name, mode: mode, connections: connectionCount, inFlight: window,
                                         measurement: measurement, sizes: report.frameSizes[floorName], floor: floor)
                if result.errors > 0 { log("  \(result.errors) errors: \(result.errorSamples)") }
                report.phases.append(result)
            }
        }
        if names.contains("watch-fanout") {
            log("watch-fanout: \(watchers) watchers on \(carts) carts …")
            let measurement = try await runWatchFanout(
                fixtures: fixtures, socketPath: daemon.socketPath, group: group, watchers: watchers, carts: carts,
                connections: watchConnections, rate: watchRate, warmupNanoseconds: warmupNs,
                durationNanoseconds: durationNs, daemon: daemon)
            report.watch = WatchResult(watchers: watchers, carts: carts, connections: min(watchConnections, watchers),
                                       rate: watchRate, measurement: measurement)
            if !measurement.failures.isEmpty { log("  watch errors: \(measurement.failures.prefix(5))") }
        }
        report.errors = report.phases.reduce(0) { $0 + $1.errors } + (report.watch?.errors ?? 0)
    }

    /// Sends one call of `workload` and returns the request and response frame sizes, headers included.
    private func probeSizes(_ workload: any Workload, connection: TTRPCClientConnection) async throws -> FrameSizes {
        let envelope = try await connection.channel.eventLoop.submit {
            workload.makeGenerator(connection: 0, of: 1).next()
        }.get()
        var buffer = ByteBufferAllocator().buffer(capacity: 512)
        let arena = ProtobufArena()
        let dataLength = envelope.writeFrame(streamID: 1, flags: [], to: &buffer, arena: arena)
        let reply = try await connection.unaryCall(envelope, localDeadline: nil).get()
        let payload = reply.readableBytes
        var varint = 1
        while payload >> (7 * varint) > 0 { varint += 1 }
        return FrameSizes(request: TTRPCWire.headerLength + dataLength,
                          response: TTRPCWire.headerLength + (payload > 0 ? 1 + varint + payload : 0))
    }

    private func finish(_ report: BenchReport) throws {
        let table = report.table()
        let data = try report.json()
        if let output {
            try FileManager.default.createDirectory(atPath: (output as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            try data.write(to: URL(fileURLWithPath: output))
        }
        if json {
            FileHandle.standardError.write(Data(table.utf8))
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        } else {
            print(table, terminator: "")
        }
        if report.errors > 0 {
            FileHandle.standardError.write(Data("cart-bench: \(report.errors) calls failed; see the errors above\n".utf8))
            throw ExitCode(1)
        }
    }

    /// The started cartd's arguments besides socket, database and secret: a line cap high enough for
    /// the load's merges, then the `--cartd-arg`s.
    private var daemonArguments: [String] { ["--max-line-quantity", "10000"] + cartdArguments }

    static func siblingBinary(_ name: String) -> String {
        let path = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return (path as NSString).deletingLastPathComponent + "/" + name
    }
}

/// Progress on standard error.
func log(_ message: String) {
    FileHandle.standardError.write(Data("cart-bench: \(message)\n".utf8))
}

/// Parses `10s`, `500ms`, `2m` or plain seconds into nanoseconds.
func parseDuration(_ text: String) throws -> UInt64 {
    let units: [(String, Double)] = [("ms", 1e6), ("us", 1e3), ("s", 1e9), ("m", 60e9)]
    for (suffix, scale) in units where text.hasSuffix(suffix) {
        if let value = Double(text.dropLast(suffix.count)), value >= 0 { return UInt64(value * scale) }
    }
    if let value = Double(text), value >= 0 { return UInt64(value * 1e9) }
    throw ValidationError("cannot read the duration \(text) (use e.g. 10s or 500ms)")
}

/// Raises the open-file limit to its maximum (1,000 idle connections, 1,000 watchers).
func raiseFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
