import CartClient
import CartCore
import CartProto
import CartTesting
import Foundation
import Testing

/// AdminService and `cartctl admin`, against the real daemon.
@Suite("Admin tools")
struct AdminTests {
    @Test("InspectUser shows the cart with version and problems, payments with reservations, orders")
    func inspect() async throws {
        try await withTestDaemon { daemon in
            try await TestCatalog.load(into: daemon)
            let shopper = try await daemon.client(user: "ins-1")
            _ = try await shopper.addItem(productID: "p-mug", quantity: 2)
            let admin = try await daemon.client(user: "ops", admin: true)
            _ = try await admin.setStock(productID: "p-mug", stock: 1)
            let report = try await admin.inspectUser(userID: "ins-1")
            let cart = try #require(report.cart)
            #expect(cart.version == 2)
            #expect(cart.items.first?.problems.first?.code == .insufficientStock)
            #expect(report.payments.isEmpty && report.orders.isEmpty)
            let nobody = try await admin.inspectUser(userID: "never-seen")
            #expect(nobody.cart == nil, "inspecting does not create a cart")
            await expectRPCError(.permissionDenied) { try await shopper.inspectUser(userID: "ins-1") }
            await expectRPCError(.invalidArgument) { try await admin.inspectUser(userID: "") }
            await shopper.close()
            await admin.close()
        }
    }

    @Test("an online backup while writes go on is a consistent, complete database")
    func backupWhileServing() async throws {
        try await withTestDaemon { daemon in
            try await TestCatalog.load(into: daemon)
            let token = try await daemon.token(user: "bk")
            let client = CartClient(socketPath: daemon.socketPath, token: token)
            // The cart exists before the backup starts; the remaining writes race with it.
            _ = try await client.addItem(productID: "p-pen", quantity: 1)
            let writer = Task {
                for _ in 0..<39 { _ = try? await client.addItem(productID: "p-pen", quantity: 1) }
                await client.close()
            }
            let admin = try await daemon.client(user: "ops", admin: true)
            let path = daemon.directory + "/backup.db"
            let result = try await admin.backup(path: path)
            #expect(result.path == path)
            #expect(result.sizeBytes > 0)
            await writer.value
            let (status, output) = try runTool("/usr/bin/sqlite3", [path, "PRAGMA integrity_check; SELECT COUNT(*) FROM products; SELECT COUNT(*) FROM carts WHERE status = 'active';"])
            #expect(status == 0)
            #expect(output.split(separator: "\n").map(String.init) == ["ok", "\(TestCatalog.products.count)", "1"])
            await expectRPCError(.invalidArgument, "existing file") { try await admin.backup(path: path) }
            await expectRPCError(.invalidArgument, "relative path") { try await admin.backup(path: "relative.db") }
            await admin.close()
        }
    }

    @Test("legacy duplicate carts merge into one active cart per user, summing lines, in one transaction")
    func legacyMerge() async throws {
        try await withTestDaemon { daemon in
            try await TestCatalog.load(into: daemon)
            let existing = try await daemon.client(user: "legacy-a")
            _ = try await existing.addItem(productID: "p-pen", quantity: 5)
            let admin = try await daemon.client(user: "ops", admin: true)
            let result = try await admin.importLegacyCarts([
                LegacyCart(userID: "legacy-a", lines: [LegacyCartLine(productID: "p-pen", variantID: "", quantity: 10),
                                                      LegacyCartLine(productID: "p-mug", variantID: "", quantity: 1)]),
                LegacyCart(userID: "legacy-a", lines: [LegacyCartLine(productID: "p-pen", variantID: "", quantity: 40),
                                                      LegacyCartLine(productID: "p-gone", variantID: "", quantity: 1)]),
                LegacyCart(userID: "legacy-b", lines: [LegacyCartLine(productID: "p-shirt", variantID: "p-shirt-s",
                                                                      quantity: 2)]),
                LegacyCart(userID: "legacy-b", lines: [LegacyCartLine(productID: "p-shirt", variantID: "p-shirt-s",
                                                                      quantity: 3)]),
            ])
            #expect(result.users == 2)
            #expect(result.cartsMerged == 4)
            #expect(result.lines == 3)
            #expect(result.linesCapped == 1, "5 + 10 + 40 pens exceed 50")
            #expect(result.skipped == ["legacy-a/p-gone/: no such product"])
            let a = try await existing.getCart()
            #expect(a.items.first { $0.productID == "p-pen" }?.quantity == 50)
            #expect(a.items.first { $0.productID == "p-mug" }?.quantity == 1)
            #expect(a.itemsCount == 2)
            let b = try await daemon.client(user: "legacy-b").getCart()
            #expect(b.items.map(\.quantity) == [5])
            await expectRPCError(.invalidArgument, "empty user id") {
                try await admin.importLegacyCarts([LegacyCart(userID: "", lines: [
                    LegacyCartLine(productID: "p-pen", variantID: "", quantity: 1)])])
            }
            #expect(try await existing.getCart() == a, "a rejected import changes nothing")
            await existing.close()
            await admin.close()
        }
    }

    @Test("cartctl admin inspect, backup, merge-duplicate-carts and metrics work end to end")
    func cartctlAdmin() async throws {
        try await withTestDaemon { daemon in
            try await TestCatalog.load(into: daemon)
            let cartctl = TestDaemon.siblingBinary("cartctl")
            let common = ["--socket", daemon.socketPath, "--secret-file", daemon.secretPath]
            let (addStatus, _) = try runTool(cartctl, ["cart", "add", "p-pen", "--qty", "3", "--user", "cli-1"] + common)
            #expect(addStatus == 0)
            let (inspectStatus, inspect) = try runTool(cartctl, ["admin", "inspect", "--user", "cli-1", "--json"] + common)
            #expect(inspectStatus == 0)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(inspect.utf8)) as? [String: Any])
            #expect((report["cart"] as? [String: Any])?["total_items"] as? Int == 3)
            let legacy = daemon.directory + "/legacy.json"
            try #"{"carts":[{"user_id":"cli-1","lines":[{"product_id":"p-pen","quantity":2}]},{"user_id":"cli-1","lines":[{"product_id":"p-pen","variant_id":"","quantity":4}]}]}"#
                .write(toFile: legacy, atomically: true, encoding: .utf8)
            let (mergeStatus, merge) = try runTool(cartctl, ["admin", "merge-duplicate-carts", "--file", legacy] + common)
            #expect(mergeStatus == 0, "\(merge)")
            #expect(merge.contains("merged 2 legacy carts into 1 users' carts"))
            let (showStatus, show) = try runTool(cartctl, ["cart", "show", "--user", "cli-1", "--json"] + common)
            #expect(showStatus == 0)
            #expect(show.contains(#""total_items":9"#))
            let backup = daemon.directory + "/cli-backup.db"
            let (backupStatus, backupOutput) = try runTool(cartctl, ["admin", "backup", backup] + common)
            #expect(backupStatus == 0, "\(backupOutput)")
            #expect(FileManager.default.fileExists(atPath: backup))
            let (metricsStatus, metrics) = try runTool(cartctl, ["metrics"] + common)
            #expect(metricsStatus == 0)
            #expect(metrics.contains("cartd_cart_items_added_total 3"))
            let (deniedStatus, denied) = try runTool(cartctl, ["admin", "inspect", "--user", "cli-1",
                                                               "--token", try await daemon.token(user: "cli-1")]
                                                     + ["--socket", daemon.socketPath])
            #expect(deniedStatus != 0)
            #expect(denied.contains("PERMISSION_DENIED"))
        }
    }
}
