import GRDB
import GRDBSQLite

/// Binds and steps GRDB's cached statements through SQLite's C API, for the statements every cart
/// mutation runs on the writer: GRDB's `execute(arguments:)` and `Row.fetchOne` box each argument
/// (`StatementArguments` of `DatabaseValue`s), validate the count and decode rows generically on
/// every call.
///
/// Writer queue only, inside its transaction. Every call leaves the statement reset, with no binding.
enum RawSQL {
    /// A value bound to a statement parameter.
    enum Value {
        /// TEXT (never NULL; an empty string binds '').
        case text(String)
        /// INTEGER.
        case integer(Int64)
        /// BLOB (never NULL; no bytes bind a zero-length blob).
        case blob([UInt8])
    }

    /// Runs a statement that returns no rows with `values` bound to its parameters 1…n.
    /// - Returns: The number of rows it changed.
    /// - Throws: `DatabaseError` with SQLite's extended result code.
    @discardableResult
    static func execute(_ statement: Statement, _ values: Value..., in db: Database) throws -> Int {
        try run(statement, values, db) { raw, connection in
            let status = sqlite3_step(raw)
            guard status == SQLITE_DONE else { throw error(status, statement, connection) }
            return Int(sqlite3_changes(connection))
        }
    }

    /// Runs a query with `values` bound and hands `body` its first row (`nil` when there is none).
    /// - Throws: `DatabaseError` with SQLite's extended result code, or what `body` throws.
    static func firstRow<T>(_ statement: Statement, _ values: Value..., in db: Database,
                            _ body: (OpaquePointer?) throws -> T) throws -> T {
        try run(statement, values, db) { raw, connection in
            switch sqlite3_step(raw) {
            case SQLITE_ROW: return try body(raw)
            case SQLITE_DONE: return try body(nil)
            case let status: throw error(status, statement, connection)
            }
        }
    }

    /// Column `index` of the current row as a string ("" for NULL).
    static func text(_ statement: OpaquePointer, _ index: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, index) else { return "" }
        let count = Int(sqlite3_column_bytes(statement, index))
        return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
    }

    /// Column `index` of the current row as bytes (none for NULL).
    static func bytes(_ statement: OpaquePointer, _ index: Int32) -> [UInt8] {
        // The pointer first, then its size, as SQLite asks (a conversion would change the size).
        guard let base = sqlite3_column_blob(statement, index) else { return [] }
        return Array(UnsafeRawBufferPointer(start: base, count: Int(sqlite3_column_bytes(statement, index))))
    }

    /// SQLite copies bound bytes: the Swift values need not outlive the binding.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    private static func run<T>(_ statement: Statement, _ values: [Value], _ db: Database,
                               _ body: (OpaquePointer, OpaquePointer) throws -> T) throws -> T {
        let raw = statement.sqliteStatement
        let connection = db.sqliteConnection!
        defer {
            sqlite3_reset(raw)
            sqlite3_clear_bindings(raw)
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .integer(let number):
                status = sqlite3_bind_int64(raw, index, number)
            case .text(var string):
                status = string.withUTF8 { utf8 in
                    guard let base = utf8.baseAddress, !utf8.isEmpty else {
                        // No address would bind NULL: '' is a zero-length, non-NULL text.
                        return sqlite3_bind_text(raw, index, "", 0, transient)
                    }
                    return UnsafeRawPointer(base).withMemoryRebound(to: CChar.self, capacity: utf8.count) { text in
                        sqlite3_bind_text(raw, index, text, Int32(utf8.count), transient)
                    }
                }
            case .blob(let bytes):
                status = bytes.isEmpty ? sqlite3_bind_zeroblob(raw, index, 0) : bytes.withUnsafeBytes { buffer in
                    sqlite3_bind_blob(raw, index, buffer.baseAddress, Int32(buffer.count), transient)
                }
            }
            guard status == SQLITE_OK else { throw error(status, statement, connection) }
        }
        return try body(raw, connection)
    }

    private static func error(_ status: Int32, _ statement: Statement, _ connection: OpaquePointer) -> DatabaseError {
        DatabaseError(resultCode: ResultCode(rawValue: sqlite3_extended_errcode(connection)),
                      message: String(cString: sqlite3_errmsg(connection)), sql: statement.sql)
    }
}
