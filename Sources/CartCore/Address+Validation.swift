// Address rules for checkout: required fields and lengths.

extension Address {
    /// Checks the address: name, line1, city, postal code and country are required; lengths are bounded;
    /// no control characters; country is an ISO-3166 alpha-2 code (two letters, upper case).
    /// - Parameter field: The request field, for messages (`shipping_address`).
    /// - Throws: `CheckoutError` INVALID_ARGUMENT naming the sub-field, e.g. "shipping_address.city: is required".
    public func validate(field: String) throws(CheckoutError) {
        let limits: [(String, String, Int, Bool)] = [
            ("name", name, 200, true), ("line1", line1, 200, true), ("line2", line2, 200, false),
            ("city", city, 100, true), ("state", state, 100, false), ("postal_code", postalCode, 20, true),
            ("country", country, 2, true), ("phone", phone, 32, false),
        ]
        for (name, value, maximum, required) in limits {
            let trimmed = value.trimmingWhitespace
            if required, trimmed.isEmpty { throw CheckoutError.invalid("\(field).\(name)", "is required") }
            if value.count > maximum {
                throw CheckoutError.invalid("\(field).\(name)", "is longer than \(maximum) characters")
            }
            if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
                throw CheckoutError.invalid("\(field).\(name)", "contains control characters")
            }
        }
        guard country.count == 2, country.unicodeScalars.allSatisfy({ ("A"..."Z").contains($0) }) else {
            throw CheckoutError.invalid("\(field).country", "must be an ISO-3166 alpha-2 code such as IN")
        }
        if !phone.isEmpty, !phone.unicodeScalars.allSatisfy({ "+0123456789 -()".unicodeScalars.contains($0) }) {
            throw CheckoutError.invalid("\(field).phone", "may hold only digits, spaces, + - ( )")
        }
    }
}

extension String {
    /// The string without leading and trailing whitespace.
    var trimmingWhitespace: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
