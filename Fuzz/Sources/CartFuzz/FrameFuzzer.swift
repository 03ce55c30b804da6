import CartProto
import NIOCore
import ProtobufCSupport
import TTRPC

/// libFuzzer's per-input entry point (also what `main.swift` hands to `LLVMFuzzerRunDriver`).
@_cdecl("LLVMFuzzerTestOneInput")
public func cartsyncFuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FrameFuzzer.fuzz(UnsafeRawBufferPointer(start: data, count: size))
    return 0
}

/// What one fuzz input goes through — the path of bytes from a hostile peer into cartd:
///
/// 1. ``FrameDecoder/decodeOne(_:)`` over the whole input, in a loop;
/// 2. the same input fed in small chunks (as reads arrive) through the connections' ``FrameReader``,
///    and both again with a 64-byte frame limit so the oversized-frame skipping is reached: the
///    frames must not depend on how the bytes arrive;
/// 3. every complete Request frame through ``RequestEnvelope/decode(_:arena:limits:)`` with the
///    server's limits and with tiny ones (only INVALID_ARGUMENT or RESOURCE_EXHAUSTED may come out),
///    and a decoded envelope re-encoded and decoded again to the same value;
/// 4. every Response frame through ``ResponseEnvelope/decode(_:arena:)``;
/// 5. each request's payload, each Data frame, and the raw input itself decoded as every message type
///    cartd and its clients read (``PayloadDecoders``), each decoded value re-encoded and decoded to
///    the same value.
///
/// A property that does not hold is a crash (`precondition`), which libFuzzer reports like any other.
enum FrameFuzzer {
    /// Reused across inputs; reset after every decode, as the server connection does.
    nonisolated(unsafe) static let arena = ProtobufArena()

    static let tinyLimits = EnvelopeLimits(maxMetadataEntries: 2, maxMetadataBytes: 24)

    static func fuzz(_ input: UnsafeRawBufferPointer) {
        let frames = decodeFrames(input, limit: TTRPCWire.maxMessageLength, chunked: false)
        let chunked = decodeFrames(input, limit: TTRPCWire.maxMessageLength, chunked: true)
        precondition(frames == chunked, "frames depend on how the bytes arrive")
        let small = decodeFrames(input, limit: 64, chunked: false)
        let smallChunked = decodeFrames(input, limit: 64, chunked: true)
        precondition(small == smallChunked, "frames depend on how the bytes arrive (64-byte limit)")
        for inbound in frames {
            guard case .frame(let frame) = inbound else { continue }
            switch frame.header.type {
            case .request: fuzzRequest(frame)
            case .response: fuzzResponse(frame)
            default: frame.data.withUnsafeReadableBytes { PayloadDecoders.decodeAll($0) }
            }
        }
        // The raw input as a message too: the shortest path to the payload decoders.
        PayloadDecoders.decodeAll(input)
    }

    /// Decodes frames the way a connection sees them, checking the decoder's promises: the whole
    /// input through ``FrameDecoder/decodeOne(_:)`` in a loop, or (`chunked`) in reads through the
    /// ``FrameReader`` the server and client connections use, which keeps an incomplete frame's bytes
    /// between reads.
    static func decodeFrames(_ input: UnsafeRawBufferPointer, limit: Int, chunked: Bool) -> [InboundFrame] {
        var frames: [InboundFrame] = []
        func check(_ inbound: InboundFrame) {
            switch inbound {
            case .frame(let frame):
                precondition(Int(frame.header.length) == frame.data.readableBytes, "frame length mismatch")
                precondition(frame.data.readableBytes <= limit, "frame over the limit accepted")
            case .oversized(let header):
                precondition(Int(header.length) > limit, "frame within the limit reported oversized")
            }
            frames.append(inbound)
        }
        guard chunked else {
            var decoder = FrameDecoder(maxMessageLength: limit)
            var buffer = ByteBuffer(bytes: input)
            while let inbound = decoder.decodeOne(&buffer) { check(inbound) }
            return frames
        }
        // A first read of 0…15 bytes (often inside the header), then up to 8 equal reads, all steered
        // by the input's first two bytes so the fuzzer explores the splits too. (Byte-at-a-time
        // feeding is the unit tests' job: it is too slow under -Onone and ASan.)
        var reader = FrameReader(maxMessageLength: limit)
        let first = input.count > 1 ? Int(input[1] & 0x0f) : 0
        let reads = input.isEmpty ? 1 : Int(input[0] & 0x07) + 1
        let step = max(1, (input.count - first + reads - 1) / reads)
        var offset = 0
        while offset < input.count {
            let end = min(input.count, offset == 0 && first > 0 ? first : offset + step)
            reader.read(ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: input[offset..<end]))) { inbound in
                check(inbound)
                return true
            }
            offset = end
        }
        return frames
    }

    static func fuzzRequest(_ frame: Frame) {
        let decoded: Result<RequestEnvelope, RPCError>
        do throws(RPCError) {
            decoded = .success(try RequestEnvelope.decode(frame.data, arena: arena))
        } catch {
            decoded = .failure(error)
        }
        arena.reset()
        do throws(RPCError) {
            _ = try RequestEnvelope.decode(frame.data, arena: arena, limits: tinyLimits)
        } catch {
            precondition(error.code == .invalidArgument || error.code == .resourceExhausted,
                         "envelope error \(error.code) with tiny limits")
        }
        arena.reset()
        switch decoded {
        case .failure(let error):
            precondition(error.code == .invalidArgument || error.code == .resourceExhausted,
                         "envelope error \(error.code)")
        case .success(let envelope):
            let limits = EnvelopeLimits()
            precondition(envelope.metadata.count <= limits.maxMetadataEntries, "metadata count over the limit")
            let metadataBytes = envelope.metadata.reduce(0) { $0 + $1.key.utf8.count + $1.value.utf8.count }
            precondition(metadataBytes <= limits.maxMetadataBytes, "metadata bytes over the limit")
            expectEnvelopeRoundTrip(envelope, streamID: frame.header.streamID)
            envelope.payload.withUnsafeReadableBytes { PayloadDecoders.decodeAll($0) }
        }
    }

    /// Re-encodes a decoded envelope the way the client does and decodes it again: nothing may change.
    static func expectEnvelopeRoundTrip(_ envelope: RequestEnvelope, streamID: UInt32) {
        var buffer = ByteBuffer()
        envelope.writeFrame(streamID: streamID, flags: [], to: &buffer, arena: arena)
        arena.reset()
        var decoder = FrameDecoder()
        guard case .frame(let frame) = decoder.decodeOne(&buffer) else {
            preconditionFailure("a re-encoded request is not one frame")
        }
        do throws(RPCError) {
            let again = try RequestEnvelope.decode(frame.data, arena: arena)
            arena.reset()
            precondition(again.service == envelope.service && again.method == envelope.method
                         && again.payload == envelope.payload && again.timeoutNano == envelope.timeoutNano
                         && again.metadata == envelope.metadata, "request envelope changed in a round trip")
        } catch {
            preconditionFailure("a re-encoded request does not decode: \(error)")
        }
    }

    static func fuzzResponse(_ frame: Frame) {
        do throws(ProtobufDecodingError) {
            let response = try ResponseEnvelope.decode(frame.data, arena: arena)
            arena.reset()
            response.payload.withUnsafeReadableBytes { PayloadDecoders.decodeAll($0) }
        } catch {
            arena.reset()
        }
    }
}
