// cart/v1/admin.proto: inspection, metrics and backup messages of AdminService.

import CCartProto
import CartCore
import ProtobufCSupport

/// `cart.v1.InspectUserRequest`: asks for everything cartd holds about one user.
public struct InspectUserRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.InspectUserRequest"
    /// The user id (a token's `sub`).
    public var userID: String

    /// Creates a request.
    public init(userID: String = "") { self.userID = userID }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__inspect_user_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension InspectUserRequest: CMessageMapped {
    init(cMessage message: Cart__V1__InspectUserRequest) throws(ProtobufDecodingError) {
        self.init(userID: try ProtobufC.string(message.user_id, field: "user_id"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__InspectUserRequest> {
        let message = arena.newMessage(cart__v1__inspect_user_request__init)
        message.pointee.user_id = arena.cString(userID)
        return message
    }
}

/// `cart.v1.InspectUserResponse`: everything cartd holds about one user.
public struct InspectUserResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.InspectUserResponse"
    /// The active cart; `nil` when the user has none.
    public var cart: PricedCart?
    /// The user's recent payments, newest first.
    public var payments: [Payment]
    /// The user's recent orders, newest first.
    public var orders: [Order]

    /// Creates a response.
    public init(cart: PricedCart? = nil, payments: [Payment] = [], orders: [Order] = []) {
        self.cart = cart
        self.payments = payments
        self.orders = orders
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__inspect_user_response__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension InspectUserResponse: CMessageMapped {
    init(cMessage message: Cart__V1__InspectUserResponse) throws(ProtobufDecodingError) {
        self.init(
            cart: try PricedCart.read(message.cart),
            payments: try Payment.readArray(message.n_payments, message.payments, field: "payments"),
            orders: try Order.readArray(message.n_orders, message.orders, field: "orders"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__InspectUserResponse> {
        let message = arena.newMessage(cart__v1__inspect_user_response__init)
        message.pointee.cart = cart?.buildCMessage(in: arena)
        (message.pointee.n_payments, message.pointee.payments) = arena.repeated(payments)
        (message.pointee.n_orders, message.pointee.orders) = arena.repeated(orders)
        return message
    }
}

/// `cart.v1.GetMetricsRequest`: no arguments.
public struct GetMetricsRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.GetMetricsRequest"

    /// Creates a request.
    public init() {}

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__get_metrics_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension GetMetricsRequest: CMessageMapped {
    init(cMessage _: Cart__V1__GetMetricsRequest) {}

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__GetMetricsRequest> {
        arena.newMessage(cart__v1__get_metrics_request__init)
    }
}

/// `cart.v1.GetMetricsResponse`: the daemon's metrics.
public struct GetMetricsResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.GetMetricsResponse"
    /// Prometheus text exposition format (version 0.0.4).
    public var prometheusText: String

    /// Creates a response.
    public init(prometheusText: String = "") { self.prometheusText = prometheusText }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__get_metrics_response__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension GetMetricsResponse: CMessageMapped {
    init(cMessage message: Cart__V1__GetMetricsResponse) throws(ProtobufDecodingError) {
        self.init(prometheusText: try ProtobufC.string(message.prometheus_text, field: "prometheus_text"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__GetMetricsResponse> {
        let message = arena.newMessage(cart__v1__get_metrics_response__init)
        message.pointee.prometheus_text = arena.cString(prometheusText)
        return message
    }
}

/// `cart.v1.BackupRequest`: copies the database, consistently, while the daemon serves.
public struct BackupRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.BackupRequest"
    /// Absolute path of the file to write on the daemon's host; must not exist yet.
    public var path: String

    /// Creates a request.
    public init(path: String = "") { self.path = path }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__backup_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension BackupRequest: CMessageMapped {
    init(cMessage message: Cart__V1__BackupRequest) throws(ProtobufDecodingError) {
        self.init(path: try ProtobufC.string(message.path, field: "path"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__BackupRequest> {
        let message = arena.newMessage(cart__v1__backup_request__init)
        message.pointee.path = arena.cString(path)
        return message
    }
}

/// `cart.v1.BackupResponse`: the backup file written.
public struct BackupResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.BackupResponse"
    /// The file written.
    public var path: String
    /// Its size in bytes.
    public var sizeBytes: Int64

    /// Creates a response.
    public init(path: String = "", sizeBytes: Int64 = 0) {
        self.path = path
        self.sizeBytes = sizeBytes
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__backup_response__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension BackupResponse: CMessageMapped {
    init(cMessage message: Cart__V1__BackupResponse) throws(ProtobufDecodingError) {
        self.init(path: try ProtobufC.string(message.path, field: "path"), sizeBytes: message.size_bytes)
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__BackupResponse> {
        let message = arena.newMessage(cart__v1__backup_response__init)
        message.pointee.path = arena.cString(path)
        message.pointee.size_bytes = sizeBytes
        return message
    }
}
