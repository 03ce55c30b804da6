import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// A plain HTTP endpoint for Prometheus: `GET /metrics` answers the text exposition format;
/// everything else is 404 (or 405 for another method). Runs as a `Service` until graceful shutdown.
public struct MetricsHTTPServer: Service {
    let host: String
    let port: Int
    let group: any EventLoopGroup
    let metricsText: @Sendable () -> String
    let logger: Logger

    /// Creates the endpoint.
    /// - Parameters:
    ///   - host: The address to listen on (loopback unless the operator allowed more).
    ///   - port: The port.
    ///   - metricsText: The text to serve.
    public init(host: String, port: Int, group: any EventLoopGroup, logger: Logger,
                metricsText: @escaping @Sendable () -> String) {
        self.host = host
        self.port = port
        self.group = group
        self.metricsText = metricsText
        self.logger = logger
    }

    /// Serves until graceful shutdown.
    public func run() async throws {
        let text = metricsText
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHTTPHandler(metricsText: text))
                }
            }
            .bind(host: host, port: port).get()
        logger.info("metrics endpoint listening", metadata: ["address": "http://\(host):\(port)/metrics"])
        try? await gracefulShutdown()
        try? await channel.close()
    }
}

/// Answers one HTTP/1.1 request at a time on a connection.
final class MetricsHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metricsText: @Sendable () -> String
    private var head: HTTPRequestHead?

    init(metricsText: @escaping @Sendable () -> String) {
        self.metricsText = metricsText
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): self.head = head
        case .body: break
        case .end:
            guard let head else { return }
            self.head = nil
            let status: HTTPResponseStatus
            let body: String
            if head.method != .GET {
                (status, body) = (.methodNotAllowed, "only GET is served\n")
            } else if head.uri == "/metrics" || head.uri.hasPrefix("/metrics?") {
                (status, body) = (.ok, metricsText())
            } else {
                (status, body) = (.notFound, "see /metrics\n")
            }
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: status == .ok ? "text/plain; version=0.0.4; charset=utf-8"
                                                                     : "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            let keepAlive = head.isKeepAlive
            if !keepAlive { headers.add(name: "Connection", value: "close") }
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status,
                                                                  headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
            let done = context.writeAndFlush(wrapOutboundOut(.end(nil)))
            if !keepAlive {
                let channel = context.channel
                done.whenComplete { _ in channel.close(promise: nil) }
            }
        }
    }
}
