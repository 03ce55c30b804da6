import CartClient
import CartCore
import Locking

/// What the load did and saw: calls by method, errors by code (expected or not), payments paid, watch events,
/// and every violation found on the way. Thread-safe (a mutex).
final class SoakLedger: Sendable {
    struct State {
        var calls: [String: Int] = [:]
        var expectedErrors: [String: Int] = [:]
        var unexpectedErrors: [String: Int] = [:]
        var paidPayments: Set<String> = []
        var cancelledPayments = 0
        var abandonedPayments = 0
        var guestMerges = 0
        var watchStreams = 0
        var watchEvents = 0
        var violations: [String] = []
    }

    private let state = Locked(State())

    /// Codes a correct daemon answers to this load: stock ran out, a line is at its maximum quantity, a payment
    /// expired or was replaced, an empty cart at checkout.
    static let expectedCodes: Set<StatusCode> = [.failedPrecondition, .invalidArgument, .notFound, .aborted]

    /// Counts a call that was answered.
    func answered(_ method: String) {
        state.withLock { $0.calls[method, default: 0] += 1 }
    }

    /// Counts a failed call; an unexpected code is also a violation (the first few are kept verbatim).
    func failed(_ method: String, _ failure: any Error) {
        let error = failure as? RPCError ?? RPCError(from: failure)
        state.withLock { state in
            state.calls[method, default: 0] += 1
            let key = "\(method) \(error.code.name)"
            if Self.expectedCodes.contains(error.code) {
                state.expectedErrors[key, default: 0] += 1
            } else {
                state.unexpectedErrors[key, default: 0] += 1
                if state.violations.count < 50 { state.violations.append("\(method): \(error.code.name): \(error.message)") }
            }
        }
    }

    /// Records a payment the load saw completed (an order exists for it).
    func paid(_ paymentID: String) { _ = state.withLock { $0.paidPayments.insert(paymentID) } }

    func cancelled() { state.withLock { $0.cancelledPayments += 1 } }
    func abandoned() { state.withLock { $0.abandonedPayments += 1 } }
    func merged() { state.withLock { $0.guestMerges += 1 } }
    func watchOpened() { state.withLock { $0.watchStreams += 1 } }
    func watchEvent() { state.withLock { $0.watchEvents += 1 } }

    /// Records a broken invariant.
    func violation(_ message: String) {
        state.withLock { state in
            if state.violations.count < 200 { state.violations.append(message) }
        }
    }

    /// A copy of everything recorded.
    var snapshot: State { state.withLock { $0 } }
}
