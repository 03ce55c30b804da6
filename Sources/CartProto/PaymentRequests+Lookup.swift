// cart/v1/payment.proto: the messages of PaymentService that name one payment or order, or list orders.

import CCartProto
import CartCore
import ProtobufCSupport

/// `cart.v1.CancelPaymentRequest`: cancels a pending payment of the caller.
public struct CancelPaymentRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.CancelPaymentRequest"
    /// The payment.
    public var paymentID: String

    /// Creates a request.
    public init(paymentID: String = "") { self.paymentID = paymentID }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__cancel_payment_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension CancelPaymentRequest: CMessageMapped {
    init(cMessage message: Cart__V1__CancelPaymentRequest) throws(ProtobufDecodingError) {
        self.init(paymentID: try ProtobufC.string(message.payment_id, field: "payment_id"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__CancelPaymentRequest> {
        let message = arena.newMessage(cart__v1__cancel_payment_request__init)
        message.pointee.payment_id = arena.cString(paymentID)
        return message
    }
}

/// `cart.v1.GetPaymentRequest`: reads a payment of the caller.
public struct GetPaymentRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.GetPaymentRequest"
    /// The payment.
    public var paymentID: String

    /// Creates a request.
    public init(paymentID: String = "") { self.paymentID = paymentID }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__get_payment_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension GetPaymentRequest: CMessageMapped {
    init(cMessage message: Cart__V1__GetPaymentRequest) throws(ProtobufDecodingError) {
        self.init(paymentID: try ProtobufC.string(message.payment_id, field: "payment_id"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__GetPaymentRequest> {
        let message = arena.newMessage(cart__v1__get_payment_request__init)
        message.pointee.payment_id = arena.cString(paymentID)
        return message
    }
}

/// `cart.v1.GetOrderRequest`: reads an order of the caller.
public struct GetOrderRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.GetOrderRequest"
    /// The order.
    public var orderID: String

    /// Creates a request.
    public init(orderID: String = "") { self.orderID = orderID }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__get_order_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension GetOrderRequest: CMessageMapped {
    init(cMessage message: Cart__V1__GetOrderRequest) throws(ProtobufDecodingError) {
        self.init(orderID: try ProtobufC.string(message.order_id, field: "order_id"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__GetOrderRequest> {
        let message = arena.newMessage(cart__v1__get_order_request__init)
        message.pointee.order_id = arena.cString(orderID)
        return message
    }
}

/// `cart.v1.ListOrdersRequest`: lists the caller's orders, newest first, one page at a time.
public struct ListOrdersRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.ListOrdersRequest"
    /// At most this many orders (1 … 100; 0 means 20).
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
        self = try Self.decode(bytes, using: cart__v1__list_orders_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension ListOrdersRequest: CMessageMapped {
    init(cMessage message: Cart__V1__ListOrdersRequest) throws(ProtobufDecodingError) {
        self.init(pageSize: message.page_size, pageToken: try ProtobufC.string(message.page_token, field: "page_token"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__ListOrdersRequest> {
        let message = arena.newMessage(cart__v1__list_orders_request__init)
        message.pointee.page_size = pageSize
        message.pointee.page_token = arena.cString(pageToken)
        return message
    }
}

/// `cart.v1.ListOrdersResponse`: one page of orders, newest first.
public struct ListOrdersResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.ListOrdersResponse"
    /// The orders, newest first.
    public var orders: [Order]
    /// Pass as `pageToken` for the next page; `""` on the last page.
    public var nextPageToken: String

    /// Creates a response.
    public init(orders: [Order] = [], nextPageToken: String = "") {
        self.orders = orders
        self.nextPageToken = nextPageToken
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__list_orders_response__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension ListOrdersResponse: CMessageMapped {
    init(cMessage message: Cart__V1__ListOrdersResponse) throws(ProtobufDecodingError) {
        self.init(
            orders: try Order.readArray(message.n_orders, message.orders, field: "orders"),
            nextPageToken: try ProtobufC.string(message.next_page_token, field: "next_page_token"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__ListOrdersResponse> {
        let message = arena.newMessage(cart__v1__list_orders_response__init)
        (message.pointee.n_orders, message.pointee.orders) = arena.repeated(orders)
        message.pointee.next_page_token = arena.cString(nextPageToken)
        return message
    }
}
