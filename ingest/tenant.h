/* tenant: the tenant table (API key / service / user -> tenant, team, cost center, plan,
 * monthly budget) and per-span tenant enrichment.
 *
 * Loads a user-owned CSV (schema/tenants.csv; format in docs/pricing.md) into an immutable
 * hashed table. Does no I/O after loading, keeps no counters and never rejects a span.
 * Reload contract (SIGHUP): the worker loads a fresh table with tenant_load(); on success it
 * swaps its pointer between batches, and destroys the old table only after every span
 * enriched from it has been encoded, because enriched spans hold slices into the table. On
 * failure it keeps the old table and reports the error. */
#ifndef SPANHOUSE_TENANT_H
#define SPANHOUSE_TENANT_H

#include <stddef.h>
#include <stdint.h>

#include "span.h"

/* Immutable once loaded; safe to read from many threads at once without locks. */
typedef struct tenant_table_s tenant_table_t;

/* Reads and parses path. Returns a new table (free with tenant_destroy) or NULL with errstr
 * set to "file:line:column: problem" (or "file: problem" for I/O errors). */
tenant_table_t *tenant_load(const char *path, char *errstr, size_t errstr_size);
/* Parses text[0..len) (need not be NUL-terminated; not retained). name_for_errors prefixes
 * error messages (NULL -> "tenants"). Returns a new table or NULL with errstr set. */
tenant_table_t *tenant_parse(const char *text, size_t len, const char *name_for_errors,
                             char *errstr, size_t errstr_size);
/* Frees the table. Accepts NULL. Spans enriched from it must not be read afterwards. */
void tenant_destroy(tenant_table_t *tt);
/* Number of match rows. 0 for NULL. */
size_t tenant_count(const tenant_table_t *tt);

typedef enum {
    TENANT_POLICY_FILL = 0, /* only fill what the span lacks (empty fields) */
    TENANT_POLICY_OVERRIDE  /* the table wins for every field its row sets */
} tenant_policy_t;

/* Enriches one span. Looks it up by api_key_id, then service, then user_id (the first that
 * is non-empty and in the table wins: a key identifies the caller most precisely, a user
 * least). Sets tenant_id, team_id, cost_center and plan_tier per policy (empty row fields
 * never erase span values) and tenant_status:
 *   "from_table"  matched, FILL, and the span had no tenant_id (it now has the table's)
 *   "from_span"   the span's own tenant_id was kept (matched under FILL, or not matched)
 *   "override"    matched under OVERRIDE
 *   "unknown_key" not matched, no tenant_id, but it had an api_key_id/service/user_id
 *   "none"        not matched and nothing to match on, and no tenant_id
 * tt may be NULL (no table: nothing matches). The strings set point into tt.
 * Returns 1 if a row matched, 0 if not. */
int tenant_apply(const tenant_table_t *tt, tenant_policy_t policy, span_t *s);

/* Monthly budget in nano-USD for a tenant id, or -1 if the tenant is unknown or has no
 * budget. tt may be NULL (-1). */
int64_t tenant_budget_nusd(const tenant_table_t *tt, span_str_t tenant_id);

#endif
