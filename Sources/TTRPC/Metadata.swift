/// Call metadata: ordered key/value pairs, where a key may repeat and keys compare in lowercase.
///
/// Keys are stored lowercased on insertion, as ttrpc's `MD` does.
public struct Metadata: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// One entry.
    public struct Entry: Sendable, Hashable {
        /// The key, lowercased.
        public var key: String
        /// The value.
        public var value: String
    }

    private var entries: [Entry] = []

    /// Creates empty metadata.
    public init() {}

    /// Creates metadata from literal pairs (keys are lowercased).
    public init(dictionaryLiteral elements: (String, String)...) {
        for (key, value) in elements { append(key, value) }
    }

    /// Appends a value for `key` (lowercased), keeping earlier values of the same key.
    public mutating func append(_ key: String, _ value: String) {
        entries.append(Entry(key: Self.lowercase(key), value: value))
    }

    /// `key` in lowercase; returns it as is (no allocation) when it has no upper-case letter, the usual case.
    @inlinable
    static func lowercase(_ key: String) -> String {
        // Over the contiguous bytes where there are some (every native string): the view's own
        // iteration costs several times as much per byte.
        let needsLowering = { (byte: UInt8) in byte >= 0x80 || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) }
        let lower = key.utf8.withContiguousStorageIfAvailable { $0.contains(where: needsLowering) }
            ?? key.utf8.contains(where: needsLowering)
        return lower ? key.lowercased() : key
    }

    /// Metadata of the first `count` entries of `other`, with room for `capacity` in all.
    init(prefix count: Int, of other: Metadata, capacity: Int) {
        entries.reserveCapacity(capacity)
        entries.append(contentsOf: other.entries.prefix(count))
    }

    /// Makes room for `count` entries in total.
    mutating func reserveCapacity(_ count: Int) {
        entries.reserveCapacity(count)
    }

    /// Replaces every value of `key` with `value`.
    public mutating func replace(_ key: String, with value: String) {
        let lower = Self.lowercase(key)
        entries.removeAll { $0.key == lower }
        entries.append(Entry(key: lower, value: value))
    }

    /// Every value of `key`, in order.
    public func values(_ key: String) -> [String] {
        let lower = Self.lowercase(key)
        return entries.compactMap { $0.key == lower ? $0.value : nil }
    }

    /// The first value of `key`, if any.
    public subscript(key: String) -> String? {
        let lower = Self.lowercase(key)
        return entries.first { $0.key == lower }?.value
    }

    /// The number of entries.
    public var count: Int { entries.count }

    /// Whether there are no entries.
    public var isEmpty: Bool { entries.isEmpty }

    /// Iterates the entries in order.
    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }
}
