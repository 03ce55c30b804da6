import ArgumentParser
import CartClient
import CartCore
import CartProto
import Foundation

/// `cartctl admin`: the operator's tools, without a shell into production (role admin).
struct AdminCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "admin",
        abstract: "Inspect users, back up the database, merge legacy duplicate carts (role admin).",
        subcommands: [Inspect.self, Backup.self, MergeDuplicateCarts.self]
    )

    /// `cartctl admin inspect --user ID`.
    struct Inspect: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A user's cart (version, problems), recent payments (reservations) and orders (InspectUser).")

        @OptionGroup var options: AdminClientOptions

        @Option(name: .customLong("user"), help: "The user to inspect (their token's sub; guests are guest:<sub>).")
        var inspected: String

        func run() async throws {
            try await options.withClient { client in
                let report = try await client.inspectUser(userID: inspected)
                if options.json {
                    print(JSONOutput.line(InspectJSON(report)))
                    return
                }
                print("user \(inspected)")
                if let cart = report.cart {
                    print("\ncart \(cart.id) (updated \(PaymentTables.time(cart.updatedAtMs)))")
                    print(CartTable.render(cart))
                } else {
                    print("\nno active cart")
                }
                print("\npayments (newest first):")
                if report.payments.isEmpty { print("  none") }
                for payment in report.payments {
                    var line = "  \(payment.id)  \(payment.status.wireName)  \(payment.amount.formatted)"
                        + "  cart v\(payment.cartVersion)  created \(PaymentTables.time(payment.createdAtMs))"
                    if payment.status == .created {
                        let units = payment.items.reduce(Int64(0)) { $0 + $1.quantity }
                        line += "  reserves \(units) unit\(units == 1 ? "" : "s") until \(PaymentTables.time(payment.expiresAtMs))"
                    }
                    if !payment.statusReason.isEmpty { line += "  (\(payment.statusReason))" }
                    print(line)
                }
                print("\norders (newest first):")
                if report.orders.isEmpty { print("  none") }
                for order in report.orders {
                    print("  \(order.id)  \(order.totalPrice.formatted)  \(order.items.count) line(s)  "
                          + "payment \(order.paymentID)  \(PaymentTables.time(order.createdAtMs))")
                }
            }
        }
    }

    /// `cartctl admin backup FILE`.
    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write a consistent copy of the database while cartd serves (SQLite online backup).")

        @OptionGroup var options: AdminClientOptions

        @Argument(help: "The file to write, on cartd's host; it must not exist yet. Relative paths are made absolute here.")
        var file: String

        func run() async throws {
            let path = file.hasPrefix("/") ? file : FileManager.default.currentDirectoryPath + "/" + file
            try await options.withClient { client in
                let result = try await client.backup(path: path)
                if options.json {
                    print(JSONOutput.line(BackupJSON(path: result.path, sizeBytes: result.sizeBytes)))
                } else {
                    print("backup written to \(result.path) (\(result.sizeBytes) bytes)")
                }
            }
        }
    }

    /// `cartctl admin merge-duplicate-carts --file legacy.json`.
    struct MergeDuplicateCarts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge-duplicate-carts",
            abstract: "Import a legacy system's carts (several per user) into each user's one cart, summing lines.",
            discussion: """
                The file: {"carts":[{"user_id":"alice","lines":[{"product_id":"p1","variant_id":"","quantity":2}]}]}.
                Everything is merged in one transaction; lines of unknown products are skipped and listed.
                """)

        @OptionGroup var options: AdminClientOptions

        @Option(help: "The legacy carts file.")
        var file: String

        func run() async throws {
            try await options.withClient { client in
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CLIError(.invalidArgument, "cannot read \(file)")
                }
                let decoder = JSONDecoder()
                decoder.keyDecodingStrategy = .convertFromSnakeCase
                let legacy: LegacyFileJSON
                do {
                    legacy = try decoder.decode(LegacyFileJSON.self, from: data)
                } catch {
                    throw CLIError(.invalidArgument, "\(file) is not a legacy carts file: \(error)")
                }
                let carts = legacy.carts.map { cart in
                    LegacyCart(userID: cart.userId, lines: cart.lines.map {
                        LegacyCartLine(productID: $0.productId, variantID: $0.variantId ?? "", quantity: $0.quantity)
                    })
                }
                let result = try await client.importLegacyCarts(carts)
                if options.json {
                    print(JSONOutput.line(LegacyImportJSON(users: result.users, cartsMerged: result.cartsMerged,
                                                           lines: result.lines, linesCapped: result.linesCapped,
                                                           skipped: result.skipped.count)))
                } else {
                    print("merged \(result.cartsMerged) legacy carts into \(result.users) users' carts: "
                          + "\(result.lines) lines, \(result.linesCapped) capped at the line maximum")
                    for skipped in result.skipped { print("  skipped \(skipped)") }
                }
            }
        }
    }
}

/// `cartctl metrics`: the daemon's metrics in Prometheus text format (role admin).
struct MetricsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Print cartd's metrics (AdminService/GetMetrics, role admin).")

    @OptionGroup var options: AdminClientOptions

    func run() async throws {
        try await options.withClient { client in
            print(try await client.metrics(), terminator: "")
        }
    }
}

/// A legacy carts file.
struct LegacyFileJSON: Decodable {
    struct Cart: Decodable {
        var userId: String
        var lines: [Line]
    }

    struct Line: Decodable {
        var productId: String
        var variantId: String?
        var quantity: Int64
    }

    var carts: [Cart]
}

/// InspectUser as JSON.
struct InspectJSON: Encodable {
    var cart: CartJSON?
    var payments: [PaymentJSON]
    var orders: [OrderJSON]

    init(_ report: InspectUserResponse) {
        cart = report.cart.map(CartJSON.init)
        payments = report.payments.map(PaymentJSON.init)
        orders = report.orders.map(OrderJSON.init)
    }
}

/// `cartctl admin backup --json`.
struct BackupJSON: Encodable {
    let path: String
    let sizeBytes: Int64

    enum CodingKeys: String, CodingKey {
        case path
        case sizeBytes = "size_bytes"
    }
}

/// `cartctl admin merge-duplicate-carts --json`.
struct LegacyImportJSON: Encodable {
    let users: Int32
    let cartsMerged: Int32
    let lines: Int32
    let linesCapped: Int32
    let skipped: Int

    enum CodingKeys: String, CodingKey {
        case users, lines, skipped
        case cartsMerged = "carts_merged"
        case linesCapped = "lines_capped"
    }
}
