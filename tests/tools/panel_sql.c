/* panel_sql: runs every Grafana panel, template-variable and alert query on the embedded
 * ClickHouse engine (libchdb) against demo-like data, with the Grafana ClickHouse data source
 * macros expanded the way the plugin (grafana-clickhouse-datasource 4.x, pkg/macros) does.
 *
 * It applies the schema (schema/ then views/ when present, else a minimal llm_spans built from
 * ingest/columns.h), generates spans with INSERT … SELECT FROM numbers() (planted cost spike,
 * runaway user, prompt regression, error burst) and, when the schema has them, evals and
 * outcomes for those spans (ps_insert_quality: tiers, late evals, orphans), then runs each query of the --queries file
 * (written by tests/tools/extract_sql.mjs) and fails on any error or empty result. It does not
 * judge the numbers: t_dashboard_sql.sh checks the planted signals in the --out files.
 * With --gen N the data comes instead from the load generator (tools/gen/gen.h) through the
 * worker's own path: JSON decode, validation, tenant and price enrichment (schema/pricing.csv, schema/tenants.csv),
 * RowBinary encoding, and the embedded sink (sink_chdb); then alert queries may be empty (the
 * generator plants its signals elsewhere in time), everything else must return rows.
 * --exec FILE runs one SQL statement per line after the schema (reference data).
 * Usage: panel_sql --queries FILE [--schema DIR] [--views DIR] [--exec FILE] [--rows N | --gen N]
 *                  [--out DIR] */
#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "buf.h"
#include "chdb.h"
#include "columns.h"
#include "err.h"
#include "gen.h"
#include "json_span.h"
#include "price.h"
#include "rowbin.h"
#include "sink_chdb.h"
#include "tenant.h"
#include "validate.h"
/* schema apply: the worker's own (ingest/schema_apply.h, as `spanhouse schema apply` runs it). */
#include "schema_apply.h"

#define PS_DB "spanhouse"
#define PS_MAX_VARS 16

typedef struct {
    char name[64];
    char *values; /* 'a','b',… (singlequote format); malloc'd */
    char *csv;    /* a,b,… (plain format); malloc'd */
} ps_var_t;

typedef struct {
    time_t from, to;
    long interval_s;
    ps_var_t vars[PS_MAX_VARS];
    int nvars;
} ps_ctx_t;

static char *ps_slurp(const char *path) {
    FILE *f = fopen(path, "rb");
    char *s = NULL;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) goto out;
    s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s) s[n] = 0;
out:
    fclose(f);
    return s;
}

static void ps_puts(buf_t *b, const char *s) { buf_append(b, s, strlen(s)); }

static void ps_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ps_printf(buf_t *b, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    uint8_t *w = n >= 0 ? buf_reserve(b, (size_t)n + 1) : NULL;
    if (w) {
        vsnprintf((char *)w, (size_t)n + 1, fmt, ap2);
        buf_commit(b, (size_t)n);
    }
    va_end(ap2);
}

