import Logging
import NIOCore
import NIOEmbedded
import Testing
@testable import TTRPC

/// A server connection on an EmbeddedChannel with a few test methods.
final class ServerHarness {
    let channel = EmbeddedChannel()
    let records = RecordingObserver()
    var pending: [UInt32: EventLoopPromise<ByteBuffer>] = [:]

    init(configure: (inout ServerConfiguration) -> Void = { _ in }, router extra: (inout Router) -> Void = { _ in }) throws {
        var configuration = ServerConfiguration(address: .unixSocket(path: "/unused"))
        configure(&configuration)
        var router = Router()
        router.register(service: "t.Echo", method: "Say", .unary { payload, context in
            context.eventLoop.makeSucceededFuture(payload)
        })
        router.register(service: "t.Echo", method: "Fail", .unary { _, context in
            context.eventLoop.makeFailedFuture(RPCError(code: .notFound, message: "no such thing"))
        })
        router.register(service: "t.Echo", method: "Crash", .unary { _, context in
            struct Secret: Error {}
            return context.eventLoop.makeFailedFuture(Secret())
        })
        router.register(service: "t.Echo", method: "Big", .unary { _, context in
            context.eventLoop.makeSucceededFuture(ByteBuffer(repeating: 1, count: 4 << 20))
        })
        router.register(service: "t.Stream", method: "Three", .serverStreaming { payload, context, writer in
            writer.send(payload).flatMap { writer.send(ByteBuffer()) }.flatMap { writer.send(payload) }
        })
        router.register(service: "t.Stream", method: "ThenFail", .serverStreaming { payload, context, writer in
            writer.send(payload).flatMapThrowing { throw RPCError(code: .aborted, message: "stopped") }
        })
        router.register(service: "t.Stream", method: "Forever", .serverStreaming { _, context, _ in
            let promise = context.eventLoop.makePromise(of: Void.self)
            context.cancellation.onCancel { _ in promise.succeed(()) }
            return promise.futureResult
        })
        extra(&router)
        let handler = ServerConnectionHandler(router: router, configuration: configuration, peer: nil, connectionID: 1,
                                              observer: records, logger: Logger(label: "test"),
                                              eventLoop: channel.eventLoop)
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 1)).wait()
        self.handler = handler
    }

    let handler: ServerConnectionHandler!

    // An EmbeddedChannel that is never closed keeps its pipeline, handlers and scheduled tasks in a
    // reference cycle: LeakSanitizer (make sanitize) reports them.
    deinit { _ = try? channel.finish(acceptAlreadyClosed: true) }

    func send(_ buffer: ByteBuffer) throws {
        try channel.writeInbound(buffer)
    }

    func output() throws -> [Frame] { try drainOutbound(channel) }
}

final class RecordingObserver: RPCObserver, @unchecked Sendable {
    var calls: [CallRecord] = []
    func callFinished(_ record: CallRecord) { calls.append(record) }
}

@Suite("Server connection")
struct ServerConnectionTests {
    @Test("a unary call is answered on its stream id with the handler's payload")
    func unary() throws {
        let server = try ServerHarness()
        try server.send(requestFrame(streamID: 1, service: "t.Echo", method: "Say", payload: [1, 2, 3]))
        let frames = try server.output()
        #expect(frames.count == 1)
        #expect(frames[0].header.streamID == 1)
        #expect(frames[0].header.type == .response)
        #expect(try status(of: frames[0]) == nil)
        #expect(try payload(of: frames[0]) == [1, 2, 3])
    }

