/* schema_apply: applies the numbered SQL files of schema/ and views/ to a ClickHouse server.
 *
 * Reads NNN_*.sql files in name order, splits them into statements (quotes and comments
 * understood), rewrites the database name `spanhouse` to the configured one and hands each
 * statement to a caller-supplied executor (HTTP for a server, libchdb when embedded). It does
 * no I/O to ClickHouse itself and keeps no state between calls. */
#ifndef SPANHOUSE_SCHEMA_APPLY_H
#define SPANHOUSE_SCHEMA_APPLY_H

#include <stddef.h>

/* Runs one SQL statement. Returns 0 on success, non-zero with errstr filled on failure. */
typedef int (*schema_exec_fn)(void *ctx, const char *sql, char *errstr, size_t errstr_size);

/* Flags for schema_apply_ex(). */
enum {
    SCHEMA_APPLY_CLUSTER = 1u << 0, /* apply schema_dir/cluster/ instead of schema_dir/ */
    SCHEMA_APPLY_DRY_RUN = 1u << 1, /* split and rewrite, but do not call exec */
};

/* Applies every schema_dir/NNN_x.sql then every views_dir/x.sql (views_dir may be NULL),
 * each file in strcmp order, statement by statement. database (NULL or "" = "spanhouse")
 * replaces the identifier `spanhouse` outside quotes and comments; it must match
 * [A-Za-z_][A-Za-z0-9_]*. Stops at the first failure: returns -1 and writes
 * "file:N: <message>" (N = 1-based statement number in that file) into errstr.
 * Returns the number of statements executed (>= 0) on success. */
int schema_apply(schema_exec_fn exec, void *ctx, const char *schema_dir, const char *views_dir,
                 const char *database, char *errstr, size_t errstr_size);
int schema_apply_ex(schema_exec_fn exec, void *ctx, const char *schema_dir, const char *views_dir,
                    const char *database, unsigned flags, char *errstr, size_t errstr_size);

/* Replaces the rows of database.table with the CSV file at path (header row with column names,
 * "#" comment lines and blank lines skipped, unknown columns ignored, empty fields = column
 * default): TRUNCATE, then one INSERT … SELECT FROM format(CSVWithNames, structure, …) of the
 * structure's columns ("name Type, …"). Needs a modern server (format() with a structure).
 * Validate the file with its own parser first: this only moves bytes. 0, or -1 with errstr. */
int schema_load_csv(schema_exec_fn exec, void *ctx, const char *path, const char *table,
                    const char *structure, const char *database, char *errstr,
                    size_t errstr_size);

/* Splits SQL text into statements at top-level ';'. For each non-empty statement (one that
 * has something besides whitespace and comments) calls cb with a malloc'd NUL-terminated
 * copy that cb must free, its 1-based index and the byte offset where it starts. Stops and
 * returns cb's non-zero result; returns -1 with errstr filled on an unterminated quote or
 * block comment, or on out of memory; 0 when done. Quotes: '…', "…", `…` with backslash
 * escapes and doubled quotes; comments: -- and "# " to end of line, and C-style block comments (not
 * nested). */
typedef int (*schema_stmt_fn)(void *ctx, char *stmt, int index, size_t offset);
int schema_split(const char *sql, size_t len, schema_stmt_fn cb, void *ctx, char *errstr,
                 size_t errstr_size);

/* Returns a malloc'd copy of stmt with every bare identifier `spanhouse` (case-sensitive,
 * outside quotes and comments, not part of a longer identifier) replaced by database.
 * Returns NULL on out of memory. */
char *schema_rewrite_db(const char *stmt, const char *database);

#endif
