import CartCore
import CartProto
import CUDSFloor
import Histogram
import NIOCore
import NIOPosix
import ProtobufCSupport
import TTRPC

/// One WatchCart event as a watcher received it.
struct WatchDelivery: Sendable {
    var cart: Int32
    var version: UInt64
    var at: UInt64
}

/// A connection dedicated to watchers: opens its WatchCart streams when it becomes active and stamps
/// every event with the bench's monotonic clock as it is read (on the event loop, before any hop).
///
/// Event-loop confined.
final class WatchStreamsHandler: ChannelInboundHandler {
    typealias InboundIn = InboundFrame
    typealias OutboundOut = ByteBuffer

    private let streams: [(cart: Int, envelope: RequestEnvelope)]
    private var cartOfStream: [UInt32: Int] = [:]
    private let arena = ProtobufArena()
    var deliveries: [WatchDelivery] = []
    var failures: [String] = []

    init(streams: [(cart: Int, envelope: RequestEnvelope)]) {
        self.streams = streams
        deliveries.reserveCapacity(4096)
    }

    func channelActive(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: 512 * streams.count)
        var streamID: UInt32 = 1
        for stream in streams {
            stream.envelope.writeFrame(streamID: streamID, flags: .remoteClosed, to: &buffer, arena: arena)
            arena.reset()
            cartOfStream[streamID] = stream.cart
            streamID += 2
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let at = cuds_now_ns()
        guard case .frame(let frame) = unwrapInboundIn(data),
              let cart = cartOfStream[frame.header.streamID] else { return }
        switch frame.header.type {
        case .data where frame.header.flags.contains(.remoteClosed):
            cartOfStream.removeValue(forKey: frame.header.streamID)
            failures.append("the stream of cart \(cart) ended")
        case .data:
            do {
                let event = try frame.data.readProtoMessage(as: CartEvent.self)
                deliveries.append(WatchDelivery(cart: Int32(cart), version: event.cart?.version ?? 0, at: at))
            } catch {
                failures.append("undecodable event: \(error)")
            }
        case .response:
            cartOfStream.removeValue(forKey: frame.header.streamID)
            let status = (try? ResponseEnvelope.decode(frame.data, arena: arena))?.status
            arena.reset()
            failures.append("the stream of cart \(cart) ended with \(status.map { "\($0)" } ?? "no status")")
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        if !cartOfStream.isEmpty { failures.append("a watcher connection closed with \(cartOfStream.count) streams open") }
        context.fireChannelInactive()
    }
}

/// Mutates the watched carts at a steady rate on its own connection (UpdateItem toggling line 0 between
/// 1 and 2 units) and notes when each version was sent and when its reply arrived.
///
/// Confined to its connection's event loop after ``start(ratePerSecond:)``.
final class WatchWriter: @unchecked Sendable {
    struct Write: Sendable {
        var cart: Int
        var version: UInt64
        var sentAt: UInt64
        var repliedAt: UInt64
    }

    let connection: TTRPCClientConnection
    private let fixtures: Fixtures
    private let carts: Int
    private var quantities: [Int64]
    private var tick = 0
    private var task: RepeatedTask?
    private let allocator = ByteBufferAllocator()
    var writes: [Write] = []
    var errors: [String] = []

    init(connection: TTRPCClientConnection, fixtures: Fixtures, carts: Int, quantities: [Int64]) {
        self.connection = connection
        self.fixtures = fixtures
        self.carts = carts
        self.quantities = quantities
    }

    func start(ratePerSecond: Int) {
        let period = TimeAmount.nanoseconds(Int64(1_000_000_000 / max(1, ratePerSecond)))
        let loop = connection.channel.eventLoop
        loop.execute {
            self.task = loop.scheduleRepeatedTask(initialDelay: .zero, delay: period) { _ in self.fire() }
        }
    }

    func stop() async throws -> ([Write], [String]) {
        try await connection.channel.eventLoop.submit {
            self.task?.cancel()
            self.task = nil
        }.get()
        try await Task.sleep(nanoseconds: 300_000_000)  // replies in flight
        return try await connection.channel.eventLoop.submit { (self.writes, self.errors) }.get()
    }