    @Test("stream ids must be odd and increasing; the connection stays usable")
    func streamIDRules() throws {
        let server = try ServerHarness()
        try server.send(requestFrame(streamID: 2, service: "t.Echo", method: "Say"))
        try server.send(requestFrame(streamID: 5, service: "t.Echo", method: "Say", payload: [5]))
        try server.send(requestFrame(streamID: 5, service: "t.Echo", method: "Say"))
        try server.send(requestFrame(streamID: 3, service: "t.Echo", method: "Say"))
        try server.send(requestFrame(streamID: 7, service: "t.Echo", method: "Say", payload: [7]))
        let frames = try server.output()
        #expect(frames.map(\.header.streamID) == [2, 5, 5, 3, 7])
        #expect(try status(of: frames[0])?.message == "StreamID must be odd for client initiated streams")
        #expect(try status(of: frames[0])?.code == .invalidArgument)
        #expect(try payload(of: frames[1]) == [5])
        #expect(try status(of: frames[2])?.message == "StreamID cannot be re-used and must increment")
        #expect(try status(of: frames[3])?.message == "StreamID cannot be re-used and must increment")
        #expect(try payload(of: frames[4]) == [7])
    }

    @Test("unknown service or method is UNIMPLEMENTED")
    func unknownMethod() throws {
        let server = try ServerHarness()
        try server.send(requestFrame(streamID: 1, service: "t.Nope", method: "Say"))
        try server.send(requestFrame(streamID: 3, service: "t.Echo", method: "Nope"))
        let frames = try server.output()
        #expect(try status(of: frames[0])?.code == .unimplemented)
        #expect(try status(of: frames[1])?.code == .unimplemented)
        #expect(try status(of: frames[1])?.message.contains("Nope") == true)
    }

    @Test("one connection alternating methods, services and unknown names: each call reaches its own handler")
    func routesPerCall() throws {
        let server = try ServerHarness()
        let calls: [(String, String)] = [("t.Echo", "Say"), ("t.Echo", "Say"), ("t.Echo", "Fail"), ("t.Echo", "Say"),
                                         ("t.Echo", "Nope"), ("t.Nope", "Say"), ("t.Echo", "Say"), ("t.Echo", "Fail")]
        for (index, call) in calls.enumerated() {
            try server.send(requestFrame(streamID: UInt32(2 * index + 1), service: call.0, method: call.1,
                                         payload: [UInt8(index)]))
        }
        let frames = try server.output()
        #expect(frames.count == calls.count)
        for (index, call) in calls.enumerated() where index < frames.count {
            let status = try status(of: frames[index])
            switch call {
            case ("t.Echo", "Say"):
                #expect(status == nil, "call \(index)")
                #expect(try payload(of: frames[index]) == [UInt8(index)], "call \(index)")
            case ("t.Echo", "Fail"): #expect(status?.code == .notFound, "call \(index)")
            default: #expect(status?.code == .unimplemented, "call \(index)")
            }
        }
    }

    @Test("garbage envelope is INVALID_ARGUMENT on that stream; the next call works")
    func garbageEnvelope() throws {
        let server = try ServerHarness()
        try server.send(rawFrame(streamID: 1, type: 1, data: [0xff, 0xff, 0xff, 0xff]))
        try server.send(requestFrame(streamID: 3, service: "t.Echo", method: "Say", payload: [9]))
        let frames = try server.output()
        #expect(frames[0].header.streamID == 1)
        #expect(try status(of: frames[0])?.code == .invalidArgument)
        #expect(try payload(of: frames[1]) == [9])
    }

    @Test("an oversized frame gets RESOURCE_EXHAUSTED with the reference message; the connection stays usable")
    func oversized() throws {
        let server = try ServerHarness()
        var big = rawFrame(length: 5 << 20, streamID: 1, type: 1)
        big.writeRepeatingByte(0, count: 5 << 20)
        try server.send(big)
        try server.send(requestFrame(streamID: 3, service: "t.Echo", method: "Say", payload: [3]))
        let frames = try server.output()
        #expect(frames[0].header.streamID == 1)
        #expect(try status(of: frames[0])?.code == .resourceExhausted)
        #expect(try status(of: frames[0])?.message == "message length 5242880 exceed maximum message size of 4194304")
        #expect(try payload(of: frames[1]) == [3])
    }

