import NIOCore
import ProtobufCSupport

extension ByteBuffer {
    /// Appends the protobuf encoding of `message`, packed straight into the buffer (no copy).
    @inlinable
    public mutating func writeProtoMessage(_ message: some ProtoEncodable) {
        ProtobufArena.withPooled { arena in
            let built = message.build(in: arena)
            let size = built.packedSize
            if size > 0 {
                writeWithUnsafeMutableBytes(minimumWritableBytes: size) { built.pack(into: $0.baseAddress!) }
            }
        }
    }

    /// Decodes the readable bytes as a message.
    /// - Throws: ``RPCError`` INVALID_ARGUMENT naming the message type (or the offending field).
    @inlinable
    public func readProtoMessage<M: ProtoDecodable>(as type: M.Type) throws(RPCError) -> M {
        let result: Result<M, ProtobufDecodingError> = withUnsafeReadableBytes { bytes in
            do throws(ProtobufDecodingError) { return .success(try M(protobuf: bytes)) } catch { return .failure(error) }
        }
        switch result {
        case .success(let message): return message
        case .failure(let error):
            throw RPCError(code: .invalidArgument, message: "invalid \(M.protoName): \(error.message)")
        }
    }
}

extension ByteBufferAllocator {
    /// A new buffer holding the encoding of `message`.
    @inlinable
    public func buffer(protoMessage message: some ProtoEncodable) -> ByteBuffer {
        var buffer = self.buffer(capacity: 256)
        buffer.writeProtoMessage(message)
        return buffer
    }
}
