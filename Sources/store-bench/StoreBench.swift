import CartCore
import CartProto
import CStoreFloor
import CartStoreSQLite
import Foundation
import ProtobufCSupport

/// `store-bench`: the SQLite store measured in-process, without the socket (issue 3's figures).
///
/// On a fresh database in a temporary directory (release build, synchronous NORMAL unless
/// `--full`), it times, call by call:
/// - `add-item`: one AddItem of a single line (quantity 1, a new idempotency key each time) on a
///   user's existing cart: one write transaction committed by `CartStore.mutate` on the calling
///   thread, with the reply encoded as cartd does and stored with the key. The users' carts hold
///   one line before and two after; a fresh user each call, so every call inserts a line.
/// - `load-price-5` (uncached): a 5-line cart read from SQLite (`activeCart`, cart cache off) and
///   priced against the catalog (`price`), as on the first GetCart of a cart.
/// - `get-priced-5` (cached): `pricedCart` of a 5-line cart with the store's cart cache on, as
///   GetCart runs once a cart has been read.
/// - `price-5`: pricing alone (`price` of a loaded 5-line cart).
/// - `write-floor`: a write transaction that changes nothing (BEGIN, `PRAGMA synchronous`, COMMIT) through
///   the store's writer: what GRDB's transaction machinery costs before any SQL of ours.
/// - `sqlite-add-item` and `sqlite-load-5` (CStoreFloor): the same SQL as `add-item` and `load-price-5` run
///   through SQLite's C API alone, on the same file, in the same run — what SQLite itself costs. The two
///   store workloads print their ratio to these floors.
///
/// usage: store-bench [--calls N] [--full] [--json FILE]
@main
struct StoreBench {
    static func main() throws {
        var calls = 20_000
        var synchronous = SQLiteStoreOptions.Synchronous.normal
        var jsonPath: String?
        var arguments = CommandLine.arguments.dropFirst()
        while let argument = arguments.popFirst() {
            switch argument {
            case "--calls": calls = Int(arguments.popFirst() ?? "") ?? calls
            case "--full": synchronous = .full
            case "--json": jsonPath = arguments.popFirst()
            default:
                FileHandle.standardError.write(Data("usage: store-bench [--calls N] [--full] [--json FILE]\n".utf8))
                exit(2)
            }
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("store-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var options = SQLiteStoreOptions()
        options.synchronous = synchronous
        let path = directory.appendingPathComponent("cart.db").path
        let store = try SQLiteStore(path: path, options: options)
        _ = try store.upsertProducts(Self.catalog)
        var uncachedOptions = options
        uncachedOptions.cartCacheCapacity = 0
        uncachedOptions.backgroundCheckpoints = false
        let uncached = try SQLiteStore(path: path, options: uncachedOptions)

        let rules = CartRules(maxLineQuantity: 10_000, maxLines: 100)
        let users = (0..<calls).map { "u\($0)" }
        // Each user's cart holds one line (p0) before the timed AddItem of p1.
        for user in users { _ = try store.mutate(Self.mutation(user, .add(productID: "p0", variantID: nil, quantity: 1)),
                                                 rules: rules, encodeResult: { $0.protobufBytes() }) }
        let readers = (0..<1_000).map { "r\($0)" }
        for user in readers {
            for product in 0..<5 {
                _ = try store.mutate(Self.mutation(user, .add(productID: "p\(product)", variantID: nil, quantity: 2)),
                                     rules: rules, encodeResult: { $0.protobufBytes() })
            }
        }

        var results: [Measurement] = []
        var recordBytes = 0
        results.append(try Measurement.time("add-item", "AddItem of one line, one transaction, idempotency key", calls) { i in
            var mutation = Self.mutation(users[i], .add(productID: "p1", variantID: nil, quantity: 1))
            mutation.idempotency = IdempotencyRequest(
                key: "k-\(i)", fingerprint: .cart(mutation.command, expectedVersion: 0))
            guard case .applied(let result) = try store.mutate(mutation, rules: rules,
                                                               encodeResult: { $0.protobufBytes() }),
                  result.cart.lines.count == 2 else { throw BenchError("AddItem did not add a line") }
            recordBytes = result.encoded?.count ?? 0
        })
        results.append(try Measurement.time("write-floor", "an empty write transaction through the same writer (GRDB)", calls) { _ in
            guard try store.synchronousSetting() == 1 || synchronous == .full else { throw BenchError("synchronous") }
        })
        results.append(try Measurement.time("load-price-5", "5-line cart read from SQLite and priced (no cache)", calls) { i in
            guard let cart = try uncached.activeCart(userID: readers[i % readers.count]) else { throw BenchError("no cart") }
            let priced = try uncached.price(cart)
            guard priced.items.count == 5 else { throw BenchError("expected 5 lines") }
        })
        results.append(try Measurement.time("get-priced-5", "pricedCart of a 5-line cart, cart cache on (GetCart)", calls) { i in
            let (priced, _) = try store.pricedCart(userID: readers[i % readers.count], defaultCurrency: "INR",
                                                   nowMs: 0, isGuest: false)
            guard priced.items.count == 5 else { throw BenchError("expected 5 lines") }
        })
        let loaded = try readers.map { try uncached.activeCart(userID: $0)! }
        results.append(try Measurement.time("price-5", "pricing alone of a loaded 5-line cart", calls) { i in
            guard try uncached.price(loaded[i % loaded.count]).items.count == 5 else { throw BenchError("expected 5 lines") }
        })

        // The floors: the same SQL through SQLite's C API, on the same file.
        let sqliteAddItem = try Measurement.floor("sqlite-add-item",
                                                  "the add-item SQL through SQLite's C API alone (same file)", calls) {
            cstore_floor_add_item(path, Int32(calls), synchronous == .full ? 2 : 1, Int32(recordBytes), $0, $1, $2)
        }
        let sqliteLoad = try Measurement.floor("sqlite-load-5",
                                               "the load-price-5 query through SQLite's C API alone (same file)", calls) {
            cstore_floor_load_cart(path, Int32(calls), "r", Int32(readers.count), 5, $0, $1, $2)
        }
        let floors = ["add-item": sqliteAddItem, "load-price-5": sqliteLoad]
        results += [sqliteAddItem, sqliteLoad]

        print("store-bench: \(calls) calls each, synchronous \(synchronous.rawValue), release build expected")
        print("workload         median µs   p90 µs   p99 µs  ×floor  what")
        for r in results {
            let ratio = floors[r.name].map { String(format: "%6.2f×", r.p50 / $0.p50) } ?? "       "
            print(r.name.padding(toLength: 15, withPad: " ", startingAt: 0)
                  + String(format: " %9.1f %8.1f %8.1f", r.p50, r.p90, r.p99) + " " + ratio + "  " + r.what)
        }
        if let jsonPath {
            let report: [String: Any] = [
                "calls": calls, "synchronous": synchronous.rawValue,
                "workloads": results.map { r -> [String: Any] in
                    var row: [String: Any] = ["name": r.name, "what": r.what, "p50Us": r.p50, "p90Us": r.p90,
                                              "p99Us": r.p99]
                    if let floor = floors[r.name] { row["floor"] = floor.name; row["ratioToFloor"] = r.p50 / floor.p50 }
                    return row
                },
            ]
            let data = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
            try data.write(to: URL(fileURLWithPath: jsonPath))
        }
    }

    /// A 10-product INR catalog with plenty of stock.
    static let catalog = (0..<10).map { i in
        Product(id: "p\(i)", name: "Product \(i)", price: Money(currencyCode: "INR", amountMinor: 10_000 + Int64(i) * 100),
                stock: 10_000_000)
    }

    /// A mutation of `user`'s cart with no idempotency key and no expected version.
    static func mutation(_ user: String, _ command: CartCommand) -> CartMutation {
        CartMutation(userID: user, command: command, expectedVersion: 0, idempotency: nil,
                     nowMs: Int64(Date().timeIntervalSince1970 * 1000), defaultCurrency: "INR", isGuest: false)
    }
}

/// Per-call latencies of one workload.
struct Measurement {
    let name: String
    let what: String
    let p50: Double
    let p90: Double
    let p99: Double

    /// Runs `body` `calls` times, timing each call; the first 1 % (warm-up) is left out of the figures.
    static func time(_ name: String, _ what: String, _ calls: Int, _ body: (Int) throws -> Void) throws -> Measurement {
        var nanos = [UInt64]()
        nanos.reserveCapacity(calls)
        for i in 0..<calls {
            let start = DispatchTime.now().uptimeNanoseconds
            try body(i)
            nanos.append(DispatchTime.now().uptimeNanoseconds - start)
        }
        return summary(name, what, nanos)
    }

    /// Runs a C floor that times `calls` operations itself (latencies, error buffer, its size → 0 or -1).
    static func floor(_ name: String, _ what: String, _ calls: Int,
                      _ run: (UnsafeMutablePointer<UInt64>, UnsafeMutablePointer<CChar>, Int) -> Int32) throws
        -> Measurement {
        var nanos = [UInt64](repeating: 0, count: calls)
        var error = [CChar](repeating: 0, count: 512)
        let status = nanos.withUnsafeMutableBufferPointer { latencies in
            error.withUnsafeMutableBufferPointer { run(latencies.baseAddress!, $0.baseAddress!, $0.count) }
        }
        guard status == 0 else {
            throw BenchError("\(name): " + String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) },
                                                    as: UTF8.self))
        }
        return summary(name, what, nanos)
    }

    /// Median, p90 and p99 of `nanos` without the first 1 % (warm-up).
    private static func summary(_ name: String, _ what: String, _ nanos: [UInt64]) -> Measurement {
        let calls = nanos.count
        let kept = nanos.dropFirst(calls / 100).sorted()
        func at(_ q: Double) -> Double { Double(kept[min(kept.count - 1, Int(Double(kept.count) * q))]) / 1000 }
        return Measurement(name: name, what: what, p50: at(0.5), p90: at(0.9), p99: at(0.99))
    }
}

/// A workload that did not do what it measures (the run stops).
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
