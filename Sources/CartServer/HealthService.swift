import CartProto
import NIOCore
import Synchronization
import TTRPC

/// Whether the daemon is serving, shared by the health service and the lifecycle.
///
/// Thread-safe.
public final class HealthState: Sendable {
    private let serving = Atomic<Bool>(true)
    /// The services whose health may be asked for by name.
    public let knownServices: Set<String>

    /// Creates a state that reports SERVING.
    /// - Parameter knownServices: The service names Check answers for (besides "").
    public init(knownServices: Set<String>) {
        self.knownServices = knownServices
    }

    /// SERVING until ``markNotServing()``.
    public var status: HealthCheckResponse.ServingStatus { serving.load(ordering: .relaxed) ? .serving : .notServing }

    /// Marks the daemon as draining: Check answers NOT_SERVING.
    public func markNotServing() { serving.store(false, ordering: .relaxed) }
}

/// `grpc.health.v1.Health`: Check and Watch, without authentication.
public enum HealthService {
    /// The service's proto name.
    public static let name = "grpc.health.v1.Health"

    /// Registers Check and Watch.
    /// - Parameters:
    ///   - router: Where to register.
    ///   - state: The health to report.
    public static func register(in router: inout Router, state: HealthState) {
        router.registerUnaryNow(service: name, method: "Check", request: HealthCheckRequest.self,
                                response: HealthCheckResponse.self) { request, _ in
            guard request.service.isEmpty || state.knownServices.contains(request.service) else {
                throw RPCError(code: .notFound, message: "unknown service \(request.service)")
            }
            return HealthCheckResponse(status: state.status)
        }
        router.registerServerStreaming(service: name, method: "Watch", request: HealthCheckRequest.self) {
            (request: HealthCheckRequest, context: ServerCallContext, writer: TypedStreamWriter<HealthCheckResponse>) in
            let known = request.service.isEmpty || state.knownServices.contains(request.service)
            let done = context.eventLoop.makePromise(of: Void.self)
            // The state only changes at shutdown, which ends every stream: send it once and hold the stream.
            writer.send(HealthCheckResponse(status: known ? state.status : .serviceUnknown)).whenFailure { error in
                done.fail(error)
            }
            context.cancellation.onCancel { _ in done.succeed(()) }
            return done.futureResult
        }
    }
}
