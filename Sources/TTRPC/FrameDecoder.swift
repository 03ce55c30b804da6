import NIOCore

/// Splits a byte stream into ttrpc frames: a two-state decoder (waiting for a header, then for
/// `length` bytes of data).
///
/// The length is checked against ``TTRPCWire/maxMessageLength`` before anything is buffered for
/// the data: an oversized frame's data is skipped as it arrives (never held in memory) and the
/// decoder emits ``InboundFrame/oversized(_:)`` once it has been skipped, so the connection can
/// answer RESOURCE_EXHAUSTED on that stream and carry on.
///
/// Used from one channel's event loop only.
public struct FrameDecoder: ByteToMessageDecoder {
    /// The decoder's output.
    public typealias InboundOut = InboundFrame

    private enum State {
        case waitingForHeader
        case waitingForData(FrameHeader)
        case discarding(FrameHeader, remaining: Int)
    }

    private var state: State = .waitingForHeader
    private let maxMessageLength: Int

    /// Creates a decoder.
    /// - Parameter maxMessageLength: The largest frame data accepted; defaults to ttrpc's 4 MiB.
    public init(maxMessageLength: Int = TTRPCWire.maxMessageLength) {
        self.maxMessageLength = maxMessageLength
    }

    /// Decodes as many frames as `buffer` holds.
    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let frame = decodeOne(&buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(frame))
        return .continue
    }

    /// Decodes what is left when the connection closes; a partial frame is dropped.
    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        try decode(context: context, buffer: &buffer)
    }

    /// Whether the decoder is between frames (no header read whose data is still to come).
    var isBetweenFrames: Bool {
        if case .waitingForHeader = state { return true }
        return false
    }

    /// Decodes one frame from `buffer`, or returns `nil` when more bytes are needed.
    /// The connection handlers of the server and the client call this through ``FrameReader``; a
    /// pipeline with a `ByteToMessageHandler` (cart-bench's watch fan-out) goes through
    /// ``decode(context:buffer:)``.
    public mutating func decodeOne(_ buffer: inout ByteBuffer) -> InboundFrame? {
        while true {
            switch state {
            case .waitingForHeader:
                guard let header = buffer.readFrameHeader() else { return nil }
                if Int(header.length) > maxMessageLength {
                    state = .discarding(header, remaining: Int(header.length))
                } else {
                    state = .waitingForData(header)
                }
            case .waitingForData(let header):
                guard let data = buffer.readSlice(length: Int(header.length)) else { return nil }
                state = .waitingForHeader
                return .frame(Frame(header: header, data: data))
            case .discarding(let header, let remaining):
                let skip = min(remaining, buffer.readableBytes)
                buffer.moveReaderIndex(forwardBy: skip)
                if skip < remaining {
                    state = .discarding(header, remaining: remaining - skip)
                    return nil
                }
                state = .waitingForHeader
                return .oversized(header)
            }
        }
    }
}

