// Store errors: transient failures are UNAVAILABLE, the rest INTERNAL, and details never reach the message.

import CartCore
import Testing

@Suite("StoreError")
struct StoreErrorTests {
    @Test(
        "kinds",
        arguments: [
            (StoreError.Reason.busy, ErrorKind.unavailable), (.full, .resourceExhausted), (.unreachable, .unavailable),
            (.corrupt, .internal), (.other, .internal),
        ])
    func kinds(reason: StoreError.Reason, kind: ErrorKind) {
        let error = StoreError(reason, detail: "SQLITE_BUSY: database is locked at /var/lib/cartd/cart.db")
        #expect(error.kind == kind)
        #expect(!error.message.contains("SQLITE") && !error.message.contains("/var"))
        #expect(error.detail.contains("SQLITE"))
        let domain: any DomainError = error
        #expect(domain.kind == kind)
    }
}
