import NIOCore
import Testing
@testable import TTRPC

@Suite("Frame header writing")
struct FrameHeaderTests {
    @Test("the captured Go headers come out byte for byte")
    func capturedHeaders() {
        var buffer = ByteBuffer()
        #expect(buffer.writeFrameHeader(FrameHeader(length: 0x34, streamID: 1, type: .request, flags: [])) == 10)
        buffer.writeFrameHeader(FrameHeader(length: 0x0f, streamID: 1, type: .response, flags: []))
        #expect(Array(buffer.readableBytesView) == Array(goRequestFrame.prefix(10)) + Array(goResponseFrame.prefix(10)))
    }

    @Test("big-endian length and stream id, then type and flags, after what the buffer holds")
    func fieldOrderAndOffset() {
        var buffer = ByteBuffer(bytes: [0xee])
        buffer.writeFrameHeader(FrameHeader(length: 0x0102_0304, streamID: 0x0a0b_0c0d, type: .data,
                                            flags: [.remoteClosed, .noData]))
        #expect(Array(buffer.readableBytesView) == [0xee, 0x01, 0x02, 0x03, 0x04, 0x0a, 0x0b, 0x0c, 0x0d, 0x03, 0x05])
        buffer.moveReaderIndex(forwardBy: 1)
        #expect(buffer.readFrameHeader() == FrameHeader(length: 0x0102_0304, streamID: 0x0a0b_0c0d, type: .data,
                                                        flags: [.remoteClosed, .noData]))
    }

    @Test("a buffer shared with a copy is copied first, and a full one grows")
    func sharedAndFullBuffers() {
        var buffer = ByteBufferAllocator().buffer(capacity: 12)
        buffer.writeBytes([UInt8](repeating: 7, count: 8))
        let copy = buffer
        buffer.writeFrameHeader(FrameHeader(length: UInt32.max, streamID: UInt32.max, type: .request, flags: []))
        #expect(copy.readableBytes == 8)
        #expect(Array(copy.readableBytesView) == [UInt8](repeating: 7, count: 8))
        let header: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00]
        #expect(Array(buffer.readableBytesView) == [UInt8](repeating: 7, count: 8) + header)
    }
}
