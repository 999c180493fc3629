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

typedef struct schema_upgrade schema_upgrade_t; /* schema_upgrade.h */

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

/* As schema_apply_ex(), and every CREATE of a table, view or materialized view that already
 * exists goes to schema_upgrade_stmt(up, …) (schema_upgrade.h), which brings it to the file's
 * definition (or, in plan mode, only reports what it would change) instead of the CREATE's
 * IF NOT EXISTS silently keeping the installed one. up may be NULL (= schema_apply_ex). */
int schema_apply_upgrade(schema_exec_fn exec, void *ctx, const char *schema_dir,
                         const char *views_dir, const char *database, unsigned flags,
                         schema_upgrade_t *up, char *errstr, size_t errstr_size);

/* What a CREATE statement creates, read from its head: CREATE [OR REPLACE] [MATERIALIZED]
 * TABLE|VIEW|DATABASE [IF NOT EXISTS] [db.]name … [AS SELECT …]; or which view a
 * DROP VIEW IF EXISTS [db.]name retires (a schema file drops what an earlier release created
 * and this one replaced, before creating its replacement). Offsets index the statement. */
typedef enum {
    SCHEMA_OBJ_OTHER, /* not a CREATE, or a name this reader does not take (quoted) */
    SCHEMA_OBJ_DATABASE,
    SCHEMA_OBJ_TABLE,
    SCHEMA_OBJ_VIEW,
    SCHEMA_OBJ_MATVIEW,
    SCHEMA_OBJ_DROP_VIEW,
} schema_obj_t;

typedef struct {
    schema_obj_t kind;
    int if_not_exists, or_replace;
    size_t db_off, db_len;     /* "db" of db.name; db_len 0 when the name is bare */
    size_t name_off, name_len; /* the object's own name */
    size_t body_off;           /* first byte after the name */
    size_t select_off;         /* VIEW/MATVIEW: the query after the top-level AS; 0 if none */
} schema_head_t;

/* Fills h from stmt (code only: comments and quotes skipped). Returns h->kind. */
schema_obj_t schema_head(const char *stmt, schema_head_t *h);

/* Replaces the rows of database.table with the CSV file at path (header row with column names,
 * "#" comment lines and blank lines skipped, unknown columns ignored, empty fields = column
 * default): TRUNCATE, then one INSERT … SELECT FROM format(CSVWithNames, structure, …) of the
 * structure's columns ("name Type, …"). Needs a modern server (format() with a structure).
 * Validate the file with its own parser first: this only moves bytes. 0, or -1 with errstr. */
int schema_load_csv(schema_exec_fn exec, void *ctx, const char *path, const char *table,
                    const char *structure, const char *database, char *errstr, size_t errstr_size);

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

/* Returns a malloc'd copy of stmt in which, when stmt creates the raw span table (llm_spans or
 * llm_spans_local), the N of its "TTL toDateTime(timestamp) + INTERVAL N DAY" is days; any
 * other statement (or days <= 0) is copied unchanged. NULL on out of memory. The one place
 * raw retention is configured (`raw-retention-days`) without editing the schema files. */
char *schema_rewrite_retention(const char *stmt, int days);

#endif
