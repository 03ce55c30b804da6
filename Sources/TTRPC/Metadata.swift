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
        entries.append(Entry(key: key.lowercased(), value: value))
    }

    /// Replaces every value of `key` with `value`.
    public mutating func replace(_ key: String, with value: String) {
        let lower = key.lowercased()
        entries.removeAll { $0.key == lower }
        entries.append(Entry(key: lower, value: value))
    }

    /// Every value of `key`, in order.
    public func values(_ key: String) -> [String] {
        let lower = key.lowercased()
        return entries.compactMap { $0.key == lower ? $0.value : nil }
    }

    /// The first value of `key`, if any.
    public subscript(key: String) -> String? {
        let lower = key.lowercased()
        return entries.first { $0.key == lower }?.value
    }

    /// The number of entries.
    public var count: Int { entries.count }

    /// Whether there are no entries.
    public var isEmpty: Bool { entries.isEmpty }

    /// Iterates the entries in order.
    public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }
}
