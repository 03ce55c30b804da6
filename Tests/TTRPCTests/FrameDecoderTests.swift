import NIOCore
import NIOTestUtils
import Testing
@testable import TTRPC

/// The Go ttrpc 1.1.1 client's call to demo.v1.Echo/Say (PROTOCOL.md).
let goRequestFrame: [UInt8] = hex("00 00 00 34 00 00 00 01 01 00") + hex("0a 0c") + utf8("demo.v1.Echo") + hex("12 03")
    + utf8("Say") + hex("1a 07 0a 05") + utf8("hello") + hex("20 e5 97 96 d0 12 2a 10 0a 09") + utf8("x-cart-id")
    + hex("12 03") + utf8("c42")

/// The Go ttrpc server's reply (PROTOCOL.md).
let goResponseFrame: [UInt8] = hex("00 00 00 0f 00 00 00 01 02 00") + hex("12 0d 0a 0b") + utf8("echo: hello")

@Suite("Frame decoder")
struct FrameDecoderTests {
    @Test("golden frames decode byte by byte and in batches")
    func goldenFramesDripFed() throws {
        let request = ByteBuffer(bytes: goRequestFrame)
        let response = ByteBuffer(bytes: goResponseFrame)
        let expectedRequest = InboundFrame.frame(Frame(
            header: FrameHeader(length: 0x34, streamID: 1, type: .request, flags: []),
            data: ByteBuffer(bytes: goRequestFrame.dropFirst(10))))
        let expectedResponse = InboundFrame.frame(Frame(
            header: FrameHeader(length: 0x0f, streamID: 1, type: .response, flags: []),
            data: ByteBuffer(bytes: goResponseFrame.dropFirst(10))))
        var both = request
        both.writeBytes(goResponseFrame)
        // The verifier feeds the input whole, byte by byte, and in random chunks.
        try ByteToMessageDecoderVerifier.verifyDecoder(
            inputOutputPairs: [(request, [expectedRequest]), (response, [expectedResponse]),
                               (both, [expectedRequest, expectedResponse])],
            decoderFactory: { FrameDecoder() })
    }

    @Test("the header is big-endian and data-length only")
    func headerFields() {
        var buffer = ByteBuffer(bytes: hex("00 00 00 03 00 00 00 07 03 05 aa bb cc"))
        var decoder = FrameDecoder()
        guard case .frame(let frame) = decoder.decodeOne(&buffer) else {
            Issue.record("no frame")
            return
        }
        #expect(frame.header == FrameHeader(length: 3, streamID: 7, type: .data, flags: [.remoteClosed, .noData]))
        #expect(Array(frame.data.readableBytesView) == [0xaa, 0xbb, 0xcc])
        #expect(buffer.readableBytes == 0)
    }

    @Test("a truncated header or body produces nothing until the rest arrives")
    func truncated() {
        var decoder = FrameDecoder()
        var buffer = ByteBuffer(bytes: goRequestFrame.prefix(9))
        #expect(decoder.decodeOne(&buffer) == nil)
        buffer.writeBytes(goRequestFrame[9..<20])
        #expect(decoder.decodeOne(&buffer) == nil)
        buffer.writeBytes(goRequestFrame[20...])
        #expect(decoder.decodeOne(&buffer) != nil)
    }

    @Test("exactly 4 MiB of data is accepted")
    func exactlyMax() {
        var decoder = FrameDecoder()
        var buffer = rawFrame(streamID: 1, type: 1, data: [UInt8](repeating: 7, count: TTRPCWire.maxMessageLength))
        guard case .frame(let frame) = decoder.decodeOne(&buffer) else {
            Issue.record("4 MiB frame was not accepted")
            return
        }
        #expect(frame.data.readableBytes == 4 << 20)
    }

    @Test("an oversized frame is skipped without buffering and reported once, then decoding goes on")
    func oversizedSkipped() {
        var decoder = FrameDecoder()
        let size = (4 << 20) + 1
        var buffer = rawFrame(length: UInt32(size), streamID: 9, type: 1)
        #expect(decoder.decodeOne(&buffer) == nil)
        // Feed the body in chunks: nothing is kept in the buffer while skipping.
        var remaining = size
        while remaining > 0 {
            let chunk = min(remaining, 64 * 1024)
            buffer.writeBytes([UInt8](repeating: 1, count: chunk))
            remaining -= chunk
            let result = decoder.decodeOne(&buffer)
            #expect(buffer.readableBytes == 0)
            if remaining > 0 { #expect(result == nil) } else {
                #expect(result == .oversized(FrameHeader(length: UInt32(size), streamID: 9, type: .request)))
            }
        }
        buffer.writeBytes(goRequestFrame)
        guard case .frame(let next) = decoder.decodeOne(&buffer) else {
            Issue.record("the frame after an oversized one was lost")
            return
        }
        #expect(next.header.streamID == 1)
    }

    @Test("unknown frame types are decoded (the connection ignores them)")
    func unknownType() {
        var decoder = FrameDecoder()
        var buffer = rawFrame(streamID: 1, type: 0x7f, data: [1, 2])
        guard case .frame(let frame) = decoder.decodeOne(&buffer) else {
            Issue.record("no frame")
            return
        }
        #expect(frame.header.type == MessageType(rawValue: 0x7f))
    }
}