    @Test("requests split at every byte, or several and a half per read, are all answered in order")
    func framesAcrossReads() throws {
        var stream = ByteBuffer()
        var big = requestFrame(streamID: 1, service: "t.Echo", method: "Say", payload: Array(repeating: 5, count: 3000))
        stream.writeBuffer(&big)
        for id: UInt32 in stride(from: 3, through: 19, by: 2) {
            var frame = requestFrame(streamID: id, service: "t.Echo", method: "Say", payload: [UInt8(id)])
            stream.writeBuffer(&frame)
        }
        var oversized = rawFrame(length: 5 << 20, streamID: 21, type: 1)
        oversized.writeRepeatingByte(0, count: 5 << 20)
        var last = requestFrame(streamID: 23, service: "t.Echo", method: "Say", payload: [23])
        let expectedIDs: [UInt32] = Array(stride(from: 1, through: 23, by: 2))

        // Byte by byte (the oversized frame in 64 KiB pieces, to keep the test quick).
        let bytewise = try ServerHarness()
        for offset in 0..<stream.readableBytes { try bytewise.send(stream.getSlice(at: stream.readerIndex + offset, length: 1)!) }
        var rest = oversized
        while rest.readableBytes > 0 { try bytewise.send(rest.readSlice(length: min(65_536, rest.readableBytes))!) }
        try bytewise.send(last)
        let one = try bytewise.output()
        #expect(one.map(\.header.streamID) == expectedIDs)
        #expect(try payload(of: one[0]) == Array(repeating: 5, count: 3000))
        #expect(try status(of: one[10])?.code == .resourceExhausted)
        #expect(try payload(of: one[11]) == [23])

        // In reads of 7,000 bytes: each holds several frames and ends inside the next one.
        var all = stream
        all.writeBuffer(&oversized)
        all.writeBuffer(&last)
        let batched = try ServerHarness()
        while all.readableBytes > 0 { try batched.send(all.readSlice(length: min(7_000, all.readableBytes))!) }
        let two = try batched.output()
        #expect(two.map(\.header.streamID) == expectedIDs)
        #expect(try two.dropFirst().prefix(9).map { try payload(of: $0) } == (3...19).filter { $0 % 2 == 1 }.map { [UInt8($0)] })
        #expect(batched.channel.isActive && bytewise.channel.isActive)
    }

    @Test("a reply over 4 MiB is never sent: RESOURCE_EXHAUSTED instead")
    func oversizedReply() throws {
        let server = try ServerHarness()
        try server.send(requestFrame(streamID: 1, service: "t.Echo", method: "Big"))
        let frames = try server.output()
        #expect(frames.count == 1)
        #expect(frames[0].header.length < 1024)
        #expect(try status(of: frames[0])?.code == .resourceExhausted)
    }

    @Test("unknown frame types are ignored")
    func unknownTypeIgnored() throws {
        let server = try ServerHarness()
        try server.send(rawFrame(streamID: 1, type: 0x09, data: [1, 2, 3]))
        try server.send(requestFrame(streamID: 1, service: "t.Echo", method: "Say", payload: [1]))
        let frames = try server.output()
        #expect(frames.count == 1)
        #expect(try payload(of: frames[0]) == [1])
    }

    @Test("data for a stream that is not open is INVALID_ARGUMENT")
    func dataOnUnknownStream() throws {
        let server = try ServerHarness()
        try server.send(rawFrame(streamID: 11, type: 3, data: [1]))
        let frames = try server.output()
        #expect(frames.count == 1)
        #expect(frames[0].header.streamID == 11)
        #expect(try status(of: frames[0])?.code == .invalidArgument)
    }

