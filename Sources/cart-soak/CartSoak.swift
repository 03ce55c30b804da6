import ArgumentParser
import CartAuth
import CartClient
import CartCore
import CartTesting
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `cart-soak`: starts cartd, runs mixed load from many clients with watchers and checkouts for a while,
/// samples cartd's RSS, then stops cartd and checks invariants on its database. Exits 1 on any violation.
@main
struct CartSoak: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cart-soak",
        abstract: "Soak cartd: mixed load with watchers and checkouts, RSS over time, invariants checked on the database.",
        discussion: """
            Starts the cartd next to this binary (or --cartd) on a private temporary directory with short \
            reservations, loads a catalog, and runs --workers closed loops over --users shoppers (one connection \
            each) plus --watchers WatchCart streams that come and go. At the end it waits for the reservations \
            left to expire, reads every cart, stops cartd with SIGTERM and checks the database with GRDB.
            """)

    @Option(help: "How long the load runs, e.g. 20s, 10m, 2h.")
    var duration = "10m"

    @Option(help: "Registered users (each with its own client connection).")
    var users = 256

    @Option(help: "Closed loops making calls, one call at a time each.")
    var workers = 16

    @Option(help: "WatchCart slots (each stream lives 5–30 s, then another opens).")
    var watchers = 32

    @Option(help: "Seconds a payment reserves stock (cartd's hidden --reservation-seconds).")
    var reservationSeconds = 4

    @Option(help: "Seconds between RSS samples.")
    var sampleSeconds = 5

    @Option(help: "Fail when RSS grows more than this many percent from the first to the last window.")
    var maxRSSGrowthPercent: Double?

    @Option(help: "The cartd binary (default: cartd next to cart-soak).")
    var cartd: String?

    @Option(help: "Also write the report as JSON to this file.")
    var output: String?

    mutating func run() async throws {
        let seconds = try Self.parseDuration(duration)
        guard users > 0, workers > 0, watchers >= 0 else { throw ValidationError("users and workers must be positive") }
        if let cartd { setenv("CARTD_BINARY", cartd, 1) }
        let daemon = try TestDaemon(arguments: ["--reservation-seconds", "\(reservationSeconds)",
                                                "--expiry-sweep-seconds", "1", "--log-level", "warning"])
        do {
            let report = try await soak(daemon, seconds: seconds)
            try finish(report)
            daemon.removeDirectory()
            if !report.violations.isEmpty { throw ExitCode(1) }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            _ = try? await daemon.stop(signal: SIGKILL)
            log("cart-soak failed: \(error)\ncartd log:\n\(daemon.logContents().suffix(4000))")
            throw ExitCode(2)
        }
    }

    private func soak(_ daemon: TestDaemon, seconds: Double) async throws -> SoakReport {
        try await daemon.start()
        guard let pid = daemon.pid else { throw ValidationError("cartd exited at start") }
        let lifetime = seconds + 3600
        let admin = CartClient(socketPath: daemon.socketPath,
                               token: try await daemon.token(user: "soak-admin", admin: true, lifetime: lifetime))
        _ = try await admin.upsertProducts(SoakCatalog.products)
        var shoppers: [Shopper] = []
        for index in 0..<users {
            let userID = "soak-user-\(index)"
            let client = CartClient(socketPath: daemon.socketPath,
                                    token: try await daemon.token(user: userID, lifetime: lifetime))
            shoppers.append(Shopper(userID: userID, client: client, cart: try await client.getCart()))
        }
        log("cart-soak: cartd pid \(pid), \(users) users on \(workers) workers, \(watchers) watcher slots, "
            + "\(Int(seconds)) s of load")

        let ledger = SoakLedger()
        let sampler = RSSSampler(pid: pid)
        let fleet = WatchFleet(ledger: ledger)
        let started = ContinuousClock.now
        let deadline = started + .milliseconds(Int64(seconds * 1000))
        let sampling = Task { await sampler.run(every: .seconds(sampleSeconds)) }
        let watching = Task { [watchers, shoppers] in await fleet.run(count: watchers, shoppers: shoppers, until: deadline) }
        let progress = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: .seconds(60))
                if Task.isCancelled { break }
                let calls = ledger.snapshot.calls.values.reduce(0, +)
                let rss = RSSSampler.rss(pid: pid).map { Double($0) / 1_048_576 } ?? 0
                log(String(format: "  %4.0f s: %d calls, RSS %.1f MiB", (ContinuousClock.now - started).seconds, calls, rss))
            }
        }
        let partitions = (0..<workers).map { worker in stride(from: worker, to: shoppers.count, by: workers).map { shoppers[$0] } }
        let worked = await withTaskGroup(of: [Shopper].self) { group in
            for partition in partitions where !partition.isEmpty {
                let worker = ShopperWorker(shoppers: partition, admin: admin, daemon: daemon, ledger: ledger,
                                           tokenLifetime: lifetime)
                group.addTask { await worker.run(until: deadline) }
            }
            return await group.reduce(into: []) { $0 += $1 }
        }
        let loadSeconds = (ContinuousClock.now - started).seconds
        progress.cancel()

        // Reservations left behind expire; then every cart is read once more.
        try await Task.sleep(for: .seconds(reservationSeconds + 3))
        var finalCarts: [String: PricedCart] = [:]
        for shopper in worked {
            do {
                finalCarts[shopper.userID] = try await shopper.client.getCart()
            } catch {
                ledger.violation("final GetCart of \(shopper.userID): \(error)")
            }
        }
        let finalVersions = finalCarts.mapValues(\.version)
        var lagging = fleet.lagging(finalVersions: finalVersions)
        for _ in 0..<50 where !lagging.isEmpty {
            try await Task.sleep(for: .milliseconds(200))
            lagging = fleet.lagging(finalVersions: finalVersions)
        }
        for message in lagging { ledger.violation("WatchCart did not reach the final version: \(message)") }
        watching.cancel()
        await watching.value
        sampler.sample()
        sampling.cancel()
        await sampling.value
        for shopper in worked { await shopper.client.close() }
        await admin.close()
        let status = try await daemon.stop()
        if status != 0 { ledger.violation("cartd exited with status \(status) after SIGTERM") }

        let recorded = ledger.snapshot
        let (violations, counts) = try Invariants(path: daemon.databasePath)
            .check(finalCarts: finalCarts, paidByLoad: recorded.paidPayments)
        var report = SoakReport(
            command: CommandLine.arguments, loadSeconds: loadSeconds, users: users, workers: workers,
            watcherSlots: watchers, reservationSeconds: reservationSeconds, ledger: recorded, database: counts,
            rss: RSSGrowth(sampler.all), rssSamples: sampler.all, violations: recorded.violations + violations)
        if let limit = maxRSSGrowthPercent, let growth = report.rss, growth.growthPercent > limit {
            report.violations.append(String(format: "RSS grew %.1f %% (limit %.1f %%)", growth.growthPercent, limit))
        }
        let cartdLog = daemon.logContents()
        for line in cartdLog.split(separator: "\n") where line.contains("level=error") || line.contains("level=critical") {
            report.violations.append("cartd logged: \(line.prefix(300))")
        }
        return report
    }

    private func finish(_ report: SoakReport) throws {
        print(report.text)
        if let output {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(report).write(to: URL(fileURLWithPath: output))
        }
    }

    /// "20s", "10m", "2h", "500ms" or plain seconds.
    static func parseDuration(_ text: String) throws -> Double {
        let units: [(String, Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]
        for (suffix, scale) in units where text.hasSuffix(suffix) {
            if let value = Double(text.dropLast(suffix.count)), value > 0 { return value * scale }
        }
        if let value = Double(text), value > 0 { return value }
        throw ValidationError("cannot read the duration \(text) (use e.g. 20s, 10m, 2h)")
    }
}

/// Progress on standard error (the report goes to standard output).
func log(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