    private func fire() {
        let cart = tick % carts
        tick += 1
        let quantity: Int64 = quantities[cart] == 1 ? 2 : 1
        quantities[cart] = quantity
        let request = UpdateItemRequest(itemID: fixtures.lineIDs[cart][0], quantity: quantity)
        let envelope = RequestEnvelope(service: Services.cart, method: "UpdateItem",
                                       payload: allocator.buffer(protoMessage: request),
                                       metadata: fixtures.authorization[cart])
        let sentAt = cuds_now_ns()
        connection.unaryCall(envelope, localDeadline: nil).whenComplete { result in
            let repliedAt = cuds_now_ns()
            switch result {
            case .success(let reply):
                do {
                    let priced = try reply.readProtoMessage(as: PricedCart.self)
                    self.writes.append(Write(cart: cart, version: priced.version, sentAt: sentAt, repliedAt: repliedAt))
                } catch {
                    self.errors.append("undecodable UpdateItem reply: \(error)")
                }
            case .failure(let error):
                if self.errors.count < 100 { self.errors.append("UpdateItem: \(error)") }
            }
        }
    }
}

/// What watch-fanout measured.
struct WatchMeasurement {
    var writes: Int
    var expectedDeliveries: Int
    var deliveries: Int
    var fromSent: LatencyHistogram
    var fromReply: LatencyHistogram
    var deliveredBeforeReply: Int
    var failures: [String]
    var seconds: Double
    var daemonCPUNanoseconds: UInt64?
    var daemonPeakRSSBytes: UInt64?
}

/// Opens `watchers` WatchCart streams on the first `carts` users' carts, spread over `connections`
/// dedicated connections, waits for every stream's first event, then runs the writer at `rate` changes per
/// second and measures, for each change in the window, the time from sending it (and from its reply) to each
/// watcher's receipt.
func runWatchFanout(fixtures: Fixtures, socketPath: String, group: any EventLoopGroup, watchers: Int, carts: Int,
                    connections: Int, rate: Int, warmupNanoseconds: UInt64, durationNanoseconds: UInt64,
                    daemon: DaemonUnderTest) async throws -> WatchMeasurement {
    guard carts <= fixtures.userIDs.count, !fixtures.lineIDs.isEmpty else {
        throw BenchError("watch-fanout needs --carts ≤ --users and carts seeded through the daemon")
    }
    let connectionCount = max(1, min(connections, watchers))
    let allocator = ByteBufferAllocator()
    let payload = allocator.buffer(protoMessage: WatchCartRequest(sinceVersion: 0))
    var perConnection = Array(repeating: [(cart: Int, envelope: RequestEnvelope)](), count: connectionCount)
    var watchersPerCart = Array(repeating: 0, count: carts)
    for watcher in 0..<watchers {
        let cart = watcher % carts
        watchersPerCart[cart] += 1
        perConnection[(watcher / carts) % connectionCount].append(
            (cart, RequestEnvelope(service: Services.cart, method: "WatchCart", payload: payload,
                                   metadata: fixtures.authorization[cart])))
    }
    var channels: [any Channel] = []
    for streams in perConnection where !streams.isEmpty {
        let bootstrap = ClientBootstrap(group: group).channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(FrameDecoder()))
                try channel.pipeline.syncOperations.addHandler(WatchStreamsHandler(streams: streams))
            }
        }
        channels.append(try await bootstrap.connect(unixDomainSocketPath: socketPath).get())
    }
    func collect() async throws -> ([WatchDelivery], [String]) {
        var deliveries: [WatchDelivery] = []
        var failures: [String] = []
        for channel in channels {
            let (part, partFailures) = try await channel.eventLoop.submit {
                let handler = try channel.pipeline.syncOperations.handler(type: WatchStreamsHandler.self)
                return (handler.deliveries, handler.failures)
            }.get()
            deliveries += part
            failures += partFailures
        }
        return (deliveries, failures)
    }
    // Every stream first gets the current cart; wait for all of them.
    let ready = cuds_now_ns() + 60_000_000_000
    var initialVersions = Array(repeating: UInt64(0), count: carts)
    while true {
        let (deliveries, failures) = try await collect()
        if !failures.isEmpty { throw BenchError("watchers failed: \(failures.prefix(3))") }
        if deliveries.count >= watchers {
            for delivery in deliveries { initialVersions[Int(delivery.cart)] = max(initialVersions[Int(delivery.cart)], delivery.version) }
            break
        }
        if cuds_now_ns() > ready { throw BenchError("only \(deliveries.count) of \(watchers) watchers got their first event") }
        try await Task.sleep(nanoseconds: 20_000_000)
    }

    let writerConnection = try await TTRPCClientConnection.connect(unixSocketPath: socketPath, group: group)
    // Line 0 of each watched cart toggles 1 ⇄ 2 units; even an UpdateItem to the same quantity commits a version.
    let writer = WatchWriter(connection: writerConnection, fixtures: fixtures, carts: carts,
                             quantities: Array(repeating: 2, count: carts))
    daemon.resetPeakRSS()
    let measureStart = cuds_now_ns() + warmupNanoseconds
    let measureEnd = measureStart + durationNanoseconds
    writer.start(ratePerSecond: rate)
    await sleep(until: measureStart)
    let before = daemon.stats()
    await sleep(until: measureEnd)
    let after = daemon.stats()
    let (writes, writerErrors) = try await writer.stop()
    try await Task.sleep(nanoseconds: 200_000_000)
    let (deliveries, failures) = try await collect()
    await writerConnection.close()
    for channel in channels { try? await channel.close() }

    var windowWrites: [UInt64: WatchWriter.Write] = [:]
    for write in writes where write.sentAt >= measureStart && write.sentAt < measureEnd {
        windowWrites[UInt64(write.cart) << 40 | write.version] = write
    }
    var fromSent = makeLatencyHistogram()
    var fromReply = makeLatencyHistogram()
    var matched = 0
    var early = 0
    for delivery in deliveries {
        guard let write = windowWrites[UInt64(delivery.cart) << 40 | delivery.version] else { continue }
        matched += 1
        _ = fromSent.record(delivery.at - write.sentAt)
        if delivery.at >= write.repliedAt {
            _ = fromReply.record(max(1, delivery.at - write.repliedAt))
        } else {
            early += 1
            _ = fromReply.record(1)
        }
    }
    let expected = windowWrites.values.reduce(0) { $0 + watchersPerCart[$1.cart] }
    var cpu: UInt64?
    if let before, let after { cpu = after.cpuNanoseconds - before.cpuNanoseconds }
    return WatchMeasurement(writes: windowWrites.count, expectedDeliveries: expected, deliveries: matched,
                            fromSent: fromSent, fromReply: fromReply, deliveredBeforeReply: early,
                            failures: failures + writerErrors, seconds: Double(durationNanoseconds) / 1e9,
                            daemonCPUNanoseconds: cpu, daemonPeakRSSBytes: after?.peakRSSBytes)
}