    @Test("handler errors map to their status; other errors become INTERNAL without details")
    func errors() throws {
        let server = try ServerHarness()
        try server.send(requestFrame(streamID: 1, service: "t.Echo", method: "Fail"))
        try server.send(requestFrame(streamID: 3, service: "t.Echo", method: "Crash"))
        let frames = try server.output()
        #expect(try status(of: frames[0])?.code == .notFound)
        #expect(try status(of: frames[0])?.message == "no such thing")
        let crash = try status(of: frames[1])
        #expect(crash?.code == .internal)
        #expect(crash?.message.contains("Secret") == false)
        #expect(server.records.calls.last?.cause != nil)
    }

    @Test("server streaming: data frames, an empty message flagged 0x04, a clean end 0x05")
    func streaming() throws {
        let server = try ServerHarness()
        try server.send(requestFrame(streamID: 1, service: "t.Stream", method: "Three", payload: [4, 2],
                                     flags: .remoteClosed))
        let frames = try server.output()
        #expect(frames.map(\.header.type) == [.data, .data, .data, .data])
        #expect(frames.map(\.header.flags) == [[], .noData, [], [.remoteClosed, .noData]])
        #expect(Array(frames[0].data.readableBytesView) == [4, 2])
        #expect(frames[1].data.readableBytes == 0)
        #expect(frames[3].header.length == 0)
    }

    @Test("a stream that fails ends with a Response carrying the status")
    func streamError() throws {
        let server = try ServerHarness()
        try server.send(requestFrame(streamID: 1, service: "t.Stream", method: "ThenFail", payload: [1]))
        let frames = try server.output()
        #expect(frames.map(\.header.type) == [.data, .response])
        #expect(try status(of: frames[1])?.code == .aborted)
    }

    @Test("data with the remote-closed flag and a payload is INVALID_ARGUMENT")
    func dataWithClosedAndPayload() throws {
        let server = try ServerHarness()
        try server.send(requestFrame(streamID: 1, service: "t.Stream", method: "Forever"))
        try server.send(rawFrame(streamID: 1, type: 3, flags: 0x01, data: [1]))
        let frames = try server.output()
        #expect(frames.count == 1)
        #expect(try status(of: frames[0])?.code == .invalidArgument)
    }

    @Test("an answer ready at once is written at once; a later one when it completes, even past others")
    func answers() throws {
        let release = Box<EventLoopPromise<ByteBuffer>?>(nil)
        let server = try ServerHarness(router: { router in
            router.register(service: "t.Answer", method: "Now", .unaryAnswer { payload, _ in .now(.success(payload)) })
            router.register(service: "t.Answer", method: "NowFail", .unaryAnswer { _, _ in
                .now(.failure(RPCError(code: .notFound, message: "not here")))
            })
            router.register(service: "t.Answer", method: "Later", .unaryAnswer { _, context in
                let promise = context.eventLoop.makePromise(of: ByteBuffer.self)
                release.value = promise
                return .later(promise.futureResult)
            })
        })
        try server.send(requestFrame(streamID: 1, service: "t.Answer", method: "Later"))
        try server.send(requestFrame(streamID: 3, service: "t.Answer", method: "Now", payload: [4, 2]))
        try server.send(requestFrame(streamID: 5, service: "t.Answer", method: "NowFail"))
        let first = try server.output()
        #expect(first.map(\.header.streamID) == [3, 5])
        #expect(try payload(of: first[0]) == [4, 2])
        #expect(try status(of: first[1])?.code == .notFound)
        #expect(try status(of: first[1])?.message == "not here")
        release.value?.succeed(ByteBuffer(bytes: [9]))
        let second = try server.output()
        #expect(second.map(\.header.streamID) == [1])
        #expect(try payload(of: second[0]) == [9])
        #expect(server.records.calls.map(\.code) == [.ok, .notFound, .ok])
    }

