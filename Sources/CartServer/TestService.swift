import CartProto
import NIOCore
import TTRPC

/// `cartsync.testing.v1.TestService`: helpers for protocol tests (deadlines, size limits, streams).
/// Registered only when cartd runs with `--enable-test-service`.
public enum TestService {
    /// The service's proto name.
    public static let name = "cartsync.testing.v1.TestService"

    /// Registers Sleep, Echo and Count.
    public static func register(in router: inout Router) {
        router.registerUnary(service: name, method: "Sleep", request: SleepRequest.self,
                              response: SleepResponse.self) { request, context in
            guard (0...60_000).contains(request.durationMs) else {
                return context.eventLoop.makeFailedFuture(
                    RPCError(code: .invalidArgument, message: "duration_ms must be 0…60000"))
            }
            let promise = context.eventLoop.makePromise(of: SleepResponse.self)
            let task = context.eventLoop.scheduleTask(in: .milliseconds(request.durationMs)) {
                promise.succeed(SleepResponse(sleptMs: request.durationMs))
            }
            context.cancellation.onCancel { _ in
                task.cancel()
                promise.fail(RPCError(code: .cancelled, message: "cancelled"))
            }
            return promise.futureResult
        }
        router.registerUnary(service: name, method: "Echo", request: EchoRequest.self,
                              response: EchoResponse.self) { request, context in
            guard request.replySize <= 8 << 20 else {
                return context.eventLoop.makeFailedFuture(RPCError(code: .invalidArgument, message: "reply_size must be ≤ 8 MiB"))
            }
            let data = request.replySize > 0 ? [UInt8](repeating: 0, count: Int(request.replySize)) : request.data
            return context.eventLoop.makeSucceededFuture(EchoResponse(data: data))
        }
        router.registerServerStreaming(service: name, method: "Count", request: CountRequest.self) {
            (request: CountRequest, context: ServerCallContext, writer: TypedStreamWriter<CountResponse>) in
            guard request.count >= 0 else {
                return context.eventLoop.makeFailedFuture(RPCError(code: .invalidArgument, message: "count must be ≥ 0"))
            }
            var sent = context.eventLoop.makeSucceededVoidFuture()
            for n in stride(from: Int32(1), through: request.count, by: 1) {
                sent = sent.flatMap { writer.send(CountResponse(n: n)) }
            }
            return sent.flatMapThrowing {
                if request.failWithCode > 0 {
                    throw RPCError(code: StatusCode(rawValue: request.failWithCode), message: "failed as asked")
                }
            }
        }
    }
}
