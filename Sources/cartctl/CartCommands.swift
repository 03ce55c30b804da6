import ArgumentParser
import CartClient
import CartCore

/// `cartctl cart`: the caller's cart.
struct CartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cart",
        abstract: "Show, change and watch your cart (the token's user).",
        subcommands: [Show.self, Add.self, Update.self, Remove.self, Clear.self, Watch.self, MergeGuest.self]
    )

    /// Options of every cart mutation.
    struct MutationOptions: ParsableArguments {
        @Option(help: "Apply only if the cart is at this version (else ABORTED); 0 = unconditional.")
        var expectedVersion: UInt64 = 0

        @Option(help: "The operation's idempotency key (generated when absent).")
        var idempotencyKey: String?
    }

    /// Prints a cart as a table, or as one line of JSON.
    static func emit(_ cart: PricedCart, json: Bool) {
        print(json ? JSONOutput.line(CartJSON(cart)) : CartTable.render(cart))
    }

    /// `cartctl cart show`.
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the cart (GetCart).")

        @OptionGroup var options: ClientOptions

        func run() async throws {
            try await options.withClient { client in
                CartCommand.emit(try await client.getCart(), json: options.json)
            }
        }
    }

    /// `cartctl cart add`.
    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a product (AddItem).")

        @OptionGroup var options: ClientOptions
        @OptionGroup var mutation: MutationOptions

        @Argument(help: "The product id.")
        var product: String

        @Option(help: "The variant id.")
        var variant = ""

        @Option(help: "Units to add.")
        var qty: Int64 = 1

        func run() async throws {
            try await options.withClient { client in
                let cart = try await client.addItem(productID: product, variantID: variant, quantity: qty,
                                                    expectedVersion: mutation.expectedVersion,
                                                    idempotencyKey: mutation.idempotencyKey)
                CartCommand.emit(cart, json: options.json)
            }
        }
    }

    /// `cartctl cart update`.
    struct Update: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set a line's quantity; 0 removes it (UpdateItem).")

        @OptionGroup var options: ClientOptions
        @OptionGroup var mutation: MutationOptions

        @Argument(help: "The line's item id (the ITEM column).")
        var item: String

        @Argument(help: "The new quantity.")
        var quantity: Int64

        func run() async throws {
            try await options.withClient { client in
                let cart = try await client.updateItem(itemID: item, quantity: quantity,
                                                       expectedVersion: mutation.expectedVersion,
                                                       idempotencyKey: mutation.idempotencyKey)
                CartCommand.emit(cart, json: options.json)
            }
        }
    }

    /// `cartctl cart remove`.
    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a line (RemoveItem).")

        @OptionGroup var options: ClientOptions
        @OptionGroup var mutation: MutationOptions

        @Argument(help: "The line's item id (the ITEM column).")
        var item: String

        func run() async throws {
            try await options.withClient { client in
                let cart = try await client.removeItem(itemID: item, expectedVersion: mutation.expectedVersion,
                                                       idempotencyKey: mutation.idempotencyKey)
                CartCommand.emit(cart, json: options.json)
            }
        }
    }

    /// `cartctl cart clear`.
    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove every line (ClearCart).")

        @OptionGroup var options: ClientOptions
        @OptionGroup var mutation: MutationOptions

        func run() async throws {
            try await options.withClient { client in
                let cart = try await client.clearCart(expectedVersion: mutation.expectedVersion,
                                                      idempotencyKey: mutation.idempotencyKey)
                CartCommand.emit(cart, json: options.json)
            }
        }
    }

    /// `cartctl cart merge-guest`.
    struct MergeGuest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "merge-guest", abstract: "Move a guest session's cart into yours (MergeGuestCart).")

        @OptionGroup var options: ClientOptions

        @Option(help: "The operation's idempotency key (generated when absent).")
        var idempotencyKey: String?

        @Argument(help: "The guest session's token.")
        var guestToken: String

        func run() async throws {
            try await options.withClient { client in
                let cart = try await client.mergeGuestCart(guestToken: guestToken, idempotencyKey: idempotencyKey)
                CartCommand.emit(cart, json: options.json)
            }
        }
    }

    /// `cartctl cart watch`.
    struct Watch: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the cart after every change until interrupted (WatchCart); with --json one object a line.")

        @OptionGroup var options: ClientOptions

        @Option(help: "Skip the current cart unless it is newer than this version.")
        var sinceVersion: UInt64 = 0

        func run() async throws {
            try await options.withClient { client in
                var first = true
                for try await cart in client.watchCart(sinceVersion: sinceVersion) {
                    if !options.json && !first { print("") }
                    first = false
                    CartCommand.emit(cart, json: options.json)
                    flushOutput()
                }
            }
        }
    }
}