    @Test("with deadlines: an answer ready at once is never in flight, nothing expires for it; a later one expires")
    func answersWithDeadlines() throws {
        let release = Box<EventLoopPromise<ByteBuffer>?>(nil)
        let connection = Box<ServerConnectionHandler?>(nil)
        let inFlightDuringNow = Box<Int?>(nil)
        let server = try ServerHarness(router: { router in
            router.register(service: "t.Answer", method: "Now", .unaryAnswer { payload, _ in
                inFlightDuringNow.value = connection.value?.activeCallCount
                return .now(.success(payload))
            })
            router.register(service: "t.Answer", method: "Later", .unaryAnswer { _, context in
                let promise = context.eventLoop.makePromise(of: ByteBuffer.self)
                release.value = promise
                return .later(promise.futureResult)
            })
        })
        connection.value = server.handler
        try server.send(requestFrame(streamID: 1, service: "t.Answer", method: "Later", timeoutNano: 2_000_000))
        try server.send(requestFrame(streamID: 3, service: "t.Answer", method: "Now", payload: [5],
                                     timeoutNano: 2_000_000))
        #expect(inFlightDuringNow.value == 1, "only the later call is in flight while the one answered now runs")
        #expect(server.handler.activeCallCount == 1)
        let first = try server.output()
        #expect(first.map(\.header.streamID) == [3])
        #expect(try payload(of: first[0]) == [5])
        server.channel.embeddedEventLoop.advanceTime(by: .milliseconds(2))
        let second = try server.output()
        #expect(second.map(\.header.streamID) == [1])
        #expect(try status(of: second[0])?.code == .deadlineExceeded)
        release.value?.succeed(ByteBuffer(bytes: [9]))
        #expect(try server.output().isEmpty)
        #expect(server.records.calls.map(\.code) == [.ok, .deadlineExceeded])
    }

    @Test("a deadline that passes answers DEADLINE_EXCEEDED and drops the late reply")
    func deadline() throws {
        let release = Box<EventLoopPromise<ByteBuffer>?>(nil)
        let server = try ServerHarness(router: { router in
            router.register(service: "t.Slow", method: "Wait", .unary { _, context in
                let promise = context.eventLoop.makePromise(of: ByteBuffer.self)
                release.value = promise
                return promise.futureResult
            })
        })
        try server.send(requestFrame(streamID: 1, service: "t.Slow", method: "Wait", timeoutNano: 2_000_000))
        #expect(try server.output().isEmpty)
        server.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(try server.output().isEmpty)
        server.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        let frames = try server.output()
        #expect(frames.count == 1)
        #expect(try status(of: frames[0])?.code == .deadlineExceeded)
        release.value?.succeed(ByteBuffer(bytes: [1]))
        #expect(try server.output().isEmpty)
    }

    @Test("a deadline already spent (negative timeout) is DEADLINE_EXCEEDED without running the handler")
    func spentDeadline() throws {
        let server = try ServerHarness()
        try server.send(requestFrame(streamID: 1, service: "t.Echo", method: "Say", timeoutNano: -1))
        let frames = try server.output()
        #expect(try status(of: frames[0])?.code == .deadlineExceeded)
    }

    @Test("calls run concurrently and answer out of order")
    func outOfOrder() throws {
        let promises = Box<[EventLoopPromise<ByteBuffer>]>([])
        let server = try ServerHarness(router: { router in
            router.register(service: "t.Slow", method: "Wait", .unary { payload, context in
                let promise = context.eventLoop.makePromise(of: ByteBuffer.self)
                promises.value.append(promise)
                return promise.futureResult.map { _ in payload }
            })
        })
        for id in stride(from: UInt32(1), through: 9, by: 2) {
            try server.send(requestFrame(streamID: id, service: "t.Slow", method: "Wait", payload: [UInt8(id)]))
        }
        #expect(server.handler.activeCallCount == 5)
        for promise in promises.value.reversed() { promise.succeed(ByteBuffer()) }
        let frames = try server.output()
        #expect(frames.map(\.header.streamID) == [9, 7, 5, 3, 1])
        #expect(try frames.map { try payload(of: $0) } == [[9], [7], [5], [3], [1]])
    }

