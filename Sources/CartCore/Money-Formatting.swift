// Human-readable money, exact for every exponent: integer arithmetic only.

extension Money {
    /// The amount for people: `"₹499.00"`, `"-$5.25"`, `"¥500"`, `"KWD 1.234"`, `"KWD -1.234"`.
    ///
    /// INR, USD, EUR, GBP and JPY use their symbol, other codes are written before the amount with a space.
    /// The number of decimals is the currency's ISO-4217 exponent; an unknown code shows the raw minor units
    /// (`"XYZ 12345"`). No grouping separators are used (Indian and Western grouping differ).
    public var formatted: String {
        let exponent = Currency.minorUnits(currencyCode) ?? 0
        let number = Money.decimalString(magnitude: amountMinor.magnitude, exponent: exponent)
        let sign = amountMinor < 0 ? "-" : ""
        if let symbol = Currency.symbol(currencyCode) {
            return "\(sign)\(symbol)\(number)"
        }
        return "\(currencyCode) \(sign)\(number)"
    }

    /// Renders `magnitude` minor units with `exponent` decimal places, e.g. (49900, 2) → "499.00".
    static func decimalString(magnitude: UInt64, exponent: Int) -> String {
        guard exponent > 0 else { return String(magnitude) }
        var digits = String(magnitude)
        if digits.count <= exponent {
            digits = String(repeating: "0", count: exponent - digits.count + 1) + digits
        }
        let split = digits.index(digits.endIndex, offsetBy: -exponent)
        return "\(digits[..<split]).\(digits[split...])"
    }
}
