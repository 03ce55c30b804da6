// Money.formatted: symbols, codes, exponents 0/2/3/4, negatives and extremes, with no floating point.

import CartCore
import Testing

@Suite("Money formatting")
struct MoneyFormattingTests {
    static let cases: [(String, Int64, String)] = [
        ("INR", 49_900, "₹499.00"),
        ("INR", 54_900, "₹549.00"),
        ("INR", 5, "₹0.05"),
        ("INR", 0, "₹0.00"),
        ("INR", -49_905, "-₹499.05"),
        ("USD", 525, "$5.25"),
        ("EUR", 1, "€0.01"),
        ("GBP", 100_000_000, "£1000000.00"),
        ("JPY", 500, "¥500"),
        ("JPY", -7, "-¥7"),
        ("KWD", 1_234, "KWD 1.234"),
        ("KWD", 5, "KWD 0.005"),
        ("KWD", -1_234, "KWD -1.234"),
        ("BHD", 1_000, "BHD 1.000"),
        ("CLF", 12_345, "CLF 1.2345"),
        ("KRW", 15_000, "KRW 15000"),
        ("CHF", -99, "CHF -0.99"),
        ("XYZ", 12_345, "XYZ 12345"),
        ("INR", Int64.max, "₹92233720368547758.07"),
        ("INR", Int64.min, "-₹92233720368547758.08"),
        ("KWD", Int64.min, "KWD -9223372036854775.808"),
    ]

    @Test("formats", arguments: cases.indices)
    func formats(index: Int) {
        let (code, minor, expected) = Self.cases[index]
        #expect(Money(currencyCode: code, amountMinor: minor).formatted == expected)
    }
}
