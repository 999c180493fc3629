/* reprice: the worker's price lookup per distinct name and day, the per-span arithmetic as a
 * mutation (see reprice.h). Every statement is built in one buf_t and run through sink_exec. */
#include "reprice.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "err.h"

#define MAP "_spanhouse_reprice"

static int run(sink_t *sk, buf_t *b, char **out, char *e, size_t en) {
    buf_append(b, "", 1);
    if (buf_error(b)) {
        snprintf(e, en, "out of memory");
        return ERR_NOMEM;
    }
    sink_result_t res;
    int rc = sink_exec(sk, (const char *)b->data, out, &res);
    if (rc != ERR_OK) snprintf(e, en, "%.*s", (int)(en ? en - 1 : 0), res.msg);
    return rc;
}

/* joinGet of one column of the map for the current span row. */
static void jg(buf_t *b, const char *db, const char *col) {
    buf_printf(b,
               "joinGet('%s." MAP "', '%s', toString(provider), toString(model), "
               "toString(response_model), toDate(timestamp))",
               db, col);
}

/* if(long-context, <col>_long, <col>) */
static void price_of(buf_t *b, const char *db, const char *col) {
    char lc[32];
    snprintf(lc, sizeof(lc), "%s_long", col);
    buf_printf(b, "if(");
    jg(b, db, "long_above");
    buf_printf(b, " > 0 AND input_tokens > ");
    jg(b, db, "long_above");
    buf_printf(b, ", ");
    jg(b, db, lc);
    buf_printf(b, ", ");
    jg(b, db, col);
    buf_printf(b, ")");
}

/* The span's tier as price_tier: 0 standard, 1 batch, 2 flex, 3 priority. */
static const char tier_sql[] =
    "multiIf(is_batch = 1 OR lower(toString(service_tier)) = 'batch', 1, "
    "lower(toString(service_tier)) = 'flex', 2, "
    "lower(toString(service_tier)) = 'priority', 3, 0)";

/* The tier's factor in 1e-9 units (1e9 = none), as price_cost_nusd picks it. */
static void put_factor(buf_t *b, const char *db) {
    buf_printf(b, "multiIf(%s = 1, if(", tier_sql);
    jg(b, db, "batch_discount");
    buf_printf(b, " > 0, 1000000000 - least(");
    jg(b, db, "batch_discount");
    buf_printf(b, ", 1000000000), 1000000000), %s = 2, if(", tier_sql);
    jg(b, db, "flex_factor");
    buf_printf(b, " > 0, ");
    jg(b, db, "flex_factor");
    buf_printf(b, ", 1000000000), %s = 3, if(", tier_sql);
    jg(b, db, "priority_factor");
    buf_printf(b, " > 0, ");
    jg(b, db, "priority_factor");
    buf_printf(b, ", 1000000000), 1000000000)");
}

/* The new computed cost in nano-USD as UInt128: price_cost_nusd, term by term. */
static void put_q(buf_t *b, const char *db) {
    static const char in[] = "toUInt128(input_tokens)", out[] = "toUInt128(output_tokens)";
    static const char cr[] = "least(toUInt128(cache_read_tokens), toUInt128(input_tokens))";
    char cw[160], c1[256], rs[96];
    snprintf(cw, sizeof(cw), "least(toUInt128(cache_write_tokens), %s - %s)", in, cr);
    snprintf(c1, sizeof(c1), "least(toUInt128(cache_write_1h_tokens), %s)", cw);
    snprintf(rs, sizeof(rs), "least(toUInt128(reasoning_tokens), %s)", out);
    /* One expression: the factor, the token sum and the fee (both 1e-15 USD) named where first
     * used; a tier's factor is folded into one half-up division; fees are not discounted. */
    buf_printf(b, "if((");
    put_factor(b, db);
    buf_printf(b, " AS rp_factor) != 1000000000, intDiv((((%s - %s - %s) * ", in, cr, cw);
    price_of(b, db, "input");
    buf_printf(b, " + %s * ", cr);
    price_of(b, db, "cache_read");
    buf_printf(b, " + (%s - %s) * ", cw, c1);
    price_of(b, db, "cache_write");
    buf_printf(b, " + %s * ", c1);
    price_of(b, db, "cache_write_1h");
    buf_printf(b, " + (%s - %s) * ", out, rs);
    price_of(b, db, "output");
    buf_printf(b, " + %s * ", rs);
    price_of(b, db, "reasoning");
    buf_printf(b, ") AS rp_sum) * rp_factor + ((toUInt128(web_search_calls) * ");
    jg(b, db, "web_search_per_1k");
    buf_printf(b, " * 1000) AS rp_fee) * 1000000000 + 500000000000000, 1000000000000000), "
                  "intDiv(rp_sum + rp_fee + 500000, 1000000))");
}

