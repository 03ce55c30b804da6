import CartCore

/// How the SQLite store opens its database file.
public struct SQLiteStoreOptions: Sendable, Hashable {
    /// SQLite's `synchronous` setting for the writer connection (WAL mode).
    public enum Synchronous: String, Sendable, Hashable, CaseIterable {
        /// Commits survive a crash of the process (kill -9); the last commits before a power loss
        /// or kernel crash may be lost (the database stays consistent). The default.
        case normal = "NORMAL"
        /// Every commit is fsynced before it is acknowledged: it also survives power loss.
        case full = "FULL"
    }

    /// Durability of commits; see ``Synchronous``.
    public var synchronous: Synchronous = .normal
    /// How long a connection waits for a lock held by another process before failing UNAVAILABLE.
    public var busyTimeoutSeconds: Double = 5
    /// Concurrent read connections.
    public var maximumReaderCount = 4
    /// How long idempotency records are kept (and replayed).
    public var idempotencyRetentionMs: Int64 = IdempotencyKey.defaultRetentionMs
    /// Active carts kept in memory for reads (0 disables the cache).
    public var cartCacheCapacity = 10_000
    /// The most cart mutations committed together by the group-commit writer.
    public var maxMutationsPerTransaction = 64
    /// Checkpoint the WAL from a background connection (commits then never checkpoint themselves).
    public var backgroundCheckpoints = true
    /// The WAL size (pages) at which the writer checkpoints it itself, SQLite's `wal_autocheckpoint`.
    ///
    /// The background checkpoints copy the WAL into the database without blocking anyone, but under
    /// a steady stream of commits they never complete, and SQLite only starts the WAL over after a
    /// complete one. So the WAL grows until the writer's own checkpoint, which stalls every commit
    /// for about 150 ms on a typical disk (it syncs both files). How often that happens is what this
    /// sets; how long it takes does not depend on it, since the background has copied most pages
    /// by then. At 40,000 pages (~170 MB of WAL with 4 KiB pages; a clean shutdown removes it)
    /// sustained AddItems stall every ~5 s instead of every ~1.4 s at 10,000.
    public var walAutocheckpointPages = 40_000

    /// The defaults: synchronous NORMAL, 5 s busy timeout, 4 readers, 24 h idempotency retention.
    public init() {}
}
