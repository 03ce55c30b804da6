// An amount of money: an ISO-4217 code and an integer number of minor units. Never floating point.

/// An amount of money in integer minor units of one currency (paise for INR, cents for USD).
///
/// Arithmetic is checked: mixing currencies or overflowing 64 bits throws instead of trapping or wrapping.
/// Thread safety: a value type, `Sendable`.
public struct Money: Hashable, Sendable, Codable {
    /// The ISO-4217 code in upper case, e.g. `"INR"`.
    public var currencyCode: String
    /// The amount in minor units, e.g. `49900` for ₹499.00.
    public var amountMinor: Int64

    /// Creates an amount.
    /// - Parameters:
    ///   - currencyCode: The ISO-4217 code in upper case.
    ///   - amountMinor: The amount in minor units of that currency.
    public init(currencyCode: String, amountMinor: Int64) {
        self.currencyCode = currencyCode
        self.amountMinor = amountMinor
    }

    /// Zero in the given currency.
    /// - Parameter currencyCode: The ISO-4217 code.
    /// - Returns: An amount of 0 minor units.
    public static func zero(_ currencyCode: String) -> Money {
        Money(currencyCode: currencyCode, amountMinor: 0)
    }

    /// Whether the amount is zero.
    public var isZero: Bool { amountMinor == 0 }

    /// Whether the amount is below zero.
    public var isNegative: Bool { amountMinor < 0 }

    /// The sum of two amounts of the same currency.
    /// - Parameter other: The amount to add; must be in the same currency.
    /// - Returns: `self + other`.
    /// - Throws: `CartError` with reason `.currencyMismatch` (FAILED_PRECONDITION) when the currencies differ,
    ///   `.amountOverflow` (INVALID_ARGUMENT) when the sum does not fit in 64 bits.
    public func adding(_ other: Money) throws(CartError) -> Money {
        guard currencyCode == other.currencyCode else {
            throw CartError.currencyMismatch(currencyCode, other.currencyCode)
        }
        let (sum, overflow) = amountMinor.addingReportingOverflow(other.amountMinor)
        guard !overflow else { throw CartError.amountOverflow }
        return Money(currencyCode: currencyCode, amountMinor: sum)
    }

    /// The amount times a quantity, e.g. a line total from a unit price.
    /// - Parameter quantity: The multiplier.
    /// - Returns: `self × quantity` in the same currency.
    /// - Throws: `CartError` with reason `.amountOverflow` when the product does not fit in 64 bits.
    public func multiplied(by quantity: Int64) throws(CartError) -> Money {
        let (product, overflow) = amountMinor.multipliedReportingOverflow(by: quantity)
        guard !overflow else { throw CartError.amountOverflow }
        return Money(currencyCode: currencyCode, amountMinor: product)
    }

    /// The sum of many amounts, all in `currencyCode`.
    /// - Parameters:
    ///   - amounts: The amounts to add.
    ///   - currencyCode: The currency of the result (and of every amount).
    /// - Returns: The total; zero when `amounts` is empty.
    /// - Throws: `CartError` on a currency mismatch or overflow.
    public static func sum(_ amounts: some Sequence<Money>, currencyCode: String) throws(CartError) -> Money {
        var total = Money.zero(currencyCode)
        for amount in amounts {
            total = try total.adding(amount)
        }
        return total
    }
}
