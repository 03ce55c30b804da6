// cart/v1/cart.proto: the requests of CartService.

import CCartProto
import CartCore
import ProtobufCSupport

/// `cart.v1.GetCartRequest`: no arguments, the cart is the caller's own.
public struct GetCartRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.GetCartRequest"

    /// Creates a request.
    public init() {}

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__get_cart_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension GetCartRequest: CMessageMapped {
    init(cMessage _: Cart__V1__GetCartRequest) {}

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__GetCartRequest> {
        arena.newMessage(cart__v1__get_cart_request__init)
    }
}

/// `cart.v1.AddItemRequest`: adds units of a product (and optional variant) to the caller's cart.
public struct AddItemRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.AddItemRequest"
    /// The product to add.
    public var productID: String
    /// The variant to add; `""` for none.
    public var variantID: String
    /// Units to add, at least 1.
    public var quantity: Int64
    /// 0 = unconditional; otherwise the cart version that must be current.
    public var expectedVersion: UInt64

    /// Creates a request.
    public init(productID: String = "", variantID: String = "", quantity: Int64 = 0, expectedVersion: UInt64 = 0) {
        self.productID = productID
        self.variantID = variantID
        self.quantity = quantity
        self.expectedVersion = expectedVersion
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__add_item_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension AddItemRequest: CMessageMapped {
    init(cMessage message: Cart__V1__AddItemRequest) throws(ProtobufDecodingError) {
        self.init(
            productID: try ProtobufC.string(message.product_id, field: "product_id"),
            variantID: try ProtobufC.string(message.variant_id, field: "variant_id"),
            quantity: message.quantity,
            expectedVersion: message.expected_version)
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__AddItemRequest> {
        let message = arena.newMessage(cart__v1__add_item_request__init)
        message.pointee.product_id = arena.cString(productID)
        message.pointee.variant_id = arena.cString(variantID)
        message.pointee.quantity = quantity
        message.pointee.expected_version = expectedVersion
        return message
    }
}

/// `cart.v1.UpdateItemRequest`: sets the quantity of one line; 0 removes it.
public struct UpdateItemRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.UpdateItemRequest"
    /// The line to change (`CartItem.id`).
    public var itemID: String
    /// The new quantity; 0 removes the line.
    public var quantity: Int64
    /// 0 = unconditional; otherwise the cart version that must be current.
    public var expectedVersion: UInt64

    /// Creates a request.
    public init(itemID: String = "", quantity: Int64 = 0, expectedVersion: UInt64 = 0) {
        self.itemID = itemID
        self.quantity = quantity
        self.expectedVersion = expectedVersion
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__update_item_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension UpdateItemRequest: CMessageMapped {
    init(cMessage message: Cart__V1__UpdateItemRequest) throws(ProtobufDecodingError) {
        self.init(
            itemID: try ProtobufC.string(message.item_id, field: "item_id"),
            quantity: message.quantity,
            expectedVersion: message.expected_version)
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__UpdateItemRequest> {
        let message = arena.newMessage(cart__v1__update_item_request__init)
        message.pointee.item_id = arena.cString(itemID)
        message.pointee.quantity = quantity
        message.pointee.expected_version = expectedVersion
        return message
    }
}

/// `cart.v1.RemoveItemRequest`: removes one line of the caller's cart.
public struct RemoveItemRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.RemoveItemRequest"
    /// The line to remove (`CartItem.id`).
    public var itemID: String
    /// 0 = unconditional; otherwise the cart version that must be current.
    public var expectedVersion: UInt64

    /// Creates a request.
    public init(itemID: String = "", expectedVersion: UInt64 = 0) {
        self.itemID = itemID
        self.expectedVersion = expectedVersion
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__remove_item_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension RemoveItemRequest: CMessageMapped {
    init(cMessage message: Cart__V1__RemoveItemRequest) throws(ProtobufDecodingError) {
        self.init(
            itemID: try ProtobufC.string(message.item_id, field: "item_id"), expectedVersion: message.expected_version)
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__RemoveItemRequest> {
        let message = arena.newMessage(cart__v1__remove_item_request__init)
        message.pointee.item_id = arena.cString(itemID)
        message.pointee.expected_version = expectedVersion
        return message
    }
}

/// `cart.v1.ClearCartRequest`: removes every line of the caller's cart.
public struct ClearCartRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.ClearCartRequest"
    /// 0 = unconditional; otherwise the cart version that must be current.
    public var expectedVersion: UInt64

    /// Creates a request.
    public init(expectedVersion: UInt64 = 0) { self.expectedVersion = expectedVersion }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__clear_cart_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension ClearCartRequest: CMessageMapped {
    init(cMessage message: Cart__V1__ClearCartRequest) {
        self.init(expectedVersion: message.expected_version)
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__ClearCartRequest> {
        let message = arena.newMessage(cart__v1__clear_cart_request__init)
        message.pointee.expected_version = expectedVersion
        return message
    }
}

/// `cart.v1.MergeGuestCartRequest`: moves a guest session's cart into the caller's cart.
public struct MergeGuestCartRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.MergeGuestCartRequest"
    /// The guest session's JWT.
    public var guestToken: String

    /// Creates a request.
    public init(guestToken: String = "") { self.guestToken = guestToken }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__merge_guest_cart_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension MergeGuestCartRequest: CMessageMapped {
    init(cMessage message: Cart__V1__MergeGuestCartRequest) throws(ProtobufDecodingError) {
        self.init(guestToken: try ProtobufC.string(message.guest_token, field: "guest_token"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__MergeGuestCartRequest> {
        let message = arena.newMessage(cart__v1__merge_guest_cart_request__init)
        message.pointee.guest_token = arena.cString(guestToken)
        return message
    }
}

/// `cart.v1.WatchCartRequest`: subscribes to the caller's cart.
public struct WatchCartRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.WatchCartRequest"
    /// The version the caller already has; the current cart is sent first only when newer.
    public var sinceVersion: UInt64

    /// Creates a request.
    public init(sinceVersion: UInt64 = 0) { self.sinceVersion = sinceVersion }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__watch_cart_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension WatchCartRequest: CMessageMapped {
    init(cMessage message: Cart__V1__WatchCartRequest) {
        self.init(sinceVersion: message.since_version)
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__WatchCartRequest> {
        let message = arena.newMessage(cart__v1__watch_cart_request__init)
        message.pointee.since_version = sinceVersion
        return message
    }
}
