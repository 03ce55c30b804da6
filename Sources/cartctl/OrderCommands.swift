import ArgumentParser
import CartClient
import CartCore

/// `cartctl orders`: the caller's orders.
struct OrdersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "orders",
        abstract: "List and show your orders (the token's user).",
        subcommands: [List.self, Show.self]
    )

    /// `cartctl orders list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List your orders, newest first (ListOrders): every page, or one page with --page-size/--page-token.")

        @OptionGroup var options: ClientOptions

        @Option(help: "Show one page of this many orders (and the next page's token).")
        var pageSize: Int32?

        @Option(help: "Show the page starting at this token.")
        var pageToken: String?

        func run() async throws {
            try await options.withClient { client in
                guard pageSize != nil || pageToken != nil else {
                    let orders = try await client.allOrders(pageSize: 100)
                    print(options.json ? JSONOutput.line(OrdersJSON(orders: orders.map(OrderJSON.init)))
                                       : PaymentTables.render(orders))
                    return
                }
                let page = try await client.listOrders(pageSize: pageSize ?? 0, pageToken: pageToken ?? "")
                if options.json {
                    print(JSONOutput.line(OrdersJSON(orders: page.orders.map(OrderJSON.init),
                                                     nextPageToken: page.nextPageToken)))
                } else {
                    print(PaymentTables.render(page.orders))
                    if !page.nextPageToken.isEmpty { print("next page: --page-token \(page.nextPageToken)") }
                }
            }
        }
    }

    /// `cartctl orders show`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one of your orders: lines, total and addresses (GetOrder).")

        @OptionGroup var options: ClientOptions

        @Argument(help: "The order id.")
        var id: String

        func run() async throws {
            try await options.withClient { client in
                PayCommand.emit(try await client.getOrder(orderID: id), json: options.json)
            }
        }
    }
}
