// JSON for catalog files and `--json` output: snake_case field names as in the cart.v1 protos, converted to and
// from CartCore's types here (the domain types' own Codable keys are camelCase and are not the file format).
//
// Reading is lenient as proto3 JSON is: 64-bit integers may be numbers or strings, absent numbers are 0,
// absent lists are empty. One exception for hand-written catalogs: an absent `active` means true.

import CartClient
import CartCore
import Foundation

/// `cart.v1.Money`.
struct MoneyJSON: Codable, Hashable {
    var currencyCode: String
    var amountMinor: Int64

    enum CodingKeys: String, CodingKey {
        case currencyCode = "currency_code"
        case amountMinor = "amount_minor"
    }

    init(_ money: Money) {
        currencyCode = money.currencyCode
        amountMinor = money.amountMinor
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        currencyCode = try container.decodeIfPresent(String.self, forKey: .currencyCode) ?? ""
        amountMinor = try container.decodeInt64IfPresent(forKey: .amountMinor) ?? 0
    }

    var money: Money { Money(currencyCode: currencyCode, amountMinor: amountMinor) }
}

/// `cart.v1.ProductVariant`.
struct VariantJSON: Codable, Hashable {
    var id: String
    var name: String
    /// Absent in a file: zero in the product's currency.
    var additionalPrice: MoneyJSON?
    var active: Bool
    var stock: Int64

    enum CodingKeys: String, CodingKey {
        case id, name, active, stock
        case additionalPrice = "additional_price"
    }

    init(_ variant: ProductVariant) {
        id = variant.id
        name = variant.name
        additionalPrice = MoneyJSON(variant.additionalPrice)
        active = variant.active
        stock = variant.stock
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        additionalPrice = try container.decodeIfPresent(MoneyJSON.self, forKey: .additionalPrice)
        active = try container.decodeIfPresent(Bool.self, forKey: .active) ?? true
        stock = try container.decodeInt64IfPresent(forKey: .stock) ?? 0
    }

    /// The variant, its additional price defaulting to zero in `currencyCode`.
    func variant(currencyCode: String) -> ProductVariant {
        ProductVariant(id: id, name: name, additionalPrice: additionalPrice?.money ?? .zero(currencyCode),
                       active: active, stock: stock)
    }
}

/// `cart.v1.Product`.
struct ProductJSON: Codable, Hashable {
    var id: String
    var name: String
    var price: MoneyJSON
    var active: Bool
    var stock: Int64
    var variants: [VariantJSON]

    enum CodingKeys: String, CodingKey {
        case id, name, price, active, stock, variants
    }

    init(_ product: Product) {
        id = product.id
        name = product.name
        price = MoneyJSON(product.price)
        active = product.active
        stock = product.stock
        variants = product.variants.map(VariantJSON.init)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decodeIfPresent(String.self, forKey: .name) ?? ""
        price = try container.decode(MoneyJSON.self, forKey: .price)
        active = try container.decodeIfPresent(Bool.self, forKey: .active) ?? true
        stock = try container.decodeInt64IfPresent(forKey: .stock) ?? 0
        variants = try container.decodeIfPresent([VariantJSON].self, forKey: .variants) ?? []
    }

    var product: Product {
        Product(id: id, name: name, price: price.money, active: active, stock: stock,
                variants: variants.map { $0.variant(currencyCode: price.currencyCode) })
    }
}

/// A catalog file, and the `--json` output of `catalog list`: `{"products": [...]}`.
struct CatalogJSON: Codable, Hashable {
    var products: [ProductJSON]
    /// Only when one page was asked for.
    var nextPageToken: String?

    enum CodingKeys: String, CodingKey {
        case products
        case nextPageToken = "next_page_token"
    }

    init(products: [Product], nextPageToken: String? = nil) {
        self.products = products.map(ProductJSON.init)
        self.nextPageToken = nextPageToken
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        products = try container.decodeIfPresent([ProductJSON].self, forKey: .products) ?? []
        nextPageToken = try container.decodeIfPresent(String.self, forKey: .nextPageToken)
    }

    /// Reads a catalog file.
    /// - Throws: ``CLIError`` INVALID_ARGUMENT naming the file and the place in it that is wrong.
    static func read(file path: String) throws -> [Product] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIError(.invalidArgument, "cannot read the catalog file \(path)")
        }
        do {
            return try JSONDecoder().decode(CatalogJSON.self, from: data).products.map(\.product)
        } catch let error as DecodingError {
            throw CLIError(.invalidArgument, "\(path): \(describe(error))")
        }
    }
}

/// `cart.v1.ItemProblem`.
struct ItemProblemJSON: Codable, Hashable {
    var code: String
    var message: String
    var availableQuantity: Int64
    var previousUnitPrice: MoneyJSON?

    enum CodingKeys: String, CodingKey {
        case code, message
        case availableQuantity = "available_quantity"
        case previousUnitPrice = "previous_unit_price"
    }

