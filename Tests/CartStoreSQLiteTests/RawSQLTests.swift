// RawSQL: the writer's hot statements bound and stepped through SQLite's C API.

import GRDB
import GRDBSQLite
import Testing

@testable import CartStoreSQLite

@Suite("RawSQL")
struct RawSQLTests {
    private func withTable(_ body: (Database) throws -> Void) throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id TEXT PRIMARY KEY NOT NULL, n INTEGER NOT NULL, b BLOB NOT NULL)")
            try body(db)
        }
    }

    @Test("text, integers and blobs round-trip; empty text and blobs are stored empty, not NULL")
    func roundTrip() throws {
        try withTable { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO t (id, n, b) VALUES (?, ?, ?)")
            #expect(try RawSQL.execute(insert, .text("é-1"), .integer(Int64.min), .blob([0, 1, 255]), in: db) == 1)
            #expect(try RawSQL.execute(insert, .text(""), .integer(Int64.max), .blob([]), in: db) == 1)
            let select = try db.cachedStatement(sql: "SELECT id, n, b, typeof(id), typeof(b) FROM t WHERE id = ?")
            let first = try RawSQL.firstRow(select, .text("é-1"), in: db) { row in
                row.map { (RawSQL.text($0, 0), sqlite3_column_int64($0, 1), RawSQL.bytes($0, 2)) }
            }
            #expect(first?.0 == "é-1" && first?.1 == Int64.min && first?.2 == [0, 1, 255])
            let empty = try RawSQL.firstRow(select, .text(""), in: db) { row in
                row.map { (RawSQL.text($0, 3), RawSQL.text($0, 4), RawSQL.bytes($0, 2)) }
            }
            #expect(empty?.0 == "text" && empty?.1 == "blob" && empty?.2 == [])
            #expect(try RawSQL.firstRow(select, .text("missing"), in: db) { $0 == nil })
            let update = try db.cachedStatement(sql: "UPDATE t SET n = n + 1 WHERE id <> ?")
            #expect(try RawSQL.execute(update, .text("nothing"), in: db) == 2)
        }
    }

    @Test("a failing statement throws its extended result code and stays usable, with no binding left")
    func failureLeavesStatementReset() throws {
        try withTable { db in
            let insert = try db.cachedStatement(sql: "INSERT INTO t (id, n, b) VALUES (?, ?, ?)")
            try RawSQL.execute(insert, .text("a"), .integer(1), .blob([1]), in: db)
            do {
                try RawSQL.execute(insert, .text("a"), .integer(2), .blob([2]), in: db)
                Issue.record("a duplicate key was inserted")
            } catch let error as DatabaseError {
                #expect(error.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY)
                #expect(error.sql == insert.sql)
            }
            // No binding survives: executing with none binds NULLs, which the NOT NULL columns refuse.
            do {
                try RawSQL.execute(insert, in: db)
                Issue.record("a row of NULLs was inserted")
            } catch let error as DatabaseError {
                #expect(error.extendedResultCode == .SQLITE_CONSTRAINT_NOTNULL)
            }
            try RawSQL.execute(insert, .text("b"), .integer(2), .blob([2]), in: db)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 2)
        }
    }
}
