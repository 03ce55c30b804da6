import CCartProto
import NIOCore
import ProtobufCSupport

/// A decoded `ttrpc.Response`: either a payload (success) or a status (error).
public struct ResponseEnvelope: Sendable {
    /// The status, or `nil` for success (a status with code 0 also means success).
    public var status: RPCError?
    /// The encoded response message; empty on error.
    public var payload: ByteBuffer

    /// Creates an envelope.
    public init(status: RPCError?, payload: ByteBuffer) {
        self.status = status
        self.payload = payload
    }

    /// Decodes a `ttrpc.Response` from a frame's data.
    /// - Throws: ``ProtobufDecodingError`` when the bytes are not a Response.
    public static func decode(_ data: ByteBuffer, arena: ProtobufArena) throws(ProtobufDecodingError) -> ResponseEnvelope {
        let result: Result<ResponseEnvelope, ProtobufDecodingError> = data.withUnsafeReadableBytes { bytes in
            do throws(ProtobufDecodingError) {
                let response = try ProtobufC.unpack(bytes, arena: arena, using: ttrpc__response__unpack,
                                                    typeName: "ttrpc.Response").pointee
                var status: RPCError?
                if let wire = response.status, wire.pointee.code != 0 {
                    let message = (try? ProtobufC.string(wire.pointee.message, field: "status message"))
                        ?? "(status message is not valid UTF-8)"
                    status = RPCError(code: StatusCode(rawValue: wire.pointee.code), message: message)
                }
                var payload = ByteBuffer()
                if response.payload.len > 0, let base = response.payload.data {
                    payload = ByteBuffer(bytes: UnsafeRawBufferPointer(start: base, count: response.payload.len))
                }
                return .success(ResponseEnvelope(status: status, payload: payload))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

extension ByteBuffer {
    /// Appends a Response frame carrying `payload` (success: no status field).
    /// - Returns: The frame's data length.
    @discardableResult
    public mutating func writeResponseFrame(streamID: UInt32, payload: ByteBuffer) -> Int {
        var response = Ttrpc__Response()
        ttrpc__response__init(&response)
        return payload.withUnsafeReadableBytes { bytes in
            if bytes.count > 0 {
                response.payload = ProtobufCBinaryData(
                    len: bytes.count,
                    data: UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)))
            }
            return writePackedFrame(&response, streamID: streamID, type: .response, flags: [])
        }
    }

    /// Appends a Response frame carrying an error status and no payload.
    /// - Returns: The frame's data length.
    @discardableResult
    public mutating func writeResponseFrame(streamID: UInt32, status: RPCError) -> Int {
        var wireStatus = Google__Rpc__Status()
        google__rpc__status__init(&wireStatus)
        wireStatus.code = status.code.rawValue
        return status.message.withCString { message in
            wireStatus.message = UnsafeMutablePointer(mutating: message)
            return withUnsafeMutablePointer(to: &wireStatus) { statusPointer in
                var response = Ttrpc__Response()
                ttrpc__response__init(&response)
                response.status = statusPointer
                return writePackedFrame(&response, streamID: streamID, type: .response, flags: [])
            }
        }
    }

    /// Appends a Data frame carrying one stream message (flags 0x04 when it encodes to zero bytes).
    /// - Returns: The frame's data length.
    @discardableResult
    public mutating func writeDataFrame(streamID: UInt32, message: ByteBuffer) -> Int {
        let flags: FrameFlags = message.readableBytes == 0 ? .noData : []
        writeFrameHeader(FrameHeader(length: UInt32(message.readableBytes), streamID: streamID, type: .data,
                                     flags: flags))
        var copy = message
        return writeBuffer(&copy)
    }

    /// Appends the Data frame that ends a server stream cleanly: flags 0x05, no data.
    @discardableResult
    public mutating func writeEndOfStreamFrame(streamID: UInt32) -> Int {
        writeFrameHeader(FrameHeader(length: 0, streamID: streamID, type: .data, flags: [.remoteClosed, .noData]))
    }

    private mutating func writePackedFrame<T>(_ message: inout T, streamID: UInt32, type: MessageType,
                                              flags: FrameFlags) -> Int {
        withUnsafePointer(to: &message) { pointer in
            let size = ProtobufC.packedSize(pointer)
            writeFrameHeader(FrameHeader(length: UInt32(size), streamID: streamID, type: type, flags: flags))
            if size > 0 {
                writeWithUnsafeMutableBytes(minimumWritableBytes: size) { out in
                    ProtobufC.pack(pointer, into: out.baseAddress!)
                }
            }
            return size
        }
    }
}
