import CartCore
import Foundation
import GRDB

extension SQLiteStore: AdminStore {
    /// Merges legacy carts into active carts; see `AdminStore.importLegacyCarts`.
    public func importLegacyCarts(_ carts: [[LegacyLine]], rules: CartRules, defaultCurrency: String, nowMs: Int64)
        throws -> LegacyImportSummary {
        var byUser: [String: [LegacyLine]] = [:]
        var order: [String] = []
        for cart in carts {
            for line in cart {
                try IDValidation.required(line.userID, field: "carts.user_id")
                if byUser[line.userID] == nil { order.append(line.userID) }
                byUser[line.userID, default: []].append(line)
            }
        }
        return try write { db in
            var summary = LegacyImportSummary(users: 0, cartsMerged: carts.count, lines: 0, linesCapped: 0,
                                              skipped: [], changedCarts: [])
            for userID in order {
                let (cart, _) = try loadOrCreate(userID: userID, currency: defaultCurrency, nowMs: nowMs, isGuest: false, db)
                var totals: [StockKey: Int64] = [:]
                for line in cart.lines { totals[StockKey(productID: line.productID, variantID: line.variantID)] = line.quantity }
                var incoming: [CartLine] = []
                try catalog.read(for: userID) { (view: UserCatalogView) throws(CartError) in
                    for line in byUser[userID] ?? [] {
                        let variantID = CartCommand.normalizedVariantID(line.variantID)
                        let label = "\(userID)/\(line.productID)/\(variantID ?? "")"
                        guard line.quantity >= 1 else {
                            summary.skipped.append("\(label): quantity \(line.quantity) is below 1")
                            continue
                        }
                        guard let product = view.product(id: line.productID) else {
                            summary.skipped.append("\(label): no such product")
                            continue
                        }
                        let variant = variantID.flatMap { product.variant(id: $0) }
                        if variantID != nil, variant == nil {
                            summary.skipped.append("\(label): no such variant of the product")
                            continue
                        }
                        let price = try product.unitPrice(variant: variant)
                        let key = StockKey(productID: product.id, variantID: variant?.id)
                        let (sum, overflow) = (totals[key] ?? 0).addingReportingOverflow(line.quantity)
                        totals[key] = overflow ? Int64.max : sum
                        incoming.append(CartLine(id: "", productID: product.id, variantID: variant?.id,
                                                 quantity: line.quantity, addedUnitPrice: price, createdAtMs: nowMs))
                    }
                }
                guard !incoming.isEmpty else { continue }
                var ids = IDGenerator()
                let next = try catalog.read(for: userID) { (view: UserCatalogView) throws(CartError) in
                    try rules.apply(.mergeGuest(lines: incoming), to: cart, catalog: view, expectedVersion: 0,
                                    nowMs: nowMs, ids: &ids)
                }
                guard next != cart else { continue }
                try save(next, replacing: cart, db)
                summary.users += 1
                summary.lines += Set(incoming.map { StockKey(productID: $0.productID, variantID: $0.variantID) }).count
                summary.linesCapped += totals.values.filter { $0 > rules.maxLineQuantity }.count
                summary.changedCarts.append(try price(next))
            }
            return summary
        }
    }

    /// Writes a consistent copy of the database with SQLite's online backup.
    /// - Throws: `CartError` INVALID_ARGUMENT for a relative path, an existing file or a missing directory;
    ///   ``StoreError`` when the copy fails.
    public func backup(to path: String) throws -> Int64 {
        guard path.hasPrefix("/") else { throw CartError.invalidField("path", "must be an absolute path") }
        guard !FileManager.default.fileExists(atPath: path) else {
            throw CartError.invalidField("path", "\(path) exists already; choose a new file")
        }
        let directory = (path as NSString).deletingLastPathComponent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CartError.invalidField("path", "directory \(directory) does not exist")
        }
        do {
            let destination = try DatabaseQueue(path: path)
            try pool.backup(to: destination)
            try destination.close()
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw SQLiteErrors.map(error)
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        return size
    }
}
