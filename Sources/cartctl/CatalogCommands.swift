import ArgumentParser
import CartClient
import CartCore

/// `cartctl catalog`: products and stock (role admin: `--user U --admin`, or a token with role admin).
struct CatalogCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "catalog",
        abstract: "Import, list and change products (role admin).",
        subcommands: [Import.self, List.self, Get.self, SetStock.self, Delete.self]
    )

    /// Prints one product as a table, or as one line of JSON.
    static func emit(_ product: Product, json: Bool) {
        print(json ? JSONOutput.line(ProductJSON(product)) : ProductTable.render([product]))
    }

    /// `cartctl catalog import`.
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Upsert the products of a JSON file: {\"products\": [...]} (UpsertProducts).")

        @OptionGroup var options: ClientOptions

        @Option(help: "Products per UpsertProducts call.")
        var batchSize = 200

        @Argument(help: "The catalog file.")
        var file: String

        func validate() throws {
            guard batchSize > 0 else { throw ValidationError("--batch-size must be at least 1") }
        }

        func run() async throws {
            try await options.withClient { client in
                let products = try CatalogJSON.read(file: file)
                var upserted = 0
                for start in stride(from: 0, to: products.count, by: batchSize) {
                    let batch = Array(products[start..<min(start + batchSize, products.count)])
                    upserted += try await client.upsertProducts(batch)
                }
                if options.json {
                    print(#"{"upserted":\#(upserted)}"#)
                } else {
                    print("upserted \(upserted) product\(upserted == 1 ? "" : "s") from \(file)")
                }
            }
        }
    }

    /// `cartctl catalog list`.
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List products (ListProducts): every page, or one page with --page-size/--page-token.")

        @OptionGroup var options: ClientOptions

        @Option(help: "Show one page of this many products (and the next page's token).")
        var pageSize: Int32?

        @Option(help: "Show the page starting at this token.")
        var pageToken: String?

        func run() async throws {
            try await options.withClient { client in
                guard pageSize != nil || pageToken != nil else {
                    let products = try await client.allProducts()
                    print(options.json ? JSONOutput.line(CatalogJSON(products: products))
                                       : ProductTable.render(products))
                    return
                }
                let page = try await client.listProducts(pageSize: pageSize ?? 0, pageToken: pageToken ?? "")
                if options.json {
                    print(JSONOutput.line(CatalogJSON(products: page.products, nextPageToken: page.nextPageToken)))
                } else {
                    print(ProductTable.render(page.products))
                    if !page.nextPageToken.isEmpty { print("next page: --page-token \(page.nextPageToken)") }
                }
            }
        }
    }

    /// `cartctl catalog get`.
    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one product (GetProduct).")

        @OptionGroup var options: ClientOptions

        @Argument(help: "The product id.")
        var id: String

        func run() async throws {
            try await options.withClient { client in
                CatalogCommand.emit(try await client.getProduct(productID: id), json: options.json)
            }
        }
    }

    /// `cartctl catalog set-stock`.
    struct SetStock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-stock", abstract: "Set the stock of a product or of one of its variants (SetStock).")

        @OptionGroup var options: ClientOptions

        @Argument(help: "The product id.")
        var product: String

        @Option(help: "The variant id; absent for the product's own stock.")
        var variant = ""

        @Argument(help: "The units in stock.")
        var stock: Int64

        func run() async throws {
            try await options.withClient { client in
                let updated = try await client.setStock(productID: product, variantID: variant, stock: stock)
                CatalogCommand.emit(updated, json: options.json)
            }
        }
    }

    /// `cartctl catalog delete`.
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a product; cart lines holding it turn unavailable (DeleteProduct).")

        @OptionGroup var options: ClientOptions

        @Argument(help: "The product id.")
        var id: String

        func run() async throws {
            try await options.withClient { client in
                let deleted = try await client.deleteProduct(productID: id)
                if options.json {
                    print(JSONOutput.line(DeletedJSON(productID: id, deleted: deleted)))
                } else {
                    print(deleted ? "deleted \(id)" : "\(id) was not in the catalog")
                }
            }
        }
    }
}

/// The `--json` output of `catalog delete`.
struct DeletedJSON: Encodable {
    var productID: String
    var deleted: Bool

    enum CodingKeys: String, CodingKey {
        case productID = "product_id"
        case deleted
    }
}
