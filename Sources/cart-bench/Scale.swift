import CartAuth
import CUDSFloor
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif
import TTRPC

/// The database-size scenario: one database grown through `sizes` carts of 5 lines (written with the
/// sqlite3 tool into cartd's own schema, after cartd created it), and at each size: cold start to the first
/// answered Health, idle RSS, GetCart and AddItem throughput over a sample of users, and RSS with
/// `idleConnections` open connections.
struct ScaleScenario {
    let binary: String
    /// cartd's arguments besides socket, database and secret.
    let arguments: [String]
    let sizes: [Int]
    let sampleUsers: Int
    let idleConnections: Int
    let connections: Int
    let inFlight: Int
    let warmupNs: UInt64
    let durationNs: UInt64
    let pin: Bool
    let group: any EventLoopGroup
    let log: (String) -> Void

    func run() async throws -> [ScaleResult] {
        let daemon = try DaemonUnderTest(binary: binary, extraArguments: arguments)
        defer { daemon.cleanUp() }
        do {
            return try await measure(daemon)
        } catch {
            await daemon.stop()
            throw error
        }
    }

    private func measure(_ daemon: DaemonUnderTest) async throws -> [ScaleResult] {
        let minter = TokenMinter(key: SigningKey(id: nil, secret: try SigningKey.secret(fromFile: daemon.secretPath)))
        // cartd creates (migrates) the database and loads the catalog; then it stops while sqlite3 writes carts.
        try await daemon.start(group: group)
        try await Fixtures.loadCatalog(socketPath: daemon.socketPath, group: group, minter: minter)
        await daemon.stop()
        var results: [ScaleResult] = []
        var populated = 0
        for size in sizes {
            log("scale \(size): writing carts \(populated)..<\(size) with sqlite3 …")
            let started = cuds_now_ns()
            try populate(database: daemon.databasePath!, from: populated, to: size)
            let populateSeconds = Double(cuds_now_ns() - started) / 1e9
            populated = size
            let databaseBytes = (try? FileManager.default.attributesOfItem(atPath: daemon.databasePath!)[.size] as? Int) ?? 0

            // Flush the freshly written file first: otherwise the daemon's first fdatasync waits for the
            // kernel to write back the whole database, and cold start measures the disk instead.
            sync()
            var coldStarts: [UInt64] = []
            for attempt in 0..<3 {
                coldStarts.append(try await daemon.start(group: group))
                if attempt < 2 { await daemon.stop() }
            }
            let coldStart = coldStarts.sorted()[1]
            if pin, let pid = daemon.pid { _ = cuds_pin_process(pid, 0) }
            let idle = daemon.stats()
            log("scale \(size): cold start \(coldStarts.map { String(format: "%.1f", Double($0) / 1e6) }) ms; sampling users …")
            var sample = Set<Int>()
            let wanted = min(size, sampleUsers)
            while sample.count < wanted { sample.insert(Int.random(in: 0..<size)) }
            let fixtures = try await Fixtures.load(socketPath: daemon.socketPath, group: group, minter: minter,
                                                   userNumbers: Array(sample), seed: false, maxLineQuantity: 10_000)
            let quantities = LineQuantities(users: fixtures.userIDs.count)
            log("scale \(size): get-cart \(connections)×\(inFlight) …")
            let getCart = try await runClosedLoop(
                GetCartWorkload(fixtures: fixtures), socketPath: daemon.socketPath, group: group,
                connections: connections, inFlight: inFlight, warmupNanoseconds: warmupNs,
                durationNanoseconds: durationNs, daemon: daemon)
            log("scale \(size): add-item \(connections)×\(inFlight) …")
            let addItem = try await runClosedLoop(
                AddItemWorkload(fixtures: fixtures, quantities: quantities), socketPath: daemon.socketPath,
                group: group, connections: connections, inFlight: inFlight, warmupNanoseconds: warmupNs,
                durationNanoseconds: durationNs, daemon: daemon)
            log("scale \(size): \(idleConnections) idle connections …")
            let withConnections = try await holdIdleConnections(socketPath: daemon.socketPath, daemon: daemon)
            results.append(ScaleResult(
                carts: size, populateSeconds: populateSeconds, databaseMiB: Double(databaseBytes) / mebibyte,
                coldStartMs: Double(coldStart) / 1e6, coldStartsMs: coldStarts.map { Double($0) / 1e6 }, idleRSSMiB: Double(idle?.rssBytes ?? 0) / mebibyte,
                getCart: PhaseResult(workload: "get-cart", mode: "concurrent", connections: connections,
                                     inFlight: inFlight, measurement: getCart, sizes: nil, floor: nil),
                addItem: PhaseResult(workload: "add-item", mode: "concurrent", connections: connections,
                                     inFlight: inFlight, measurement: addItem, sizes: nil, floor: nil),
                idleConnections: idleConnections,
                rssWithIdleConnectionsMiB: withConnections.map { Double($0.rssBytes) / mebibyte },
                peakRSSMiB: daemon.stats().map { Double($0.peakRSSBytes) / mebibyte }))
            await daemon.stop()
        }
        return results
    }

