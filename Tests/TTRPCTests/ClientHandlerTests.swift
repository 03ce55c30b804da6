import NIOCore
import NIOEmbedded
import Testing
@testable import TTRPC

@Suite("Client multiplexer")
struct ClientHandlerTests {
    private func makeChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ClientHandler(maxMessageLength: TTRPCWire.maxMessageLength))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        return channel
    }

    private func call(_ channel: EmbeddedChannel, payload: [UInt8], deadline: NIODeadline? = nil)
        -> EventLoopFuture<ByteBuffer> {
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        let envelope = RequestEnvelope(service: "s", method: "m", payload: ByteBuffer(bytes: payload))
        handler(channel).send(ClientRequest(envelope: envelope, receiver: .unary(promise), localDeadline: deadline))
        return promise.futureResult
    }

    private func handler(_ channel: EmbeddedChannel) -> ClientHandler {
        try! channel.pipeline.syncOperations.handler(type: ClientHandler.self)
    }

    private func respond(_ channel: EmbeddedChannel, streamID: UInt32, payload: [UInt8]) throws {
        var buffer = ByteBuffer()
        buffer.writeResponseFrame(streamID: streamID, payload: ByteBuffer(bytes: payload))
        try channel.writeInbound(buffer)
    }

    @Test("stream ids are odd, start at 1 and go up by 2; replies match out of order")
    func idsAndMatching() throws {
        let channel = try makeChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }  // breaks the pipeline cycle (LeakSanitizer)
        let first = call(channel, payload: [1])
        let second = call(channel, payload: [2])
        let third = call(channel, payload: [3])
        let sent = try drainOutbound(channel)
        #expect(sent.map(\.header.streamID) == [1, 3, 5])
        #expect(sent.allSatisfy { $0.header.type == .request })
        try respond(channel, streamID: 5, payload: [30])
        try respond(channel, streamID: 1, payload: [10])
        try respond(channel, streamID: 3, payload: [20])
        #expect(Array(try first.wait().readableBytesView) == [10])
        #expect(Array(try second.wait().readableBytesView) == [20])
        #expect(Array(try third.wait().readableBytesView) == [30])
    }

    @Test("an error status fails the call with that status")
    func errorStatus() throws {
        let channel = try makeChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }  // breaks the pipeline cycle (LeakSanitizer)
        let future = call(channel, payload: [])
        var buffer = ByteBuffer()
        buffer.writeResponseFrame(streamID: 1, status: RPCError(code: .permissionDenied, message: "no"))
        try channel.writeInbound(buffer)
        #expect(throws: RPCError.self) { try future.wait() }
        do { _ = try future.wait() } catch let error as RPCError { #expect(error.code == .permissionDenied) }
    }

    @Test("closing the connection fails calls in flight and later calls with UNAVAILABLE")
    func closeFailsCalls() throws {
        let channel = try makeChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }  // breaks the pipeline cycle (LeakSanitizer)
        let pending = call(channel, payload: [1])
        try channel.close().wait()
        do {
            _ = try pending.wait()
            Issue.record("call survived a closed connection")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
        }
    }

    @Test("a local deadline fails the call with DEADLINE_EXCEEDED; a late reply is dropped")
    func localDeadline() throws {
        let channel = try makeChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }  // breaks the pipeline cycle (LeakSanitizer)
        let future = call(channel, payload: [1], deadline: channel.eventLoop.now + .milliseconds(5))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(5))
        do {
            _ = try future.wait()
            Issue.record("deadline not enforced")
        } catch let error as RPCError {
            #expect(error.code == .deadlineExceeded)
        }
        try respond(channel, streamID: 1, payload: [9])
    }

    @Test("a request over 4 MiB is refused locally with RESOURCE_EXHAUSTED, and ids are not spent")
    func oversizedRequest() throws {
        let channel = try makeChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }  // breaks the pipeline cycle (LeakSanitizer)
        let big = call(channel, payload: [UInt8](repeating: 0, count: 5 << 20))
        do {
            _ = try big.wait()
            Issue.record("oversized request sent")
        } catch let error as RPCError {
            #expect(error.code == .resourceExhausted)
        }
        _ = call(channel, payload: [1])
        #expect(try drainOutbound(channel).map(\.header.streamID) == [1])
    }

    @Test("a stream yields data frames and finishes on flags 0x05")
    func streamReceive() async throws {
        let channel = try makeChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }  // breaks the pipeline cycle (LeakSanitizer)
        let (stream, continuation) = AsyncThrowingStream<ByteBuffer, any Error>.makeStream()
        let envelope = RequestEnvelope(service: "s", method: "w", payload: ByteBuffer())
        handler(channel).send(ClientRequest(envelope: envelope, receiver: .stream(continuation), localDeadline: nil))
        let sent = try drainOutbound(channel)
        #expect(sent.first?.header.flags == .remoteClosed)
        var data = ByteBuffer()
        data.writeDataFrame(streamID: 1, message: ByteBuffer(bytes: [1]))
        data.writeDataFrame(streamID: 1, message: ByteBuffer())
        data.writeDataFrame(streamID: 1, message: ByteBuffer(bytes: [2]))
        data.writeEndOfStreamFrame(streamID: 1)
        try channel.writeInbound(data)
        var received: [[UInt8]] = []
        for try await message in stream { received.append(Array(message.readableBytesView)) }
        #expect(received == [[1], [], [2]])
    }

    @Test("replies split at every byte, or two and a half per read, reach their calls")
    func repliesAcrossReads() throws {
        let channel = try makeChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }  // breaks the pipeline cycle (LeakSanitizer)
        let calls = (0..<5).map { call(channel, payload: [UInt8($0)]) }
        _ = try drainOutbound(channel)
        var replies = ByteBuffer()
        var ends: [Int] = []
        for (index, streamID) in [UInt32(1), 3, 5, 7, 9].enumerated() {
            replies.writeResponseFrame(streamID: streamID, payload: ByteBuffer(repeating: UInt8(index), count: 100 * (index + 1)))
            ends.append(replies.writerIndex)
        }
        let firstTwo = ends[1] + 4  // two whole replies and 4 bytes of the third
        try channel.writeInbound(replies.getSlice(at: 0, length: firstTwo)!)
        #expect(try calls[0].wait().readableBytes == 100)
        #expect(try calls[1].wait().readableBytes == 200)
        for offset in firstTwo..<replies.readableBytes { try channel.writeInbound(replies.getSlice(at: offset, length: 1)!) }
        for index in 2..<5 {
            #expect(try Array(calls[index].wait().readableBytesView) == Array(repeating: UInt8(index), count: 100 * (index + 1)))
        }
    }

    @Test("a call sent after the connection closed fails with UNAVAILABLE")
    func sendAfterClose() throws {
        let channel = try makeChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }  // breaks the pipeline cycle (LeakSanitizer)
        let handler = handler(channel)
        try channel.close().wait()
        let promise = channel.eventLoop.makePromise(of: ByteBuffer.self)
        handler.send(ClientRequest(envelope: RequestEnvelope(service: "s", method: "m", payload: ByteBuffer()),
                                   receiver: .unary(promise), localDeadline: nil))
        do {
            _ = try promise.futureResult.wait()
            Issue.record("a call on a closed connection answered")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
        }
    }

    @Test("a reply's callback that closes the connection mid-read: the next call in that read fails UNAVAILABLE")
    func closeFromReplyCallback() throws {
        let channel = try makeChannel()
        defer { _ = try? channel.finish(acceptAlreadyClosed: true) }  // breaks the pipeline cycle (LeakSanitizer)
        let first = call(channel, payload: [1])
        let second = call(channel, payload: [2])
        _ = try drainOutbound(channel)
        first.whenSuccess { _ in channel.close(promise: nil) }
        var replies = ByteBuffer()
        replies.writeResponseFrame(streamID: 1, payload: ByteBuffer(bytes: [1]))
        replies.writeResponseFrame(streamID: 3, payload: ByteBuffer(bytes: [2]))
        try channel.writeInbound(replies)  // both replies in one read
        #expect(try Array(first.wait().readableBytesView) == [1])
        #expect(!channel.isActive)
        do {
            _ = try second.wait()
            Issue.record("a call answered after its connection closed")
        } catch let error as RPCError {
            #expect(error.code == .unavailable)
        }
    }
}
