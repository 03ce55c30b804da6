import NIOCore
import NIOEmbedded
import Testing
@testable import TTRPC

/// The replies to one read leave as one buffer (``ServerConnectionHandler``'s coalescing).
@Suite("Server connection: replies coalesced per read")
struct ServerCoalescingTests {
    /// A server with an inline echo (`t.Answer/Now`), a reply of `size` bytes and a later answer.
    static func server(release: Box<EventLoopPromise<ByteBuffer>?> = Box(nil)) throws -> ServerHarness {
        try ServerHarness(router: { router in
            router.register(service: "t.Answer", method: "Now", .unaryAnswer { payload, _ in .now(.success(payload)) })
            router.register(service: "t.Answer", method: "Sized", .unaryAnswer { payload, _ in
                var copy = payload
                let size = Int(copy.readInteger(as: UInt32.self) ?? 0)
                return .now(.success(ByteBuffer(repeating: 7, count: size)))
            })
            router.register(service: "t.Answer", method: "Later", .unaryAnswer { _, context in
                let promise = context.eventLoop.makePromise(of: ByteBuffer.self)
                release.value = promise
                return .later(promise.futureResult)
            })
        })
    }

    static func read(_ frames: [ByteBuffer]) -> ByteBuffer {
        var all = ByteBuffer()
        for var frame in frames { all.writeBuffer(&frame) }
        return all
    }

    static func buffers(_ channel: EmbeddedChannel) throws -> [ByteBuffer] {
        var buffers: [ByteBuffer] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { buffers.append(buffer) }
        return buffers
    }

    static func sized(_ streamID: UInt32, _ size: UInt32) -> ByteBuffer {
        var payload = ByteBuffer()
        payload.writeInteger(size)
        return requestFrame(streamID: streamID, service: "t.Answer", method: "Sized",
                            payload: Array(payload.readableBytesView))
    }

    @Test("the replies to the requests of one read are one write, in order, errors included")
    func oneWritePerRead() throws {
        let server = try Self.server()
        let read = Self.read([
            requestFrame(streamID: 1, service: "t.Answer", method: "Now", payload: [1]),
            requestFrame(streamID: 3, service: "t.Nope", method: "Nothing"),
            requestFrame(streamID: 5, service: "t.Answer", method: "Now", payload: [5]),
            requestFrame(streamID: 4, service: "t.Answer", method: "Now", payload: [4]),
            requestFrame(streamID: 7, service: "t.Answer", method: "Now", payload: [7]),
        ])
        try server.send(read)
        let buffers = try Self.buffers(server.channel)
        #expect(buffers.count == 1)
        let replies = frames(in: buffers)
        #expect(replies.map(\.header.streamID) == [1, 3, 5, 4, 7])
        #expect(try payload(of: replies[0]) == [1])
        #expect(try status(of: replies[1])?.code == .unimplemented)
        #expect(try payload(of: replies[2]) == [5])
        #expect(try status(of: replies[3])?.code == .invalidArgument)
        #expect(try payload(of: replies[4]) == [7])
    }

    @Test("a buffer the channel still holds is never written over by the next read's replies")
    func unreadBufferKept() throws {
        let server = try Self.server()
        try server.send(Self.read([requestFrame(streamID: 1, service: "t.Answer", method: "Now", payload: [1, 1]),
                                   requestFrame(streamID: 3, service: "t.Answer", method: "Now", payload: [3, 3])]))
        try server.send(Self.read([requestFrame(streamID: 5, service: "t.Answer", method: "Now", payload: [5, 5, 5]),
                                   requestFrame(streamID: 7, service: "t.Answer", method: "Now", payload: [7])]))
        let buffers = try Self.buffers(server.channel)
        #expect(buffers.count == 2)
        #expect(frames(in: [buffers[0]]).map(\.header.streamID) == [1, 3])
        #expect(frames(in: [buffers[1]]).map(\.header.streamID) == [5, 7])
        let replies = frames(in: buffers)
        #expect(try replies.map { try payload(of: $0) } == [[1, 1], [3, 3], [5, 5, 5], [7]])
    }

    @Test("a reply completed after the read is written and flushed on its own")
    func laterReplyAlone() throws {
        let release = Box<EventLoopPromise<ByteBuffer>?>(nil)
        let server = try Self.server(release: release)
        try server.send(Self.read([requestFrame(streamID: 1, service: "t.Answer", method: "Later"),
                                   requestFrame(streamID: 3, service: "t.Answer", method: "Now", payload: [3])]))
        #expect(frames(in: try Self.buffers(server.channel)).map(\.header.streamID) == [3])
        release.value?.succeed(ByteBuffer(bytes: [9, 9]))
        let later = try Self.buffers(server.channel)
        #expect(later.count == 1)
        #expect(try frames(in: later).map { try payload(of: $0) } == [[9, 9]])
    }

    @Test("a large reply goes out by itself, after the smaller replies before it and before those after")
    func largeReplyInOrder() throws {
        let server = try Self.server()
        let large = UInt32(ServerConnectionHandler.coalescedBytesLimit + 1000)
        try server.send(Self.read([requestFrame(streamID: 1, service: "t.Answer", method: "Now", payload: [1]),
                                   Self.sized(3, large),
                                   requestFrame(streamID: 5, service: "t.Answer", method: "Now", payload: [5])]))
        let buffers = try Self.buffers(server.channel)
        #expect(buffers.count == 3)
        let replies = frames(in: buffers)
        #expect(replies.map(\.header.streamID) == [1, 3, 5])
        #expect(try payload(of: replies[1]) == Array(repeating: 7, count: Int(large)))
        #expect(try payload(of: replies[2]) == [5])
    }

    @Test("many replies to one read go to the channel in pieces of about the limit, all in order")
    func manyRepliesInPieces() throws {
        let server = try Self.server()
        let ids = Array(stride(from: UInt32(1), through: 79, by: 2))  // 40 replies of ~1 KiB
        try server.send(Self.read(ids.map { Self.sized($0, 1000) }))
        let buffers = try Self.buffers(server.channel)
        #expect(buffers.count == 3)  // 17 replies of 1,013 bytes pass the limit, twice; the last 6 leave at the end of the read
        #expect(buffers.allSatisfy { $0.readableBytes < ServerConnectionHandler.coalescedBytesLimit + 1100 })
        let replies = frames(in: buffers)
        #expect(replies.map(\.header.streamID) == ids)
        #expect(try replies.allSatisfy { try payload(of: $0) == Array(repeating: 7, count: 1000) })
    }

    @Test("stream messages leave after the replies the read wrote before them")
    func streamAfterReplies() throws {
        let server = try Self.server()
        try server.send(Self.read([
            requestFrame(streamID: 1, service: "t.Answer", method: "Now", payload: [1]),
            requestFrame(streamID: 3, service: "t.Stream", method: "Three", payload: [3], flags: .remoteClosed),
            requestFrame(streamID: 5, service: "t.Answer", method: "Now", payload: [5]),
        ]))
        let replies = try server.output()
        #expect(replies.count == 6)
        #expect(replies.first?.header.streamID == 1)
        let stream = replies.filter { $0.header.streamID == 3 }
        #expect(stream.map(\.header.flags) == [[], .noData, [], [.remoteClosed, .noData]])
        #expect(replies.filter { $0.header.streamID == 5 }.count == 1)
    }
}
