/* chdb: the embedded ClickHouse engine (libchdb.so, ClickHouse 26.x) loaded with dlopen.
 *
 * Used by the embedded sink, `spanhouse demo`, the SQL golden tests and the round-trip
 * tests. It only runs SQL and returns the result bytes; it knows nothing about spans.
 * The library is found via $SPANHOUSE_CHDB_LIB, else .deps/chdb/.../libchdb.so under the
 * current directory or the directory given to chdb_open().
 * Threads: one chdb_t must be used by one thread at a time. libchdb allows one
 * connection per process: open it once. */
#ifndef SPANHOUSE_CHDB_H
#define SPANHOUSE_CHDB_H

#include <stddef.h>

typedef struct chdb_s chdb_t;

/* Opens (creating if needed) a database directory at path (NULL = in-memory/temporary).
 * Returns NULL and fills errstr on failure. */
chdb_t *chdb_open(const char *path, char *errstr, size_t errstr_size);
/* chdb_open with extra engine arguments (clickhouse-local's, e.g. "--config-file=F"; at most
 * 8): how tests/integration/t_row_policies.sh queries as a tenant (a users.xml whose default
 * user carries the tenant's row filters). */
chdb_t *chdb_open_args(const char *path, const char *const *args, int n_args, char *errstr,
                       size_t errstr_size);
/* Closes the connection and unloads nothing (libchdb cannot be unloaded safely). NULL ok. */
void chdb_close(chdb_t *db);

/* Runs one SQL statement; format is a ClickHouse output format ("TSV", "TabSeparated",
 * "JSONEachRow", …) or NULL for "TSV". On success returns 0 and, if out is not NULL, a
 * malloc'd NUL-terminated copy of the result in *out (length in *out_len if not NULL;
 * caller frees). On failure returns -1 and copies the server's message into errstr. */
int chdb_exec(chdb_t *db, const char *sql, const char *format, char **out, size_t *out_len,
              char *errstr, size_t errstr_size);

/* Inserts RowBinary bytes: writes them to a temporary file and runs
 * INSERT INTO table (columns) [SETTINGS settings] SELECT * FROM file(tmp, RowBinary, structure).
 * (Inline RowBinary after FORMAT is unreliable in libchdb; see docs/design.md.)
 * settings may be NULL. Returns 0, or -1 with errstr filled. */
int chdb_insert_rowbinary(chdb_t *db, const char *table, const char *columns, const char *structure,
                          const char *settings, const void *data, size_t len, char *errstr,
                          size_t errstr_size);

#endif
