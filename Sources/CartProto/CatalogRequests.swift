// cart/v1/catalog.proto: paging and stock messages of CatalogService.

import CCartProto
import CartCore
import ProtobufCSupport

/// `cart.v1.ListProductsRequest`: lists products in id order, one page at a time.
public struct ListProductsRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.ListProductsRequest"
    /// At most this many products (1 … 500; 0 means 100).
    public var pageSize: Int32
    /// The `nextPageToken` of the previous page; `""` for the first page.
    public var pageToken: String

    /// Creates a request.
    public init(pageSize: Int32 = 0, pageToken: String = "") {
        self.pageSize = pageSize
        self.pageToken = pageToken
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__list_products_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension ListProductsRequest: CMessageMapped {
    init(cMessage message: Cart__V1__ListProductsRequest) throws(ProtobufDecodingError) {
        self.init(pageSize: message.page_size, pageToken: try ProtobufC.string(message.page_token, field: "page_token"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__ListProductsRequest> {
        let message = arena.newMessage(cart__v1__list_products_request__init)
        message.pointee.page_size = pageSize
        message.pointee.page_token = arena.cString(pageToken)
        return message
    }
}

/// `cart.v1.ListProductsResponse`: one page of products.
public struct ListProductsResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.ListProductsResponse"
    /// The products of the page.
    public var products: [Product]
    /// Pass as `pageToken` for the next page; `""` on the last page.
    public var nextPageToken: String

    /// Creates a response.
    public init(products: [Product] = [], nextPageToken: String = "") {
        self.products = products
        self.nextPageToken = nextPageToken
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__list_products_response__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension ListProductsResponse: CMessageMapped {
    init(cMessage message: Cart__V1__ListProductsResponse) throws(ProtobufDecodingError) {
        self.init(
            products: try Product.readArray(message.n_products, message.products, field: "products"),
            nextPageToken: try ProtobufC.string(message.next_page_token, field: "next_page_token"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__ListProductsResponse> {
        let message = arena.newMessage(cart__v1__list_products_response__init)
        (message.pointee.n_products, message.pointee.products) = arena.repeated(products)
        message.pointee.next_page_token = arena.cString(nextPageToken)
        return message
    }
}

/// `cart.v1.SetStockRequest`: sets the stock of a product or of one of its variants.
public struct SetStockRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.SetStockRequest"
    /// The product.
    public var productID: String
    /// The variant whose stock to set; `""` sets the product's own stock.
    public var variantID: String
    /// The new number of units in stock.
    public var stock: Int64

    /// Creates a request.
    public init(productID: String = "", variantID: String = "", stock: Int64 = 0) {
        self.productID = productID
        self.variantID = variantID
        self.stock = stock
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__set_stock_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension SetStockRequest: CMessageMapped {
    init(cMessage message: Cart__V1__SetStockRequest) throws(ProtobufDecodingError) {
        self.init(
            productID: try ProtobufC.string(message.product_id, field: "product_id"),
            variantID: try ProtobufC.string(message.variant_id, field: "variant_id"),
            stock: message.stock)
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__SetStockRequest> {
        let message = arena.newMessage(cart__v1__set_stock_request__init)
        message.pointee.product_id = arena.cString(productID)
        message.pointee.variant_id = arena.cString(variantID)
        message.pointee.stock = stock
        return message
    }
}
