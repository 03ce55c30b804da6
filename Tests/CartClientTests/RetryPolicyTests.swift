@testable import CartClient
import CartCore
import NIOCore
import Testing

@Suite("RetryPolicy and idempotency keys")
struct RetryPolicyTests {
    @Test("backoff stays within [ceiling/2, ceiling], the ceiling doubling up to maxBackoff")
    func backoffBounds() {
        let policy = RetryPolicy()
        for attempt in 2...30 {
            let ceiling = min(Int64(50_000_000) << Int64(min(attempt - 2, 20)), 1_000_000_000)
            for _ in 0..<200 {
                let wait = policy.backoff(beforeAttempt: attempt).nanoseconds
                #expect(wait >= ceiling / 2 && wait <= ceiling, "attempt \(attempt): \(wait) ns")
            }
        }
    }

    @Test("the none policy and a zero backoff never wait")
    func noWait() {
        #expect(RetryPolicy.none.maxAttempts == 1)
        #expect(RetryPolicy.none.backoff(beforeAttempt: 2) == .zero)
        let huge = RetryPolicy(maxAttempts: .max, initialBackoff: .seconds(1), maxBackoff: .seconds(5))
        #expect(huge.backoff(beforeAttempt: 1_000).nanoseconds <= 5_000_000_000)
    }

    @Test("generated idempotency keys are valid and distinct")
    func idempotencyKeys() throws {
        let keys = (0..<100).map { _ in CartClient.makeIdempotencyKey() }
        #expect(Set(keys).count == 100)
        for key in keys { try IdempotencyKey.validate(key) }
    }
}
