import Logging
import NIOCore
import ProtobufCSupport

/// Serves the calls of one connection: stream-id rules, dispatch, deadlines, responses, streams.
///
/// Event-loop confined: every method runs on the connection's event loop (``ServerStreamWriter``
/// hops there). Requests run concurrently; responses are written as they complete, in any order.
///
/// Reads the socket's bytes itself and splits them into frames with a ``FrameReader`` (no
/// `ByteToMessageHandler` in front of it): a frame reaches its handling without a second pipeline
/// step, a boxed `NIOAny` or a dynamic cast.
final class ServerConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct ActiveCall {
        let service: String
        let method: String
        let startNanos: UInt64
        let cancellation: CallCancellation
        let annotations: CallAnnotations
        let methodIndex: Int
        let isStreaming: Bool
        var deadlineTask: Scheduled<Void>?
    }

    private let router: Router
    private let configuration: ServerConfiguration
    private let peer: PeerCredentials?
    private let connectionID: UInt64
    private let observer: any RPCObserver
    private let logger: Logger
    private let arena = ProtobufArena()
    /// The previous request's strings, reused when the next one repeats them.
    private var recentStrings = RecentStrings(count: RequestEnvelope.recentStringSlots)
    /// The previous request's route; the router is immutable, so a repeated service and method
    /// resolve to it without hashing either.
    private var lastRoute: (service: String, method: String, resolved: Router.Resolved)?
    private let eventLoop: any EventLoop

    private var context: ChannelHandlerContext?
    private var frames: FrameReader
    private var isClosed = false
    private var lastStreamID: UInt32 = 0
    private var calls: [UInt32: ActiveCall] = [:]
    private var inReadBatch = false
    private var needsFlush = false
    /// The frames written during the current read batch, handed to the channel as one buffer when
    /// the batch ends (or when they reach ``coalescedBytesLimit``): one pipeline write and no
    /// allocation per response instead of one each. Reused from batch to batch once the socket
    /// has taken its bytes.
    private var coalesced: ByteBuffer
    private(set) var isDraining = false
    private var lastActivityNanos: UInt64 = 0
    private var idleTask: Scheduled<Void>?
    private var unwritableTask: Scheduled<Void>?
    /// Frames that arrived while the peer was not reading its responses, handled once it reads again:
    /// replies never pile up beyond the write buffer's high-water mark (plus calls already in flight).
    private var deferredFrames = CircularBuffer<InboundFrame>()
    /// When the frame decoder last reported a partial frame buffered; `nil` while none is.
    private var partialFrameSinceNanos: UInt64?
    private var frameTask: Scheduled<Void>?

    init(router: Router, configuration: ServerConfiguration, peer: PeerCredentials?, connectionID: UInt64,
         observer: any RPCObserver, logger: Logger, eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
        self.coalesced = ByteBuffer()
        self.frames = FrameReader(maxMessageLength: configuration.maxMessageLength)
        self.router = router
        self.configuration = configuration
        self.peer = peer
        self.connectionID = connectionID
        self.observer = observer
        var logger = logger
        logger[metadataKey: "connection.id"] = "\(connectionID)"
        if let peer { logger[metadataKey: "peer.uid"] = "\(peer.uid)" }
        self.logger = logger
    }

    /// The number of calls in flight.
    var activeCallCount: Int { calls.count }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        lastActivityNanos = eventLoop.now.uptimeNanoseconds
        scheduleIdleCheck(after: configuration.idleTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleTask?.cancel()
        unwritableTask?.cancel()
        frameTask?.cancel()
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        // Not `frames` itself: this can run inside its `read`; the reader stops at the next frame, and
        // a partial frame goes with the handler.
        isClosed = true
        let now = eventLoop.now.uptimeNanoseconds
        let abandoned = calls
        calls.removeAll()
        for (streamID, call) in abandoned {
            call.deadlineTask?.cancel()
            call.cancellation.cancel(.connectionClosed)
            record(streamID: streamID, call: call, code: .cancelled, message: "client went away", cause: nil, now: now)
        }
        idleTask?.cancel()
        unwritableTask?.cancel()
        frameTask?.cancel()
        deferredFrames.removeAll()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inReadBatch = true
        let now = eventLoop.now.uptimeNanoseconds
        frames.read(unwrapInboundIn(data)) { inbound in
            // Activity is a complete frame: bytes of a partial one keep neither the idle nor the frame timer at bay.
            lastActivityNanos = now
            if deferredFrames.isEmpty, context.channel.isWritable {
                handle(inbound)
            } else {
                deferredFrames.append(inbound)
            }
            return !isClosed
        }
        partialFrame(isBuffered: !isClosed && frames.hasPartialFrame, now: now)
    }

    private func handle(_ inbound: InboundFrame) {
        switch inbound {
        case .oversized(let header):
            let limit = configuration.maxMessageLength
            reject(streamID: header.streamID, RPCError(code: .resourceExhausted,
                message: "message length \(header.length) exceed maximum message size of \(limit)"))
        case .frame(let frame):
            switch frame.header.type {
            case .request: handleRequest(frame)
            case .data: handleData(frame)
            default:
                logger.trace("ignoring frame of unknown type", metadata: ["frame.type": "\(frame.header.type)"])
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        inReadBatch = false
        writeCoalesced(context)
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        // After the flush the socket has usually taken the bytes and released the buffer, so this
        // keeps its memory for the next batch; a buffer still queued is left to the channel.
        if coalesced.capacity > Self.coalescedBytesLimit {
            coalesced = ByteBuffer()
        } else {
            coalesced.clear()
        }
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            unwritableTask?.cancel()
            unwritableTask = nil
            while context.channel.isWritable, let inbound = deferredFrames.popFirst() { handle(inbound) }
            if context.channel.isWritable {
                context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
                context.read()
            }
        } else if unwritableTask == nil {
            // The peer is not reading its responses: stop reading its requests, and give up on it
            // if it stays that way.
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
            let channel = context.channel
            let logger = self.logger
            unwritableTask = context.eventLoop.assumeIsolated().scheduleTask(in: configuration.unwritableTimeout) {
                logger.notice("closing connection: the peer has not read its responses",
                              metadata: ["timeout": "\(self.configuration.unwritableTimeout)"])
                channel.close(promise: nil)
            }
        }
        context.fireChannelWritabilityChanged()
    }

    /// Notes, at the end of each read, whether part of a frame is buffered (for the frame timeout).
    private func partialFrame(isBuffered: Bool, now: UInt64) {
        if isBuffered {
            guard partialFrameSinceNanos == nil else { return }
            partialFrameSinceNanos = now
            if frameTask == nil { scheduleFrameCheck(after: configuration.frameTimeout) }
        } else {
            partialFrameSinceNanos = nil  // the pending check finds nothing to do
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        logger.debug("connection error; closing", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: Requests

    private func handleRequest(_ frame: Frame) {
        let streamID = frame.header.streamID
        let envelope: RequestEnvelope
        do {
            envelope = try RequestEnvelope.decode(frame.data, arena: arena, limits: configuration.envelopeLimits,
                                                  reusing: &recentStrings)
            arena.reset()
        } catch {
            arena.reset()
            reject(streamID: streamID, error)
            return
        }
        guard streamID % 2 == 1 else {
            reject(streamID: streamID, RPCError(code: .invalidArgument,
                message: "StreamID must be odd for client initiated streams"), envelope: envelope)
            return
        }
        guard streamID > lastStreamID else {
            reject(streamID: streamID, RPCError(code: .invalidArgument,
                message: "StreamID cannot be re-used and must increment"), envelope: envelope)
            return
        }
        lastStreamID = streamID
        if isDraining {
            reject(streamID: streamID, RPCError(code: .unavailable,
                message: "the server is shutting down; retry on a new connection"), envelope: envelope)
            return
        }
        if calls.count >= configuration.maxConcurrentCallsPerConnection {
            reject(streamID: streamID, RPCError(code: .resourceExhausted,
                message: "too many calls in flight on this connection (limit \(configuration.maxConcurrentCallsPerConnection))"),
                envelope: envelope)
            return
        }
        let handler: Router.Resolved
        if let lastRoute, lastRoute.service == envelope.service, lastRoute.method == envelope.method {
            handler = lastRoute.resolved
        } else {
            switch router.resolve(service: envelope.service, method: envelope.method) {
            case .success(let resolved):
                handler = resolved
                lastRoute = (envelope.service, envelope.method, resolved)
            case .failure(let error):
                reject(streamID: streamID, error, envelope: envelope)
                return
            }
        }
        if envelope.timeoutNano < 0 {
            reject(streamID: streamID, RPCError(code: .deadlineExceeded,
                message: "deadline exceeded before the call started"), envelope: envelope)
            return
        }
        dispatch(streamID: streamID, envelope: envelope, handler: handler)
    }

    private func dispatch(streamID: UInt32, envelope: RequestEnvelope, handler: Router.Resolved) {
        guard let context else { return }
        let start = context.eventLoop.now
        let deadline = envelope.timeoutNano > 0 ? start + .nanoseconds(envelope.timeoutNano) : nil
        let cancellation = CallCancellation()
        let annotations = CallAnnotations()
        let callContext = ServerCallContext(
            service: envelope.service, method: envelope.method, metadata: envelope.metadata, deadline: deadline,
            peer: peer, eventLoop: context.eventLoop, allocator: context.channel.allocator, logger: logger,
            cancellation: cancellation, streamID: streamID, connectionID: connectionID,
            annotations: annotations)
        let call = ActiveCall(service: envelope.service, method: envelope.method,
                              startNanos: start.uptimeNanoseconds, cancellation: cancellation,
                              annotations: annotations, methodIndex: handler.index,
                              isStreaming: handler.handler.isStreaming)
        let loop = context.eventLoop
        // A call is in `calls` while it may complete later (or write stream messages). One that
        // completed inline has already left it (``finish(streamID:result:)``); one answered at once
        // never enters it, as nothing can expire, cancel or look it up before it is answered.
        switch handler.handler {
        case .unary(let body):
            calls[streamID] = call
            body(envelope.payload, callContext).hop(to: loop).assumeIsolated().whenComplete { result in
                self.finish(streamID: streamID, result: result.map { Optional($0) })
            }
        case .unaryAnswer(let body):
            switch body(envelope.payload, callContext) {
            case .now(let result):
                complete(streamID: streamID, call: call, result: result.map { Optional($0) })
                return  // answered: no deadline to watch
            case .later(let future):
                calls[streamID] = call
                future.hop(to: loop).assumeIsolated().whenComplete { result in
                    self.finish(streamID: streamID, result: result.map { Optional($0) })
                }
            }
        case .serverStreaming(let body):
            calls[streamID] = call
            let writer = ServerStreamWriter(eventLoop: loop, streamID: streamID, sink: NIOLoopBound(self, eventLoop: loop))
            body(envelope.payload, callContext, writer).hop(to: loop).assumeIsolated().whenComplete { result in
                self.finish(streamID: streamID, result: result.map { nil })
            }
        }
        if let deadline, calls[streamID] != nil {
            calls[streamID]?.deadlineTask = loop.assumeIsolated().scheduleTask(deadline: deadline) {
                self.expire(streamID: streamID)
            }
        }
    }

    private func expire(streamID: UInt32) {
        guard let call = calls.removeValue(forKey: streamID) else { return }
        call.cancellation.cancel(.deadlineExceeded)
        let error = RPCError(code: .deadlineExceeded, message: "deadline exceeded")
        write { $0.writeResponseFrame(streamID: streamID, status: error) }
        record(streamID: streamID, call: call, code: error.code, message: error.message, cause: nil)
    }

    /// Completes a call: `.success(buffer)` for a unary reply, `.success(nil)` for a stream's clean
    /// end, `.failure` for an error status.
    private func finish(streamID: UInt32, result: Result<ByteBuffer?, any Error>) {
        guard let call = calls.removeValue(forKey: streamID) else { return }  // already expired or closed
        complete(streamID: streamID, call: call, result: result)
    }

    /// Answers `call`, which is no longer (or never was) in `calls`.
    private func complete(streamID: UInt32, call: ActiveCall, result: Result<ByteBuffer?, any Error>) {
        call.deadlineTask?.cancel()
        switch result {
        case .success(.some(let payload)):
            let limit = configuration.maxMessageLength
            // The Response envelope adds a tag and a length varint to the payload.
            let envelopeSize = payload.readableBytes + 1 + varintLength(UInt64(payload.readableBytes))
            if payload.readableBytes > 0, envelopeSize > limit {
                let error = RPCError(code: .resourceExhausted,
                    message: "response of \(envelopeSize) bytes exceeds the maximum message size of \(limit)")
                write { $0.writeResponseFrame(streamID: streamID, status: error) }
                record(streamID: streamID, call: call, code: error.code, message: error.message, cause: nil)
                return
            }
            write(capacity: TTRPCWire.headerLength + envelopeSize) { $0.writeResponseFrame(streamID: streamID, payload: payload) }
            record(streamID: streamID, call: call, code: .ok, message: nil, cause: nil)
        case .success(.none):
            write { $0.writeEndOfStreamFrame(streamID: streamID) }
            record(streamID: streamID, call: call, code: .ok, message: nil, cause: nil)
        case .failure(let error):
            let rpcError = RPCError(from: error)
            call.cancellation.cancel(.aborted)
            write { $0.writeResponseFrame(streamID: streamID, status: rpcError) }
            record(streamID: streamID, call: call, code: rpcError.code, message: rpcError.message,
                   cause: rpcError.cause)
        }
    }

    // MARK: Streams

    /// Writes one message of a server stream; see ``ServerStreamWriter/send(_:)``.
    func sendStreamMessage(streamID: UInt32, message: ByteBuffer) -> EventLoopFuture<Void> {
        guard let context else {
            return eventLoop.makeFailedFuture(RPCError(code: .unavailable, message: "the connection is closed"))
        }
        guard calls[streamID] != nil else {
            return context.eventLoop.makeFailedFuture(RPCError(code: .cancelled, message: "the stream has ended"))
        }
        guard message.readableBytes <= configuration.maxMessageLength else {
            return context.eventLoop.makeFailedFuture(RPCError(code: .resourceExhausted,
                message: "stream message of \(message.readableBytes) bytes exceeds the maximum message size"))
        }
        let promise = context.eventLoop.makePromise(of: Void.self)
        write(capacity: TTRPCWire.headerLength + message.readableBytes, promise: promise) {
            $0.writeDataFrame(streamID: streamID, message: message)
        }
        return promise.futureResult
    }

    private func handleData(_ frame: Frame) {
        let streamID = frame.header.streamID
        guard calls[streamID] != nil else {
            reject(streamID: streamID, RPCError(code: .invalidArgument,
                message: "data frame for stream \(streamID), which is not an open stream"))
            return
        }
        if frame.header.flags.contains(.remoteClosed), frame.data.readableBytes > 0 {
            finish(streamID: streamID, result: .failure(RPCError(code: .invalidArgument,
                message: "data frame with the remote-closed flag must not carry data")))
        }
        // Otherwise: client-side data or half-close on a server-streaming call; nothing to do.
    }

    // MARK: Shutdown

    /// Stops taking new calls (they get UNAVAILABLE) and ends open streams cleanly (flags 0x05).
    func beginDraining() {
        guard !isDraining else { return }
        isDraining = true
        for (streamID, call) in calls where call.isStreaming {
            calls.removeValue(forKey: streamID)
            call.deadlineTask?.cancel()
            call.cancellation.cancel(.serverShutdown)
            write { $0.writeEndOfStreamFrame(streamID: streamID) }
            record(streamID: streamID, call: call, code: .ok, message: nil, cause: nil)
        }
    }

    // MARK: Helpers

    private func reject(streamID: UInt32, _ error: RPCError, envelope: RequestEnvelope? = nil) {
        write { $0.writeResponseFrame(streamID: streamID, status: error) }
        observer.callFinished(CallRecord(
            service: envelope?.service ?? "", method: envelope?.method ?? "", code: error.code,
            message: error.message, cause: nil, durationNanos: 0, connectionID: connectionID, streamID: streamID,
            peer: peer, isStreaming: false, reachedHandler: false))
    }

    /// The most bytes of frames coalesced before they go to the channel: large replies, and many
    /// replies to one read, still reach the channel's write buffer early enough for its
    /// writability (and with it ``channelRead(context:data:)``'s back-pressure) to see them.
    static let coalescedBytesLimit = 16 * 1024

    /// Writes one frame that `body` appends (`capacity` is its expected size): during a read batch
    /// into ``coalesced``, otherwise (or when `promise` is to learn of this frame's write) straight
    /// to the channel after what is coalesced, flushed at once outside a read batch.
    private func write(capacity: Int = 64, promise: EventLoopPromise<Void>? = nil, _ body: (inout ByteBuffer) -> Void) {
        guard let context else { return }
        if inReadBatch, promise == nil, capacity <= Self.coalescedBytesLimit {
            body(&coalesced)
            needsFlush = true
            if coalesced.readableBytes >= Self.coalescedBytesLimit { writeCoalesced(context) }
            return
        }
        writeCoalesced(context)  // frames leave in the order they were written
        var buffer = context.channel.allocator.buffer(capacity: capacity)
        body(&buffer)
        context.write(wrapOutboundOut(buffer), promise: promise)
        if inReadBatch { needsFlush = true } else { context.flush() }
    }

    /// Hands the coalesced frames, if any, to the channel (unflushed).
    private func writeCoalesced(_ context: ChannelHandlerContext) {
        guard coalesced.readableBytes > 0 else { return }
        context.write(wrapOutboundOut(coalesced), promise: nil)
        coalesced.moveReaderIndex(to: coalesced.writerIndex)
    }

    private func record(streamID: UInt32, call: ActiveCall, code: StatusCode, message: String?, cause: (any Error)?,
                        now: UInt64? = nil) {
        let now = now ?? eventLoop.now.uptimeNanoseconds
        observer.callFinished(CallRecord(
            service: call.service, method: call.method, code: code, message: message, cause: cause,
            durationNanos: Int64(now &- call.startNanos), connectionID: connectionID, streamID: streamID,
            methodIndex: call.methodIndex, peer: peer,
            isStreaming: call.isStreaming, reachedHandler: true, annotations: call.annotations.all))
    }

    /// Closes the connection when a partial frame has been buffered for ``ServerConfiguration/frameTimeout``
    /// (counted from the later of its first bytes and the last complete frame, and not while the
    /// server has stopped reading because the peer does not read).
    private func scheduleFrameCheck(after delay: TimeAmount) {
        guard let context else { return }
        frameTask = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            frameTask = nil
            guard let context = self.context, let since = partialFrameSinceNanos else { return }
            let limit = configuration.frameTimeout.nanoseconds
            let waited = Int64(eventLoop.now.uptimeNanoseconds &- max(since, lastActivityNanos))
            if !context.channel.isWritable {
                scheduleFrameCheck(after: configuration.frameTimeout)
            } else if waited >= limit {
                logger.notice("closing connection: a frame did not arrive in full in time",
                              metadata: ["timeout": "\(configuration.frameTimeout)"])
                context.close(promise: nil)
            } else {
                scheduleFrameCheck(after: .nanoseconds(max(limit - waited, 1_000_000)))
            }
        }
    }

    private func scheduleIdleCheck(after delay: TimeAmount) {
        guard let context else { return }
        idleTask = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            guard let context = self.context else { return }
            let idleFor = eventLoop.now.uptimeNanoseconds &- lastActivityNanos
            let limit = UInt64(configuration.idleTimeout.nanoseconds)
            if calls.isEmpty, idleFor >= limit {
                logger.debug("closing idle connection")
                context.close(promise: nil)
            } else {
                let remaining = calls.isEmpty ? Int64(limit &- idleFor) : configuration.idleTimeout.nanoseconds
                scheduleIdleCheck(after: .nanoseconds(max(remaining, 1_000_000)))
            }
        }
    }
}

/// The number of bytes of a protobuf varint.
@inlinable
func varintLength(_ value: UInt64) -> Int {
    var length = 1
    var rest = value >> 7
    while rest != 0 {
        length += 1
        rest >>= 7
    }
    return length
}
