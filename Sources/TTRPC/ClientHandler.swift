import NIOCore
import ProtobufCSupport

/// A call handed to ``ClientHandler`` for sending.
struct ClientRequest: Sendable {
    enum Receiver {
        case unary(EventLoopPromise<ByteBuffer>)
        case stream(AsyncThrowingStream<ByteBuffer, any Error>.Continuation)
    }

    var envelope: RequestEnvelope
    var receiver: Receiver
    /// When the client itself gives up (fails the call with DEADLINE_EXCEEDED).
    var localDeadline: NIODeadline?
}

/// The client side of one ttrpc connection: assigns stream ids (odd, from 1, +2), matches
/// responses and stream data to calls, enforces local deadlines, and fails every open call
/// with UNAVAILABLE when the connection closes.
///
/// Event-loop confined.
final class ClientHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct Pending {
        var receiver: ClientRequest.Receiver
        var deadlineTask: Scheduled<Void>?
    }

    private var nextStreamID: UInt32 = 1
    private var pending: [UInt32: Pending] = [:]
    private var closedError: RPCError?
    private let arena = ProtobufArena()
    private let maxMessageLength: Int
    private var context: ChannelHandlerContext?
    /// Servers send frames of any size they accept themselves; the limit only bounds what is buffered.
    private var frames = FrameReader(maxMessageLength: TTRPCWire.maxMessageLength)

    init(maxMessageLength: Int) {
        self.maxMessageLength = maxMessageLength
    }

    /// The number of calls waiting for an answer.
    var pendingCount: Int { pending.count }

    func handlerAdded(context: ChannelHandlerContext) { self.context = context }
    func handlerRemoved(context: ChannelHandlerContext) { self.context = nil }

    /// Sends a call and flushes, from the event loop (``TTRPCClientConnection`` hands calls over directly,
    /// not through the pipeline: no boxed `NIOAny`, no write promise). A call that cannot be sent fails
    /// through its receiver; a failed socket write closes the connection, which fails every open call.
    func send(_ request: ClientRequest) {
        guard let context else {
            fail(request.receiver, closedError ?? RPCError(code: .unavailable, message: "the connection to the server closed"))
            return
        }
        if let closedError {
            fail(request.receiver, closedError)
            return
        }
        // Stream ids are uint32 and must increase: past 2^31 the connection is used up.
        guard nextStreamID < UInt32(Int32.max) else {
            fail(request.receiver, RPCError(code: .resourceExhausted,
                                            message: "stream ids of this connection are used up; open a new connection"))
            return
        }
        let streamID = nextStreamID
        var buffer = context.channel.allocator.buffer(capacity: 64 + request.envelope.payload.readableBytes)
        let flags: FrameFlags
        if case .stream = request.receiver { flags = .remoteClosed } else { flags = [] }
        let length = request.envelope.writeFrame(streamID: streamID, flags: flags, to: &buffer, arena: arena)
        arena.reset()
        guard length <= maxMessageLength else {
            let error = RPCError(code: .resourceExhausted,
                message: "request of \(length) bytes exceeds the maximum message size of \(maxMessageLength)")
            fail(request.receiver, error)
            return
        }
        nextStreamID += 2
        var entry = Pending(receiver: request.receiver, deadlineTask: nil)
        if let deadline = request.localDeadline {
            entry.deadlineTask = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
                guard let expired = pending.removeValue(forKey: streamID) else { return }
                fail(expired.receiver, RPCError(code: .deadlineExceeded, message: "deadline exceeded waiting for the server"))
            }
        }
        pending[streamID] = entry
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        frames.read(unwrapInboundIn(data)) { inbound in
            if case .frame(let frame) = inbound { handle(frame) }  // an oversized one is skipped
            return closedError == nil
        }
    }

    private func handle(_ frame: Frame) {
        let streamID = frame.header.streamID
        switch frame.header.type {
        case .response:
            guard let entry = pending.removeValue(forKey: streamID) else { return }
            entry.deadlineTask?.cancel()
            let envelope: ResponseEnvelope
            do {
                envelope = try ResponseEnvelope.decode(frame.data, arena: arena)
                arena.reset()
            } catch {
                arena.reset()
                fail(entry.receiver, RPCError(code: .internal, message: "the server sent an undecodable response: \(error)"))
                return
            }
            switch entry.receiver {
            case .unary(let promise):
                if let status = envelope.status { promise.fail(status) } else { promise.succeed(envelope.payload) }
            case .stream(let continuation):
                if let status = envelope.status { continuation.finish(throwing: status) } else { continuation.finish() }
            }
        case .data:
            guard let entry = pending[streamID], case .stream(let continuation) = entry.receiver else { return }
            // 0x04 alone: a message that encodes to zero bytes; 0x05: the end, carrying no message.
            let isEnd = frame.header.flags.contains(.remoteClosed)
            if !isEnd || frame.data.readableBytes > 0 {
                continuation.yield(frame.data)
            }
            if isEnd {
                pending.removeValue(forKey: streamID)
                entry.deadlineTask?.cancel()
                continuation.finish()
            }
        default:
            return
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Not `frames` itself: this can run inside its `read` (a reply's callback closing the
        // connection); the reader stops at the next frame and goes with the handler.
        failAll(RPCError(code: .unavailable, message: "the connection to the server closed"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        failAll(RPCError(code: .unavailable, message: "the connection to the server failed: \(error)"))
        context.close(promise: nil)
    }

    /// Abandons a stream: later data for it is dropped (ttrpc has no cancel frame).
    func abandon(streamID: UInt32) {
        pending.removeValue(forKey: streamID)?.deadlineTask?.cancel()
    }

    private func failAll(_ error: RPCError) {
        closedError = closedError ?? error
        let calls = pending
        pending.removeAll()
        for (_, entry) in calls {
            entry.deadlineTask?.cancel()
            fail(entry.receiver, error)
        }
    }

    private func fail(_ receiver: ClientRequest.Receiver, _ error: RPCError) {
        switch receiver {
        case .unary(let promise): promise.fail(error)
        case .stream(let continuation): continuation.finish(throwing: error)
        }
    }
}
