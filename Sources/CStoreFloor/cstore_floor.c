// See include/cstore_floor.h.
#include "cstore_floor.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

#define FAIL(...) do { snprintf(error, error_size, __VA_ARGS__); goto done; } while (0)
#define STEP(stmt, what) do { int rc_ = sqlite3_step(stmt); sqlite3_reset(stmt); \
    if (rc_ != SQLITE_DONE && rc_ != SQLITE_ROW) FAIL("%s: %s", what, sqlite3_errmsg(db)); } while (0)

// The statements of CartRows / IdempotencyRows (CartStoreSQLite), verbatim.
static const char *const select_record_sql =
    "SELECT fingerprint, result, created_at_ms FROM idempotency_records WHERE user_id = ? AND key = ?";
static const char *const select_cart_sql =
    "SELECT c.id, c.version, c.currency_code, c.is_guest, c.created_at_ms, c.updated_at_ms, "
    "i.rowid, i.id, i.product_id, i.variant_id, i.quantity, i.added_currency_code, "
    "i.added_unit_price_minor, i.created_at_ms FROM carts c LEFT JOIN cart_items i ON i.cart_id = c.id "
    "WHERE c.user_id = ? AND c.status = 'active'";
// CartRows.updateVersionSQL: the cart row's update of a mutation that changes neither status nor currency.
static const char *const update_cart_sql =
    "UPDATE carts SET version = ?, updated_at_ms = ? WHERE id = ? AND version = ?";
static const char *const insert_line_sql =
    "INSERT INTO cart_items (id, cart_id, product_id, variant_id, quantity, added_currency_code, "
    "added_unit_price_minor, created_at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char *const insert_record_sql =
    "INSERT OR REPLACE INTO idempotency_records (user_id, key, fingerprint, result, created_at_ms) "
    "VALUES (?, ?, ?, ?, ?)";
static const char *const insert_cart_sql =
    "INSERT INTO carts (id, user_id, status, is_guest, version, currency_code, created_at_ms, updated_at_ms) "
    "VALUES (?, ?, 'active', 0, 1, 'INR', 1, 1)";

/// A random id like the store's (prefix + 20 characters), from a xorshift state.
static void random_id(char *out, const char *prefix, uint64_t *state) {
    static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    size_t n = strlen(prefix);
    memcpy(out, prefix, n);
    for (int i = 0; i < 20; i++) {
        *state ^= *state << 13; *state ^= *state >> 7; *state ^= *state << 17;
        out[n + i] = alphabet[*state & 31];
    }
    out[n + 20] = 0;
}

static void bind_line(sqlite3_stmt *s, const char *line_id, const char *cart_id, const char *product) {
    sqlite3_bind_text(s, 1, line_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, cart_id, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 3, product, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, "", -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, 1);
    sqlite3_bind_text(s, 6, "INR", -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 7, 10000);
    sqlite3_bind_int64(s, 8, 1);
}

