import NIOCore

/// One complete ttrpc frame: its header and its data.
public struct Frame: Sendable, Hashable {
    /// The header; `header.length == data.readableBytes`.
    public var header: FrameHeader
    /// The frame's data (a slice of the connection's read buffer, not a copy).
    public var data: ByteBuffer

    /// Creates a frame; the header's length is taken from `data`.
    public init(streamID: UInt32, type: MessageType, flags: FrameFlags = [], data: ByteBuffer) {
        self.header = FrameHeader(length: UInt32(data.readableBytes), streamID: streamID, type: type, flags: flags)
        self.data = data
    }

    /// Creates a frame from a decoded header and its data.
    public init(header: FrameHeader, data: ByteBuffer) {
        self.header = header
        self.data = data
    }
}

/// What the frame decoder produces: a frame, or the header of a frame too large to accept.
public enum InboundFrame: Sendable, Hashable {
    /// A complete frame within the size limit.
    case frame(Frame)
    /// A frame whose length exceeded ``TTRPCWire/maxMessageLength``; its data was read and discarded.
    case oversized(FrameHeader)
}
