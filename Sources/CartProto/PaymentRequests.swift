// cart/v1/payment.proto: checkout and webhook messages of PaymentService.

import CCartProto
import CartCore
import ProtobufCSupport

/// `cart.v1.CreatePaymentFromCartRequest`: starts checkout of the caller's active cart.
public struct CreatePaymentFromCartRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.CreatePaymentFromCartRequest"
    /// `"razorpay"`.
    public var paymentMethod: String
    /// Where to ship; an empty address is sent as an absent field.
    public var shippingAddress: Address
    /// Who pays; empty means the shipping address.
    public var billingAddress: Address
    /// Must equal the cart's currency; `""` means the cart's.
    public var currencyCode: String
    /// 0 = any; otherwise the cart version that must be current.
    public var expectedVersion: UInt64

    /// Creates a request.
    public init(paymentMethod: String = "", shippingAddress: Address = Address(), billingAddress: Address = Address(),
                currencyCode: String = "", expectedVersion: UInt64 = 0) {
        self.paymentMethod = paymentMethod
        self.shippingAddress = shippingAddress
        self.billingAddress = billingAddress
        self.currencyCode = currencyCode
        self.expectedVersion = expectedVersion
    }

    /// Decodes the message; absent addresses read as `Address()`.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__create_payment_from_cart_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension CreatePaymentFromCartRequest: CMessageMapped {
    init(cMessage message: Cart__V1__CreatePaymentFromCartRequest) throws(ProtobufDecodingError) {
        self.init(
            paymentMethod: try ProtobufC.string(message.payment_method, field: "payment_method"),
            shippingAddress: try Address.readOrEmpty(message.shipping_address),
            billingAddress: try Address.readOrEmpty(message.billing_address),
            currencyCode: try ProtobufC.string(message.currency_code, field: "currency_code"),
            expectedVersion: message.expected_version)
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__CreatePaymentFromCartRequest> {
        let message = arena.newMessage(cart__v1__create_payment_from_cart_request__init)
        message.pointee.payment_method = arena.cString(paymentMethod)
        message.pointee.shipping_address = shippingAddress.buildOptional(in: arena)
        message.pointee.billing_address = billingAddress.buildOptional(in: arena)
        message.pointee.currency_code = arena.cString(currencyCode)
        message.pointee.expected_version = expectedVersion
        return message
    }
}

/// `cart.v1.ConfirmPaymentRequest`: confirms a payment with the proof the gateway's checkout returned.
public struct ConfirmPaymentRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.ConfirmPaymentRequest"
    /// Our payment id.
    public var paymentID: String
    /// The gateway's payment id (Razorpay `razorpay_payment_id`).
    public var gatewayPaymentID: String
    /// The gateway's signature (Razorpay `razorpay_signature`).
    public var gatewaySignature: String

    /// Creates a request.
    public init(paymentID: String = "", gatewayPaymentID: String = "", gatewaySignature: String = "") {
        self.paymentID = paymentID
        self.gatewayPaymentID = gatewayPaymentID
        self.gatewaySignature = gatewaySignature
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__confirm_payment_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension ConfirmPaymentRequest: CMessageMapped {
    init(cMessage message: Cart__V1__ConfirmPaymentRequest) throws(ProtobufDecodingError) {
        self.init(
            paymentID: try ProtobufC.string(message.payment_id, field: "payment_id"),
            gatewayPaymentID: try ProtobufC.string(message.gateway_payment_id, field: "gateway_payment_id"),
            gatewaySignature: try ProtobufC.string(message.gateway_signature, field: "gateway_signature"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__ConfirmPaymentRequest> {
        let message = arena.newMessage(cart__v1__confirm_payment_request__init)
        message.pointee.payment_id = arena.cString(paymentID)
        message.pointee.gateway_payment_id = arena.cString(gatewayPaymentID)
        message.pointee.gateway_signature = arena.cString(gatewaySignature)
        return message
    }
}

/// `cart.v1.HandleGatewayWebhookRequest`: a webhook the web service received from the gateway, verbatim.
public struct HandleGatewayWebhookRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.HandleGatewayWebhookRequest"
    /// `"razorpay"`.
    public var gateway: String
    /// The raw HTTP body, byte for byte as received.
    public var body: [UInt8]
    /// The signature header (Razorpay `X-Razorpay-Signature`).
    public var signature: String
    /// The event id header (Razorpay `X-Razorpay-Event-Id`), used to drop duplicates.
    public var eventID: String

    /// Creates a request.
    public init(gateway: String = "", body: [UInt8] = [], signature: String = "", eventID: String = "") {
        self.gateway = gateway
        self.body = body
        self.signature = signature
        self.eventID = eventID
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__handle_gateway_webhook_request__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension HandleGatewayWebhookRequest: CMessageMapped {
    init(cMessage message: Cart__V1__HandleGatewayWebhookRequest) throws(ProtobufDecodingError) {
        self.init(
            gateway: try ProtobufC.string(message.gateway, field: "gateway"),
            body: ProtobufC.bytes(message.body),
            signature: try ProtobufC.string(message.signature, field: "signature"),
            eventID: try ProtobufC.string(message.event_id, field: "event_id"))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__HandleGatewayWebhookRequest> {
        let message = arena.newMessage(cart__v1__handle_gateway_webhook_request__init)
        message.pointee.gateway = arena.cString(gateway)
        message.pointee.body = body.withUnsafeBytes { arena.binaryData($0) }
        message.pointee.signature = arena.cString(signature)
        message.pointee.event_id = arena.cString(eventID)
        return message
    }
}

/// `cart.v1.GatewayWebhookResponse`: what a webhook did.
public struct GatewayWebhookResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cart.v1.GatewayWebhookResponse"
    /// True when this event id was handled before and nothing was done now.
    public var duplicate: Bool
    /// The payment the event was about; `""` when none matched.
    public var paymentID: String
    /// The payment's status after the event; `nil` (PAYMENT_STATUS_UNSPECIFIED) when none matched.
    public var status: PaymentStatus?

    /// Creates a response.
    public init(duplicate: Bool = false, paymentID: String = "", status: PaymentStatus? = nil) {
        self.duplicate = duplicate
        self.paymentID = paymentID
        self.status = status
    }

    /// Decodes the message; an unknown status number throws.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try Self.decode(bytes, using: cart__v1__gateway_webhook_response__unpack)
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        BuiltMessage(arena: arena, pointer: buildCMessage(in: arena))
    }
}

extension GatewayWebhookResponse: CMessageMapped {
    init(cMessage message: Cart__V1__GatewayWebhookResponse) throws(ProtobufDecodingError) {
        let unspecified = message.status == CART__V1__PAYMENT_STATUS__PAYMENT_STATUS_UNSPECIFIED
        self.init(
            duplicate: message.duplicate != 0,
            paymentID: try ProtobufC.string(message.payment_id, field: "payment_id"),
            status: unspecified
                ? nil
                : try readEnum(message.status, field: "status", typeName: "cart.v1.PaymentStatus",
                               PaymentStatus.init(cValue:)))
    }

    func buildCMessage(in arena: ProtobufArena) -> UnsafeMutablePointer<Cart__V1__GatewayWebhookResponse> {
        let message = arena.newMessage(cart__v1__gateway_webhook_response__init)
        message.pointee.duplicate = duplicate ? 1 : 0
        message.pointee.payment_id = arena.cString(paymentID)
        message.pointee.status = status?.cValue ?? CART__V1__PAYMENT_STATUS__PAYMENT_STATUS_UNSPECIFIED
        return message
    }
}