int cstore_floor_add_item(const char *path, int calls, int synchronous, int record_bytes,
                          uint64_t *latencies_ns, char *error, size_t error_size) {
    int result = -1;
    sqlite3 *db = NULL;
    sqlite3_stmt *begin = NULL, *commit = NULL, *select_record = NULL, *select_cart = NULL, *update_cart = NULL,
                 *insert_line = NULL, *insert_record = NULL, *insert_cart = NULL;
    unsigned char *record = calloc((size_t)(record_bytes > 0 ? record_bytes : 1), 1);
    uint64_t state = 0x9E3779B97F4A7C15u;
    char user[64], key[64], cart_id[64], line_id[64], sql[64];

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) FAIL("open %s: %s", path, sqlite3_errmsg(db));
    sqlite3_busy_timeout(db, 5000);
    snprintf(sql, sizeof sql, "PRAGMA synchronous = %d", synchronous);
    if (sqlite3_exec(db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) != SQLITE_OK
        || sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK) FAIL("pragmas: %s", sqlite3_errmsg(db));
    if (sqlite3_prepare_v2(db, "BEGIN IMMEDIATE TRANSACTION", -1, &begin, NULL)
        || sqlite3_prepare_v2(db, "COMMIT TRANSACTION", -1, &commit, NULL)
        || sqlite3_prepare_v2(db, select_record_sql, -1, &select_record, NULL)
        || sqlite3_prepare_v2(db, select_cart_sql, -1, &select_cart, NULL)
        || sqlite3_prepare_v2(db, update_cart_sql, -1, &update_cart, NULL)
        || sqlite3_prepare_v2(db, insert_line_sql, -1, &insert_line, NULL)
        || sqlite3_prepare_v2(db, insert_record_sql, -1, &insert_record, NULL)
        || sqlite3_prepare_v2(db, insert_cart_sql, -1, &insert_cart, NULL)) FAIL("prepare: %s", sqlite3_errmsg(db));

    // Untimed: each floor user's cart with one line.
    STEP(begin, "begin");
    for (int i = 0; i < calls; i++) {
        snprintf(user, sizeof user, "floor-%d", i);
        random_id(cart_id, "cart_", &state);
        random_id(line_id, "item_", &state);
        sqlite3_bind_text(insert_cart, 1, cart_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert_cart, 2, user, -1, SQLITE_STATIC);
        STEP(insert_cart, "insert cart");
        bind_line(insert_line, line_id, cart_id, "p0");
        STEP(insert_line, "insert line");
    }
    STEP(commit, "commit");

    for (int i = 0; i < calls; i++) {
        snprintf(user, sizeof user, "floor-%d", i);
        snprintf(key, sizeof key, "floor-key-%d", i);
        random_id(line_id, "item_", &state);
        uint64_t start = now_ns();
        STEP(begin, "begin");
        sqlite3_bind_text(select_record, 1, user, -1, SQLITE_STATIC);
        sqlite3_bind_text(select_record, 2, key, -1, SQLITE_STATIC);
        if (sqlite3_step(select_record) == SQLITE_ROW) FAIL("key %s already used", key);
        sqlite3_reset(select_record);
        sqlite3_bind_text(select_cart, 1, user, -1, SQLITE_STATIC);
        int64_t version = 0;
        int lines = 0;
        while (sqlite3_step(select_cart) == SQLITE_ROW) {
            if (lines++ == 0) {
                snprintf(cart_id, sizeof cart_id, "%s", (const char *)sqlite3_column_text(select_cart, 0));
                version = sqlite3_column_int64(select_cart, 1);
            }
        }
        sqlite3_reset(select_cart);
        if (lines != 1) FAIL("%s: expected 1 line, found %d", user, lines);
        sqlite3_bind_int64(update_cart, 1, version + 1);
        sqlite3_bind_int64(update_cart, 2, 2);
        sqlite3_bind_text(update_cart, 3, cart_id, -1, SQLITE_STATIC);
        sqlite3_bind_int64(update_cart, 4, version);
        STEP(update_cart, "update cart");
        if (sqlite3_changes(db) != 1) FAIL("%s: cart row not updated", user);
        bind_line(insert_line, line_id, cart_id, "p1");
        STEP(insert_line, "insert line");
        sqlite3_bind_text(insert_record, 1, user, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert_record, 2, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(insert_record, 3, "floor", -1, SQLITE_STATIC);
        sqlite3_bind_blob(insert_record, 4, record, record_bytes, SQLITE_STATIC);
        sqlite3_bind_int64(insert_record, 5, 1000 + i);
        STEP(insert_record, "insert record");
        STEP(commit, "commit");
        latencies_ns[i] = now_ns() - start;
    }
    result = 0;
done:
    if (result != 0 && db && !sqlite3_get_autocommit(db)) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(begin); sqlite3_finalize(commit); sqlite3_finalize(select_record); sqlite3_finalize(select_cart);
    sqlite3_finalize(update_cart); sqlite3_finalize(insert_line); sqlite3_finalize(insert_record);
    sqlite3_finalize(insert_cart);
    sqlite3_close(db);
    free(record);
    return result;
}

int cstore_floor_load_cart(const char *path, int calls, const char *reader_prefix, int users, int expected_lines,
                           uint64_t *latencies_ns, char *error, size_t error_size) {
    int result = -1;
    sqlite3 *db = NULL;
    sqlite3_stmt *select_cart = NULL;
    char user[128];

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) FAIL("open %s: %s", path, sqlite3_errmsg(db));
    if (sqlite3_prepare_v2(db, select_cart_sql, -1, &select_cart, NULL)) FAIL("prepare: %s", sqlite3_errmsg(db));
    for (int i = 0; i < calls; i++) {
        snprintf(user, sizeof user, "%s%d", reader_prefix, i % users);
        uint64_t start = now_ns();
        sqlite3_bind_text(select_cart, 1, user, -1, SQLITE_STATIC);
        int lines = 0;
        int64_t quantity = 0;
        while (sqlite3_step(select_cart) == SQLITE_ROW) {
            lines++;
            quantity += sqlite3_column_int64(select_cart, 10);
        }
        sqlite3_reset(select_cart);
        latencies_ns[i] = now_ns() - start;
        if (lines != expected_lines || quantity <= 0) FAIL("%s: expected %d lines, found %d", user, expected_lines, lines);
    }
    result = 0;
done:
    sqlite3_finalize(select_cart);
    sqlite3_close(db);
    return result;
}
