import NIOCore

/// Sends the messages of one server-streaming call.
///
/// Thread-safe: ``send(_:)`` may be called from any thread; writes happen on the connection's
/// event loop, in call order. Each send's future completes once the frame was handed to the
/// socket, so a producer that waits for it before sending the next message never buffers more
/// than one message per stream (how WatchCart coalesces for slow watchers).
public struct ServerStreamWriter: Sendable {
    let eventLoop: any EventLoop
    let streamID: UInt32
    let sink: NIOLoopBound<ServerConnectionHandler>

    /// Sends one encoded message as a Data frame.
    /// - Returns: A future that succeeds when the frame was written, and fails when the stream has
    ///   already ended (client gone, deadline, shutdown) or the message is over 4 MiB.
    public func send(_ message: ByteBuffer) -> EventLoopFuture<Void> {
        if eventLoop.inEventLoop {
            return sink.value.sendStreamMessage(streamID: streamID, message: message)
        }
        return eventLoop.flatSubmit { [sink, streamID] in
            sink.value.sendStreamMessage(streamID: streamID, message: message)
        }
    }
}
