import Synchronization

/// Key/value facts a handler learns while serving a call (e.g. `cart.id`, `user.id`), reported with
/// the call's ``CallRecord`` so logs and metrics can name them.
///
/// Thread-safe (a mutex held inline, not a separately allocated lock); cheap when unused.
public final class CallAnnotations: Sendable {
    private let values = Mutex<[(String, String)]>([])

    /// Room made on the first annotation: a call sets a few (the cart service sets two), so one
    /// allocation holds them all rather than the array growing one element at a time.
    static let initialCapacity = 4

    /// Creates empty annotations.
    public init() {}

    /// Records `value` under `key`, replacing an earlier value of the same key in its place; `nil`
    /// removes the key.
    public subscript(key: String) -> String? {
        get { values.withLock { $0.first { $0.0 == key }?.1 } }
        set {
            values.withLock { values in
                if let index = values.firstIndex(where: { $0.0 == key }) {
                    if let newValue { values[index].1 = newValue } else { values.remove(at: index) }
                } else if let newValue {
                    if values.capacity == 0 { values.reserveCapacity(Self.initialCapacity) }
                    values.append((key, newValue))
                }
            }
        }
    }

    /// Every annotation, in the order first set.
    public var all: [(String, String)] { values.withLock { $0 } }
}
