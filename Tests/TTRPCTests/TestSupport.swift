import NIOCore
import NIOEmbedded
@testable import TTRPC

/// Bytes from a hex string ("00 0a ff"), spaces ignored.
func hex(_ string: String) -> [UInt8] {
    let digits = string.filter { !$0.isWhitespace }
    var bytes: [UInt8] = []
    var index = digits.startIndex
    while index < digits.endIndex {
        let next = digits.index(index, offsetBy: 2)
        bytes.append(UInt8(digits[index..<next], radix: 16)!)
        index = next
    }
    return bytes
}

/// Bytes of a string's UTF-8.
func utf8(_ string: String) -> [UInt8] { Array(string.utf8) }

/// A request frame, encoded the way any client does.
func requestFrame(streamID: UInt32, service: String, method: String, payload: [UInt8] = [],
                  timeoutNano: Int64 = 0, metadata: Metadata = Metadata(), flags: FrameFlags = []) -> ByteBuffer {
    var buffer = ByteBuffer()
    let envelope = RequestEnvelope(service: service, method: method, payload: ByteBuffer(bytes: payload),
                                   timeoutNano: timeoutNano, metadata: metadata)
    envelope.writeFrame(streamID: streamID, flags: flags, to: &buffer, arena: ProtobufArenaForTests.shared)
    return buffer
}

/// A raw frame with any header values.
func rawFrame(length: UInt32? = nil, streamID: UInt32, type: UInt8, flags: UInt8 = 0, data: [UInt8] = []) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeMultipleIntegers(length ?? UInt32(data.count), streamID, type, flags)
    buffer.writeBytes(data)
    return buffer
}

import ProtobufCSupport

enum ProtobufArenaForTests {
    nonisolated(unsafe) static let shared = ProtobufArena()
}

/// Decodes every complete frame in the bytes a channel wrote.
func frames(in buffers: [ByteBuffer]) -> [Frame] {
    var all = ByteBuffer()
    for var buffer in buffers { all.writeBuffer(&buffer) }
    var decoder = FrameDecoder()
    var result: [Frame] = []
    while let frame = decoder.decodeOne(&all) {
        if case .frame(let f) = frame { result.append(f) }
    }
    return result
}

/// Reads everything a channel wrote so far.
func drainOutbound(_ channel: EmbeddedChannel) throws -> [Frame] {
    var buffers: [ByteBuffer] = []
    while let buffer = try channel.readOutbound(as: ByteBuffer.self) { buffers.append(buffer) }
    return frames(in: buffers)
}

/// The status of a Response frame, or nil for success.
func status(of frame: Frame) throws -> RPCError? {
    try ResponseEnvelope.decode(frame.data, arena: ProtobufArena()).status
}

/// The payload of a successful Response frame.
func payload(of frame: Frame) throws -> [UInt8] {
    let envelope = try ResponseEnvelope.decode(frame.data, arena: ProtobufArena())
    return Array(envelope.payload.readableBytesView)
}

/// A mutable cell for test handlers on an EmbeddedEventLoop (single-threaded by construction).
final class Box<T>: @unchecked Sendable {
    var value: T
    init(_ value: T) { self.value = value }
}
