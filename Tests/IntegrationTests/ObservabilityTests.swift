import CartClient
import CartCore
import CartTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
import Yams

/// Metrics, alert rules and logs, checked against the real daemon.
@Suite("Observability")
struct ObservabilityTests {
    /// The repository root (tests run from it under `swift test`).
    static var repositoryRoot: String {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) {
            directory.deleteLastPathComponent()
        }
        return directory.path
    }

    /// Metric names (without histogram suffixes) in Prometheus text.
    static func exportedNames(_ text: String) -> Set<String> {
        var names = Set<String>()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let name = line.prefix { $0 != "{" && $0 != " " }
            names.insert(String(name))
        }
        return names
    }

    @Test("every metric of the issue is exported, and calls move the counters")
    func metricsMove() async throws {
        try await withTestDaemon { daemon in
            try await TestCatalog.load(into: daemon)
            let admin = try await daemon.client(user: "ops", admin: true)
            let before = Self.exportedNames(try await admin.metrics())
            let shopper = try await daemon.client(user: "m1")
            _ = try await shopper.addItem(productID: "p-pen", quantity: 2)
            await expectRPCError(.notFound) { try await shopper.addItem(productID: "p-nope", quantity: 1) }
            await expectRPCError(.aborted) { try await shopper.addItem(productID: "p-pen", quantity: 1, expectedVersion: 1) }
            let text = try await admin.metrics()
            let names = Self.exportedNames(text)
            for name in ["cartd_rpc_requests_total", "cartd_rpc_duration_seconds_bucket", "cartd_connections",
                         "cartd_watchers", "cartd_carts_created_total", "cartd_cart_items_added_total",
                         "cartd_checkouts_total", "cartd_payments_total", "cartd_orders_total",
                         "cartd_store_transaction_duration_seconds_bucket", "cartd_idempotent_replays_total",
                         "cartd_token_cache_hits_total", "cartd_token_cache_misses_total",
                         "cartd_cart_sync_failures_total", "cartd_reservations_pending"] {
                #expect(names.contains(name), "\(name) missing")
            }
            #expect(before.contains("cartd_cart_sync_failures_total"), "alert series exist before the first failure")
            #expect(text.contains(#"cartd_rpc_requests_total{service="cart.v1.CartService",method="AddItem",code="OK"} 1"#))
            #expect(text.contains(#"cartd_rpc_requests_total{service="cart.v1.CartService",method="AddItem",code="NOT_FOUND"} 1"#))
            #expect(text.contains("cartd_cart_items_added_total 2"))
            #expect(text.contains("cartd_carts_created_total 1"))
            #expect(text.contains(#"cartd_cart_sync_failures_total{reason="version_conflict"} 1"#))
            // Unknown method names never become labels.
            let raw = try await daemon.connect()
            _ = try? await raw.unary(service: "cart.v1.CartService", method: "Random\(UUID().uuidString)",
                                     payload: .init())
            await raw.close()
            let after = try await admin.metrics()
            #expect(after.contains(#"service="unknown",method="unknown",code="UNIMPLEMENTED"} 1"#))
            #expect(!after.contains("Random"))
            // Non-admins cannot read metrics.
            await expectRPCError(.permissionDenied) { try await shopper.metrics() }
            await admin.close()
            await shopper.close()
        }
    }

    @Test("GET /metrics over HTTP on loopback serves the same text")
    func metricsHTTP() async throws {
        let port = Int.random(in: 20_000...60_000)
        try await withTestDaemon(arguments: ["--metrics-listen", "127.0.0.1:\(port)"]) { daemon in
            let client = try await daemon.client(user: "h1")
            _ = try await client.getCart()
            let (data, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/metrics")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
            #expect(String(decoding: data, as: UTF8.self).contains("cartd_rpc_requests_total"))
            let (_, missing) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(port)/other")!)
            #expect((missing as? HTTPURLResponse)?.statusCode == 404)
            await client.close()
        }
    }

    @Test("a non-loopback metrics address is refused without --metrics-allow-remote")
    func metricsRemoteRefused() throws {
        let directory = try TestDaemon.makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (status, output) = try runTool(TestDaemon.binaryPath, ["--socket", directory + "/s.sock",
                                                                   "--metrics-listen", "0.0.0.0:9464"])
        #expect(status != 0)
        #expect(output.contains("metrics-allow-remote"))
    }

    @Test("every alert expression names metrics cartd exports (or Prometheus' up)")
    func alertRulesNameExistingMetrics() async throws {
        let path = Self.repositoryRoot + "/deploy/prometheus/alerts.yml"
        let yaml = try String(contentsOfFile: path, encoding: .utf8)
        let document = try #require(try Yams.load(yaml: yaml) as? [String: Any])
        let groups = try #require(document["groups"] as? [[String: Any]])
        let rules = groups.flatMap { ($0["rules"] as? [[String: Any]]) ?? [] }
        let alerts = rules.compactMap { $0["alert"] as? String }
        #expect(Set(alerts) == ["CartdCartErrorRateHigh", "CartdCartLatencyP99High", "CartdCartSyncFailures",
                                "CartdDown", "CartdReservationBacklog"])
        try await withTestDaemon { daemon in
            let admin = try await daemon.client(user: "ops", admin: true)
            _ = try await admin.getCart()
            let exported = Self.exportedNames(try await admin.metrics())
            let identifier = try Regex("[a-zA-Z_:][a-zA-Z0-9_:]*")
            for rule in rules {
                let expr = try #require(rule["expr"] as? String)
                #expect(rule["labels"] != nil && rule["annotations"] != nil)
                // Metric names are identifiers followed by a selector or range; skip functions and labels.
                var referenced = Set<String>()
                for match in expr.matches(of: identifier) {
                    let name = String(expr[match.range])
                    let after = expr[match.range.upperBound...].first
                    if name.hasPrefix("cartd_") || (name == "up" && after == "{") { referenced.insert(name) }
                }
                #expect(!referenced.isEmpty, "\(rule["alert"] ?? "?") names no metric")
                for name in referenced where name != "up" {
                    #expect(exported.contains(name), "\(rule["alert"] ?? "?"): \(name) is not exported")
                }
            }
            await admin.close()
        }
    }

    @Test("logs: one line per event, JSON when asked, errors at notice with the call's facts, no token or secret")
    func logLines() async throws {
        let daemon = try TestDaemon(arguments: ["--log-format", "json", "--log-level", "debug"])
        try await daemon.start()
        let token = try await daemon.token(user: "logger-user")
        let client = CartClient(socketPath: daemon.socketPath, token: token)
        _ = try await client.getCart()
        await expectRPCError(.notFound) { try await client.updateItem(itemID: "item_missing", quantity: 1) }
        await client.close()
        try await daemon.stop()
        let log = daemon.logContents()
        let secret = try String(contentsOfFile: daemon.secretPath, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(!log.contains(token), "a token reached the log")
        #expect(!log.contains(secret), "the secret reached the log")
        var failure: [String: Any]?
        for line in log.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                                      "not one JSON object per line: \(line)")
            if object["rpc.code"] as? String == "NOT_FOUND" { failure = object }
        }
        let found = try #require(failure)
        #expect(found["level"] as? String == "notice")
        #expect(found["logger"] as? String == "cart")
        #expect(found["rpc.method"] as? String == "UpdateItem")
        #expect(found["user.id"] as? String == "logger-user")
        #expect(found["rpc.duration_us"] != nil && found["rpc.request_id"] != nil && found["peer.uid"] != nil)
        daemon.removeDirectory()
    }
}