static char *ps_cstr(buf_t *b) { /* NUL-terminates and hands over the bytes */
    buf_append(b, "", 1);
    if (buf_error(b)) return NULL;
    char *s = (char *)b->data;
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

/* ---------------------------------------------------------------- macro expansion */

/* Reads a parenthesised argument starting at *p == '('; returns the inside (malloc'd) and
 * moves *p past the closing parenthesis. Nested parentheses and quoted strings are kept. */
static char *ps_macro_arg(const char **p) {
    const char *s = *p + 1;
    int depth = 1;
    char q = 0;
    const char *e = s;
    for (; *e; e++) {
        if (q) {
            if (*e == '\\' && e[1]) e++;
            else if (*e == q) q = 0;
        } else if (*e == '\'' || *e == '"' || *e == '`') q = *e;
        else if (*e == '(') depth++;
        else if (*e == ')' && --depth == 0) break;
    }
    if (!*e) return NULL;
    char *arg = strndup(s, (size_t)(e - s));
    *p = e + 1;
    return arg;
}

static const ps_var_t *ps_var(const ps_ctx_t *c, const char *name, size_t n) {
    for (int i = 0; i < c->nvars; i++)
        if (strlen(c->vars[i].name) == n && strncmp(c->vars[i].name, name, n) == 0) return &c->vars[i];
    return NULL;
}

static void ps_date(buf_t *b, time_t t) {
    struct tm tm;
    gmtime_r(&t, &tm);
    ps_printf(b, "toDate('%04d-%02d-%02d')", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* Expands $__macros and ${var}/$var in sql. Returns malloc'd SQL, or NULL with errstr set
 * (unknown macro or variable: a typo in a panel is an error, as Grafana would show one). */
static char *ps_expand(const ps_ctx_t *c, const char *sql, char *errstr, size_t errstr_size) {
    buf_t b;
    buf_init(&b, 0);
    const char *p = sql;
    while (*p) {
        if (p[0] != '$') {
            const char *d = strchr(p, '$');
            size_t n = d ? (size_t)(d - p) : strlen(p);
            buf_append(&b, p, n);
            p += n;
            continue;
        }
        if (strncmp(p, "$__", 3) == 0) {
            const char *s = p + 3, *e = s;
            while (isalnum((unsigned char)*e) || *e == '_') e++;
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)(e - s), s);
            p = e;
            char *arg = NULL;
            int takes_arg = strcmp(name, "timeFilter") == 0 || strcmp(name, "timeFilter_ms") == 0 ||
                            strcmp(name, "dateFilter") == 0 || strcmp(name, "timeInterval") == 0 ||
                            strcmp(name, "timeInterval_ms") == 0;
            if (takes_arg) {
                if (*p != '(' || !(arg = ps_macro_arg(&p))) {
                    snprintf(errstr, errstr_size, "macro $__%s needs (column)", name);
                    goto err;
                }
            }
            if (strcmp(name, "timeFilter") == 0)
                ps_printf(&b, "%s >= toDateTime(%lld) AND %s <= toDateTime(%lld)", arg, (long long)c->from, arg,
                          (long long)c->to);
            else if (strcmp(name, "timeFilter_ms") == 0)
                ps_printf(&b, "%s >= fromUnixTimestamp64Milli(%lld) AND %s <= fromUnixTimestamp64Milli(%lld)", arg,
                          (long long)c->from * 1000, arg, (long long)c->to * 1000);
            else if (strcmp(name, "dateFilter") == 0) {
                ps_printf(&b, "%s >= ", arg);
                ps_date(&b, c->from);
                ps_printf(&b, " AND %s <= ", arg);
                ps_date(&b, c->to);
            } else if (strcmp(name, "timeInterval") == 0)
                ps_printf(&b, "toStartOfInterval(toDateTime(%s), INTERVAL %ld second)", arg, c->interval_s);
            else if (strcmp(name, "timeInterval_ms") == 0)
                ps_printf(&b, "toStartOfInterval(toDateTime64(%s, 3), INTERVAL %ld millisecond)", arg,
                          c->interval_s * 1000);
            else if (strcmp(name, "fromTime") == 0) ps_printf(&b, "toDateTime(%lld)", (long long)c->from);
            else if (strcmp(name, "toTime") == 0) ps_printf(&b, "toDateTime(%lld)", (long long)c->to);
            else if (strcmp(name, "fromTime_ms") == 0)
                ps_printf(&b, "fromUnixTimestamp64Milli(%lld)", (long long)c->from * 1000);
            else if (strcmp(name, "toTime_ms") == 0)
                ps_printf(&b, "fromUnixTimestamp64Milli(%lld)", (long long)c->to * 1000);
            else if (strcmp(name, "interval_s") == 0) ps_printf(&b, "%ld", c->interval_s);
            else {
                free(arg);
                snprintf(errstr, errstr_size, "unknown macro $__%s", name);
                goto err;
            }
            free(arg);
            continue;
        }
        /* Grafana template variables: ${name}, ${name:format}, $name. */
        const char *s, *e;
        char fmt[32] = "";
        if (p[1] == '{') {
            s = p + 2;
            e = s;
            while (*e && *e != '}' && *e != ':') e++;
            const char *f = e;
            if (*f == ':') {
                const char *fe = strchr(f, '}');
                if (!fe) goto badvar;
                snprintf(fmt, sizeof fmt, "%.*s", (int)(fe - f - 1), f + 1);
                f = fe;
            }
            if (*f != '}') goto badvar;
            p = f + 1;
        } else {
            s = p + 1;
            e = s;
            while (isalnum((unsigned char)*e) || *e == '_') e++;
            if (e == s) { /* a lone '$' is just a character */
                buf_append(&b, "$", 1);
                p++;
                continue;
            }
            p = e;
        }
        const ps_var_t *v = ps_var(c, s, (size_t)(e - s));
        if (!v) {
            snprintf(errstr, errstr_size, "unknown variable $%.*s", (int)(e - s), s);
            goto err;
        }
        if (strcmp(fmt, "singlequote") == 0 || strcmp(fmt, "sqlstring") == 0) ps_puts(&b, v->values);
        else if (fmt[0] == 0 || strcmp(fmt, "csv") == 0 || strcmp(fmt, "raw") == 0) ps_puts(&b, v->csv);
        else {
            snprintf(errstr, errstr_size, "variable format :%s not supported by this test", fmt);
            goto err;
        }
        continue;
    badvar:
        snprintf(errstr, errstr_size, "malformed variable reference near %.20s", p);
        goto err;
    }
    return ps_cstr(&b);
err:
    buf_deinit(&b);
    return NULL;
}

/* ---------------------------------------------------------------- schema */


static int ps_exec_cb(void *ctx, const char *sql, char *errstr, size_t errstr_size) {
    return chdb_exec((chdb_t *)ctx, sql, NULL, NULL, NULL, errstr, errstr_size);
}

/* Applies schema_dir then views_dir; *applied = statements (or files) run. */
static int ps_apply(chdb_t *db, const char *schema_dir, const char *views_dir, int *applied, char *errstr,
                    size_t errstr_size) {
    char pat[1024];
    glob_t g;
    snprintf(pat, sizeof pat, "%s/*.sql", schema_dir);
    int have = glob(pat, 0, NULL, &g) == 0 && g.gl_pathc > 0;
    globfree(&g);
    if (!have) return 0; /* no schema: the caller uses the minimal one */
    struct stat st;
    int n = schema_apply(ps_exec_cb, db, schema_dir, stat(views_dir, &st) == 0 ? views_dir : NULL, PS_DB, errstr,
                         errstr_size);
    if (n < 0) return -1;
    *applied += n;
    return 0;
}

/* The minimal schema when schema/ is not in the tree: llm_spans exactly as columns.h says. */
static int ps_min_schema(chdb_t *db, char *errstr, size_t errstr_size) {
    buf_t b;
    buf_init(&b, 0);
    ps_puts(&b, "CREATE TABLE IF NOT EXISTS " PS_DB ".llm_spans (");
    int first = 1;
#define PS_COL_(name, modern, legacy, kind, field)                                           \
    ps_printf(&b, "%s`%s` %s", first ? "" : ", ", #name, modern);                            \
    first = 0;
    COLUMNS_MAP(PS_COL_)
#undef PS_COL_
    ps_puts(&b, ") ENGINE = MergeTree PARTITION BY toDate(timestamp) ORDER BY (tenant_id, feature, model, timestamp)");
    char *ddl = ps_cstr(&b);
    int rc = -1;
    if (!ddl) goto out;
    if (chdb_exec(db, "CREATE DATABASE IF NOT EXISTS " PS_DB, NULL, NULL, NULL, errstr, errstr_size) != 0) goto out;
    rc = chdb_exec(db, ddl, NULL, NULL, NULL, errstr, errstr_size);
out:
    free(ddl);
    buf_deinit(&b);
    return rc;
}

/* ---------------------------------------------------------------- quality streams */

/* Evals and outcomes for the stored spans (schema/200-220 present): three sampling tiers
 * (json_valid heuristic 100 %, helpfulness LLM judge 10 %, groundedness human 1 %), each eval
 * late by its tier's lag (1 s, 5-600 s, 1-6 h; capped at now), scores 0.86 (0.55 on prompt v2,
 * the planted regression) with noise, label pass at >= 0.7; outcomes (conversion with a USD
 * value, thumbs_down, ticket_escalated) and a few orphans (trace_ids with no span). Inserted
 * after the spans, so llm_quality_1m is filled by the record-after-span views (a). */
static const char *PS_QUALITY_SQL[] = {
    "INSERT INTO " PS_DB ".llm_evals (timestamp, trace_id, span_id, evaluator, evaluator_version, metric, score,"
    " label, confidence, source, sample_rate, explanation, explanation_truncated, kafka_topic, kafka_partition,"
    " kafka_offset, ingested_at)"
    " SELECT least(ts + toIntervalMillisecond(lag_ms), now64(3)), trace_id, span_id, ev, '1', metric, sc,"
    " if(sc >= 0.7, 'pass', 'fail'), toFloat32(0.9), src, rate, '', 0, 'llm.evals', 0, toInt64(rowNumberInAllBlocks()),"
    " now64(3)"
    " FROM (SELECT timestamp AS ts, trace_id, span_id, tier.1 AS metric, tier.2 AS src, tier.3 AS ev, tier.4 AS rate,"
    "   tier.5 AS lag_ms,"
    "   least(1.0, greatest(0.0, if(prompt_version = 'v2', 0.55, 0.86) + (cityHash64(trace_id, tier.1) % 100) / 1000 - 0.05)) AS sc"
    "   FROM " PS_DB ".llm_spans"
    "   ARRAY JOIN [('json_valid', 'heuristic', 'json-check', 1.0, 1000),"
    "               ('helpfulness', 'llm_judge', 'judge-gpt-4o', 0.1, 5000 + cityHash64(span_id) % 595000),"
    "               ('groundedness', 'human', 'review-queue', 0.01, 3600000 + cityHash64(span_id) % 18000000)] AS tier"
    "   WHERE cityHash64(trace_id, 'sample') % 10000 < tier.4 * 10000)",
    /* orphans: evals and outcomes whose trace never arrives, minutes to days old */
    "INSERT INTO " PS_DB ".llm_evals (timestamp, trace_id, span_id, evaluator, metric, score, label, source, sample_rate)"
    " SELECT now64(3) - toIntervalSecond(number * 7919 % 500000 + 30), concat('orphan-', toString(number)), '',"
    " 'judge-gpt-4o', 'helpfulness', 0.5, 'fail', 'llm_judge', 0.1 FROM numbers(12)",
    "INSERT INTO " PS_DB ".llm_outcomes (timestamp, trace_id, span_id, event, value, currency)"
    " SELECT now64(3) - toIntervalSecond(number * 104729 % 900000 + 30), concat('orphan-o', toString(number)), '',"
    " 'thumbs_down', 0, '' FROM numbers(5)",
    "INSERT INTO " PS_DB ".llm_outcomes (timestamp, trace_id, span_id, event, value, currency, kafka_topic, kafka_offset,"
    " ingested_at)"
    " SELECT least(timestamp + toIntervalSecond(60 + h % 7200), now64(3)), trace_id, '',"
    " multiIf(h % 100 < 5, 'conversion', h % 100 < if(prompt_version = 'v2', 15, 7), 'thumbs_down', 'ticket_escalated'),"
    " toDecimal64(if(h % 100 < 5, 10 + h % 90, 0), 9), if(h % 100 < 5, 'USD', ''), 'llm.outcomes',"
    " toInt64(rowNumberInAllBlocks()), now64(3)"
    " FROM (SELECT timestamp, trace_id, prompt_version, cityHash64(trace_id, 'outcome') AS h FROM " PS_DB ".llm_spans)"
    " WHERE h % 100 < 8",
};

/* Loads the quality streams when the schema has them; *loaded = 1 then. */
static int ps_insert_quality(chdb_t *db, int *loaded, char *errstr, size_t errstr_size) {
    char *out = NULL;
    size_t out_len = 0;
    *loaded = 0;
    if (chdb_exec(db, "SELECT count() FROM system.tables WHERE database = '" PS_DB "' AND name IN ('llm_evals', 'llm_outcomes')",
                  "TSV", &out, &out_len, errstr, errstr_size) != 0)
        return -1;
    int have = out && atoi(out) == 2;
    free(out);
    if (!have) return 0;
    for (size_t i = 0; i < sizeof PS_QUALITY_SQL / sizeof PS_QUALITY_SQL[0]; i++)
        if (chdb_exec(db, PS_QUALITY_SQL[i], NULL, NULL, NULL, errstr, errstr_size) != 0) return -1;
    *loaded = 1;
    return 0;
}

/* ---------------------------------------------------------------- demo data */

/* Each base query yields the same fields; the column expressions below are written over them.
 * Spread: `rows` spans evenly over the last 8 days. Planted: a cost spike on feature 'agent'
 * (acme) and a runaway user 'u-runaway' in the last hour, prompt v2 of 'summarize' in the last
 * day (inputs 2x, quality 0.60 instead of 0.85), a 40 % error burst on /v1/search in the last
 * hour (0.5 % errors elsewhere), llama-3.1-70b unpriced in the last hour, /v1/summarize 9 s
 * slower in the last 15 minutes (P99 past 10 s), no cache hits on 'search' in the last 30
 * minutes (30 % elsewhere). u-runaway has a small history (one call in 997) to compare with. */
static const char *PS_BASE_NORMAL =
    "SELECT number AS n, now64(3) - toIntervalMillisecond(intDiv(number * 691200000, %ld) + 1000) AS ts,"
    " ['chat','search','summarize','agent'][number %% 4 + 1] AS feat,"
    " ['gpt-4o','gpt-4o-mini','claude-3-5-sonnet','llama-3.1-70b'][intDiv(number, 4) %% 4 + 1] AS mdl,"
    " ['acme','globex','initech'][number %% 3 + 1] AS tenant,"
    " concat(tenant, '-', ['core','growth'][intDiv(number, 12) %% 2 + 1]) AS team,"
    " if(number %% 997 = 0, 'u-runaway', concat('u', toString(number %% 50))) AS usr,"
    " feat = 'summarize' AND ts >= now() - INTERVAL 1 DAY AS regressed,"
    " if(regressed, 'v2', 'v1') AS pver,"
    " toUInt32((200 + cityHash64(number, 1) %% 2000) * if(regressed, 2, 1)) AS in_tok,"
    " toUInt32(50 + cityHash64(number, 2) %% 800) AS out_tok,"
    " toUInt32(if(cityHash64(number, 3) %% 3 = 0, intDiv(in_tok, 3), 0)) AS cr_tok,"
    " cityHash64(number, 4) %% 1000 < if(feat = 'search' AND ts >= now() - INTERVAL 1 HOUR, 400, 5) AS is_err,"
    " if(cityHash64(number, 6) %% 2 = 0,"
    "    toFloat32(if(regressed, 0.60, 0.85) + (cityHash64(number, 5) %% 100) / 1000 - 0.05), NULL) AS qual,"
    " toUInt32(300 + cityHash64(number, 7) %% 2500 + if(cityHash64(number, 9) %% 1000 = 0, 20000, 0)"
    "   + if(feat = 'summarize' AND ts >= now() - INTERVAL 15 MINUTE, 9000, 0)) AS lat,"
    " toUInt8(number %% 2) AS strm,"
    " toUInt8(cityHash64(number, 11) %% 10 < 3 AND NOT (feat = 'search' AND ts >= now() - INTERVAL 30 MINUTE)) AS hit"
    " FROM numbers(%ld)";
static const char *PS_BASE_PLANTED =
    "SELECT 1000000000 + number AS n,"
    " now64(3) - toIntervalMillisecond(1000 + (number * 2999) %% 3000000) AS ts,"
    " if(number < 1000, 'agent', 'chat') AS feat,"
    " if(number < 1000, 'claude-3-5-sonnet', 'gpt-4o') AS mdl,"
    " 'acme' AS tenant, 'acme-core' AS team,"
    " if(number < 1000, concat('agent-u', toString(number %% 500)), 'u-runaway') AS usr,"
    " 0 AS regressed, 'v1' AS pver,"
    " toUInt32(if(number < 1000, 20000, 8000)) AS in_tok, toUInt32(if(number < 1000, 4000, 2000)) AS out_tok,"
    " toUInt32(0) AS cr_tok, 0 AS is_err, toFloat32(0.85) AS qual,"
    " toUInt32(800 + number %% 3000) AS lat, toUInt8(number %% 2) AS strm,"
    " toUInt8(cityHash64(number, 11) %% 10 < 3) AS hit"
    " FROM numbers(%ld)";

/* Column name → expression over the base fields; columns not listed get a type default. */
static const struct {
    const char *col, *expr;
} PS_EXPR[] = {
    {"timestamp", "ts"},
    {"trace_id", "lower(hex(cityHash64(n, 't')))"},
    {"span_id", "lower(hex(cityHash64(n, 's')))"},
    {"request_id", "concat('req-', toString(n))"},
    {"provider", "multiIf(mdl LIKE 'gpt%', 'openai', mdl LIKE 'claude%', 'anthropic', 'meta')"},
    {"model", "mdl"},
    {"response_model", "mdl"},
    {"operation", "'chat'"},
    {"endpoint", "concat('/v1/', feat)"},
    {"feature", "feat"},
    {"prompt_template", "feat"},
    {"prompt_version", "pver"},
    {"tenant_id", "tenant"},
    {"team_id", "team"},
    {"cost_center", "concat('cc-', tenant)"},
    {"plan_tier", "'enterprise'"},
    {"user_id", "usr"},
    {"session_id", "concat(usr, '-', toString(intDiv(n, 20)))"},
    {"api_key_id", "concat('key-', usr)"},
    {"service", "'assistant-api'"},
    {"environment", "'prod'"},
    {"deploy_version", "if(ts >= now() - INTERVAL 3 HOUR, '2026.12.1', '2026.11.1')"},
    {"input_tokens", "in_tok"},
    {"output_tokens", "out_tok"},
    {"cache_read_tokens", "cr_tok"},
    {"cost_usd", "toDecimal64((in_tok - cr_tok) * multiIf(mdl = 'gpt-4o', 2.5, mdl = 'gpt-4o-mini', 0.15, "
                 "mdl = 'claude-3-5-sonnet', 3.0, 0.9) / 1e6 + cr_tok * multiIf(mdl = 'gpt-4o', 1.25, mdl = "
                 "'gpt-4o-mini', 0.075, mdl = 'claude-3-5-sonnet', 0.3, 0.9) / 1e6 + out_tok * multiIf(mdl = "
                 "'gpt-4o', 10.0, mdl = 'gpt-4o-mini', 0.6, mdl = 'claude-3-5-sonnet', 15.0, 0.9) / 1e6, 9)"},
    /* Planted: llama-3.1-70b is missing from the pricing file in the last hour (its producer
     * sent the cost): the unpriced-models panel and alert fire for meta/llama-3.1-70b only. */
    {"cost_source", "if(mdl = 'llama-3.1-70b' AND ts >= now() - INTERVAL 1 HOUR, 'producer', 'computed')"},
    {"pricing_status", "if(mdl = 'llama-3.1-70b' AND ts >= now() - INTERVAL 1 HOUR, 'unknown_model', 'ok')"},
    {"latency_ms", "lat"},
    {"ttft_ms", "if(strm = 1, toUInt32(intDiv(lat, 5)), NULL)"},
    {"streaming", "strm"},
    {"cache_hit", "hit"},
    {"status", "if(is_err, 'error', 'ok')"},
    {"error_class", "if(is_err, ['rate_limit','timeout','server_error'][n % 3 + 1], '')"},
    {"http_status", "toUInt16(if(is_err, [429, 504, 500][n % 3 + 1], 200))"},
    {"retry_count", "toUInt16(if(is_err, 1 + n % 3, 0))"},
    {"finish_reason", "if(is_err, '', 'stop')"},
    {"quality_score", "qual"},
    {"evaluator", "if(qual IS NULL, '', 'llm-judge-v1')"},
    {"tenant_status", "'known'"},
    {"kafka_topic", "'llm.spans'"},
    {"kafka_partition", "toInt32(n % 6)"},
    {"kafka_offset", "toInt64(n)"},
    {"ingested_at", "ts + toIntervalMillisecond(200 + n % 1800)"},
};

static const char *ps_expr_for(const char *col, const char *kind) {
    for (size_t i = 0; i < sizeof PS_EXPR / sizeof PS_EXPR[0]; i++)
        if (strcmp(PS_EXPR[i].col, col) == 0) {
            /* cost_usd_computed mirrors cost_usd */
            return PS_EXPR[i].expr;
        }
    if (strcmp(col, "cost_usd_computed") == 0) return ps_expr_for("cost_usd", kind);
    if (strcmp(kind, "STR") == 0) return "''";
    if (strcmp(kind, "MAP") == 0) return "map('sdk', 'demo')";
    if (strcmp(kind, "NU32_TTFT") == 0 || strcmp(kind, "NF32_QUALITY") == 0) return "NULL";
    if (strcmp(kind, "TS") == 0) return "ts";
    return "0";
}

/* Inserts the rows of base (a SELECT over numbers() yielding the base fields). */
static int ps_insert(chdb_t *db, const char *base, char *errstr, size_t errstr_size) {
    buf_t b;
    buf_init(&b, 0);
    ps_puts(&b, "INSERT INTO " PS_DB ".llm_spans (");
    int first = 1;
#define PS_NAME_(name, modern, legacy, kind, field)                                          \
    ps_printf(&b, "%s`%s`", first ? "" : ", ", #name);                                       \
    first = 0;
    COLUMNS_MAP(PS_NAME_)
#undef PS_NAME_
    ps_puts(&b, ") SELECT ");
    first = 1;
#define PS_EXPR_(name, modern, legacy, kind, field)                                          \
    ps_printf(&b, "%s", first ? "" : ", ");                                                  \
    ps_puts(&b, ps_expr_for(#name, #kind));                                                  \
    first = 0;
    COLUMNS_MAP(PS_EXPR_)
#undef PS_EXPR_
    ps_puts(&b, " FROM (");
    ps_puts(&b, base);
    ps_puts(&b, ")");
    char *sql = ps_cstr(&b);
    int rc = sql ? chdb_exec(db, sql, NULL, NULL, NULL, errstr, errstr_size) : -1;
    free(sql);
    buf_deinit(&b);
    return rc;
}

/* Generator spans through decode -> validate -> tenant -> price -> RowBinary -> insert, spread
 * over the last 8 days (the generator's spike at 60-70 % and regression from 50 % of that). */

/* The pricing file without the rows naming `drop` (planted: a model the fleet runs but the file
 * lacks, so the unpriced-models panel and alert have rows on the generator's data too). */
static price_table_t *ps_pricing_without(const char *path, const char *drop, char *errstr, size_t errstr_size) {
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(errstr, errstr_size, "%s: %s", path, strerror(errno));
        return NULL;
    }
    buf_t b;
    buf_init(&b, 0);
    char line[4096];
    while (fgets(line, sizeof line, f))
        if (!strstr(line, drop)) buf_append(&b, line, strlen(line));
    fclose(f);
    price_table_t *pt = buf_error(&b) ? NULL : price_parse((const char *)b.data, b.len, path, errstr, errstr_size);
    buf_deinit(&b);
    return pt;
}

static int ps_insert_gen(chdb_t *db, long count, const char *schema_dir, long *rejected, char *errstr,
                         size_t errstr_size) {
    gen_t *g = NULL;
    jspan_dec_t *d = NULL;
    price_table_t *pt = NULL;
    tenant_table_t *tt = NULL;
    sink_t *sk = NULL;
    buf_t msg, rows;
    buf_init(&msg, 0);
    buf_init(&rows, 0);
    int rc = -1;
    char path[1024], key[64];
    int64_t now_ms = (int64_t)time(NULL) * 1000;
    gen_opts_t go;
    gen_opts_default(&go);
    go.count = (uint64_t)count;
    go.spacing_ms = (uint32_t)(691200000LL / count > 0 ? 691200000LL / count : 1);
    go.start_ms = now_ms - (int64_t)go.spacing_ms * count - 60000;
    go.spike = go.regression = 1;
    go.poison_fraction = 0.005;
    if (!(g = gen_new(&go, errstr, errstr_size))) goto out;
    if (!(d = jspan_dec_new(NULL, errstr, errstr_size))) goto out;
    snprintf(path, sizeof path, "%s/pricing.csv", schema_dir);
    if (!(pt = ps_pricing_without(path, "meta-llama-3.1-70b-instruct-turbo", errstr, errstr_size))) goto out;
    snprintf(path, sizeof path, "%s/tenants.csv", schema_dir);
    if (!(tt = tenant_load(path, errstr, errstr_size))) goto out;
    if (!(sk = sink_chdb_new(db, PS_DB, errstr, errstr_size))) goto out;
    *rejected = 0;
    for (int64_t offset = 0;; offset++) {
        int poison = 0;
        msg.len = 0;
        int r = gen_next(g, &msg, key, sizeof key, &poison);
        if (r < 0) {
            snprintf(errstr, errstr_size, "gen_next: buffer error");
            goto out;
        }
        if (r > 0) {
            span_t s;
            const char *field = NULL;
            if (jspan_decode(d, (const char *)msg.data, msg.len, &s, NULL) != ERR_OK ||
                validate_span(NULL, &s, now_ms, &field) != ERR_OK) {
                (*rejected)++; /* the worker dead-letters these */
                continue;
            }
            tenant_apply(tt, TENANT_POLICY_FILL, &s);
            price_apply(pt, &s);
            s.kafka_topic = span_str("llm.spans", 9);
            s.kafka_partition = (int32_t)(offset % 6);
            s.kafka_offset = offset;
            s.ingested_ms = s.ts_ms + 250;
            rowbin_encode_span(&rows, &s);
        }
        if ((r == 0 && rows.len) || rows.len >= (16u << 20)) {
            if (buf_error(&rows)) {
                snprintf(errstr, errstr_size, "rowbin buffer error");
                goto out;
            }
            /* The embedded sink, with a dedup token as the worker sends it. */
            sink_result_t res;
            char token[64];
            snprintf(token, sizeof token, "llm.spans-gen-%lld", (long long)offset);
            if (sink_insert(sk, "llm_spans", rowbin_column_list(), rowbin_structure(0), rows.data, rows.len, token,
                            &res) != ERR_OK) {
                snprintf(errstr, errstr_size, "sink_insert: %s", res.msg);
                goto out;
            }
            buf_reset(&rows);
        }
        if (r == 0) break;
    }
    rc = 0;
out:
    buf_deinit(&msg);
    buf_deinit(&rows);
    sink_destroy(sk);
    tenant_destroy(tt);
    price_destroy(pt);
    jspan_dec_destroy(d);
    gen_destroy(g);
    return rc;
}

/* ---------------------------------------------------------------- queries */

typedef struct {
    char kind[8]; /* "var", "panel", "series" (time series panel), "alert", "doc" (may be empty) */
    long range_from, range_to; /* seconds before now; 0,0 = the dashboard's range */
    char name[200];
    char *sql;
} ps_query_t;

/* Queries file: blocks introduced by a line "-- @@<kind> <name>", SQL until the next one. */
static int ps_load_queries(const char *path, ps_query_t **out, int *n) {
    char *text = ps_slurp(path);
    if (!text) return -1;
    int cap = 0;
    *out = NULL;
    *n = 0;
    char *p = text;
    while ((p = strstr(p, "-- @@"))) {
        if (p != text && p[-1] != '\n') {
            p += 5;
            continue;
        }
        char *eol = strchr(p, '\n');
        if (!eol) break;
        char *next = strstr(eol, "\n-- @@");
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = realloc(*out, (size_t)cap * sizeof **out);
        }
        ps_query_t *q = &(*out)[(*n)++];
        memset(q, 0, sizeof *q);
        char head[64] = "";
        sscanf(p + 5, "%63s %199[^\n]", head, q->name);
        /* kind, or kind:FROM:TO for an alert's relativeTimeRange (seconds before now) */
        sscanf(head, "%7[a-z]:%ld:%ld", q->kind, &q->range_from, &q->range_to);
        size_t len = next ? (size_t)(next - eol) : strlen(eol);
        q->sql = strndup(eol + 1, len ? len - 1 : 0);
        p = next ? next + 1 : eol + strlen(eol);
    }
    free(text);
    return 0;
}

/* Checks what Grafana needs from a result (TSVWithNamesAndTypes: line 2 holds the types):
 * no Array/Tuple/Map columns (the data frame converter and long-to-wide have no such type);
 * a time series starts with its DateTime column; an alert query has exactly one numeric
 * column (the value) and only string columns besides (the labels). */
static int ps_check_shape(const char *kind, const char *out, char *why, size_t why_size) {
    const char *t = strchr(out, '\n');
    if (!t) {
        snprintf(why, why_size, "no header");
        return -1;
    }
    t++;
    const char *e = strchr(t, '\n');
    size_t n = e ? (size_t)(e - t) : strlen(t);
    int col = 0, numeric = 0, other = 0;
    while (n > 0) {
        const char *tab = memchr(t, '\t', n);
        size_t len = tab ? (size_t)(tab - t) : n;
        char type[128];
        snprintf(type, sizeof type, "%.*s", (int)len, t);
        const char *base = type;
        if (!strncmp(base, "Nullable(", 9)) base += 9;
        if (!strncmp(base, "LowCardinality(", 15)) base += 15;
        if (!strncmp(base, "Nullable(", 9)) base += 9;
        if (!strncmp(base, "Array(", 6) || !strncmp(base, "Tuple(", 6) || !strncmp(base, "Map(", 4)) {
            snprintf(why, why_size, "column %d has type %s, which Grafana cannot plot", col + 1, type);
            return -1;
        }
        int is_num = !strncmp(base, "UInt", 4) || !strncmp(base, "Int", 3) || !strncmp(base, "Float", 5) ||
                     !strncmp(base, "Decimal", 7);
        int is_str = !strncmp(base, "String", 6) || !strncmp(base, "FixedString", 11);
        if (col == 0 && !strcmp(kind, "series") && strncmp(base, "DateTime", 8) != 0) {
            snprintf(why, why_size, "a time series must start with a DateTime column, not %s", type);
            return -1;
        }
        numeric += is_num;
        other += !is_num && !is_str;
        col++;
        if (!tab) break;
        n -= len + 1;
        t = tab + 1;
    }
    if (!strcmp(kind, "alert") && (numeric != 1 || other != 0)) {
        snprintf(why, why_size, "an alert query needs string labels and exactly one numeric column (%d numeric, %d other)",
                 numeric, other);
        return -1;
    }
    return 0;
}

static void ps_safe_name(const char *in, char *out, size_t n) {
    size_t j = 0;
    for (size_t i = 0; in[i] && j + 1 < n; i++)
        out[j++] = (isalnum((unsigned char)in[i]) || in[i] == '-' || in[i] == '_') ? in[i] : '_';
    out[j] = 0;
}

int main(int argc, char **argv) {
    const char *queries = NULL, *schema = "schema", *views = "views", *outdir = NULL, *exec_file = NULL;
    long rows = 120000, gen = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--queries") == 0) queries = argv[i + 1];
        else if (strcmp(argv[i], "--schema") == 0) schema = argv[i + 1];
        else if (strcmp(argv[i], "--views") == 0) views = argv[i + 1];
        else if (strcmp(argv[i], "--rows") == 0) rows = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--gen") == 0) gen = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--out") == 0) outdir = argv[i + 1];
        else if (strcmp(argv[i], "--exec") == 0) exec_file = argv[i + 1];
        else {
            fprintf(stderr, "unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (!queries) {
        fprintf(stderr, "usage: panel_sql --queries FILE [--schema DIR] [--views DIR] [--rows N | --gen N] [--out DIR]\n");
        return 2;
    }
    char err[4096];
    ps_query_t *qs = NULL;
    int nq = 0, failures = 0, applied = 0, skipped = 0;
    ps_ctx_t ctx;
    memset(&ctx, 0, sizeof ctx);
    chdb_t *db = chdb_open(NULL, err, sizeof err);
    if (!db) {
        fprintf(stderr, "chdb_open: %s\n", err);
        return 1;
    }
    if (ps_load_queries(queries, &qs, &nq) != 0 || nq == 0) {
        fprintf(stderr, "%s: no queries\n", queries);
        goto fail;
    }
    if (ps_apply(db, schema, views, &applied, err, sizeof err) != 0) {
        fprintf(stderr, "schema: %s\n", err);
        goto fail;
    }
    if (applied == 0 && ps_min_schema(db, err, sizeof err) != 0) {
        fprintf(stderr, "minimal schema: %s\n", err);
        goto fail;
    }
    if (exec_file && applied > 0) { /* one statement per line, e.g. loading the reference tables */
        char *text = ps_slurp(exec_file), *line, *save = NULL;
        if (!text) {
            fprintf(stderr, "%s: %s\n", exec_file, strerror(errno));
            goto fail;
        }
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
            if (chdb_exec(db, line, NULL, NULL, NULL, err, sizeof err) != 0) {
                fprintf(stderr, "--exec: %s\n  in: %s\n", err, line);
                free(text);
                goto fail;
            }
        }
        free(text);
    }
    printf("schema: %s\n", applied ? "schema/ and views/ applied by schema_apply()" : "minimal llm_spans from ingest/columns.h");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (gen > 0) {
        long rejected = 0;
        if (ps_insert_gen(db, gen, schema, &rejected, err, sizeof err) != 0) {
            fprintf(stderr, "generator data: %s\n", err);
            goto fail;
        }
        printf("generator data: %ld messages through decode/validate/enrich/rowbin, %ld rejected\n", gen, rejected);
    } else {
        char base_normal[4096], base_planted[4096];
        snprintf(base_normal, sizeof base_normal, PS_BASE_NORMAL, rows, rows);
        snprintf(base_planted, sizeof base_planted, PS_BASE_PLANTED, 1300L);
        if (ps_insert(db, base_normal, err, sizeof err) != 0 || ps_insert(db, base_planted, err, sizeof err) != 0) {
            fprintf(stderr, "demo data: %s\n", err);
            goto fail;
        }
        printf("demo data: %ld + 1300 planted spans\n", rows);
    }
    /* Freshness (stored_at is the server's; set here as if stored 2-11 s after each call
     * ended), planted: 'search' calls travel on their own topic, stored 90 s late in the last
     * hour (the freshness rule fires for llm.spans.eu only). */
    if (applied > 0 &&
        chdb_exec(db,
                  "ALTER TABLE " PS_DB ".llm_spans UPDATE stored_at = timestamp + toIntervalMillisecond(latency_ms) + "
                  "toIntervalSecond(if(feature = 'search' AND timestamp >= now() - INTERVAL 1 HOUR, 90, 2 + kafka_offset % 10)), "
                  "kafka_topic = if(feature = 'search', 'llm.spans.eu', kafka_topic) WHERE 1 SETTINGS mutations_sync = 1",
                  NULL, NULL, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "freshness: %s\n", err);
        goto fail;
    }
    /* A few dead letters, when the schema has the table (column names: schema/020_*.sql). */
    if (applied > 0 &&
        chdb_exec(db,
                  "INSERT INTO " PS_DB ".llm_spans_rejected (received_at, kind, topic, partition, offset, key, reason, "
                  "field, detail, payload) SELECT now64(3) - toIntervalMinute(number), 'span', 'llm.spans', "
                  "toInt32(number % 6), toInt64(number), '', ['missing_field','json_syntax','timestamp_in_future'][number % 3 + 1], "
                  "if(number % 3 = 0, 'model', ''), 'demo', '{\"trace_id\":' FROM numbers(30)",
                  NULL, NULL, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "dead letters: %s\n", err);
        goto fail;
    }
    /* A provider bill for the days the spans cover (docs/reconciliation.md), when the schema has
     * llm_bill_lines: every model billed 1 % above what the spans computed, except the model
     * family first in name order among the priced ones, billed 1.5x (planted: diverges). */
    if (applied > 0 &&
        chdb_exec(db,
                  "INSERT INTO " PS_DB ".llm_bill_lines (bucket_start, day, provider, source_format, model, token_type, "
                  "line_item, tokens, amount_usd, source_file, source_ref, imported_at) "
                  "SELECT toDateTime(day), day, provider, 'csv', model_family, 'other', 'planted', 0, "
                  "toDecimal64(if(model_family = (SELECT min(model_family) FROM " PS_DB ".llm_cost_1d WHERE "
                  "cost_usd_computed > 0), cost * 1.5, cost * 1.01), 9), 'panel_sql', '', now64(3) "
                  "FROM (SELECT day, provider, model_family, sum(cost_usd_computed) AS cost FROM " PS_DB
                  ".llm_cost_1d GROUP BY day, provider, model_family HAVING cost > 0)",
                  NULL, NULL, NULL, err, sizeof err) != 0 &&
        !strstr(err, "UNKNOWN_TABLE")) {
        fprintf(stderr, "bill lines: %s\n", err);
        goto fail;
    }
    /* Budgets (planted): two small tenants whose whole month so far is 10 calls in the last
     * second, with budgets set from what they spent: hooli has used 90 % (the 80 % rule fires,
     * not the 95 % one), pied 97 % (both); both project far past their budget. */
    if (applied > 0 &&
        (chdb_exec(db,
                   "INSERT INTO " PS_DB ".llm_spans (timestamp, trace_id, span_id, tenant_id, team_id, feature, endpoint, "
                   "model, provider, status, input_tokens, output_tokens, cost_usd, latency_ms) "
                   "SELECT now64(3) - toIntervalMillisecond(number * 50), concat('budget-', t, toString(number)), 's', t, "
                   "concat(t, '-core'), 'chat', '/v1/chat', 'gpt-4o-mini', 'openai', 'ok', 1000, 500, "
                   "toDecimal64(0.00045, 9), 900 FROM numbers(10) ARRAY JOIN ['hooli', 'pied'] AS t",
                   NULL, NULL, NULL, err, sizeof err) != 0 ||
         chdb_exec(db,
                   "INSERT INTO " PS_DB ".llm_tenants (match_kind, match_value, tenant_id, team_id, monthly_budget_usd) "
                   "SELECT 'service', concat('planted-', tenant_id), tenant_id, 'core', "
                   "toDecimal64(toFloat64(spend) / if(tenant_id = 'hooli', 0.90, 0.97), 6) FROM (SELECT tenant_id, "
                   "sum(cost_usd) AS spend FROM " PS_DB ".llm_kpi_1h WHERE tenant_id IN ('hooli', 'pied') AND hour >= "
                   "toStartOfMonth(now()) GROUP BY tenant_id)",
                   NULL, NULL, NULL, err, sizeof err) != 0)) {
        fprintf(stderr, "budgets: %s\n", err);
        goto fail;
    }
    int quality = 0;
    if (ps_insert_quality(db, &quality, err, sizeof err) != 0) {
        fprintf(stderr, "quality streams: %s\n", err);
        goto fail;
    }
    if (quality) printf("quality streams: evals (3 tiers, late, orphans) and outcomes loaded\n");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("data loaded in %.2f s\n", (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);

    /* Dashboard time range: the last 6 hours, as the dashboard's default. */
    ctx.to = time(NULL);
    ctx.from = ctx.to - 6 * 3600;
    ctx.interval_s = (ctx.to - ctx.from) / 500 > 1 ? (ctx.to - ctx.from) / 500 : 1;
    if (outdir) mkdir(outdir, 0755);

    for (int i = 0; i < nq; i++) {
        ps_query_t *q = &qs[i];
        ps_ctx_t qctx = ctx;
        if (q->range_from > 0) { /* an alert evaluates over its own relative time range */
            qctx.to = ctx.to - q->range_to;
            qctx.from = ctx.to - q->range_from;
        }
        char *sql = ps_expand(&qctx, q->sql, err, sizeof err);
        char *out = NULL;
        size_t out_len = 0;
        if (!sql) {
            printf("FAIL %s %s: %s\n", q->kind, q->name, err);
            failures++;
            continue;
        }
        if (chdb_exec(db, sql, "TSVWithNamesAndTypes", &out, &out_len, err, sizeof err) != 0) {
            char col[64];
            int missing = applied == 0 && (strstr(err, "Code: 60.") || strstr(err, "UNKNOWN_TABLE"));
            if (missing && strcmp(q->kind, "var") == 0 && sscanf(q->sql, "SELECT DISTINCT %63[a-z_]", col) == 1) {
                /* Minimal schema only: take the variable's values from the raw spans instead. */
                free(sql);
                char alt[256];
                snprintf(alt, sizeof alt, "SELECT DISTINCT %s FROM " PS_DB ".llm_spans ORDER BY %s", col, col);
                sql = strdup(alt);
                if (chdb_exec(db, sql, "TSVWithNamesAndTypes", &out, &out_len, err, sizeof err) == 0) {
                    printf("skip %s %s: from llm_spans (KPI table not in the minimal schema)\n", q->kind, q->name);
                    skipped++;
                    goto got_rows;
                }
            } else if (missing) {
                /* Minimal schema only: the KPI tables and views arrive with schema/. */
                printf("skip %s %s: table not in the minimal schema\n", q->kind, q->name);
                skipped++;
                free(sql);
                continue;
            }
            printf("FAIL %s %s: %.600s\n--- expanded SQL:\n%s\n---\n", q->kind, q->name, err, sql);
            failures++;
            free(sql);
            continue;
        }
    got_rows:;
        int lines = 0;
        for (size_t k = 0; k < out_len; k++) lines += out[k] == '\n';
        int data_rows = lines > 1 ? lines - 2 : 0;
        char shape[256];
        if (ps_check_shape(q->kind, out, shape, sizeof shape) != 0) {
            printf("FAIL %s %s: %s\n", q->kind, q->name, shape);
            failures++;
            free(out);
            free(sql);
            continue;
        }
        /* Alert and annotation queries may find nothing on the generator's data (its signals,
         * deploys included, sit elsewhere in time); on the demo data they must find rows. */
        if (data_rows == 0 && (strcmp(q->kind, "doc") == 0 ||
                               (gen > 0 && (strcmp(q->kind, "alert") == 0 ||
                                            strncmp(q->name, "annotation:", 11) == 0)))) {
            printf("ok   %s %s (runs; no rows on the demo data)\n", q->kind, q->name);
        } else if (data_rows == 0) {
            printf("FAIL %s %s: no rows\n--- expanded SQL:\n%s\n---\n", q->kind, q->name, sql);
            failures++;
        } else {
            printf("ok   %s %s (%d rows)\n", q->kind, q->name, data_rows);
        }
        if (strcmp(q->kind, "var") == 0 && data_rows > 0 && ctx.nvars < PS_MAX_VARS) {
            /* All selected: every value the variable query returned, as Grafana's All does. */
            ps_var_t *v = &ctx.vars[ctx.nvars++];
            snprintf(v->name, sizeof v->name, "%s", q->name);
            buf_t vb, cb;
            buf_init(&vb, 0);
            buf_init(&cb, 0);
            char *line = strchr(strchr(out, '\n') + 1, '\n') + 1; /* past names and types */
            for (int r = 0; r < data_rows; r++) {
                char *nl = strchr(line, '\n');
                char *tab = memchr(line, '\t', (size_t)(nl - line));
                size_t len = (size_t)((tab ? tab : nl) - line);
                ps_puts(&vb, r ? ",'" : "'");
                for (size_t k = 0; k < len; k++) {
                    if (line[k] == '\'') buf_append(&vb, "\\", 1);
                    buf_append(&vb, &line[k], 1);
                }
                ps_puts(&vb, "'");
                if (r) ps_puts(&cb, ",");
                buf_append(&cb, line, len);
                line = nl + 1;
            }
            v->values = ps_cstr(&vb);
            v->csv = ps_cstr(&cb);
        }
        if (outdir) {
            char safe[200], path[1024];
            ps_safe_name(q->name, safe, sizeof safe);
            snprintf(path, sizeof path, "%s/%s-%s.tsv", outdir, q->kind, safe);
            FILE *f = fopen(path, "w");
            if (f) {
                fwrite(out, 1, out_len, f);
                fclose(f);
            }
        }
        free(out);
        free(sql);
    }
    printf("panel_sql: %d queries, %d failed, %d skipped\n", nq, failures, skipped);
    for (int i = 0; i < nq; i++) free(qs[i].sql);
    free(qs);
    for (int i = 0; i < ctx.nvars; i++) {
        free(ctx.vars[i].values);
        free(ctx.vars[i].csv);
    }
    chdb_close(db);
    return failures ? 1 : 0;
fail:
    for (int i = 0; i < nq; i++) free(qs[i].sql);
    free(qs);
    chdb_close(db);
    return 1;
}
