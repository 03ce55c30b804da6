import CartCore
import CartProto
import ProtobufCSupport

/// Every message type cartd decodes from a peer (the request of every rpc) and every one its clients
/// decode from cartd (replies and stream messages).
enum PayloadDecoders {
    /// Requests: what a hostile client controls.
    static let requests: [any ProtoMessageCheck.Type] = [
        // grpc.health.v1.Health
        HealthCheckRequest.self,
        // cart.v1.CartService
        GetCartRequest.self, AddItemRequest.self, UpdateItemRequest.self, RemoveItemRequest.self,
        ClearCartRequest.self, MergeGuestCartRequest.self, WatchCartRequest.self,
        // cart.v1.CatalogService
        UpsertProductsRequest.self, GetProductRequest.self, ListProductsRequest.self, SetStockRequest.self,
        DeleteProductRequest.self,
        // cart.v1.PaymentService
        CreatePaymentFromCartRequest.self, ConfirmPaymentRequest.self, HandleGatewayWebhookRequest.self,
        CancelPaymentRequest.self, GetPaymentRequest.self, GetOrderRequest.self, ListOrdersRequest.self,
        // cart.v1.AdminService
        InspectUserRequest.self, GetMetricsRequest.self, BackupRequest.self, ImportLegacyCartsRequest.self,
        // cartsync.testing.v1.TestService (served with --enable-test-service)
        SleepRequest.self, EchoRequest.self, CountRequest.self,
    ]

    /// Replies and stream messages: what a client library decodes.
    static let replies: [any ProtoMessageCheck.Type] = [
        HealthCheckResponse.self, PricedCart.self, CartEvent.self, Product.self, ProductVariant.self,
        UpsertProductsResponse.self, ListProductsResponse.self, DeleteProductResponse.self, Payment.self, Order.self,
        GatewayWebhookResponse.self, ListOrdersResponse.self, InspectUserResponse.self, GetMetricsResponse.self,
        BackupResponse.self, ImportLegacyCartsResponse.self, LegacyCart.self, LegacyCartLine.self,
        SleepResponse.self, EchoResponse.self, CountResponse.self,
    ]

    static let all = requests + replies

    /// Decodes `bytes` as every type; a decoded value must survive a round trip unchanged.
    static func decodeAll(_ bytes: UnsafeRawBufferPointer) {
        for type in all { type.check(bytes) }
    }
}

/// A message type the fuzzer can decode and round-trip.
protocol ProtoMessageCheck: ProtoMessage, Equatable {}

extension ProtoMessageCheck {
    /// Decodes `bytes`; when that succeeds, encodes the value and decodes it again: it must be equal.
    static func check(_ bytes: UnsafeRawBufferPointer) {
        let value: Self
        do throws(ProtobufDecodingError) {
            value = try Self(protobuf: bytes)
        } catch {
            return
        }
        let encoded = value.protobufBytes()
        do throws(ProtobufDecodingError) {
            let again = try Self(protobufBytes: encoded)
            precondition(again == value, "\(protoName) changed in a round trip")
        } catch {
            preconditionFailure("\(protoName) re-encoded does not decode: \(error)")
        }
    }
}

extension HealthCheckRequest: ProtoMessageCheck {}
extension GetCartRequest: ProtoMessageCheck {}
extension AddItemRequest: ProtoMessageCheck {}
extension UpdateItemRequest: ProtoMessageCheck {}
extension RemoveItemRequest: ProtoMessageCheck {}
extension ClearCartRequest: ProtoMessageCheck {}
extension MergeGuestCartRequest: ProtoMessageCheck {}
extension WatchCartRequest: ProtoMessageCheck {}
extension UpsertProductsRequest: ProtoMessageCheck {}
extension GetProductRequest: ProtoMessageCheck {}
extension ListProductsRequest: ProtoMessageCheck {}
extension SetStockRequest: ProtoMessageCheck {}
extension DeleteProductRequest: ProtoMessageCheck {}
extension CreatePaymentFromCartRequest: ProtoMessageCheck {}
extension ConfirmPaymentRequest: ProtoMessageCheck {}
extension HandleGatewayWebhookRequest: ProtoMessageCheck {}
extension CancelPaymentRequest: ProtoMessageCheck {}
extension GetPaymentRequest: ProtoMessageCheck {}
extension GetOrderRequest: ProtoMessageCheck {}
extension ListOrdersRequest: ProtoMessageCheck {}
extension InspectUserRequest: ProtoMessageCheck {}
extension GetMetricsRequest: ProtoMessageCheck {}
extension BackupRequest: ProtoMessageCheck {}
extension ImportLegacyCartsRequest: ProtoMessageCheck {}
extension SleepRequest: ProtoMessageCheck {}
extension EchoRequest: ProtoMessageCheck {}
extension CountRequest: ProtoMessageCheck {}
extension HealthCheckResponse: ProtoMessageCheck {}
extension PricedCart: ProtoMessageCheck {}
extension CartEvent: ProtoMessageCheck {}
extension Product: ProtoMessageCheck {}
extension ProductVariant: ProtoMessageCheck {}
extension UpsertProductsResponse: ProtoMessageCheck {}
extension ListProductsResponse: ProtoMessageCheck {}
extension DeleteProductResponse: ProtoMessageCheck {}
extension Payment: ProtoMessageCheck {}
extension Order: ProtoMessageCheck {}
extension GatewayWebhookResponse: ProtoMessageCheck {}
extension ListOrdersResponse: ProtoMessageCheck {}
extension InspectUserResponse: ProtoMessageCheck {}
extension GetMetricsResponse: ProtoMessageCheck {}
extension BackupResponse: ProtoMessageCheck {}
extension ImportLegacyCartsResponse: ProtoMessageCheck {}
extension LegacyCart: ProtoMessageCheck {}
extension LegacyCartLine: ProtoMessageCheck {}
extension SleepResponse: ProtoMessageCheck {}
extension EchoResponse: ProtoMessageCheck {}
extension CountResponse: ProtoMessageCheck {}