/* The four new values, as SQL expressions. */
static void put_computed(buf_t *b, const char *db) {
    buf_printf(b, "if(");
    jg(b, db, "known");
    buf_printf(b, " = 1, reinterpret(toInt64(");
    put_q(b, db);
    buf_printf(b, "), 'Decimal(18, 9)'), toDecimal64(0, 9))");
}
static void put_status(buf_t *b, const char *db) {
    buf_printf(b, "multiIf(");
    jg(b, db, "known");
    buf_printf(b, " = 0, 'unknown_model', (%s = 2 AND ", tier_sql);
    jg(b, db, "flex_factor");
    buf_printf(b, " = 0) OR (%s = 3 AND ", tier_sql);
    jg(b, db, "priority_factor");
    buf_printf(b, " = 0), 'tier_default', web_search_calls > 0 AND ");
    jg(b, db, "web_search_per_1k");
    buf_printf(b, " = 0, 'fee_unpriced', ");
    jg(b, db, "long_above");
    buf_printf(b, " > 0 AND input_tokens > ");
    jg(b, db, "long_above");
    buf_printf(b, ", 'long_context', 'ok')");
}
static void put_source(buf_t *b, const char *db) {
    buf_printf(b, "if(cost_source = 'producer', 'producer', if(");
    jg(b, db, "known");
    buf_printf(b, " = 0, 'none', if(cache_hit = 1, 'cache_hit', 'computed')))");
}
static void put_cost(buf_t *b, const char *db) {
    buf_printf(b, "if(cost_source = 'producer', cost_usd, if(");
    jg(b, db, "known");
    buf_printf(b, " = 0 OR cache_hit = 1, toDecimal64(0, 9), ");
    put_computed(b, db);
    buf_printf(b, "))");
}

static void put_where(buf_t *b, const char *db, int64_t from_s, int64_t to_s, const char *model,
                      int with_map) {
    buf_printf(b,
               " WHERE timestamp >= toDateTime64(%" PRId64 ", 3, 'UTC') AND timestamp < "
               "toDateTime64(%" PRId64 ", 3, 'UTC')",
               from_s, to_s);
    if (model && *model) {
        buf_printf(b, " AND (model = unhex('");
        for (const char *p = model; *p; p++)
            buf_printf(b, "%02x", (unsigned char)*p);
        buf_printf(b, "') OR response_model = unhex('");
        for (const char *p = model; *p; p++)
            buf_printf(b, "%02x", (unsigned char)*p);
        buf_printf(b, "'))");
    }
    if (with_map) {
        buf_printf(b, " AND ");
        jg(b, db, "present");
        buf_printf(b, " = 1");
    }
}

/* hex text -> bytes in place; returns the length. */
static size_t unhex(char *s) {
    size_t n = 0;
    for (char *p = s; p[0] && p[1]; p += 2) {
        unsigned v;
        if (sscanf(p, "%2x", &v) != 1) break;
        s[n++] = (char)v;
    }
    s[n] = 0;
    return n;
}

/* One map row per distinct provider x model x response_model x day: the row the worker would
 * pick today. */