    /// Opens the idle connections, makes one Health call on each (so the daemon has accepted and served
    /// them), waits a second, reads the daemon's RSS, and closes them.
    private func holdIdleConnections(socketPath: String, daemon: DaemonUnderTest) async throws -> ProcessStats? {
        guard idleConnections > 0 else { return nil }
        var opened: [TTRPCClientConnection] = []
        let health = RequestEnvelope(service: Services.health, method: "Check",
                                     payload: HealthWorkload().envelope.payload)
        do {
            for _ in 0..<idleConnections {
                let connection = try await TTRPCClientConnection.connect(unixSocketPath: socketPath, group: group)
                opened.append(connection)
                _ = try await connection.unaryCall(health, localDeadline: nil).get()
            }
        } catch {
            await closeAll(opened)
            throw BenchError("after \(opened.count) idle connections: \(error)")
        }
        try await Task.sleep(nanoseconds: 1_000_000_000)
        let stats = daemon.stats()
        await closeAll(opened)
        return stats
    }

    /// Appends carts `from..<to` (users `bench-user-N`, 5 lines of quantity 1 at the catalog's prices) with the
    /// sqlite3 tool, in cartd's schema (Sources/CartStoreSQLite/Migrations.swift), while cartd is stopped.
    private func populate(database: String, from: Int, to: Int) throws {
        guard to > from else { return }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let products = Fixtures.productCount
        let sql = """
            PRAGMA journal_mode=DELETE;
            PRAGMA synchronous=OFF;
            PRAGMA cache_size=-1000000;
            BEGIN;
            WITH RECURSIVE seq(n) AS (SELECT \(from) UNION ALL SELECT n + 1 FROM seq WHERE n < \(to - 1))
            INSERT INTO carts (id, user_id, status, is_guest, version, currency_code, created_at_ms, updated_at_ms)
            SELECT printf('cart_%020d', n), 'bench-user-' || n, 'active', 0, 6, 'INR', \(now), \(now) FROM seq;
            WITH RECURSIVE seq(n) AS (SELECT \(from) UNION ALL SELECT n + 1 FROM seq WHERE n < \(to - 1)),
                 line(l) AS (VALUES (0), (1), (2), (3), (4))
            INSERT INTO cart_items (id, cart_id, product_id, variant_id, quantity, added_currency_code,
                                    added_unit_price_minor, created_at_ms)
            SELECT printf('item_%019d%d', n, l), printf('cart_%020d', n), printf('bench-p%03d', (n + l) % \(products)),
                   '', 1, 'INR', 10000 + ((n + l) % \(products)) * 100, \(now)
            FROM seq, line ORDER BY n, l;
            COMMIT;
            PRAGMA journal_mode=WAL;
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sqlite3", "-bail", database]
        let input = Pipe()
        let errors = Pipe()
        process.standardInput = input
        process.standardOutput = FileHandle.nullDevice
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(Data(sql.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw BenchError("sqlite3 failed (is the sqlite3 package installed?): \(message)")
        }
    }
}
