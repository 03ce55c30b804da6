import ArgumentParser

/// A token lifetime on the command line: `30s`, `15m`, `1h`, `2d`, or plain seconds (`90`).
struct TokenLifetime: ExpressibleByArgument, Hashable {
    /// The lifetime in seconds, at least 1.
    var seconds: Int

    init(seconds: Int) { self.seconds = seconds }

    init?(argument: String) {
        guard let seconds = Self.parse(argument) else { return nil }
        self.seconds = seconds
    }

    static var defaultValueDescription: String { "1h" }

    /// Parses a lifetime.
    /// - Parameter text: Digits, optionally followed by one unit: `s`, `m`, `h` or `d`.
    /// - Returns: The seconds, or `nil` when the text is not a positive lifetime that fits in an `Int`.
    static func parse(_ text: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400]
        var digits = Substring(text)
        var multiplier = 1
        if let last = text.last, let unit = units[last] {
            multiplier = unit
            digits = digits.dropLast()
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else {
            return nil
        }
        let (seconds, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow, seconds > 0 else { return nil }
        return seconds
    }
}
