import Locking

/// Key/value facts a handler learns while serving a call (e.g. `cart.id`, `user.id`), reported with
/// the call's ``CallRecord`` so logs and metrics can name them.
///
/// Thread-safe (a mutex); cheap when unused.
public final class CallAnnotations: Sendable {
    private let values = Locked<[(String, String)]>([])

    /// Creates empty annotations.
    public init() {}

    /// Records `value` under `key`, replacing an earlier value of the same key.
    public subscript(key: String) -> String? {
        get { values.withLock { $0.first { $0.0 == key }?.1 } }
        set {
            values.withLock { values in
                values.removeAll { $0.0 == key }
                if let newValue { values.append((key, newValue)) }
            }
        }
    }

    /// Every annotation, in the order first set.
    public var all: [(String, String)] { values.withLock { $0 } }
}
