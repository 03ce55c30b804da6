import CartProto
import CartTesting
import Testing
import NIOCore
import ProtobufCSupport
import TTRPC

/// A complete request frame for raw-socket tests.
func requestBytes(streamID: UInt32, service: String, method: String, message: (some ProtoEncodable)? = nil as HealthCheckRequest?,
                  timeoutNano: Int64 = 0, metadata: Metadata = Metadata(), flags: FrameFlags = []) -> [UInt8] {
    var payload = ByteBuffer()
    if let message { payload.writeProtoMessage(message) }
    var buffer = ByteBuffer()
    RequestEnvelope(service: service, method: method, payload: payload, timeoutNano: timeoutNano, metadata: metadata)
        .writeFrame(streamID: streamID, flags: flags, to: &buffer, arena: ProtobufArena())
    return Array(buffer.readableBytesView)
}

/// A Health/Check request frame.
func healthCheckBytes(streamID: UInt32) -> [UInt8] {
    requestBytes(streamID: streamID, service: "grpc.health.v1.Health", method: "Check", message: HealthCheckRequest())
}

/// Decodes a Response frame's data.
func decodeResponse(_ data: [UInt8]) throws -> ResponseEnvelope {
    try ResponseEnvelope.decode(ByteBuffer(bytes: data), arena: ProtobufArena())
}

/// Asserts-friendly: the health status in a successful Response's data.
func servingStatus(_ data: [UInt8]) throws -> HealthCheckResponse.ServingStatus? {
    let envelope = try decodeResponse(data)
    guard envelope.status == nil else { return nil }
    return try envelope.payload.readProtoMessage(as: HealthCheckResponse.self).status
}

/// Runs `body`, which must fail with an ``RPCError`` of `code`; records an issue otherwise.
/// - Returns: The error, for further checks.
@discardableResult
func expectRPCError<T>(_ code: StatusCode, _ what: String = "", _ body: () async throws -> T,
                       sourceLocation: SourceLocation = #_sourceLocation) async -> RPCError? {
    do {
        _ = try await body()
        Issue.record("\(what): succeeded, expected \(code)", sourceLocation: sourceLocation)
        return nil
    } catch let error as RPCError {
        #expect(error.code == code, "\(what): \(error.code.name): \(error.message)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("\(what): \(error), expected RPCError \(code)", sourceLocation: sourceLocation)
        return nil
    }
}