static int fill_map(sink_t *sk, const char *db, const price_table_t *pt, int64_t from_s,
                    int64_t to_s, const char *model, reprice_stats_t *st, char *e, size_t en) {
    buf_t b;
    char *res = NULL;
    buf_init(&b, 0);
    buf_printf(
        &b,
        "SELECT hex(toString(provider)), hex(toString(model)), hex(toString(response_model)), "
        "toUInt32(toDate(timestamp)) AS d, count() FROM %s.llm_spans",
        db);
    put_where(&b, db, from_s, to_s, model, 0);
    buf_printf(&b, " GROUP BY provider, model, response_model, d FORMAT TabSeparated");
    int rc = run(sk, &b, &res, e, en);
    buf_reset(&b);
    buf_printf(
        &b,
        "INSERT INTO %s." MAP " (provider, model, response_model, day, present, known, "
        "input, output, cache_read, cache_write, reasoning, batch_discount, long_above, "
        "input_long, output_long, cache_read_long, cache_write_long, reasoning_long, "
        "cache_write_1h, cache_write_1h_long, flex_factor, priority_factor, web_search_per_1k) "
        "VALUES",
        db);
    size_t rows = 0;
    for (char *line = res, *next; rc == ERR_OK && line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        char *f[5];
        int nf = 0;
        for (char *p = line; nf < 5; p++) {
            f[nf++] = p;
            if (!(p = strchr(p, '\t'))) break;
            *p = '\0';
        }
        if (nf != 5) {
            snprintf(e, en, "unexpected answer to the name query");
            rc = ERR_SERVER_FATAL;
            break;
        }
        /* Names as hex (any byte survives the round trip); longer than the lookup takes are
         * unknown to it anyway. */
        char p[2 * PRICE_MAX_NAME + 3], m[sizeof(p)], r[sizeof(p)];
        if (strlen(f[0]) >= sizeof(p) || strlen(f[1]) >= sizeof(p) || strlen(f[2]) >= sizeof(p)) {
            snprintf(e, en, "a provider or model name longer than %d bytes", PRICE_MAX_NAME);
            rc = ERR_INVAL;
            break;
        }
        int64_t day = strtoll(f[3], NULL, 10);
        st->spans += strtoull(f[4], NULL, 10);
        st->groups++;
        memcpy(p, f[0], strlen(f[0]) + 1);
        memcpy(m, f[1], strlen(f[1]) + 1);
        memcpy(r, f[2], strlen(f[2]) + 1);
        const char *hp = f[0], *hm = f[1], *hr = f[2];
        size_t pn = unhex(p), mn = unhex(m), rn = unhex(r);
        /* price_apply's order: response_model, then model when it differs. */
        int64_t ts = day * 86400000;
        const price_row_t *row = NULL;
        if (rn) row = price_lookup(pt, span_str(p, pn), span_str(r, rn), ts);
        if (!row && mn && (mn != rn || memcmp(m, r, mn)))
            row = price_lookup(pt, span_str(p, pn), span_str(m, mn), ts);
        price_row_t z;
        memset(&z, 0, sizeof(z));
        const price_row_t *x = row ? row : &z;
        buf_printf(&b,
                   "%s(unhex('%s'), unhex('%s'), unhex('%s'), %" PRId64 ", 1, %d, %" PRIu64
                   ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
                   ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64
                   ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ", %" PRIu64 ")",
                   rows ? ", " : " ", hp, hm, hr, day, row != NULL, x->input, x->output,
                   x->cache_read, x->cache_write, x->reasoning, x->batch_discount, x->long_above,
                   x->input_long, x->output_long, x->cache_read_long, x->cache_write_long,
                   x->reasoning_long, x->cache_write_1h, x->cache_write_1h_long, x->flex_factor,
                   x->priority_factor, x->web_search_per_1k);
        rows++;
    }
    free(res);
    if (rc == ERR_OK && rows) rc = run(sk, &b, NULL, e, en);
    buf_deinit(&b);
    return rc;
}