    init(_ problem: ItemProblem) {
        code = problem.code.wireName
        message = problem.message
        availableQuantity = problem.availableQuantity
        previousUnitPrice = problem.previousUnitPrice.map(MoneyJSON.init)
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        code = try container.decode(String.self, forKey: .code)
        message = try container.decodeIfPresent(String.self, forKey: .message) ?? ""
        availableQuantity = try container.decodeInt64IfPresent(forKey: .availableQuantity) ?? 0
        previousUnitPrice = try container.decodeIfPresent(MoneyJSON.self, forKey: .previousUnitPrice)
    }

    /// The problem, or `nil` for an unknown code.
    var problem: ItemProblem? {
        ItemProblemCode(wireName: code).map {
            ItemProblem(code: $0, message: message, availableQuantity: availableQuantity,
                        previousUnitPrice: previousUnitPrice?.money)
        }
    }
}

/// `cart.v1.CartItem`.
struct CartItemJSON: Codable, Hashable {
    var id: String
    var productID: String
    var variantID: String
    var productName: String
    var variantName: String
    var quantity: Int64
    var unitPrice: MoneyJSON
    var totalPrice: MoneyJSON
    var available: Bool
    var problems: [ItemProblemJSON]

    enum CodingKeys: String, CodingKey {
        case id, quantity, available, problems
        case productID = "product_id"
        case variantID = "variant_id"
        case productName = "product_name"
        case variantName = "variant_name"
        case unitPrice = "unit_price"
        case totalPrice = "total_price"
    }

    init(_ item: PricedItem) {
        id = item.id
        productID = item.productID
        variantID = item.variantID
        productName = item.productName
        variantName = item.variantName
        quantity = item.quantity
        unitPrice = MoneyJSON(item.unitPrice)
        totalPrice = MoneyJSON(item.totalPrice)
        available = item.available
        problems = item.problems.map(ItemProblemJSON.init)
    }

    var item: PricedItem {
        PricedItem(id: id, productID: productID, variantID: variantID, productName: productName,
                   variantName: variantName, quantity: quantity, unitPrice: unitPrice.money,
                   totalPrice: totalPrice.money, available: available, problems: problems.compactMap(\.problem))
    }
}

/// `cart.v1.Cart`.
struct CartJSON: Codable, Hashable {
    var id: String
    var userID: String
    var version: UInt64
    var currencyCode: String
    var items: [CartItemJSON]
    var itemsCount: Int
    var totalItems: Int64
    var totalPrice: MoneyJSON
    var hasUnavailableItems: Bool
    var createdAtUnixMs: Int64
    var updatedAtUnixMs: Int64

    enum CodingKeys: String, CodingKey {
        case id, version, items
        case userID = "user_id"
        case currencyCode = "currency_code"
        case itemsCount = "items_count"
        case totalItems = "total_items"
        case totalPrice = "total_price"
        case hasUnavailableItems = "has_unavailable_items"
        case createdAtUnixMs = "created_at_unix_ms"
        case updatedAtUnixMs = "updated_at_unix_ms"
    }

    init(_ cart: PricedCart) {
        id = cart.id
        userID = cart.userID
        version = cart.version
        currencyCode = cart.currencyCode
        items = cart.items.map(CartItemJSON.init)
        itemsCount = cart.itemsCount
        totalItems = cart.totalItems
        totalPrice = MoneyJSON(cart.totalPrice)
        hasUnavailableItems = cart.hasUnavailableItems
        createdAtUnixMs = cart.createdAtMs
        updatedAtUnixMs = cart.updatedAtMs
    }

    var cart: PricedCart {
        PricedCart(id: id, userID: userID, version: version, currencyCode: currencyCode, items: items.map(\.item),
                   itemsCount: itemsCount, totalItems: totalItems, totalPrice: totalPrice.money,
                   hasUnavailableItems: hasUnavailableItems, createdAtMs: createdAtUnixMs,
                   updatedAtMs: updatedAtUnixMs)
    }
}

extension ItemProblemCode {
    /// The proto enum value's name, e.g. `INSUFFICIENT_STOCK`.
    var wireName: String {
        switch self {
        case .outOfStock: "OUT_OF_STOCK"
        case .insufficientStock: "INSUFFICIENT_STOCK"
        case .productUnavailable: "PRODUCT_UNAVAILABLE"
        case .priceChanged: "PRICE_CHANGED"
        }
    }

    /// The code of a proto enum value's name.
    init?(wireName: String) {
        guard let code = Self.allCases.first(where: { $0.wireName == wireName }) else { return nil }
        self = code
    }
}

extension KeyedDecodingContainer {
    /// A 64-bit integer written as a JSON number or, as proto3 JSON writes them, a string.
    func decodeInt64IfPresent(forKey key: Key) throws -> Int64? {
        if let number = try? decodeIfPresent(Int64.self, forKey: key) { return number }
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let number = Int64(text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self,
                                                   debugDescription: "\"\(text)\" is not a 64-bit integer")
        }
        return number
    }
}

/// Encodes values as one line of JSON.
enum JSONOutput {
    /// One line of JSON for `value`, keys sorted (so that output is stable from run to run).
    static func line(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
