// cart/v1/cart.proto: Cart, CartItem, ItemProblem and CartEvent ⇄ CartCore's priced cart.

import CCartProto
import CartCore
import ProtobufCSupport

// MARK: - Cart

extension PricedCart: ProtoMessage {
    /// The proto name.
    public static var protoName: String { "cart.v1.Cart" }

    /// Decodes a `cart.v1.Cart`.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__cart__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension PricedCart: CMessageMapped {
    /// Reads a `cart.v1.Cart`; `items_count` (int32) widens to `Int`.
    init(cMessage message: Cart__V1__Cart) throws(ProtobufDecodingError) {
        self.init(
            id: try ProtobufC.string(message.id, field: "id"),
            userID: try ProtobufC.string(message.user_id, field: "user_id"),
            version: message.version,
            currencyCode: try ProtobufC.string(message.currency_code, field: "currency_code"),
            items: try PricedItem.readArray(message.n_items, message.items, field: "items"),
            itemsCount: Int(message.items_count),
            totalItems: message.total_items,
            totalPrice: try Money.readRequired(message.total_price),
            hasUnavailableItems: message.has_unavailable_items != 0,
            createdAtMs: message.created_at_unix_ms,
            updatedAtMs: message.updated_at_unix_ms)
    }

    /// Builds a `cart.v1.Cart`; `itemsCount` is clamped to the int32 range.
    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__Cart> {
        let message = arena.newMessage(cart__v1__cart__init)
        message.pointee.id = arena.cString(id)
        message.pointee.user_id = arena.cString(userID)
        message.pointee.version = version
        message.pointee.currency_code = arena.cString(currencyCode)
        (message.pointee.n_items, message.pointee.items) = arena.repeated(items)
        message.pointee.items_count = Int32(clamping: itemsCount)
        message.pointee.total_items = totalItems
        message.pointee.total_price = totalPrice.buildCMessage(in: arena)
        message.pointee.has_unavailable_items = hasUnavailableItems ? 1 : 0
        message.pointee.created_at_unix_ms = createdAtMs
        message.pointee.updated_at_unix_ms = updatedAtMs
        return message
    }
}

// MARK: - CartItem

extension PricedItem: CMessageMapped {
    /// Reads a `cart.v1.CartItem`.
    init(cMessage message: Cart__V1__CartItem) throws(ProtobufDecodingError) {
        self.init(
            id: try ProtobufC.string(message.id, field: "id"),
            productID: try ProtobufC.string(message.product_id, field: "product_id"),
            variantID: try ProtobufC.string(message.variant_id, field: "variant_id"),
            productName: try ProtobufC.string(message.product_name, field: "product_name"),
            variantName: try ProtobufC.string(message.variant_name, field: "variant_name"),
            quantity: message.quantity,
            unitPrice: try Money.readRequired(message.unit_price),
            totalPrice: try Money.readRequired(message.total_price),
            available: message.available != 0,
            problems: try ItemProblem.readArray(message.n_problems, message.problems, field: "problems"))
    }

    /// Builds a `cart.v1.CartItem`.
    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__CartItem> {
        let message = arena.newMessage(cart__v1__cart_item__init)
        message.pointee.id = arena.cString(id)
        message.pointee.product_id = arena.cString(productID)
        message.pointee.variant_id = arena.cString(variantID)
        message.pointee.product_name = arena.cString(productName)
        message.pointee.variant_name = arena.cString(variantName)
        message.pointee.quantity = quantity
        message.pointee.unit_price = unitPrice.buildCMessage(in: arena)
        message.pointee.total_price = totalPrice.buildCMessage(in: arena)
        message.pointee.available = available ? 1 : 0
        (message.pointee.n_problems, message.pointee.problems) = arena.repeated(problems)
        return message
    }
}

// MARK: - ItemProblem

extension ItemProblemCode {
    /// The wire value.
    var cValue: Cart__V1__ItemProblemCode {
        switch self {
        case .outOfStock: CART__V1__ITEM_PROBLEM_CODE__OUT_OF_STOCK
        case .insufficientStock: CART__V1__ITEM_PROBLEM_CODE__INSUFFICIENT_STOCK
        case .productUnavailable: CART__V1__ITEM_PROBLEM_CODE__PRODUCT_UNAVAILABLE
        case .priceChanged: CART__V1__ITEM_PROBLEM_CODE__PRICE_CHANGED
        }
    }

    /// The code of a wire value; `nil` for ITEM_PROBLEM_UNSPECIFIED (never sent by cartd) and unknown numbers.
    init?(cValue: Cart__V1__ItemProblemCode) {
        switch cValue {
        case CART__V1__ITEM_PROBLEM_CODE__OUT_OF_STOCK: self = .outOfStock
        case CART__V1__ITEM_PROBLEM_CODE__INSUFFICIENT_STOCK: self = .insufficientStock
        case CART__V1__ITEM_PROBLEM_CODE__PRODUCT_UNAVAILABLE: self = .productUnavailable
        case CART__V1__ITEM_PROBLEM_CODE__PRICE_CHANGED: self = .priceChanged
        default: return nil
        }
    }
}

extension ItemProblem: CMessageMapped {
    /// Reads a `cart.v1.ItemProblem`; an unspecified or unknown code throws.
    init(cMessage message: Cart__V1__ItemProblem) throws(ProtobufDecodingError) {
        self.init(
            code: try readEnum(message.code, field: "code", typeName: "cart.v1.ItemProblemCode",
                               ItemProblemCode.init(cValue:)),
            message: try ProtobufC.string(message.message, field: "message"),
            availableQuantity: message.available_quantity,
            previousUnitPrice: try Money.read(message.previous_unit_price))
    }

    /// Builds a `cart.v1.ItemProblem`.
    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__ItemProblem> {
        let built = arena.newMessage(cart__v1__item_problem__init)
        built.pointee.code = code.cValue
        built.pointee.message = arena.cString(message)
        built.pointee.available_quantity = availableQuantity
        built.pointee.previous_unit_price = previousUnitPrice?.buildCMessage(in: arena)
        return built
    }
}

// MARK: - CartEvent

/// `cart.v1.CartEvent`: one message of WatchCart, the cart after a committed change.
public struct CartEvent: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.CartEvent"
    /// The whole cart at its new version; `nil` only when a peer sent the field absent.
    public var cart: PricedCart?

    /// Creates an event.
    public init(cart: PricedCart? = nil) { self.cart = cart }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__cart_event__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension CartEvent: CMessageMapped {
    init(cMessage message: Cart__V1__CartEvent) throws(ProtobufDecodingError) {
        self.init(cart: try PricedCart.read(message.cart))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__CartEvent> {
        let message = arena.newMessage(cart__v1__cart_event__init)
        message.pointee.cart = cart?.buildCMessage(in: arena)
        return message
    }
}
