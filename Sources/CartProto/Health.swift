import CCartProto
import ProtobufCSupport

/// `grpc.health.v1.HealthCheckRequest`.
public struct HealthCheckRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "grpc.health.v1.HealthCheckRequest"
    /// The service to check; empty means the server as a whole.
    public var service: String

    /// Creates a request.
    public init(service: String = "") { self.service = service }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try ProtobufArena.withPooled { arena throws(ProtobufDecodingError) in
            let message = try ProtobufC.unpack(bytes, arena: arena,
                                               using: grpc__health__v1__health_check_request__unpack,
                                               typeName: Self.protoName).pointee
            return HealthCheckRequest(service: try ProtobufC.string(message.service, field: "service"))
        }
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        let message = arena.allocateZeroed(Grpc__Health__V1__HealthCheckRequest.self)
        grpc__health__v1__health_check_request__init(message)
        message.pointee.service = arena.cString(service)
        return BuiltMessage(arena: arena, pointer: message)
    }
}

/// `grpc.health.v1.HealthCheckResponse`.
public struct HealthCheckResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "grpc.health.v1.HealthCheckResponse"

    /// gRPC's serving states.
    public enum ServingStatus: UInt32, Sendable, Hashable {
        /// Unknown.
        case unknown = 0
        /// Answering calls.
        case serving = 1
        /// Not answering calls (e.g. draining for shutdown).
        case notServing = 2
        /// Watch only: no such service.
        case serviceUnknown = 3
    }

    /// The state.
    public var status: ServingStatus

    /// Creates a response.
    public init(status: ServingStatus) { self.status = status }

    /// Decodes the message; unknown enum numbers read as `.unknown`.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try ProtobufArena.withPooled { arena throws(ProtobufDecodingError) in
            let message = try ProtobufC.unpack(bytes, arena: arena,
                                               using: grpc__health__v1__health_check_response__unpack,
                                               typeName: Self.protoName).pointee
            return HealthCheckResponse(status: ServingStatus(rawValue: message.status.rawValue) ?? .unknown)
        }
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        let message = arena.allocateZeroed(Grpc__Health__V1__HealthCheckResponse.self)
        grpc__health__v1__health_check_response__init(message)
        message.pointee.status = Grpc__Health__V1__HealthCheckResponse__ServingStatus(rawValue: status.rawValue)
        return BuiltMessage(arena: arena, pointer: message)
    }
}
