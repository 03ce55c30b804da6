import CartCore
import Foundation
import GRDB
import Locking

/// The embedded store: one SQLite file in WAL mode, behind CartCore's store protocols.
///
/// Every mutation is one write transaction on GRDB's single writer connection, so mutations of a
/// cart are serialized and none is lost; reads run on a pool of reader connections and never block
/// the writer. The catalog lives in memory as well (``CatalogCache``) for lookups and pricing.
///
/// Thread-safe. Methods block the calling thread for the duration of one short transaction.
public final class SQLiteStore: Sendable {
    let pool: DatabasePool
    let catalog: CatalogCache
    let carts: CartCache
    /// Read-only connections for the cart query, outside GRDB's pool.
    let cartReaders: CartReadConnections
    /// Carts written by the transaction in progress, cached when it commits (writer thread only).
    private let written = Locked<[StoredCart]>([])
    private let batcherBox = Locked<WriteBatcher?>(nil)
    private let checkpointer: Checkpointer?
    /// The options the store was opened with.
    public let options: SQLiteStoreOptions
    /// The database file.
    public let path: String
    private let onTransaction: @Sendable (_ nanoseconds: Int64) -> Void

    /// Opens (creating if needed) the database, runs pending migrations and loads the catalog.
    /// - Parameters:
    ///   - path: The SQLite file.
    ///   - options: Durability and limits.
    ///   - onTransaction: Told the duration of every transaction (metrics).
    /// - Throws: ``StoreError`` when the file cannot be opened or migrated.
    public init(path: String, options: SQLiteStoreOptions = SQLiteStoreOptions(),
                onTransaction: @escaping @Sendable (_ nanoseconds: Int64) -> Void = { _ in }) throws {
        self.path = path
        self.options = options
        self.onTransaction = onTransaction
        self.carts = CartCache(capacity: options.cartCacheCapacity)
        self.cartReaders = CartReadConnections(path: path, busyTimeoutSeconds: options.busyTimeoutSeconds,
                                               maxIdle: options.maximumReaderCount)
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(options.busyTimeoutSeconds)
        configuration.maximumReaderCount = options.maximumReaderCount
        configuration.label = "cartd"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB sets synchronous = NORMAL on the writer when it enables WAL; FULL is applied after.
            try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(options.synchronous.rawValue)")
                // Checkpoints run in the background (Checkpointer), but under a steady stream of commits
                // only the writer can finish one and let the WAL start over, stalling every commit for
                // ~150 ms while it does; see `SQLiteStoreOptions.walAutocheckpointPages`.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(max(1, options.walAutocheckpointPages))")
            }
            try Migrations.migrator.migrate(pool)
            catalog = CatalogCache(try pool.read { db in try CatalogRows.loadState(db) })
            checkpointer = options.backgroundCheckpoints
                ? try Checkpointer(path: path, interval: .milliseconds(500)) : nil
        } catch {
            throw SQLiteErrors.map(error)
        }
    }

    deinit {
        // Before the pool closes: its last connection then checkpoints and removes the WAL.
        cartReaders.close()
    }

    /// The names of the migrations applied to the file, in order.
    public func appliedMigrations() throws -> [String] {
        try read { db in try Migrations.migrator.appliedMigrations(db) }
    }

    /// The effective `synchronous` setting of the writer connection (0 OFF, 1 NORMAL, 2 FULL).
    public func synchronousSetting() throws -> Int {
        try write { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// Runs a read transaction, mapping storage failures to ``StoreError``.
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try measured { try pool.read(body) }
    }

    /// Runs a read on ``cartReaders`` (SQLite's C API), mapping storage failures to ``StoreError``.
    func readCart(userID: String) throws -> StoredCart? {
        try measured { try cartReaders.activeCart(userID: userID) }
    }

    /// Runs a write transaction, mapping storage failures to ``StoreError``.
    ///
    /// The carts the transaction wrote are cached once its COMMIT succeeded, still on the writer
    /// queue (so in commit order, before the next write starts). Not from a GRDB `afterNextTransaction`
    /// observer: when COMMIT itself fails (SQLITE_FULL while appending to the WAL), GRDB rolls back
    /// without notifying such observers, which then stay registered and fire at the next successful
    /// commit — caching the carts of a write that was refused.
    ///
    /// When `touchesCatalog` is set and the transaction fails (rolled back), the in-memory catalog
    /// is reloaded from the database so it never shows a change that was not committed.
    func write<T>(touchesCatalog: Bool = false, _ body: (Database) throws -> T) throws -> T {
        do {
            return try measured {
                try pool.writeWithoutTransaction { db in
                    // `written` is empty on entry: every write leaves it so before releasing the writer queue.
                    defer { written.withLock { $0.removeAll() } }
                    // BEGIN and COMMIT as cached statements: GRDB's inTransaction prepares both anew each time.
                    try db.cachedStatement(sql: "BEGIN IMMEDIATE TRANSACTION").execute()
                    let result: T
                    do {
                        result = try body(db)
                        try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
                    } catch {
                        // SQLite may have rolled back already (SQLITE_FULL, I/O errors, a failed COMMIT).
                        if db.isInsideTransaction { try? db.rollback() }
                        throw error
                    }
                    // Committed: only now may other callers see these carts.
                    for cart in written.withLock({ $0 }) { carts.committed(cart) }
                    return result
                }
            }
        } catch {
            if touchesCatalog { reloadCatalog() }
            throw error
        }
    }

    /// Runs one storage operation: its duration goes to `onTransaction` (metrics), its failure is
    /// mapped to ``StoreError`` (domain errors pass through).
    private func measured<T>(_ operation: () throws -> T) throws -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        defer { onTransaction(Int64(DispatchTime.now().uptimeNanoseconds &- start)) }
        do {
            return try operation()
        } catch {
            throw SQLiteErrors.map(error)
        }
    }

    /// Writes a cart's row and changed lines, and caches it once the transaction commits.
    func save(_ cart: StoredCart, replacing old: StoredCart, _ db: Database) throws {
        try CartRows.save(cart, replacing: old, db)
        written.withLock { $0.append(cart) }
    }

    /// Inserts a new cart, and caches it once the transaction commits.
    func insert(_ cart: StoredCart, _ db: Database) throws {
        try CartRows.insert(cart, db)
        written.withLock { $0.append(cart) }
    }

    /// Reads the carts written by the transaction in progress (writer queue only).
    func writtenCarts<T>(_ body: ([StoredCart]) -> T) -> T {
        written.withLock { body($0) }
    }

    /// The group-commit writer for cart mutations (created on first use).
    var batcher: WriteBatcher {
        batcherBox.withLock { box in
            if let batcher = box { return batcher }
            let batcher = WriteBatcher(maxBatch: options.maxMutationsPerTransaction) { [weak self] batch in
                self?.runBatch(batch)
            }
            box = batcher
            return batcher
        }
    }

    /// Applies a batch of mutations in one transaction, each in a savepoint; completes every job after
    /// the commit.
    private func runBatch(_ batch: [WriteBatcher.Job]) {
        let results: [Result<CartMutationOutcome, any Error>]
        do {
            results = try write { db in
                // Alone in its transaction: no savepoint needed (a failure rolls back the transaction).
                if batch.count == 1 { return [.success(try batch[0].body(db))] }
                // SAVEPOINT, RELEASE and ROLLBACK TO as cached statements: GRDB's inSavepoint parses
                // both of its statements anew for every mutation.
                let begin = try db.cachedStatement(sql: "SAVEPOINT mutation")
                let release = try db.cachedStatement(sql: "RELEASE SAVEPOINT mutation")
                return try batch.map { job in
                    let mark = written.withLock { $0.count }
                    try begin.execute()
                    let outcome: CartMutationOutcome
                    do {
                        outcome = try job.body(db)
                    } catch {
                        // A storage error fails the batch as a whole (nothing of it was acknowledged yet):
                        // SQLite may have rolled back the whole transaction (SQLITE_FULL, I/O errors), so
                        // the next mutation would run outside any transaction. Domain errors (thrown by
                        // our code between statements) roll back to the savepoint; should that fail,
                        // so does the batch, so a half-applied mutation is never committed.
                        guard db.isInsideTransaction, !(error is DatabaseError) else { throw error }
                        try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT mutation").execute()
                        try release.execute()
                        // The savepoint rolled back: forget the carts this mutation wrote.
                        written.withLock { $0.removeSubrange(mark...) }
                        return .failure(SQLiteErrors.map(error))
                    }
                    try release.execute()
                    return .success(outcome)
                }
            }
        } catch {
            results = batch.map { _ in .failure(error) }
        }
        for (job, result) in zip(batch, results) { job.completion(result) }
    }

    /// Reloads the in-memory catalog from the database.
    func reloadCatalog() {
        if let fresh = try? pool.read({ db in try CatalogRows.loadState(db) }) {
            catalog.replace(with: fresh)
        }
    }

    /// The current time in Unix milliseconds.
    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// Maps GRDB and SQLite failures to ``StoreError``; domain errors pass through.
enum SQLiteErrors {
    static func map(_ error: any Error) -> any Error {
        // CheckoutError too: the payment transactions throw it (payment not found, wrong state, expired,
        // cart changed, lines not buyable); wrapped as StoreError it reached callers as INTERNAL.
        if error is CartError || error is StoreError || error is CheckoutError { return error }
        guard let database = error as? DatabaseError else {
            return StoreError(.other, detail: "\(error)")
        }
        let detail = "\(database)"
        switch database.resultCode {
        case .SQLITE_FULL: return StoreError(.full, detail: detail)
        case .SQLITE_BUSY, .SQLITE_LOCKED: return StoreError(.busy, detail: detail)
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_AUTH:
            return StoreError(.unreachable, detail: detail)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return StoreError(.corrupt, detail: detail)
        default: return StoreError(.other, detail: detail)
        }
    }
}
