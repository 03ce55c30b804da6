// Money arithmetic: checked addition and multiplication, currency mixing, sums.

import CartCore
import Foundation
import Testing

@Suite("Money")
struct MoneyTests {
    @Test func addsSameCurrency() throws {
        let sum = try Fixture.inr(49_900).adding(Fixture.inr(100))
        #expect(sum == Fixture.inr(50_000))
        #expect(Money.zero("JPY") == Money(currencyCode: "JPY", amountMinor: 0))
        #expect(Money.zero("JPY").isZero)
        #expect(Fixture.inr(-1).isNegative)
    }

    @Test func mixingCurrenciesThrows() {
        expectCartError(.failedPrecondition, .currencyMismatch) { () throws(CartError) in
            try Fixture.inr(1).adding(Fixture.usd(1))
        }
    }

    @Test(
        "addition overflow throws",
        arguments: [
            (Int64.max, Int64(1)), (Int64.min, Int64(-1)), (Int64.max / 2 + 1, Int64.max / 2 + 1),
        ])
    func additionOverflow(lhs: Int64, rhs: Int64) {
        expectCartError(.invalidArgument, .amountOverflow) { () throws(CartError) in
            try Fixture.inr(lhs).adding(Fixture.inr(rhs))
        }
    }

    @Test func additionAtTheEdgeDoesNotThrow() throws {
        #expect(try Fixture.inr(Int64.max - 1).adding(Fixture.inr(1)).amountMinor == Int64.max)
        #expect(try Fixture.inr(Int64.min).adding(Fixture.inr(Int64.max)).amountMinor == -1)
    }

    @Test func multiplies() throws {
        #expect(try Fixture.inr(49_900).multiplied(by: 3) == Fixture.inr(149_700))
        #expect(try Fixture.inr(49_900).multiplied(by: 0) == Fixture.inr(0))
        #expect(try Fixture.inr(-5).multiplied(by: 2) == Fixture.inr(-10))
    }

    @Test(
        "multiplication overflow throws",
        arguments: [
            (Int64.max, Int64(2)), (Int64(4_294_967_296), Int64(4_294_967_296)), (Int64.min, Int64(-1)),
        ])
    func multiplicationOverflow(amount: Int64, quantity: Int64) {
        expectCartError(.invalidArgument, .amountOverflow) { () throws(CartError) in
            try Fixture.inr(amount).multiplied(by: quantity)
        }
    }

    @Test func sums() throws {
        #expect(try Money.sum([], currencyCode: "INR") == Fixture.inr(0))
        #expect(try Money.sum([Fixture.inr(1), Fixture.inr(2)], currencyCode: "INR") == Fixture.inr(3))
        expectCartError(.failedPrecondition, .currencyMismatch) { () throws(CartError) in
            try Money.sum([Fixture.inr(1), Fixture.usd(2)], currencyCode: "INR")
        }
        expectCartError(.invalidArgument, .amountOverflow) { () throws(CartError) in
            try Money.sum([Fixture.inr(.max), Fixture.inr(1)], currencyCode: "INR")
        }
    }

    @Test func codableRoundTrip() throws {
        let value = Fixture.inr(49_900)
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(Money.self, from: data) == value)
    }
}
