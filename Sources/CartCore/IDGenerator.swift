// Opaque random ids: a type prefix and 20 characters of Crockford base32 (100 random bits).

/// A source of fresh ids, injected into the cart rules so tests can make ids predictable.
public protocol IDSource {
    /// Returns a new id that starts with `prefix`, e.g. `item_` → `"item_7Q2M…"`.
    /// - Parameter prefix: One of the `IDPrefix` constants.
    /// - Returns: An id never returned before (with overwhelming probability).
    mutating func next(prefix: String) -> String
}

/// The prefixes of the ids cartd mints; they tell a reader what an id names.
///
/// Thread safety: constants only.
public enum IDPrefix {
    /// Carts.
    public static let cart = "cart_"
    /// Cart lines.
    public static let item = "item_"
    /// Payments.
    public static let payment = "pay_"
    /// Orders.
    public static let order = "ord_"
    /// Change events.
    public static let event = "evt_"
}

/// Mints ids as a prefix plus 20 characters of Crockford base32 (`0-9A-Z` without `I L O U`), 100 random bits:
/// a collision needs about 10¹⁵ ids.
///
/// Thread safety: a value type; `Sendable` when its generator is. Each copy advances its own generator, so give
/// each thread (or each transaction) its own; the default system generator never repeats across copies.
public struct IDGenerator<Generator: RandomNumberGenerator>: IDSource {
    /// The Crockford base32 alphabet.
    public static var alphabet: [Character] { Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ") }
    /// Random characters after the prefix.
    public static var randomLength: Int { 20 }

    private var generator: Generator
    /// How many ids this copy has minted. Also keeps the type from being zero-sized with the (empty) system
    /// generator: ThreadSanitizer's instrumentation of an `inout` zero-sized value crashes (SEGV in
    /// `__tsan::MemoryAccess`; reproduced with a ten-line program on Swift 6.3), which stopped `make sanitize`.
    public private(set) var minted = 0

    /// Creates a generator drawing from `generator` (a seeded one in tests).
    /// - Parameter generator: The source of random bits.
    public init(generator: Generator) {
        self.generator = generator
    }

    /// Returns `prefix` followed by 20 random Crockford base32 characters.
    /// - Parameter prefix: One of the `IDPrefix` constants.
    /// - Returns: A new id, e.g. `"cart_0F3K9QZ7W2XH6B8N1D4R"`.
    public mutating func next(prefix: String) -> String {
        minted += 1
        // 100 bits: 60 from one draw and 40 from another, five bits per character.
        let first = generator.next() as UInt64
        let second = generator.next() as UInt64
        let prefixBytes = prefix.utf8
        return String(unsafeUninitializedCapacity: prefixBytes.count + Self.randomLength) { buffer in
            var count = buffer.initialize(fromContentsOf: prefixBytes)
            var bits = first
            for index in 0..<Self.randomLength {
                if index == 12 { bits = second }
                buffer[count] = crockfordAlphabet[Int(bits & 0x1F)]
                count += 1
                bits >>= 5
            }
            return count
        }
    }
}

/// The Crockford base32 alphabet as ASCII bytes (ids are built without `Character` work).
private let crockfordAlphabet: [UInt8] = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)

extension IDGenerator: Sendable where Generator: Sendable {}

extension IDGenerator where Generator == SystemRandomNumberGenerator {
    /// Creates a generator backed by the system's cryptographically secure random numbers.
    public init() {
        self.init(generator: SystemRandomNumberGenerator())
    }
}
