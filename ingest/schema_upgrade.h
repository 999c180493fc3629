/* schema_upgrade: brings an installed object (table, view, materialized view) to the definition
 * of this release's schema file, so that `schema apply` upgrades an existing install instead of
 * the CREATE's IF NOT EXISTS silently keeping what an older release created.
 *
 * The server is the judge of "same" (no SQL parser here): a view or materialized view is
 * current when formatQuerySingleLine(its query in the file) equals system.tables.as_select;
 * a table's columns are compared with those of a scratch table created from the file's own
 * statement (`_spanhouse_next_<name>`, dropped again). Needs formatQuerySingleLine (ClickHouse
 * 23.3+; the embedded engine has it). What it does, per kind:
 *   table     missing columns are added (ALTER TABLE … ADD COLUMN … AFTER …, data kept);
 *             a column whose type differs, a column the file no longer has, and a different
 *             engine clause (keys, TTL, settings) are reported as warnings and left as they
 *             are: each needs a decision (rewrite of stored data, retention) an operator makes.
 *   view      replaced (CREATE OR REPLACE VIEW: atomic, readers never see it missing).
 *   mat. view ALTER TABLE … MODIFY QUERY: atomic, no insert passes without it; rows stored
 *             before keep the old computation (`spanhouse reconcile --repair` rebuilds them).
 * The caller owns everything passed in; nothing is kept between calls. */
#ifndef SPANHOUSE_SCHEMA_UPGRADE_H
#define SPANHOUSE_SCHEMA_UPGRADE_H

#include "schema_apply.h"

#include <stddef.h>

/* Runs one statement. When out is not NULL, *out receives the malloc'd TabSeparated result
 * (caller frees). 0, or non-zero with errstr filled. */
typedef int (*schema_query_fn)(void *ctx, const char *sql, char **out, char *errstr,
                               size_t errstr_size);

/* One change made (or, in plan mode, to be made) or one warning. what: "create", "add column",
 * "drop view", "replace view", "modify query", "warning"; object: db.name; detail: free text. */
typedef void (*schema_note_fn)(void *ctx, const char *what, const char *object, const char *detail);

struct schema_upgrade {
    schema_query_fn query;
    schema_note_fn note;
    void *ctx;              /* passed to query and note */
    int plan;               /* 1 = report what would change, change nothing */
    int changes;            /* out: changes made / planned */
    int warnings;           /* out: differences left as they are */
    int raw_retention_days; /* > 0: llm_spans keeps this many days (its CREATE is rewritten by
                             * schema_rewrite_retention, an existing table's TTL is modified):
                             * the operator asked, so it is changed, not warned about */
};

/* stmt: a CREATE statement or a retiring DROP VIEW IF EXISTS (database already rewritten)
 * whose head is h, database the configured one (for bare names). Returns 1 when the object
 * exists and has been dealt with (the CREATE must not run; a retired view: dropped, or nothing
 * to drop), 0 when it does not exist and the caller should run the CREATE (in plan mode the
 * creation is noted and 1 is returned), -1 with errstr on failure. */
int schema_upgrade_stmt(schema_upgrade_t *up, const char *database, const char *stmt,
                        const schema_head_t *h, char *errstr, size_t errstr_size);

#endif
