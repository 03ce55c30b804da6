// Request id validation and id generation.

import CartCore
import Testing

@Suite("Identifiers")
struct IdentifiersTests {
    @Test func acceptsOpaqueIds() throws {
        try IDValidation.required("p1", field: "product_id")
        try IDValidation.required(String(repeating: "a", count: 128), field: "product_id")
        try IDValidation.required("चाय with spaces", field: "product_id")
        #expect(try IDValidation.optional("", field: "variant_id") == nil)
        #expect(try IDValidation.optional("v1", field: "variant_id") == "v1")
    }

    static let bad: [(String, String)] = [
        ("", "product_id is required"),
        (String(repeating: "a", count: 129), "product_id is longer than 128 bytes"),
        (String(repeating: "x", count: 10_240), "product_id is longer than 128 bytes"),
        (String(repeating: "é", count: 65), "product_id is longer than 128 bytes"),
        ("p\u{0}1", "product_id contains control characters"),
        ("p1\n", "product_id contains control characters"),
        ("\t", "product_id contains control characters"),
        ("p\u{7F}", "product_id contains control characters"),
        ("p\u{85}", "product_id contains control characters"),
    ]

    @Test("rejects", arguments: bad.indices)
    func rejects(index: Int) {
        let (value, message) = Self.bad[index]
        expectCartError(.invalidArgument, .invalidField("product_id"), message: message) { () throws(CartError) in
            try IDValidation.required(value, field: "product_id")
        }
    }

    @Test func optionalRejectsBadNonEmptyIds() {
        expectCartError(.invalidArgument, .invalidField("variant_id"), message: "variant_id is longer than 128 bytes") {
            () throws(CartError) in try IDValidation.optional(String(repeating: "v", count: 200), field: "variant_id")
        }
    }

    @Test func generatorShape() {
        var ids = IDGenerator()
        let alphabet = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
        for prefix in [IDPrefix.cart, IDPrefix.item, IDPrefix.payment, IDPrefix.order, IDPrefix.event] {
            let id = ids.next(prefix: prefix)
            #expect(id.hasPrefix(prefix))
            let rest = id.dropFirst(prefix.count)
            #expect(rest.count == 20)
            #expect(rest.allSatisfy { alphabet.contains($0) })
        }
    }

    @Test func generatorIsUniqueAndSeedable() {
        var system = IDGenerator()
        let many = (0..<10_000).map { _ in system.next(prefix: "item_") }
        #expect(Set(many).count == many.count)

        var first = IDGenerator(generator: SplitMix64(seed: 42))
        var second = IDGenerator(generator: SplitMix64(seed: 42))
        var third = IDGenerator(generator: SplitMix64(seed: 43))
        let a = first.next(prefix: "cart_")
        #expect(a == second.next(prefix: "cart_"))
        #expect(a != third.next(prefix: "cart_"))
        #expect(a != first.next(prefix: "cart_"))
    }

    @Test func generatorUsesAllBitsOfTwoDraws() {
        /// A generator returning all ones: every character must be the last of the alphabet.
        struct Ones: RandomNumberGenerator { mutating func next() -> UInt64 { .max } }
        var ids = IDGenerator(generator: Ones())
        #expect(ids.next(prefix: "x_") == "x_" + String(repeating: "Z", count: 20))
    }
}