int reprice_run(sink_t *sk, const char *database, const price_table_t *pt, int64_t from_s,
                int64_t to_s, const char *model, int dry_run, reprice_stats_t *st, char *errstr,
                size_t errstr_size) {
    const char *db = database && *database ? database : "spanhouse";
    buf_t b;
    char *res = NULL;
    memset(st, 0, sizeof(*st));
    snprintf(st->delta_usd, sizeof(st->delta_usd), "0");
    buf_init(&b, 0);
    buf_printf(&b, "DROP TABLE IF EXISTS %s." MAP " SYNC", db);
    int rc = run(sk, &b, NULL, errstr, errstr_size);
    if (rc == ERR_OK) {
        buf_reset(&b);
        buf_printf(
            &b,
            "CREATE TABLE %s." MAP " (provider String, model String, response_model String, "
            "day Date, present UInt8, known UInt8, input UInt64, output UInt64, cache_read "
            "UInt64, cache_write UInt64, reasoning UInt64, batch_discount UInt64, long_above "
            "UInt64, input_long UInt64, output_long UInt64, cache_read_long UInt64, "
            "cache_write_long UInt64, reasoning_long UInt64, cache_write_1h UInt64, "
            "cache_write_1h_long "
            "UInt64, flex_factor UInt64, priority_factor UInt64, web_search_per_1k UInt64) ENGINE "
            "= "
            "Join(ANY, LEFT, "
            "provider, model, response_model, day)",
            db);
        rc = run(sk, &b, NULL, errstr, errstr_size);
    }
    int made = rc == ERR_OK;
    if (rc == ERR_OK) rc = fill_map(sk, db, pt, from_s, to_s, model, st, errstr, errstr_size);
    if (rc == ERR_OK && st->groups) {
        /* What changes, before changing it. */
        buf_reset(&b);
        buf_printf(&b,
                   "SELECT countIf(nc != cost_usd_computed OR ns != pricing_status OR nu != "
                   "cost_usd OR nsrc != cost_source), countIf(ns = 'unknown_model'), "
                   "toString(sum(toDecimal128(nc, 9)) - sum(toDecimal128(cost_usd_computed, 9))) "
                   "FROM (SELECT cost_usd_computed, pricing_status, cost_usd, cost_source, ");
        put_computed(&b, db);
        buf_printf(&b, " AS nc, ");
        put_status(&b, db);
        buf_printf(&b, " AS ns, ");
        put_cost(&b, db);
        buf_printf(&b, " AS nu, ");
        put_source(&b, db);
        buf_printf(&b, " AS nsrc FROM %s.llm_spans", db);
        put_where(&b, db, from_s, to_s, model, 1);
        buf_printf(&b, ") FORMAT TabSeparated");
        rc = run(sk, &b, &res, errstr, errstr_size);
        if (rc == ERR_OK && res) {
            unsigned long long ch = 0, un = 0;
            char delta[48] = "0";
            if (sscanf(res, "%llu\t%llu\t%47s", &ch, &un, delta) >= 2) {
                st->changed = ch;
                st->unpriced = un;
                snprintf(st->delta_usd, sizeof(st->delta_usd), "%s", delta);
            }
        }
    }
    if (rc == ERR_OK && st->changed && !dry_run) {
        buf_reset(&b);
        buf_printf(&b, "ALTER TABLE %s.llm_spans UPDATE cost_usd = ", db);
        put_cost(&b, db);
        buf_printf(&b, ", cost_usd_computed = ");
        put_computed(&b, db);
        buf_printf(&b, ", pricing_status = ");
        put_status(&b, db);
        buf_printf(&b, ", cost_source = ");
        put_source(&b, db);
        put_where(&b, db, from_s, to_s, model, 1);
        buf_printf(&b, " SETTINGS mutations_sync = 2, allow_nondeterministic_mutations = 1");
        rc = run(sk, &b, NULL, errstr, errstr_size);
    }
    if (made) {
        char e2[256];
        buf_reset(&b);
        buf_printf(&b, "DROP TABLE IF EXISTS %s." MAP " SYNC", db);
        if (run(sk, &b, NULL, e2, sizeof(e2)) != ERR_OK && rc == ERR_OK) {
            snprintf(errstr, errstr_size, "dropping " MAP ": %s", e2);
            rc = ERR_SERVER_FATAL;
        }
    }
    free(res);
    buf_deinit(&b);
    return rc;
}
