import CartCore
import GRDB
import GRDBSQLite
import Locking

/// Reads a user's active cart through SQLite's C API, on read-only connections of its own.
///
/// The cart read is the store's hottest query (every GetCart whose cart is not in the cart cache;
/// the writer runs the same query on its own connection). Through GRDB's reader pool it cost about
/// 4× the statement itself: a pool
/// checkout, a `DispatchQueue.sync` hop onto the reader's queue and generic row decoding. Here a
/// caller takes an idle connection from a locked list (or opens one), binds, steps and decodes the
/// columns directly on its own thread, and puts the connection back.
///
/// One statement is its own read transaction, so a cart is read from one committed state, as with
/// any SQLite reader in WAL mode. Thread-safe; each connection is used by one thread at a time
/// (handed over under the lock).
final class CartReadConnections: Sendable {
    /// One read-only connection and its prepared cart query.
    private final class Connection: @unchecked Sendable {
        let handle: OpaquePointer
        let selectCart: OpaquePointer

        init(handle: OpaquePointer, selectCart: OpaquePointer) {
            self.handle = handle
            self.selectCart = selectCart
        }

        deinit {
            sqlite3_finalize(selectCart)
            sqlite3_close_v2(handle)
        }
    }

    private let path: String
    private let busyTimeoutMs: Int32
    private let maxIdle: Int
    /// Idle connections; `nil` once closed.
    private let idle = Locked<[Connection]?>([])

    /// Prepares to read `path`; connections are opened on first use.
    /// - Parameters:
    ///   - path: The database file (in WAL mode, with the store's writer open on it).
    ///   - busyTimeoutSeconds: How long a read waits on a locked database.
    ///   - maxIdle: The most idle connections kept open; more concurrent readers open and close their own.
    init(path: String, busyTimeoutSeconds: Double, maxIdle: Int) {
        self.path = path
        self.busyTimeoutMs = Int32(clamping: Int((busyTimeoutSeconds * 1000).rounded()))
        self.maxIdle = max(1, maxIdle)
    }

    /// Closes the idle connections; later reads fail. Connections in use close when returned.
    func close() {
        idle.withLock { $0 = nil }
    }

    /// The user's active cart, or `nil` when the user has none.
    /// - Throws: GRDB's `DatabaseError` with SQLite's result code (mapped by the store like any other).
    func activeCart(userID: String) throws -> StoredCart? {
        let connection = try checkOut()
        // On failure the connection is not put back: it closes when released.
        let cart = try CartRows.activeCart(userID: userID, statement: connection.selectCart,
                                           connection: connection.handle)
        checkIn(connection)
        return cart
    }

    private func checkOut() throws -> Connection {
        let available = try idle.withLock { connections throws(DatabaseError) -> Connection? in
            guard connections != nil else {
                throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "the store is closed")
            }
            return connections!.popLast()
        }
        return try available ?? open()
    }

    private func checkIn(_ connection: Connection) {
        idle.withLock { connections in
            if connections != nil, connections!.count < maxIdle { connections!.append(connection) }
        }
    }

    private func open() throws -> Connection {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: status), message: "opening a reader: \(message)")
        }
        sqlite3_busy_timeout(handle, busyTimeoutMs)
        var statement: OpaquePointer?
        let prepared = sqlite3_prepare_v3(handle, CartRows.activeCartSQL, -1, UInt32(SQLITE_PREPARE_PERSISTENT),
                                          &statement, nil)
        guard prepared == SQLITE_OK, let statement else {
            let error = DatabaseError(resultCode: ResultCode(rawValue: prepared),
                                      message: String(cString: sqlite3_errmsg(handle)), sql: CartRows.activeCartSQL)
            sqlite3_close_v2(handle)
            throw error
        }
        return Connection(handle: handle, selectCart: statement)
    }
}
