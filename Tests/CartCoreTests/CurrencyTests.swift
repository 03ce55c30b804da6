// The ISO-4217 table: membership, exponents, symbols and validation.

import CartCore
import Testing

@Suite("Currency")
struct CurrencyTests {
    @Test(
        "exponents",
        arguments: [
            ("INR", 2), ("USD", 2), ("EUR", 2), ("JPY", 0), ("KRW", 0), ("KWD", 3), ("BHD", 3), ("TND", 3),
            ("CLF", 4), ("UYW", 4), ("ISK", 0), ("XOF", 0), ("VND", 0), ("SLE", 2), ("ZWG", 2), ("XCG", 2),
        ])
    func exponents(code: String, exponent: Int) {
        #expect(Currency.isValid(code))
        #expect(Currency.minorUnits(code) == exponent)
    }

    @Test(
        "rejected codes", arguments: ["", "inr", "Inr", "XXX", "XAU", "XTS", "XDR", "HRK", "IN", "INRR", "₹", " INR"])
    func rejected(code: String) {
        #expect(!Currency.isValid(code))
        #expect(Currency.minorUnits(code) == nil)
        expectCartError(.invalidArgument, .invalidField("price.currency_code")) { () throws(CartError) in
            try Currency.validate(code, field: "price.currency_code")
        }
    }

    @Test func tableIsTheFullList() {
        #expect(Currency.minorUnitsByCode.count >= 155)
        for (code, exponent) in Currency.minorUnitsByCode {
            #expect(code.count == 3 && code.allSatisfy { $0.isASCII && $0.isUppercase }, "\(code)")
            #expect([0, 2, 3, 4].contains(exponent), "\(code)")
        }
    }

    @Test func symbols() {
        #expect(Currency.symbol("INR") == "₹")
        #expect(Currency.symbol("USD") == "$")
        #expect(Currency.symbol("EUR") == "€")
        #expect(Currency.symbol("GBP") == "£")
        #expect(Currency.symbol("JPY") == "¥")
        #expect(Currency.symbol("KWD") == nil)
    }

    @Test func validateMessages() {
        expectCartError(.invalidArgument, message: "currency_code: is required") { () throws(CartError) in
            try Currency.validate("", field: "currency_code")
        }
        expectCartError(.invalidArgument, message: "currency_code: must be an ISO-4217 code in upper case, like INR") {
            () throws(CartError) in try Currency.validate("inr", field: "currency_code")
        }
    }
}
