/// A dictionary with a capacity: storing a new key when it is full first removes a random entry, in O(1).
///
/// Random rather than "the first entries": evicting from the front of a hash table keeps evicting what
/// was just inserted once that front has been emptied (the cart cache missed almost every read that way).
/// Used by the store's cart cache and the server's reply memo.
///
/// Thread safety: a value type; callers that share one put it behind a lock.
public struct RandomEvictingDictionary<Key: Hashable, Value> {
    private var entries: [Key: (value: Value, slot: Int)] = [:]
    private var keys: [Key] = []
    /// The most entries kept; 0 keeps nothing.
    public let capacity: Int

    /// Creates an empty dictionary holding at most `capacity` entries.
    public init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    /// How many entries are stored.
    public var count: Int { keys.count }

    /// The value stored for `key`.
    public subscript(key: Key) -> Value? { entries[key]?.value }

    /// Stores `value` for `key`. A new key in a full dictionary first evicts a random entry.
    /// - Returns: The evicted key, if one was.
    @discardableResult
    public mutating func set(_ value: Value, for key: Key) -> Key? {
        if let slot = entries[key]?.slot {
            entries[key] = (value, slot)
            return nil
        }
        guard capacity > 0 else { return nil }
        var evicted: Key?
        if keys.count >= capacity {
            let victim = keys[Int.random(in: 0..<keys.count)]
            removeValue(forKey: victim)
            evicted = victim
        }
        entries[key] = (value, keys.count)
        keys.append(key)
        return evicted
    }

    /// Removes the entry of `key`, if any.
    public mutating func removeValue(forKey key: Key) {
        guard let slot = entries.removeValue(forKey: key)?.slot else { return }
        let last = keys.removeLast()
        if slot < keys.count {
            keys[slot] = last
            entries[last]?.slot = slot
        }
    }
}
