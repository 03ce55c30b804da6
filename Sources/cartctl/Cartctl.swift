import ArgumentParser

/// `cartctl`: the command-line tool for people who use and run cartd.
@main
struct Cartctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cartctl",
        abstract: "Talk to cartd: health, carts, catalog, checkout, orders and operations.",
        subcommands: [HealthCommand.self, TokenCommand.self, CartCommand.self, CatalogCommand.self,
                      CheckoutCommand.self, PayCommand.self, OrdersCommand.self, AdminCommand.self,
                      MetricsCommand.self]
    )
}

/// Options every subcommand shares.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "cartd's socket (env CARTD_SOCKET).")
    var socket: String = ProcessInfoEnvironment.value("CARTD_SOCKET") ?? "./.run/cartd.sock"

    @Option(name: .long, help: "Seconds to wait for each call.")
    var timeout: Double = 10
}
