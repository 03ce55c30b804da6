// cart/v1/payment.proto: Payment, Order and their status enums ⇄ CartCore.

import CCartProto
import CartCore
import ProtobufCSupport

// MARK: - Status enums

extension PaymentStatus {
    /// The wire value.
    var cValue: Cart__V1__PaymentStatus {
        switch self {
        case .created: CART__V1__PAYMENT_STATUS__CREATED
        case .paid: CART__V1__PAYMENT_STATUS__PAID
        case .failed: CART__V1__PAYMENT_STATUS__FAILED
        case .cancelled: CART__V1__PAYMENT_STATUS__CANCELLED
        case .expired: CART__V1__PAYMENT_STATUS__EXPIRED
        }
    }

    /// The status of a wire value; `nil` for PAYMENT_STATUS_UNSPECIFIED (never sent by cartd) and unknown numbers.
    init?(cValue: Cart__V1__PaymentStatus) {
        switch cValue {
        case CART__V1__PAYMENT_STATUS__CREATED: self = .created
        case CART__V1__PAYMENT_STATUS__PAID: self = .paid
        case CART__V1__PAYMENT_STATUS__FAILED: self = .failed
        case CART__V1__PAYMENT_STATUS__CANCELLED: self = .cancelled
        case CART__V1__PAYMENT_STATUS__EXPIRED: self = .expired
        default: return nil
        }
    }
}

extension OrderStatus {
    /// The wire value.
    var cValue: Cart__V1__OrderStatus {
        switch self {
        case .confirmed: CART__V1__ORDER_STATUS__ORDER_STATUS_CONFIRMED
        }
    }

    /// The status of a wire value; `nil` for ORDER_STATUS_UNSPECIFIED (never sent by cartd) and unknown numbers.
    init?(cValue: Cart__V1__OrderStatus) {
        switch cValue {
        case CART__V1__ORDER_STATUS__ORDER_STATUS_CONFIRMED: self = .confirmed
        default: return nil
        }
    }
}

// MARK: - Payment

extension Payment: ProtoMessage {
    /// The proto name.
    public static var protoName: String { "cart.v1.Payment" }

    /// Decodes a `cart.v1.Payment`; an unspecified or unknown status throws.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__payment__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension Payment: CMessageMapped {
    /// Reads a `cart.v1.Payment`: `""` reads as `nil` for `order_id` and `gateway_payment_id`, an absent address
    /// as `Address()`.
    init(cMessage message: Cart__V1__Payment) throws(ProtobufDecodingError) {
        let orderID = try ProtobufC.string(message.order_id, field: "order_id")
        let gatewayPaymentID = try ProtobufC.string(message.gateway_payment_id, field: "gateway_payment_id")
        self.init(
            id: try ProtobufC.string(message.id, field: "id"),
            cartID: try ProtobufC.string(message.cart_id, field: "cart_id"),
            userID: try ProtobufC.string(message.user_id, field: "user_id"),
            status: try readEnum(message.status, field: "status", typeName: "cart.v1.PaymentStatus",
                                 PaymentStatus.init(cValue:)),
            amount: try Money.readRequired(message.amount),
            paymentMethod: try ProtobufC.string(message.payment_method, field: "payment_method"),
            gateway: try ProtobufC.string(message.gateway, field: "gateway"),
            gatewayOrderID: try ProtobufC.string(message.gateway_order_id, field: "gateway_order_id"),
            gatewayKeyID: try ProtobufC.string(message.gateway_key_id, field: "gateway_key_id"),
            items: try PricedItem.readArray(message.n_items, message.items, field: "items"),
            shippingAddress: try Address.readOrEmpty(message.shipping_address),
            billingAddress: try Address.readOrEmpty(message.billing_address),
            createdAtMs: message.created_at_unix_ms,
            expiresAtMs: message.expires_at_unix_ms,
            orderID: orderID.isEmpty ? nil : orderID,
            cartVersion: message.cart_version,
            statusReason: try ProtobufC.string(message.status_reason, field: "status_reason"),
            updatedAtMs: message.updated_at_unix_ms,
            gatewayPaymentID: gatewayPaymentID.isEmpty ? nil : gatewayPaymentID)
    }

    /// Builds a `cart.v1.Payment`: `nil` ids are sent as `""`, empty addresses as absent fields.
    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__Payment> {
        let message = arena.newMessage(cart__v1__payment__init)
        message.pointee.id = arena.cString(id)
        message.pointee.cart_id = arena.cString(cartID)
        message.pointee.user_id = arena.cString(userID)
        message.pointee.status = status.cValue
        message.pointee.amount = amount.buildCMessage(in: arena)
        message.pointee.payment_method = arena.cString(paymentMethod)
        message.pointee.gateway = arena.cString(gateway)
        message.pointee.gateway_order_id = arena.cString(gatewayOrderID)
        message.pointee.gateway_key_id = arena.cString(gatewayKeyID)
        (message.pointee.n_items, message.pointee.items) = arena.repeated(items)
        message.pointee.shipping_address = shippingAddress.buildOptional(in: arena)
        message.pointee.billing_address = billingAddress.buildOptional(in: arena)
        message.pointee.created_at_unix_ms = createdAtMs
        message.pointee.expires_at_unix_ms = expiresAtMs
        message.pointee.order_id = arena.cString(orderID ?? "")
        message.pointee.cart_version = cartVersion
        message.pointee.status_reason = arena.cString(statusReason)
        message.pointee.updated_at_unix_ms = updatedAtMs
        message.pointee.gateway_payment_id = arena.cString(gatewayPaymentID ?? "")
        return message
    }
}

// MARK: - Order

extension Order: ProtoMessage {
    /// The proto name.
    public static var protoName: String { "cart.v1.Order" }

    /// Decodes a `cart.v1.Order`; an unspecified or unknown status throws.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__order__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension Order: CMessageMapped {
    /// Reads a `cart.v1.Order`; an absent address reads as `Address()`.
    init(cMessage message: Cart__V1__Order) throws(ProtobufDecodingError) {
        self.init(
            id: try ProtobufC.string(message.id, field: "id"),
            paymentID: try ProtobufC.string(message.payment_id, field: "payment_id"),
            userID: try ProtobufC.string(message.user_id, field: "user_id"),
            items: try PricedItem.readArray(message.n_items, message.items, field: "items"),
            totalPrice: try Money.readRequired(message.total_price),
            shippingAddress: try Address.readOrEmpty(message.shipping_address),
            billingAddress: try Address.readOrEmpty(message.billing_address),
            status: try readEnum(message.status, field: "status", typeName: "cart.v1.OrderStatus",
                                 OrderStatus.init(cValue:)),
            createdAtMs: message.created_at_unix_ms,
            cartID: try ProtobufC.string(message.cart_id, field: "cart_id"))
    }

    /// Builds a `cart.v1.Order`; empty addresses are sent as absent fields.
    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__Order> {
        let message = arena.newMessage(cart__v1__order__init)
        message.pointee.id = arena.cString(id)
        message.pointee.payment_id = arena.cString(paymentID)
        message.pointee.user_id = arena.cString(userID)
        (message.pointee.n_items, message.pointee.items) = arena.repeated(items)
        message.pointee.total_price = totalPrice.buildCMessage(in: arena)
        message.pointee.shipping_address = shippingAddress.buildOptional(in: arena)
        message.pointee.billing_address = billingAddress.buildOptional(in: arena)
        message.pointee.status = status.cValue
        message.pointee.created_at_unix_ms = createdAtMs
        message.pointee.cart_id = arena.cString(cartID)
        return message
    }
}
