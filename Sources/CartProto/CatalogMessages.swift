// cart/v1/catalog.proto: Product and ProductVariant ⇄ CartCore, and the messages of CatalogService.

import CCartProto
import CartCore
import ProtobufCSupport

// MARK: - Product

extension Product: ProtoMessage {
    /// The proto name.
    public static var protoName: String { "cart.v1.Product" }

    /// Decodes a `cart.v1.Product`.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__product__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension Product: CMessageMapped {
    /// Reads a `cart.v1.Product`; an absent price reads as zero with an empty currency code.
    init(cMessage message: Cart__V1__Product) throws(ProtobufDecodingError) {
        self.init(
            id: try ProtobufC.string(message.id, field: "id"),
            name: try ProtobufC.string(message.name, field: "name"),
            price: try Money.readRequired(message.price),
            active: message.active != 0,
            stock: message.stock,
            variants: try ProductVariant.readArray(message.n_variants, message.variants, field: "variants"))
    }

    /// Builds a `cart.v1.Product`.
    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__Product> {
        let message = arena.newMessage(cart__v1__product__init)
        message.pointee.id = arena.cString(id)
        message.pointee.name = arena.cString(name)
        message.pointee.price = price.buildCMessage(in: arena)
        message.pointee.active = active ? 1 : 0
        message.pointee.stock = stock
        (message.pointee.n_variants, message.pointee.variants) = arena.repeated(variants)
        return message
    }
}

// MARK: - ProductVariant

extension ProductVariant: ProtoMessage {
    /// The proto name.
    public static var protoName: String { "cart.v1.ProductVariant" }

    /// Decodes a `cart.v1.ProductVariant`.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__product_variant__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension ProductVariant: CMessageMapped {
    /// Reads a `cart.v1.ProductVariant`; an absent additional price reads as zero with an empty currency code.
    init(cMessage message: Cart__V1__ProductVariant) throws(ProtobufDecodingError) {
        self.init(
            id: try ProtobufC.string(message.id, field: "id"),
            name: try ProtobufC.string(message.name, field: "name"),
            additionalPrice: try Money.readRequired(message.additional_price),
            active: message.active != 0,
            stock: message.stock)
    }

    /// Builds a `cart.v1.ProductVariant`.
    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__ProductVariant> {
        let message = arena.newMessage(cart__v1__product_variant__init)
        message.pointee.id = arena.cString(id)
        message.pointee.name = arena.cString(name)
        message.pointee.additional_price = additionalPrice.buildCMessage(in: arena)
        message.pointee.active = active ? 1 : 0
        message.pointee.stock = stock
        return message
    }
}

// MARK: - UpsertProducts

/// `cart.v1.UpsertProductsRequest`: creates or replaces products, variants included.
public struct UpsertProductsRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.UpsertProductsRequest"
    /// The products; each replaces any product with the same id.
    public var products: [Product]

    /// Creates a request.
    public init(products: [Product] = []) { self.products = products }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__upsert_products_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension UpsertProductsRequest: CMessageMapped {
    init(cMessage message: Cart__V1__UpsertProductsRequest) throws(ProtobufDecodingError) {
        self.init(products: try Product.readArray(message.n_products, message.products, field: "products"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__UpsertProductsRequest> {
        let message = arena.newMessage(cart__v1__upsert_products_request__init)
        (message.pointee.n_products, message.pointee.products) = arena.repeated(products)
        return message
    }
}

/// `cart.v1.UpsertProductsResponse`: how many products were written.
public struct UpsertProductsResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.UpsertProductsResponse"
    /// How many products were written.
    public var upserted: Int32

    /// Creates a response.
    public init(upserted: Int32 = 0) { self.upserted = upserted }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__upsert_products_response__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension UpsertProductsResponse: CMessageMapped {
    init(cMessage message: Cart__V1__UpsertProductsResponse) {
        self.init(upserted: message.upserted)
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__UpsertProductsResponse> {
        let message = arena.newMessage(cart__v1__upsert_products_response__init)
        message.pointee.upserted = upserted
        return message
    }
}

// MARK: - GetProduct, DeleteProduct

/// `cart.v1.GetProductRequest`: reads one product.
public struct GetProductRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.GetProductRequest"
    /// The product's id.
    public var productID: String

    /// Creates a request.
    public init(productID: String = "") { self.productID = productID }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__get_product_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension GetProductRequest: CMessageMapped {
    init(cMessage message: Cart__V1__GetProductRequest) throws(ProtobufDecodingError) {
        self.init(productID: try ProtobufC.string(message.product_id, field: "product_id"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__GetProductRequest> {
        let message = arena.newMessage(cart__v1__get_product_request__init)
        message.pointee.product_id = arena.cString(productID)
        return message
    }
}

/// `cart.v1.DeleteProductRequest`: deletes a product; cart lines holding it turn unavailable.
public struct DeleteProductRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.DeleteProductRequest"
    /// The product's id.
    public var productID: String

    /// Creates a request.
    public init(productID: String = "") { self.productID = productID }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__delete_product_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension DeleteProductRequest: CMessageMapped {
    init(cMessage message: Cart__V1__DeleteProductRequest) throws(ProtobufDecodingError) {
        self.init(productID: try ProtobufC.string(message.product_id, field: "product_id"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__DeleteProductRequest> {
        let message = arena.newMessage(cart__v1__delete_product_request__init)
        message.pointee.product_id = arena.cString(productID)
        return message
    }
}

/// `cart.v1.DeleteProductResponse`: whether a product was deleted.
public struct DeleteProductResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.DeleteProductResponse"
    /// True when a product was deleted, false when none had that id.
    public var deleted: Bool

    /// Creates a response.
    public init(deleted: Bool = false) { self.deleted = deleted }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__delete_product_response__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension DeleteProductResponse: CMessageMapped {
    init(cMessage message: Cart__V1__DeleteProductResponse) {
        self.init(deleted: message.deleted != 0)
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__DeleteProductResponse> {
        let message = arena.newMessage(cart__v1__delete_product_response__init)
        message.pointee.deleted = deleted ? 1 : 0
        return message
    }
}