    @Test("calls beyond the per-connection limit get RESOURCE_EXHAUSTED")
    func inFlightLimit() throws {
        let pending = Box<[EventLoopPromise<ByteBuffer>]>([])
        let server = try ServerHarness(configure: { $0.maxConcurrentCallsPerConnection = 2 }, router: { router in
            router.register(service: "t.Slow", method: "Wait", .unary { _, context in
                let promise = context.eventLoop.makePromise(of: ByteBuffer.self)
                pending.value.append(promise)
                return promise.futureResult
            })
        })
        for id in [UInt32(1), 3, 5] {
            try server.send(requestFrame(streamID: id, service: "t.Slow", method: "Wait"))
        }
        let frames = try server.output()
        #expect(frames.count == 1)
        #expect(frames[0].header.streamID == 5)
        #expect(try status(of: frames[0])?.code == .resourceExhausted)
        #expect(pending.value.count == 2, "the third call never reached its handler")
        // A promise left pending keeps the handler alive through its callbacks (LeakSanitizer).
        for promise in pending.value { promise.succeed(ByteBuffer()) }
    }

    @Test("draining: new calls get UNAVAILABLE, open streams end cleanly, unary calls finish")
    func draining() throws {
        let release = Box<EventLoopPromise<ByteBuffer>?>(nil)
        let server = try ServerHarness(router: { router in
            router.register(service: "t.Slow", method: "Wait", .unary { _, context in
                let promise = context.eventLoop.makePromise(of: ByteBuffer.self)
                release.value = promise
                return promise.futureResult
            })
        })
        try server.send(requestFrame(streamID: 1, service: "t.Stream", method: "Forever"))
        try server.send(requestFrame(streamID: 3, service: "t.Slow", method: "Wait"))
        server.handler.beginDraining()
        try server.send(requestFrame(streamID: 5, service: "t.Echo", method: "Say"))
        release.value?.succeed(ByteBuffer(bytes: [42]))
        let frames = try server.output()
        #expect(frames.count == 3)
        #expect(frames[0].header.streamID == 1)
        #expect(frames[0].header.flags == [.remoteClosed, .noData])
        #expect(frames[1].header.streamID == 5)
        #expect(try status(of: frames[1])?.code == .unavailable)
        #expect(frames[2].header.streamID == 3)
        #expect(try payload(of: frames[2]) == [42])
        #expect(server.handler.activeCallCount == 0)
    }

    @Test("closing the connection cancels the calls in flight")
    func closeCancels() throws {
        let cancelled = CallCancellation()
        let pending = Box<EventLoopPromise<ByteBuffer>?>(nil)
        let server = try ServerHarness(router: { router in
            router.register(service: "t.Slow", method: "Wait", .unary { _, context in
                context.cancellation.onCancel { reason in cancelled.cancel(reason) }
                let promise = context.eventLoop.makePromise(of: ByteBuffer.self)
                pending.value = promise
                return promise.futureResult
            })
        })
        try server.send(requestFrame(streamID: 1, service: "t.Slow", method: "Wait"))
        _ = try server.channel.finish()
        #expect(cancelled.reason == .connectionClosed)
        #expect(server.records.calls.last?.code == .cancelled)
        // The handler gives up on cancellation, as real ones do; a late result is dropped.
        pending.value?.succeed(ByteBuffer())
        #expect(server.records.calls.count == 1)
    }

    @Test("an idle connection with no call in flight is closed")
    func idleClose() throws {
        let server = try ServerHarness(configure: { $0.idleTimeout = .seconds(5) })
        server.channel.embeddedEventLoop.advanceTime(by: .seconds(4))
        #expect(server.channel.isActive)
        server.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!server.channel.isActive)
    }

    @Test("an idle timer does not close a connection with a stream open")
    func idleKeepsStreams() throws {
        let server = try ServerHarness(configure: { $0.idleTimeout = .seconds(5) })
        try server.send(requestFrame(streamID: 1, service: "t.Stream", method: "Forever"))
        server.channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(server.channel.isActive)
    }
}
