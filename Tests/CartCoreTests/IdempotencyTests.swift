// Idempotency keys, fingerprints and the replay / conflict / execute decision.

import CartCore
import Testing

@Suite("Idempotency")
struct IdempotencyTests {
    @Test(
        "valid keys",
        arguments: ["k", "550e8400-e29b-41d4-a716-446655440000", String(repeating: "~", count: 128), "!#$%&'()*+"])
    func validKeys(key: String) throws {
        try IdempotencyKey.validate(key)
    }

    @Test(
        "invalid keys",
        arguments: [
            "", String(repeating: "k", count: 129), String(repeating: "k", count: 10_240), "has space", "tab\t",
            "nul\u{0}", "del\u{7F}", "ключ", "emoji🙂", "é",
        ])
    func invalidKeys(key: String) {
        expectCartError(
            .invalidArgument, .invalidField("idempotency-key"),
            message: "idempotency-key must be 1–128 printable ASCII characters"
        ) { () throws(CartError) in
            try IdempotencyKey.validate(key)
        }
    }

    @Test func fingerprintsAreLengthPrefixed() {
        let a = IdempotencyFingerprint(method: "M", fields: ["a|b", "c"])
        let b = IdempotencyFingerprint(method: "M", fields: ["a", "b|c"])
        let c = IdempotencyFingerprint(method: "M", fields: ["a1:b", ""])
        let d = IdempotencyFingerprint(method: "M", fields: ["a", "1:b"])
        #expect(Set([a, b, c, d]).count == 4)
        #expect(
            IdempotencyFingerprint(method: "AddItem", fields: ["p1", "", "3", "0"]).value == "7:AddItem2:p10:1:31:0")
        #expect(IdempotencyFingerprint(method: "M", fields: ["é"]).value == "1:M2:é")
        #expect(IdempotencyFingerprint(storedValue: a.value) == a)
    }

    @Test func cartFingerprints() {
        let add = IdempotencyFingerprint.cart(.add(productID: "p1", variantID: nil, quantity: 3), expectedVersion: 0)
        #expect(add == IdempotencyFingerprint(method: "AddItem", fields: ["p1", "", "3", "0"]))
        let all: [IdempotencyFingerprint] = [
            add,
            .cart(.add(productID: "p1", variantID: "v1", quantity: 3), expectedVersion: 0),
            .cart(.add(productID: "p1", variantID: nil, quantity: 4), expectedVersion: 0),
            .cart(.add(productID: "p1", variantID: nil, quantity: 3), expectedVersion: 2),
            .cart(.update(itemID: "i1", quantity: 3), expectedVersion: 0),
            .cart(.remove(itemID: "i1"), expectedVersion: 0),
            .cart(.clear, expectedVersion: 0),
            .cart(.clear, expectedVersion: 1),
            .cart(.mergeGuest(lines: []), expectedVersion: 0),
            .mergeGuestCart(guestUserID: "guest-1"),
        ]
        #expect(Set(all).count == all.count)
        #expect(CartCommand.clear.methodName == "ClearCart")
    }

    static func record(_ fingerprint: IdempotencyFingerprint, at createdAtMs: Int64 = 1_000) -> IdempotencyRecord {
        IdempotencyRecord(
            userID: "u", key: "k1", fingerprint: fingerprint, result: [1, 2, 3], createdAtMs: createdAtMs)
    }

    @Test func decisions() throws {
        let fp = IdempotencyFingerprint.cart(.clear, expectedVersion: 0)
        #expect(try IdempotencyRecord.decide(existing: nil, fingerprint: fp, nowMs: 5_000) == .execute)
        #expect(
            try IdempotencyRecord.decide(existing: Self.record(fp), fingerprint: fp, nowMs: 5_000)
                == .replay([1, 2, 3]))
        let other = IdempotencyFingerprint.cart(.clear, expectedVersion: 3)
        expectCartError(
            .invalidArgument, .idempotencyKeyConflict,
            message: "idempotency-key k1 was already used for a different request"
        ) {
            () throws(CartError) in
            try IdempotencyRecord.decide(existing: Self.record(fp), fingerprint: other, nowMs: 5_000)
        }
    }

    @Test func expiredRecordsCountAsAbsent() throws {
        let fp = IdempotencyFingerprint.cart(.clear, expectedVersion: 0)
        let other = IdempotencyFingerprint.cart(.clear, expectedVersion: 3)
        let day = IdempotencyKey.defaultRetentionMs
        #expect(day == 86_400_000)
        #expect(
            try IdempotencyRecord.decide(existing: Self.record(fp), fingerprint: fp, nowMs: 1_000 + day - 1)
                == .replay([1, 2, 3]))
        #expect(
            try IdempotencyRecord.decide(existing: Self.record(fp), fingerprint: other, nowMs: 1_000 + day)
                == .execute)
        #expect(
            try IdempotencyRecord.decide(
                existing: Self.record(fp, at: .min), fingerprint: fp, nowMs: .max) == .execute)
    }
}
