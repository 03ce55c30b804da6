import NIOCore

/// Splits the byte buffers a connection reads into ttrpc frames, keeping the bytes of an incomplete
/// frame until the rest arrives: a ``FrameDecoder`` driven directly by a connection's handler, with
/// no `ByteToMessageHandler` (and no boxed `NIOAny` per frame) in between.
///
/// Frames are slices of the buffers read, not copies. Not thread-safe: one channel's event loop
/// (or one fuzzing thread) owns it.
public struct FrameReader {
    private var decoder: FrameDecoder
    /// Bytes of an incomplete frame.
    private var unread: ByteBuffer?

    /// Creates a reader.
    /// - Parameter maxMessageLength: The largest frame data accepted (see ``FrameDecoder``).
    public init(maxMessageLength: Int) {
        decoder = FrameDecoder(maxMessageLength: maxMessageLength)
    }

    /// Whether part of a frame is buffered (or an oversized frame is being skipped).
    public var hasPartialFrame: Bool { unread != nil || !decoder.isBetweenFrames }

    /// Feeds the bytes of one read and calls `body` with each frame they complete, in order, while
    /// `body` returns `true`; bytes after the last whole frame are kept for the next read.
    public mutating func read(_ bytes: ByteBuffer, _ body: (InboundFrame) -> Bool) {
        var buffer = bytes
        if var earlier = unread {
            unread = nil
            // Drop what was consumed once it outweighs what is left (amortised: a large frame
            // arriving in many reads is not moved on every read).
            if earlier.readerIndex > earlier.readableBytes { earlier.discardReadBytes() }
            earlier.writeBuffer(&buffer)
            buffer = earlier
        }
        while let frame = decoder.decodeOne(&buffer) {
            guard body(frame) else { return }
        }
        if buffer.readableBytes > 0 { unread = buffer }
    }

}
