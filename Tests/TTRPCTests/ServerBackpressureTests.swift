import NIOCore
import NIOEmbedded
import Testing
@testable import TTRPC

/// Issue 8: the frame timeout (slow-loris) and requests waiting while the peer does not read.
@Suite("Server connection: frame timeout and backpressure")
struct ServerBackpressureTests {
    @Test("a frame that does not arrive in full within the frame timeout closes the connection, stream open or not")
    func partialFrameTimesOut() throws {
        let server = try ServerHarness(configure: { $0.frameTimeout = .seconds(3) })
        try server.send(requestFrame(streamID: 1, service: "t.Stream", method: "Forever"))
        let frame = requestFrame(streamID: 3, service: "t.Echo", method: "Say", payload: [1])
        try server.send(frame.getSlice(at: 0, length: 5)!)
        server.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(server.channel.isActive)
        server.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(!server.channel.isActive)
    }

    @Test("a frame dripping in a byte a second is not kept alive by its bytes: closed at the frame timeout")
    func drippingFrameTimesOut() throws {
        let server = try ServerHarness(configure: { $0.frameTimeout = .seconds(3) })
        let frame = requestFrame(streamID: 1, service: "t.Echo", method: "Say", payload: [1])
        var second = 0
        while server.channel.isActive, second < 10 {
            try server.send(frame.getSlice(at: frame.readerIndex + second, length: 1)!)
            server.channel.embeddedEventLoop.advanceTime(by: .seconds(1))
            second += 1
        }
        #expect(!server.channel.isActive)
        #expect(second == 3, "closed after \(second) s")
    }

    @Test("a frame that completes within the timeout is answered, and the timer forgets it")
    func slowFrameWithinTimeout() throws {
        let server = try ServerHarness(configure: { $0.frameTimeout = .seconds(3) })
        let frame = requestFrame(streamID: 1, service: "t.Echo", method: "Say", payload: [7])
        try server.send(frame.getSlice(at: 0, length: 12)!)
        server.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        try server.send(frame.getSlice(at: 12, length: frame.readableBytes - 12)!)
        #expect(try server.output().map { try payload(of: $0) } == [[7]])
        // A second frame starting 1 s before the first check gets its own 3 s.
        let second = requestFrame(streamID: 3, service: "t.Echo", method: "Say", payload: [8])
        try server.send(second.getSlice(at: 0, length: 3)!)
        server.channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(server.channel.isActive)
        try server.send(second.getSlice(at: 3, length: second.readableBytes - 3)!)
        server.channel.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(server.channel.isActive)
        #expect(try server.output().map { try payload(of: $0) } == [[8]])
    }

    @Test("requests read while the peer does not read wait, in order, until it reads again")
    func requestsWaitWhileUnwritable() throws {
        let server = try ServerHarness(configure: { $0.unwritableTimeout = .seconds(30) })
        server.channel.isWritable = false
        server.channel.pipeline.fireChannelWritabilityChanged()
        var burst = ByteBuffer()
        for id: UInt32 in [1, 3, 5] {
            var frame = requestFrame(streamID: id, service: "t.Echo", method: "Say", payload: [UInt8(id)])
            burst.writeBuffer(&frame)
        }
        try server.send(burst)
        #expect(try server.output().isEmpty)
        #expect(server.records.calls.isEmpty, "no handler ran")
        server.channel.isWritable = true
        server.channel.pipeline.fireChannelWritabilityChanged()
        let replies = try server.output()
        #expect(replies.map(\.header.streamID) == [1, 3, 5])
        #expect(try replies.map { try payload(of: $0) } == [[1], [3], [5]])
    }

    @Test("a peer that stays unwritable is closed after the unwritable timeout")
    func unwritableCloses() throws {
        let server = try ServerHarness(configure: { $0.unwritableTimeout = .seconds(2) })
        server.channel.isWritable = false
        server.channel.pipeline.fireChannelWritabilityChanged()
        server.channel.embeddedEventLoop.advanceTime(by: .milliseconds(1_900))
        #expect(server.channel.isActive)
        server.channel.embeddedEventLoop.advanceTime(by: .milliseconds(200))
        #expect(!server.channel.isActive)
    }
}
