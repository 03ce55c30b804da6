// cart/v1/admin.proto: the messages of ImportLegacyCarts.

import CCartProto
import CartCore
import ProtobufCSupport

/// `cart.v1.LegacyCart`: one cart of a legacy system, which may have had several per user.
public struct LegacyCart: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.LegacyCart"
    /// The owner.
    public var userID: String
    /// The lines.
    public var lines: [LegacyCartLine]

    /// Creates a legacy cart.
    public init(userID: String = "", lines: [LegacyCartLine] = []) {
        self.userID = userID
        self.lines = lines
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__legacy_cart__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension LegacyCart: CMessageMapped {
    init(cMessage message: Cart__V1__LegacyCart) throws(ProtobufDecodingError) {
        self.init(
            userID: try ProtobufC.string(message.user_id, field: "user_id"),
            lines: try LegacyCartLine.readArray(message.n_lines, message.lines, field: "lines"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__LegacyCart> {
        let message = arena.newMessage(cart__v1__legacy_cart__init)
        message.pointee.user_id = arena.cString(userID)
        (message.pointee.n_lines, message.pointee.lines) = arena.repeated(lines)
        return message
    }
}

/// `cart.v1.LegacyCartLine`: one line of a legacy cart.
public struct LegacyCartLine: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.LegacyCartLine"
    /// The product.
    public var productID: String
    /// The variant; `""` for none.
    public var variantID: String
    /// Units.
    public var quantity: Int64

    /// Creates a line.
    public init(productID: String = "", variantID: String = "", quantity: Int64 = 0) {
        self.productID = productID
        self.variantID = variantID
        self.quantity = quantity
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__legacy_cart_line__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension LegacyCartLine: CMessageMapped {
    init(cMessage message: Cart__V1__LegacyCartLine) throws(ProtobufDecodingError) {
        self.init(
            productID: try ProtobufC.string(message.product_id, field: "product_id"),
            variantID: try ProtobufC.string(message.variant_id, field: "variant_id"),
            quantity: message.quantity)
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__LegacyCartLine> {
        let message = arena.newMessage(cart__v1__legacy_cart_line__init)
        message.pointee.product_id = arena.cString(productID)
        message.pointee.variant_id = arena.cString(variantID)
        message.pointee.quantity = quantity
        return message
    }
}

/// `cart.v1.ImportLegacyCartsRequest`: imports legacy carts, merging each user's into their one active cart.
public struct ImportLegacyCartsRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.ImportLegacyCartsRequest"
    /// The carts; several may belong to one user.
    public var carts: [LegacyCart]

    /// Creates a request.
    public init(carts: [LegacyCart] = []) { self.carts = carts }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__import_legacy_carts_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension ImportLegacyCartsRequest: CMessageMapped {
    init(cMessage message: Cart__V1__ImportLegacyCartsRequest) throws(ProtobufDecodingError) {
        self.init(carts: try LegacyCart.readArray(message.n_carts, message.carts, field: "carts"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__ImportLegacyCartsRequest> {
        let message = arena.newMessage(cart__v1__import_legacy_carts_request__init)
        (message.pointee.n_carts, message.pointee.carts) = arena.repeated(carts)
        return message
    }
}

/// `cart.v1.ImportLegacyCartsResponse`: what ImportLegacyCarts did.
public struct ImportLegacyCartsResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.ImportLegacyCartsResponse"
    /// Users whose active cart received lines.
    public var users: Int32
    /// Legacy carts read.
    public var cartsMerged: Int32
    /// Lines written after merging same product+variant.
    public var lines: Int32
    /// Lines whose quantity was cut to `max_line_quantity`.
    public var linesCapped: Int32
    /// Lines dropped because their product or variant does not exist, as `"user/product/variant"` strings.
    public var skipped: [String]

    /// Creates a response.
    public init(users: Int32 = 0, cartsMerged: Int32 = 0, lines: Int32 = 0, linesCapped: Int32 = 0,
                skipped: [String] = []) {
        self.users = users
        self.cartsMerged = cartsMerged
        self.lines = lines
        self.linesCapped = linesCapped
        self.skipped = skipped
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__import_legacy_carts_response__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension ImportLegacyCartsResponse: CMessageMapped {
    init(cMessage message: Cart__V1__ImportLegacyCartsResponse) throws(ProtobufDecodingError) {
        self.init(
            users: message.users,
            cartsMerged: message.carts_merged,
            lines: message.lines,
            linesCapped: message.lines_capped,
            skipped: try ProtobufC.strings(message.n_skipped, message.skipped, field: "skipped"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__ImportLegacyCartsResponse> {
        let message = arena.newMessage(cart__v1__import_legacy_carts_response__init)
        message.pointee.users = users
        message.pointee.carts_merged = cartsMerged
        message.pointee.lines = lines
        message.pointee.lines_capped = linesCapped
        (message.pointee.n_skipped, message.pointee.skipped) = arena.repeatedStrings(skipped)
        return message
    }
}
