// CStoreFloor: what SQLite itself costs for the store's hottest transactions on this machine.
//
// The same SQL as CartStoreSQLite runs through the plain C API — prepared once, bound with
// sqlite3_bind_*, no Swift, no GRDB, no pricing or encoding — on a database file created by the
// store's own migrations. store-bench quotes its figures as ratios to these floors, measured in the
// same run on the same file.
#ifndef CSTORE_FLOOR_H
#define CSTORE_FLOOR_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Times `calls` AddItem-shaped write transactions on `path` (an existing store database in WAL mode):
/// BEGIN IMMEDIATE; look up the idempotency key; read the user's active cart joined with its lines;
/// UPDATE the cart row (version + 1); INSERT one line; INSERT the idempotency record (`record_bytes`
/// of result); COMMIT. Users `floor-0` … `floor-<calls-1>` get a cart with one line first (untimed).
/// `synchronous` is 1 (NORMAL) or 2 (FULL).
/// Returns 0 and fills `latencies_ns[0..calls)`, or -1 with a message in `error`.
int cstore_floor_add_item(const char *path, int calls, int synchronous, int record_bytes,
                          uint64_t *latencies_ns, char *error, size_t error_size);

/// Times `calls` reads of an active cart joined with its lines (one statement, no explicit
/// transaction, as the store's reader does) for users `reader_prefix` + (i mod `users`), on a
/// separate read-only connection. Each read must find `expected_lines` lines.
/// Returns 0 and fills `latencies_ns[0..calls)`, or -1 with a message in `error`.
int cstore_floor_load_cart(const char *path, int calls, const char *reader_prefix, int users, int expected_lines,
                           uint64_t *latencies_ns, char *error, size_t error_size);

#ifdef __cplusplus
}
#endif

#endif
