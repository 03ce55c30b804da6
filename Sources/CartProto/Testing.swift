import CCartProto
import ProtobufCSupport

/// `cartsync.testing.v1.SleepRequest`: wait, then answer (tests of deadlines).
public struct SleepRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cartsync.testing.v1.SleepRequest"
    /// How long to wait, in milliseconds.
    public var durationMs: Int64

    /// Creates a request.
    public init(durationMs: Int64) { self.durationMs = durationMs }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try ProtobufArena.withPooled { arena throws(ProtobufDecodingError) in
            let message = try ProtobufC.unpack(bytes, arena: arena, using: cartsync__testing__v1__sleep_request__unpack,
                                               typeName: Self.protoName).pointee
            return SleepRequest(durationMs: message.duration_ms)
        }
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        let message = arena.allocateZeroed(Cartsync__Testing__V1__SleepRequest.self)
        cartsync__testing__v1__sleep_request__init(message)
        message.pointee.duration_ms = durationMs
        return BuiltMessage(arena: arena, pointer: message)
    }
}

/// `cartsync.testing.v1.SleepResponse`.
public struct SleepResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cartsync.testing.v1.SleepResponse"
    /// How long the server waited.
    public var sleptMs: Int64

    /// Creates a response.
    public init(sleptMs: Int64) { self.sleptMs = sleptMs }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try ProtobufArena.withPooled { arena throws(ProtobufDecodingError) in
            let message = try ProtobufC.unpack(bytes, arena: arena, using: cartsync__testing__v1__sleep_response__unpack,
                                               typeName: Self.protoName).pointee
            return SleepResponse(sleptMs: message.slept_ms)
        }
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        let message = arena.allocateZeroed(Cartsync__Testing__V1__SleepResponse.self)
        cartsync__testing__v1__sleep_response__init(message)
        message.pointee.slept_ms = sleptMs
        return BuiltMessage(arena: arena, pointer: message)
    }
}

/// `cartsync.testing.v1.EchoRequest`: answer with data, or with `replySize` zero bytes.
public struct EchoRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cartsync.testing.v1.EchoRequest"
    /// Returned verbatim.
    public var data: [UInt8]
    /// When > 0, the reply carries this many zero bytes instead.
    public var replySize: Int64

    /// Creates a request.
    public init(data: [UInt8] = [], replySize: Int64 = 0) {
        self.data = data
        self.replySize = replySize
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try ProtobufArena.withPooled { arena throws(ProtobufDecodingError) in
            let message = try ProtobufC.unpack(bytes, arena: arena, using: cartsync__testing__v1__echo_request__unpack,
                                               typeName: Self.protoName).pointee
            return EchoRequest(data: ProtobufC.bytes(message.data), replySize: message.reply_size)
        }
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        let message = arena.allocateZeroed(Cartsync__Testing__V1__EchoRequest.self)
        cartsync__testing__v1__echo_request__init(message)
        message.pointee.data = data.withUnsafeBytes { arena.binaryData($0) }
        message.pointee.reply_size = replySize
        return BuiltMessage(arena: arena, pointer: message)
    }
}

/// `cartsync.testing.v1.EchoResponse`.
public struct EchoResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cartsync.testing.v1.EchoResponse"
    /// The data.
    public var data: [UInt8]

    /// Creates a response.
    public init(data: [UInt8]) { self.data = data }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try ProtobufArena.withPooled { arena throws(ProtobufDecodingError) in
            let message = try ProtobufC.unpack(bytes, arena: arena, using: cartsync__testing__v1__echo_response__unpack,
                                               typeName: Self.protoName).pointee
            return EchoResponse(data: ProtobufC.bytes(message.data))
        }
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        let message = arena.allocateZeroed(Cartsync__Testing__V1__EchoResponse.self)
        cartsync__testing__v1__echo_response__init(message)
        message.pointee.data = data.withUnsafeBytes { arena.binaryData($0) }
        return BuiltMessage(arena: arena, pointer: message)
    }
}

/// `cartsync.testing.v1.CountRequest`: stream `count` messages, then end or fail.
public struct CountRequest: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cartsync.testing.v1.CountRequest"
    /// How many messages.
    public var count: Int32
    /// When > 0, end with this status code instead of a clean end.
    public var failWithCode: Int32

    /// Creates a request.
    public init(count: Int32, failWithCode: Int32 = 0) {
        self.count = count
        self.failWithCode = failWithCode
    }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try ProtobufArena.withPooled { arena throws(ProtobufDecodingError) in
            let message = try ProtobufC.unpack(bytes, arena: arena, using: cartsync__testing__v1__count_request__unpack,
                                               typeName: Self.protoName).pointee
            return CountRequest(count: message.count, failWithCode: message.fail_with_code)
        }
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        let message = arena.allocateZeroed(Cartsync__Testing__V1__CountRequest.self)
        cartsync__testing__v1__count_request__init(message)
        message.pointee.count = count
        message.pointee.fail_with_code = failWithCode
        return BuiltMessage(arena: arena, pointer: message)
    }
}

/// `cartsync.testing.v1.CountResponse`.
public struct CountResponse: ProtoMessage, Hashable {
    /// The proto name.
    public static let protoName = "cartsync.testing.v1.CountResponse"
    /// 1 … count.
    public var n: Int32

    /// Creates a response.
    public init(n: Int32) { self.n = n }

    /// Decodes the message.
    public init(protobuf bytes: UnsafeRawBufferPointer) throws(ProtobufDecodingError) {
        self = try ProtobufArena.withPooled { arena throws(ProtobufDecodingError) in
            let message = try ProtobufC.unpack(bytes, arena: arena, using: cartsync__testing__v1__count_response__unpack,
                                               typeName: Self.protoName).pointee
            return CountResponse(n: message.n)
        }
    }

    /// Builds the C message.
    public func build(in arena: ProtobufArena) -> any PackableMessage {
        let message = arena.allocateZeroed(Cartsync__Testing__V1__CountResponse.self)
        cartsync__testing__v1__count_response__init(message)
        message.pointee.n = n
        return BuiltMessage(arena: arena, pointer: message)
    }
}
