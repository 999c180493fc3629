/* config: the option table and everything derived from it (help, docs, INI, env, flags).
 *
 * The table below is the only place an option is declared. Values pass through one setter
 * whatever their source, so the file, the environment and the flags accept the same syntax
 * and fail with the same messages. Does not connect to anything. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "json_span.h"

typedef enum {
    OPT_STR,   /* free string */
    OPT_ENUM,  /* one of choices, '|'-separated */
    OPT_INT,   /* plain integer */
    OPT_SIZE,  /* bytes: 123, 64KiB, 16MiB, 1GiB (also k/M/G = powers of 1024) */
    OPT_DUR,   /* milliseconds: 250, 250ms, 5s, 10m, 2h, 7d */
    OPT_BOOL,  /* true/false, 1/0, yes/no, on/off; a bare --flag means true */
    OPT_TOPIC, /* repeatable NAME[:FORMAT] */
} opt_type_t;

typedef struct opt_s {
    const char *name;
    opt_type_t type;
    size_t off;
    const char *def; /* default, parsed by the same setter; NULL = "" / 0 */
    int64_t min, max;
    const char *choices; /* OPT_ENUM only */
    const char *help;
    int secret;  /* never printed (config_dump, errors): config_secret_key() */
    size_t eoff; /* OPT_ENUM: 1 + offset of the int that receives the value's position in
                  * choices (E(field)), 0 = the string only */
} opt_t;

#define F(field) offsetof(config_t, field)
#define E(field) (offsetof(config_t, field) + 1)
#define I64MAX INT64_MAX
/* The option table: one option per row, its help text kept whole. */
/* clang-format off */
static const opt_t config_opts[] = {
    {"config", OPT_STR, F(config), NULL, 0, 0, NULL,
     "INI file to load (sections allowed; [kafka] keys pass to librdkafka)", 0, 0},
    {"brokers", OPT_STR, F(brokers), NULL, 0, 0, NULL,
     "Kafka bootstrap servers, host:port[,host:port]", 0, 0},
    {"topic", OPT_TOPIC, 0, NULL, 0, 0, NULL,
     "topic to consume, NAME or NAME:FORMAT (FORMAT one of" CONFIG_FORMAT_NAMES "); repeatable", 0,
     0},
    {"group", OPT_STR, F(group), "spanhouse", 0, 0, NULL,
     "Kafka consumer group id (replay uses <group>-replay-<from>-<to>)", 0, 0},
    {"clickhouse-url", OPT_STR, F(clickhouse_url), NULL, 0, 0, NULL,
     "ClickHouse HTTP(S) endpoint, e.g. http://127.0.0.1:8123", 0, 0},
    {"database", OPT_STR, F(database), "spanhouse", 0, 0, NULL, "ClickHouse database", 0, 0},
    {"table", OPT_STR, F(table), "llm_spans", 0, 0, NULL, "table for spans", 0, 0},
    {"eval-table", OPT_STR, F(eval_table), "llm_evals", 0, 0, NULL,
     "table for quality evaluations (topics NAME:eval, NAME:otlp_logs_*, and "
     "gen_ai.evaluation.result span events of OTLP trace topics)", 0, 0},
    {"outcome-table", OPT_STR, F(outcome_table), "llm_outcomes", 0, 0, NULL,
     "table for business outcomes (topics NAME:outcome)", 0, 0},
    {"rejected-table", OPT_STR, F(rejected_table), NULL, 0, 0, NULL,
     "table for dead letters (e.g. llm_spans_rejected); empty = Kafka DLQ only", 0, 0},
    {"user", OPT_STR, F(user), "default", 0, 0, NULL, "ClickHouse user", 0, 0},
    {"password", OPT_STR, F(password), NULL, 0, 0, NULL, "ClickHouse password", 1, 0},
    {"tls-ca-file", OPT_STR, F(tls_ca_file), NULL, 0, 0, NULL,
     "https: CA certificate(s) to verify ClickHouse with (PEM), e.g. a private CA; empty = system "
     "bundle", 0, 0},
    {"tls-ca-dir", OPT_STR, F(tls_ca_dir), NULL, 0, 0, NULL,
     "https: directory of hashed CA certificates (c_rehash)", 0, 0},
    {"tls-cert", OPT_STR, F(tls_cert), NULL, 0, 0, NULL,
     "https: client certificate (PEM) for servers that require one", 0, 0},
    {"tls-key", OPT_STR, F(tls_key), NULL, 0, 0, NULL, "https: the client certificate's key (PEM)", 0, 0},
    {"connect-to", OPT_STR, F(connect_to), NULL, 0, 0, NULL,
     "host[:port] to connect to instead of clickhouse-url's host, whose name TLS still verifies "
     "and sends (SNI): a URL naming the certificate's host, reached through another address "
     "(a load balancer's IP, a tunnel); IPv6 in [brackets]", 0, 0},
    {"tls-insecure", OPT_BOOL, F(tls_insecure), "false", 0, 1, NULL,
     "https: do not verify ClickHouse's certificate or host name (logged as a warning at start)", 0, 0},
    {"password-file", OPT_STR, F(password_file), NULL, 0, 0, NULL,
     "file holding the ClickHouse password (first line), e.g. a systemd credential or a "
     "Kubernetes Secret; keeps it out of flags, environment and INI", 0, 0},
    {"compression", OPT_ENUM, F(compression), "auto", 0, 0, "auto|none|gzip|zstd|lz4",
     "HTTP request compression", 0, 0},
    {"timeout", OPT_DUR, F(timeout_ms), "30s", 100, 3600000, NULL,
     "per-request ClickHouse timeout", 0, 0},
    {"connect-timeout", OPT_DUR, F(connect_timeout_ms), "5s", 10, 600000, NULL,
     "ClickHouse connect timeout", 0, 0},
    {"metrics-addr", OPT_STR, F(metrics_addr), NULL, 0, 0, NULL,
     "host:port for /metrics /healthz /readyz: :port = 127.0.0.1 only, 0.0.0.0:port = every "
     "interface; empty = off", 0, 0},
    {"metrics-auth", OPT_STR, F(metrics_auth), NULL, 0, 0, NULL,
     "user:password that /metrics requires (HTTP basic auth; /healthz and /readyz stay open for "
     "probes); empty = no authentication", 1, 0},
    {"metrics-auth-file", OPT_STR, F(metrics_auth_file), NULL, 0, 0, NULL,
     "file holding metrics-auth (first line)", 0, 0},
    {"dlq-topic", OPT_STR, F(dlq_topic), NULL, 0, 0, NULL,
     "Kafka topic for dead letters (original key and bytes, reason headers)", 0, 0},
    {"dlq-max-bytes", OPT_SIZE, F(dlq_max_bytes), "900000", 4096, 1 << 30, NULL,
     "largest key + payload of a dead letter; a larger message is sent truncated "
     "(payload_format=truncated, original_size, original_xxh3 headers)", 0, 0},
    {"pricing", OPT_STR, F(pricing), NULL, 0, 0, NULL,
     "model pricing file (reloaded on SIGHUP; schema apply loads it into llm_pricing)", 0, 0},
    {"tenants", OPT_STR, F(tenants), NULL, 0, 0, NULL,
     "api key -> tenant file (reloaded on SIGHUP; schema apply loads it into llm_tenants)", 0, 0},
    {"tenant-policy", OPT_ENUM, F(tenant_policy), "fill", 0, 0, "fill|override",
     "fill: table fills missing tenant fields; override: table wins", 0, E(tenant_policy_kind)},
    {"batch-max-rows", OPT_INT, F(batch_max_rows), "100000", 1, 1048576, NULL,
     "flush a partition's batch at this many rows (at most ClickHouse's max_insert_block_size: one insert is one "
     "block, atomic under one dedup token)", 0, 0},
    {"batch-max-bytes", OPT_SIZE, F(batch_max_bytes), "16MiB", 1024, (int64_t)1 << 32, NULL,
     "flush a partition's batch at this many RowBinary bytes", 0, 0},
    {"batch-max-age-ms", OPT_DUR, F(batch_max_age_ms), "1000", 1, 3600000, NULL,
     "flush a batch this long after its first row", 0, 0},
    {"max-inflight-bytes", OPT_SIZE, F(max_inflight_bytes), "256MiB", 1 << 20, (int64_t)1 << 40,
     NULL, "worker byte budget for buffered batches; above it partitions pause", 0, 0},
    {"partition-max-bytes", OPT_SIZE, F(partition_max_bytes), "32MiB", 1024, (int64_t)1 << 36, NULL,
     "per-partition byte budget; above it the partition pauses", 0, 0},
    {"retry-max-ms", OPT_DUR, F(retry_max_ms), "5m", 0, 86400000, NULL,
     "give up on a retryable insert error after this long (exit 1, nothing committed)", 0, 0},
    {"insert-concurrency", OPT_INT, F(insert_concurrency), "2", 1, 64, NULL,
     "inserts in flight at once (sender threads, one connection each); sink=chdb always uses 1", 0, 0},
    {"insert-min-rows", OPT_INT, F(insert_min_rows), "50000", 1, 1000000, NULL,
     "one insert carries the sealed batches of many partitions: it starts once they hold this many "
     "rows (or insert-max-wait passed, or the worker waits for them)", 0, 0},
    {"insert-max-batches", OPT_INT, F(insert_max_batches), "1024", 1, 1024, NULL,
     "most partition batches one insert carries (1: one insert per batch)", 0, 0},
    {"insert-max-wait", OPT_DUR, F(insert_max_wait_ms), "1s", 0, 600000, NULL,
     "longest a sealed batch waits for others to share its insert", 0, 0},
    {"fence-window", OPT_DUR, F(fence_window_ms), "10s", 100, 3600000, NULL,
     "HTTP: an insert attempt starts only this long after a commit proved the partitions are "
     "still ours; a next owner waits 2 x fence-window + timeout before re-sending what we "
     "announced (docs/design.md)", 0, 0},
    {"sink", OPT_ENUM, F(sink), "http", 0, 0, "http|chdb",
     "where rows go: ClickHouse over HTTP, or the embedded engine (libchdb)", 0, E(sink_kind)},
    {"chdb-path", OPT_STR, F(chdb_path), NULL, 0, 0, NULL,
     "data directory of the embedded engine (sink=chdb)", 0, 0},
    {"legacy", OPT_BOOL, F(legacy), "false", 0, 1, NULL,
     "server is ClickHouse 18.16: legacy column types, no dedup token", 0, 0},
    {"exit-at-eof", OPT_BOOL, F(exit_at_eof), "false", 0, 1, NULL,
     "stop once every assigned partition is drained and committed", 0, 0},
    {"log-format", OPT_ENUM, F(log_format), "kv", 0, 0, "kv|json", "log line format on stderr", 0, 0},
    {"log-level", OPT_ENUM, F(log_level), "info", 0, 0, "debug|info|warn|error",
     "least severe log level written", 0, 0},
    {"max-message-bytes", OPT_SIZE, F(max_message_bytes), "1MiB", 64, (int64_t)1 << 30, NULL,
     "larger messages are dead-lettered as oversized_message", 0, 0},
    {"ts-future-tolerance", OPT_DUR, F(ts_future_tolerance_ms), "5m", 0, (int64_t)3650 * 86400000,
     NULL, "reject spans stamped further in the future", 0, 0},
    {"ts-past-tolerance", OPT_DUR, F(ts_past_tolerance_ms), "400d", 0, (int64_t)36500 * 86400000,
     NULL, "reject spans older than this", 0, 0},
    {"from", OPT_STR, F(from), NULL, 0, 0, NULL,
     "replay, reconcile: start time (RFC 3339 or epoch ms; reconcile: default to - 7 days)", 0, 0},
    {"to", OPT_STR, F(to), NULL, 0, 0, NULL,
     "replay, reconcile: end time (RFC 3339 or epoch ms; reconcile: default now - 15 minutes)", 0, 0},
    {"repair", OPT_BOOL, F(repair), "false", 0, 1, NULL,
     "reconcile: rebuild the rollup buckets that drift from their source", 0, 0},
    {"reprice-model", OPT_STR, F(reprice_model), NULL, 0, 0, NULL,
     "reprice: only spans whose model or response_model is this name", 0, 0},
    {"dry-run", OPT_BOOL, F(dry_run), "false", 0, 1, NULL,
     "reprice: count what would change, change nothing", 0, 0},
    {"rate", OPT_INT, F(rate), "0", 0, 100000000, NULL,
     "replay/ingest-file: max spans per second, 0 = unthrottled", 0, 0},
    {"schema-dir", OPT_STR, F(schema_dir), "schema", 0, 0, NULL,
     "schema apply: directory of NNN_*.sql files", 0, 0},
    {"views-dir", OPT_STR, F(views_dir), NULL, 0, 0, NULL,
     "schema apply: directory of view .sql files (optional)", 0, 0},
    {"raw-retention-days", OPT_INT, F(raw_retention_days), "0", 0, 3650, NULL,
     "schema apply/plan: days of raw spans kept (llm_spans TTL); 0 = the schema file's (90). "
     "Set, it also changes an existing install's TTL", 0, 0},
    {"ingest-topic", OPT_STR, F(ingest_topic), "file", 0, 0, NULL,
     "ingest-file: value stored in kafka_topic for file rows", 0, 0},
    {"import-format", OPT_ENUM, F(import_format), "litellm", 0, 0, "litellm",
     "pricing import: the price list's format (docs/pricing.md)", 0, 0},
    {"effective-from", OPT_STR, F(effective_from), NULL, 0, 0, NULL,
     "pricing import: effective_from of the rows, YYYY-MM-DD (default: today, UTC)", 0, 0},
    {"bill-format", OPT_ENUM, F(bill_format), "csv", 0, 0,
     "openai-costs|openai-usage|anthropic-cost|anthropic-usage|csv",
     "bill import: the export's format (docs/reconciliation.md)", 0, 0},
    {"otlp-tenant-attr", OPT_STR, F(otlp_tenant_attr), "app.tenant_id", 0, 0, NULL,
     "OTLP topics: span or resource attribute holding tenant_id; empty = not mapped", 0, 0},
    {"otlp-team-attr", OPT_STR, F(otlp_team_attr), "app.team_id", 0, 0, NULL,
     "OTLP topics: attribute holding team_id; empty = not mapped", 0, 0},
    {"otlp-feature-attr", OPT_STR, F(otlp_feature_attr), "app.feature", 0, 0, NULL,
     "OTLP topics: attribute holding feature; empty = not mapped", 0, 0},
    {"otlp-user-attr", OPT_STR, F(otlp_user_attr), "user.id", 0, 0, NULL,
     "OTLP topics: attribute holding user_id (enduser.id is the fallback); empty = fallback only", 0, 0},
    {"otlp-prompt-template-attr", OPT_STR, F(otlp_prompt_template_attr), "gen_ai.prompt.name", 0, 0,
     NULL, "OTLP topics: attribute holding prompt_template; empty = not mapped", 0, 0},
    {"otlp-prompt-version-attr", OPT_STR, F(otlp_prompt_version_attr), "app.prompt_version", 0, 0,
     NULL, "OTLP topics: attribute holding prompt_version; empty = not mapped", 0, 0},
    {"otlp-endpoint-attr", OPT_STR, F(otlp_endpoint_attr), "app.endpoint", 0, 0, NULL,
     "OTLP topics: attribute holding endpoint (server.address is the fallback); empty = fallback "
     "only", 0, 0},
    {"otlp-keep-all", OPT_BOOL, F(otlp_keep_all), "false", 0, 1, NULL,
     "OTLP topics: store every span, not only LLM spans (gen_ai.* / llm.* attributes): the "
     "others get model _none and their span name as operation (v_stage_latency); skipped "
     "spans are counted in spanhouse_otlp_spans_skipped_total", 0, 0},
    {"otlp-keep-content", OPT_BOOL, F(otlp_keep_content), "false", 0, 1, NULL,
     "OTLP topics: keep prompt/completion text attributes (gen_ai.input.messages, …) in attrs", 0, 0},
};
/* clang-format on */
#undef F
#undef E
#define CONFIG_N_OPTS (sizeof(config_opts) / sizeof(config_opts[0]))
_Static_assert(CONFIG_N_OPTS <= sizeof(((config_t *)0)->src_), "grow config_t.src_");

static void set_err(char *errstr, size_t n, const char *fmt, ...) {
    if (!errstr || !n) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errstr, n, fmt, ap);
    va_end(ap);
}

#define FMT_NAME_(id, name, table) name,
#define FMT_TABLE_(id, name, table) CONFIG_TABLE_##table,
static const char *const fmt_names[CONFIG_FMT_N] = {CONFIG_FORMATS(FMT_NAME_)};
static const config_table_t fmt_tables[CONFIG_FMT_N] = {CONFIG_FORMATS(FMT_TABLE_)};

const char *config_fmt_name(config_fmt_t f) {
    return (unsigned)f < CONFIG_FMT_N ? fmt_names[f] : "?";
}

config_table_t config_fmt_table(config_fmt_t f) {
    return (unsigned)f < CONFIG_FMT_N ? fmt_tables[f] : CONFIG_TABLE_SPANS;
}

/* Option names compare with '_' and '-' equal and case-insensitively, so env and INI
 * spellings (batch_max_rows) find the same entry. */
static int name_eq(const char *a, const char *b) {
    for (; *a && *b; a++, b++) {
        char x = *a == '_' ? '-' : (char)tolower((unsigned char)*a);
        char y = *b == '_' ? '-' : (char)tolower((unsigned char)*b);
        if (x != y) return 0;
    }
    return *a == *b;
}

static int find_opt(const char *name) {
    for (size_t i = 0; i < CONFIG_N_OPTS; i++)
        if (name_eq(config_opts[i].name, name)) return (int)i;
    return -1;
}

static int parse_int(const char *v, int64_t *out) {
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v) return -1;
    *out = x;
    return (int)(end - v);
}

static int parse_value(const opt_t *o, const char *v, int64_t *out, char *errstr, size_t n) {
    int64_t x = 0;
    if (o->type == OPT_BOOL) {
        if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes") ||
            !strcasecmp(v, "on"))
            x = 1;
        else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no") ||
                 !strcasecmp(v, "off"))
            x = 0;
        else {
            set_err(errstr, n, "%s: '%s' is not a boolean (true/false)", o->name, v);
            return ERR_CONFIG;
        }
        *out = x;
        return ERR_OK;
    }
    while (isspace((unsigned char)*v))
        v++;
    int used = parse_int(v, &x);
    if (used < 0) {
        set_err(errstr, n, "%s: '%s' is not a number", o->name, v);
        return ERR_CONFIG;
    }
    const char *suf = v + used;
    int64_t mul = 1;
    if (o->type == OPT_SIZE) {
        if (!*suf || !strcasecmp(suf, "b"))
            mul = 1;
        else if (!strcasecmp(suf, "k") || !strcasecmp(suf, "kib") || !strcasecmp(suf, "kb"))
            mul = 1024;
        else if (!strcasecmp(suf, "m") || !strcasecmp(suf, "mib") || !strcasecmp(suf, "mb"))
            mul = 1 << 20;
        else if (!strcasecmp(suf, "g") || !strcasecmp(suf, "gib") || !strcasecmp(suf, "gb"))
            mul = 1 << 30;
        else {
            set_err(errstr, n, "%s: unknown size unit in '%s' (use B, KiB, MiB, GiB)", o->name, v);
            return ERR_CONFIG;
        }
    } else if (o->type == OPT_DUR) {
        if (!*suf || !strcmp(suf, "ms"))
            mul = 1;
        else if (!strcmp(suf, "s"))
            mul = 1000;
        else if (!strcmp(suf, "m"))
            mul = 60000;
        else if (!strcmp(suf, "h"))
            mul = 3600000;
        else if (!strcmp(suf, "d"))
            mul = 86400000;
        else {
            set_err(errstr, n, "%s: unknown duration unit in '%s' (use ms, s, m, h, d)", o->name,
                    v);
            return ERR_CONFIG;
        }
    } else if (*suf) {
        set_err(errstr, n, "%s: '%s' is not an integer", o->name, v);
        return ERR_CONFIG;
    }
    if (x < 0 || (mul > 1 && x > INT64_MAX / mul)) {
        set_err(errstr, n, "%s: '%s' is out of range [%" PRId64 ", %" PRId64 "]", o->name, v,
                o->min, o->max);
        return ERR_CONFIG;
    }
    x *= mul;
    if (x < o->min || x > o->max) {
        set_err(errstr, n, "%s: '%s' is out of range [%" PRId64 ", %" PRId64 "]", o->name, v,
                o->min, o->max);
        return ERR_CONFIG;
    }
    *out = x;
    return ERR_OK;
}

/* v's position among the '|'-separated choices, or -1. */
static int choice_index(const char *choices, const char *v) {
    size_t vl = strlen(v);
    const char *p = choices;
    for (int i = 0; *p; i++) {
        const char *bar = strchr(p, '|');
        size_t l = bar ? (size_t)(bar - p) : strlen(p);
        if (l == vl && !strncmp(p, v, l)) return i;
        p += l + (bar ? 1 : 0);
    }
    return -1;
}

static int set_str(char **slot, const char *v) {
    char *c = strdup(v);
    if (!c) return ERR_NOMEM;
    free(*slot);
    *slot = c;
    return ERR_OK;
}

static int add_topic(config_t *cfg, const char *v, char *errstr, size_t n) {
    const char *colon = strchr(v, ':');
    size_t nl = colon ? (size_t)(colon - v) : strlen(v);
    config_fmt_t fmt = CONFIG_FMT_JSON;
    if (nl == 0) {
        set_err(errstr, n, "topic: empty topic name in '%s'", v);
        return ERR_CONFIG;
    }
    for (size_t i = 0; i < nl; i++) {
        char c = v[i];
        if (!(isalnum((unsigned char)c) || c == '.' || c == '_' || c == '-') || nl > 249) {
            set_err(errstr, n, "topic: '%.*s' is not a valid Kafka topic name", (int)nl, v);
            return ERR_CONFIG;
        }
    }
    if (colon) {
        const char *f = colon + 1;
        for (fmt = 0; fmt < CONFIG_FMT_N && strcmp(f, fmt_names[fmt]); fmt++)
            ;
        if (fmt == CONFIG_FMT_N) {
            set_err(errstr, n, "topic: unknown format '%s' in '%s' (one of" CONFIG_FORMAT_NAMES ")",
                    f, v);
            return ERR_CONFIG;
        }
    }
    if (cfg->n_topics >= CONFIG_MAX_TOPICS) {
        set_err(errstr, n, "topic: more than %d topics", CONFIG_MAX_TOPICS);
        return ERR_CONFIG;
    }
    for (int i = 0; i < cfg->n_topics; i++)
        if (strlen(cfg->topics[i].name) == nl && !strncmp(cfg->topics[i].name, v, nl)) {
            set_err(errstr, n, "topic: '%.*s' given twice", (int)nl, v);
            return ERR_CONFIG;
        }
    char *name = strndup(v, nl);
    if (!name) return ERR_NOMEM;
    cfg->topics[cfg->n_topics].name = name;
    cfg->topics[cfg->n_topics].format = fmt;
    cfg->n_topics++;
    return ERR_OK;
}

static int set_kafka(config_t *cfg, const char *key, const char *v, char *errstr, size_t n) {
    if (!*key) {
        set_err(errstr, n, "kafka.: empty librdkafka property name");
        return ERR_CONFIG;
    }
    for (int i = 0; i < cfg->n_kafka; i++)
        if (!strcmp(cfg->kafka[i].key, key)) return set_str(&cfg->kafka[i].val, v);
    if (cfg->n_kafka >= CONFIG_MAX_KAFKA) {
        set_err(errstr, n, "kafka.%s: more than %d kafka.* properties", key, CONFIG_MAX_KAFKA);
        return ERR_CONFIG;
    }
    config_kv_t *kv = &cfg->kafka[cfg->n_kafka];
    kv->key = strdup(key);
    kv->val = strdup(v);
    if (!kv->key || !kv->val) {
        free(kv->key);
        free(kv->val);
        kv->key = kv->val = NULL;
        return ERR_NOMEM;
    }
    cfg->n_kafka++;
    return ERR_OK;
}

int config_set(config_t *cfg, const char *name, const char *value, int source, char *errstr,
               size_t errstr_size) {
    if (!strncasecmp(name, "kafka.", 6))
        return set_kafka(cfg, name + 6, value, errstr, errstr_size);
    int i = find_opt(name);
    if (i < 0) {
        set_err(errstr, errstr_size, "unknown option '%s' (see spanhouse --help)", name);
        return ERR_CONFIG;
    }
    const opt_t *o = &config_opts[i];
    /* A lower-precedence source never overrides a higher one. For the repeatable topic the
     * first value from a higher source replaces the whole list. */
    if (source < cfg->src_[i]) return ERR_OK;
    if (o->type == OPT_TOPIC) {
        if (source > cfg->src_[i]) {
            for (int t = 0; t < cfg->n_topics; t++)
                free(cfg->topics[t].name);
            cfg->n_topics = 0;
        }
        cfg->src_[i] = (unsigned char)source;
        /* A comma-separated list is accepted too (handy in env vars). */
        char *dup = strdup(value), *save = NULL;
        if (!dup) return ERR_NOMEM;
        int rc = ERR_OK, any = 0;
        for (char *tok = strtok_r(dup, ",", &save); tok && rc == ERR_OK;
             tok = strtok_r(NULL, ",", &save)) {
            while (isspace((unsigned char)*tok))
                tok++;
            rc = add_topic(cfg, tok, errstr, errstr_size);
            any = 1;
        }
        free(dup);
        if (rc == ERR_OK && !any) {
            set_err(errstr, errstr_size, "topic: empty value");
            rc = ERR_CONFIG;
        }
        return rc;
    }
    int rc = ERR_OK;
    if (o->type == OPT_STR || o->type == OPT_ENUM) {
        int idx = o->type == OPT_ENUM ? choice_index(o->choices, value) : 0;
        if (idx < 0) {
            set_err(errstr, errstr_size, "%s: '%s' is not one of %s", o->name, value, o->choices);
            return ERR_CONFIG;
        }
        rc = set_str((char **)((char *)cfg + o->off), value);
        if (rc == ERR_OK && o->eoff) *(int *)((char *)cfg + o->eoff - 1) = idx;
    } else {
        int64_t x;
        rc = parse_value(o, value, &x, errstr, errstr_size);
        if (rc == ERR_OK) *(int64_t *)((char *)cfg + o->off) = x;
    }
    if (rc == ERR_OK) cfg->src_[i] = (unsigned char)source;
    return rc;
}

config_t *config_new(void) {
    config_t *cfg = calloc(1, sizeof(*cfg));
    if (!cfg) return NULL;
    for (size_t i = 0; i < CONFIG_N_OPTS; i++) {
        const opt_t *o = &config_opts[i];
        if (o->type == OPT_TOPIC) continue;
        const char *def = o->def ? o->def : (o->type == OPT_STR ? "" : "0");
        char e[256];
        if (config_set(cfg, o->name, def, 0, e, sizeof(e)) != ERR_OK) {
            /* A bad default is a programming error caught by the unit test. */
            config_destroy(cfg);
            return NULL;
        }
    }
    return cfg;
}

void config_destroy(config_t *cfg) {
    if (!cfg) return;
    for (size_t i = 0; i < CONFIG_N_OPTS; i++) {
        const opt_t *o = &config_opts[i];
        if (o->type == OPT_STR || o->type == OPT_ENUM) free(*(char **)((char *)cfg + o->off));
    }
    for (int t = 0; t < cfg->n_topics; t++)
        free(cfg->topics[t].name);
    for (int k = 0; k < cfg->n_kafka; k++) {
        free(cfg->kafka[k].key);
        free(cfg->kafka[k].val);
    }
    free(cfg);
}

/* ---- INI file */
typedef struct ini_ctx_s {
    config_t *cfg;
    char *errstr;
    size_t n;
    int rc;
    const char *path;
} ini_ctx_t;

static int ini_cb(void *user, const char *section, const char *name, const char *value) {
    ini_ctx_t *c = user;
    char full[512];
    /* [kafka] keys pass to librdkafka; any other section prefixes its keys:
     * [batch] max-rows = 5  is  batch-max-rows = 5. */
    if (section && *section) {
        if (!strcasecmp(section, "kafka"))
            snprintf(full, sizeof(full), "kafka.%s", name);
        else
            snprintf(full, sizeof(full), "%s-%s", section, name);
    } else {
        snprintf(full, sizeof(full), "%s", name);
    }
    if (find_opt(full) < 0 && strncasecmp(full, "kafka.", 6) && find_opt(name) >= 0 && section &&
        *section)
        snprintf(full, sizeof(full), "%s", name); /* [clickhouse] user = x also works */
    char e[384];
    int rc = config_set(c->cfg, full, value, 1, e, sizeof(e));
    if (rc != ERR_OK) {
        /* inih (built without INI_HANDLER_LINENO) reports the line as its return value. */
        set_err(c->errstr, c->n, "%s", e);
        c->rc = rc;
        return 0;
    }
    return 1;
}

static int load_file(config_t *cfg, const char *path, char *errstr, size_t n) {
    FILE *f = fopen(path, "r");
    if (!f) {
        set_err(errstr, n, "config: cannot open '%s': %s", path, strerror(errno));
        return ERR_CONFIG;
    }
    ini_ctx_t c = {cfg, errstr, n, ERR_OK, path};
    int line = ini_parse_file(f, ini_cb, &c);
    fclose(f);
    if (c.rc != ERR_OK) {
        char e[512];
        snprintf(e, sizeof(e), "%s:%d: %s", path, line, errstr ? errstr : "");
        set_err(errstr, n, "%s", e);
        return c.rc;
    }
    if (line != 0) {
        set_err(errstr, n, "%s:%d: syntax error", path, line);
        return ERR_CONFIG;
    }
    return ERR_OK;
}

/* ---- Environment: SPANHOUSE_BATCH_MAX_ROWS, SPANHOUSE_KAFKA_SECURITY_PROTOCOL (. for _). */
static int load_env(config_t *cfg, char **envp, char *errstr, size_t n) {
    if (!envp) return ERR_OK;
    for (char **e = envp; *e; e++) {
        if (strncmp(*e, "SPANHOUSE_", 10)) continue;
        const char *eq = strchr(*e, '=');
        if (!eq) continue;
        char name[256];
        size_t l = (size_t)(eq - (*e + 10));
        if (l >= sizeof(name)) continue;
        memcpy(name, *e + 10, l);
        name[l] = 0;
        /* The test harness and libchdb locator use a few SPANHOUSE_ variables that are not options.
         */
        if (!strcmp(name, "CHDB_LIB") || !strncmp(name, "TEST_", 5)) continue;
        if (!strncmp(name, "KAFKA_", 6)) {
            char key[256];
            size_t k = 0;
            for (const char *p = name + 6; *p && k + 1 < sizeof(key); p++)
                key[k++] = *p == '_' ? '.' : (char)tolower((unsigned char)*p);
            key[k] = 0;
            /* SPANHOUSE_KAFKA_SASL_PASSWORD_FILE: kafka.sasl.password-file (no librdkafka
             * property ends in ".file"). */
            if (k > 5 && !strcmp(key + k - 5, ".file")) key[k - 5] = '-';
            char full[300];
            snprintf(full, sizeof(full), "kafka.%s", key);
            char err[384];
            if (config_set(cfg, full, eq + 1, 2, err, sizeof(err)) != ERR_OK) {
                set_err(errstr, n, "env SPANHOUSE_%s: %s", name, err);
                return ERR_CONFIG;
            }
            continue;
        }
        char err[384];
        int rc = config_set(cfg, name, eq + 1, 2, err, sizeof(err));
        if (rc != ERR_OK) {
            set_err(errstr, n, "env SPANHOUSE_%s: %s", name, err);
            return ERR_CONFIG;
        }
    }
    return ERR_OK;
}

/* ---- Flags: --name value, --name=value, bare --bool-flag, --kafka.x=y, -h/--help. */
static int load_flags(config_t *cfg, int argc, char **argv, int apply, char *errstr, size_t n) {
    cfg->n_args = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            cfg->help = 1;
            continue;
        }
        if (!strcmp(a, "--")) {
            for (i++; i < argc; i++) {
                if (cfg->n_args >= CONFIG_MAX_ARGS) goto too_many;
                cfg->args[cfg->n_args++] = argv[i];
            }
            break;
        }
        if (strncmp(a, "--", 2)) {
            if (a[0] == '-' && a[1]) {
                set_err(errstr, n, "unknown flag '%s' (options are --name value)", a);
                return ERR_CONFIG;
            }
            if (cfg->n_args >= CONFIG_MAX_ARGS) goto too_many;
            cfg->args[cfg->n_args++] = a;
            continue;
        }
        char name[256];
        const char *eq = strchr(a + 2, '=');
        size_t l = eq ? (size_t)(eq - (a + 2)) : strlen(a + 2);
        if (l >= sizeof(name)) {
            set_err(errstr, n, "flag too long: '%.40s…'", a);
            return ERR_CONFIG;
        }
        memcpy(name, a + 2, l);
        name[l] = 0;
        const char *val = eq ? eq + 1 : NULL;
        int oi = find_opt(name);
        int is_kafka = !strncasecmp(name, "kafka.", 6);
        if (oi < 0 && !is_kafka) {
            set_err(errstr, n, "unknown option '--%s' (see spanhouse --help)", name);
            return ERR_CONFIG;
        }
        if (!val) {
            /* A bare boolean flag means true; give a value with --flag=false. */
            if (oi >= 0 && config_opts[oi].type == OPT_BOOL) {
                val = "true";
            } else if (i + 1 < argc) {
                val = argv[++i];
            } else {
                set_err(errstr, n, "--%s needs a value", name);
                return ERR_CONFIG;
            }
        }
        /* The first pass only looks for --config, so the file can be loaded first. */
        if (!apply) {
            if (oi >= 0 && !strcmp(config_opts[oi].name, "config")) {
                int rc = config_set(cfg, "config", val, 3, errstr, n);
                if (rc != ERR_OK) return rc;
            }
            continue;
        }
        char err[384];
        int rc = config_set(cfg, name, val, 3, err, sizeof(err));
        if (rc != ERR_OK) {
            set_err(errstr, n, "--%s: %s", name, err);
            return ERR_CONFIG;
        }
    }
    return ERR_OK;
too_many:
    set_err(errstr, n, "more than %d positional arguments", CONFIG_MAX_ARGS);
    return ERR_CONFIG;
}

/* The first line of a secret file (a systemd credential, a Kubernetes Secret) into *out,
 * replacing it; the stack copy is wiped. name is the option, for errors. */
static int read_secret_file(const char *name, const char *path, char **out, char *errstr,
                            size_t errstr_size) {
    FILE *pf = fopen(path, "rb");
    char line[4096];
    if (!pf) {
        set_err(errstr, errstr_size, "%s: cannot open '%s': %s", name, path, strerror(errno));
        return ERR_CONFIG;
    }
    size_t got = fread(line, 1, sizeof(line) - 1, pf);
    fclose(pf);
    line[got] = 0;
    line[strcspn(line, "\r\n")] = 0;
    char *dup = strdup(line);
    memset(line, 0, sizeof(line));
    if (!dup) {
        set_err(errstr, errstr_size, "out of memory");
        return ERR_CONFIG;
    }
    free(*out);
    *out = dup;
    return ERR_OK;
}

/* Secrets from files, after every source is read: password-file becomes password,
 * metrics-auth-file metrics-auth, and each
 * kafka.<property>-file (env SPANHOUSE_KAFKA_<PROPERTY>_FILE) becomes kafka.<property> (never
 * both: which one would win is not obvious to whoever reads the configuration). */
static int load_secret_files(config_t *cfg, char *errstr, size_t errstr_size) {
    struct {
        const char *name, *path;
        char **secret;
    } opt_files[] = {{"password", cfg->password_file, &cfg->password},
                     {"metrics-auth", cfg->metrics_auth_file, &cfg->metrics_auth}};
    for (size_t i = 0; i < sizeof(opt_files) / sizeof(opt_files[0]); i++) {
        if (!*opt_files[i].path) continue;
        char opt[64];
        snprintf(opt, sizeof(opt), "%s-file", opt_files[i].name);
        if (**opt_files[i].secret) {
            set_err(errstr, errstr_size, "%s and %s: give one", opt_files[i].name, opt);
            return ERR_CONFIG;
        }
        int rc = read_secret_file(opt, opt_files[i].path, opt_files[i].secret, errstr, errstr_size);
        if (rc != ERR_OK) return rc;
    }
    static const char sfx[] = "-file";
    const size_t sl = sizeof(sfx) - 1;
    for (int i = 0; i < cfg->n_kafka; i++) {
        config_kv_t *f = &cfg->kafka[i];
        size_t kl = strlen(f->key);
        if (kl <= sl || strcmp(f->key + kl - sl, sfx)) continue;
        char prop[256], opt[300];
        snprintf(prop, sizeof(prop), "%.*s", (int)(kl - sl), f->key);
        snprintf(opt, sizeof(opt), "kafka.%s", f->key);
        for (int k = 0; k < cfg->n_kafka; k++)
            if (!strcmp(cfg->kafka[k].key, prop)) {
                set_err(errstr, errstr_size, "kafka.%s and kafka.%s: give one", prop, f->key);
                return ERR_CONFIG;
            }
        char *secret = NULL;
        int rc = read_secret_file(opt, f->val, &secret, errstr, errstr_size);
        if (rc != ERR_OK) return rc;
        /* The entry becomes the property itself: its path is not needed any more. */
        char *key = strdup(prop);
        if (!key) {
            free(secret);
            set_err(errstr, errstr_size, "out of memory");
            return ERR_CONFIG;
        }
        free(f->key);
        free(f->val);
        f->key = key;
        f->val = secret;
    }
    return ERR_OK;
}

int config_load(config_t *cfg, int argc, char **argv, char **envp, char *errstr,
                size_t errstr_size) {
    int rc = load_flags(cfg, argc, argv, 0, errstr, errstr_size);
    if (rc != ERR_OK) return rc;
    if (!*cfg->config && envp) {
        for (char **e = envp; *e; e++)
            if (!strncmp(*e, "SPANHOUSE_CONFIG=", 17)) {
                rc = config_set(cfg, "config", *e + 17, 2, errstr, errstr_size);
                if (rc != ERR_OK) return rc;
            }
    }
    if (*cfg->config) {
        rc = load_file(cfg, cfg->config, errstr, errstr_size);
        if (rc != ERR_OK) return rc;
    }
    rc = load_env(cfg, envp, errstr, errstr_size);
    if (rc != ERR_OK) return rc;
    rc = load_flags(cfg, argc, argv, 1, errstr, errstr_size);
    return rc == ERR_OK ? load_secret_files(cfg, errstr, errstr_size) : rc;
}

int config_check(const config_t *cfg, config_mode_t mode, char *errstr, size_t errstr_size) {
    int needs_kafka = mode == CONFIG_MODE_RUN || mode == CONFIG_MODE_REPLAY;
    int needs_sink = mode != CONFIG_MODE_ANY;
    if (*cfg->metrics_auth && (cfg->metrics_auth[0] == ':' || !strchr(cfg->metrics_auth, ':'))) {
        set_err(errstr, errstr_size, "metrics-auth: want user:password");
        return ERR_CONFIG;
    }
    if (needs_kafka) {
        if (!*cfg->brokers) {
            set_err(errstr, errstr_size, "brokers: required (--brokers host:port)");
            return ERR_CONFIG;
        }
        if (cfg->n_topics == 0) {
            set_err(errstr, errstr_size, "topic: at least one --topic is required");
            return ERR_CONFIG;
        }
        if (!*cfg->group) {
            set_err(errstr, errstr_size, "group: must not be empty");
            return ERR_CONFIG;
        }
    }
    for (int t = 0; t < cfg->n_topics; t++)
        if (cfg->legacy && config_fmt_table(cfg->topics[t].format) != CONFIG_TABLE_SPANS) {
            set_err(errstr, errstr_size,
                    "topic: format '%s' of topic '%s' needs a modern ClickHouse (the "
                    "llm_evals/llm_outcomes "
                    "tables use DateTime64 and LowCardinality): not with legacy=true",
                    config_fmt_name(cfg->topics[t].format), cfg->topics[t].name);
            return ERR_CONFIG;
        }
    if (needs_sink) {
        if (cfg->sink_kind == CONFIG_SINK_HTTP && !*cfg->clickhouse_url) {
            set_err(errstr, errstr_size, "clickhouse-url: required with sink=http");
            return ERR_CONFIG;
        }
        if (cfg->sink_kind == CONFIG_SINK_HTTP && strncmp(cfg->clickhouse_url, "http://", 7) &&
            strncmp(cfg->clickhouse_url, "https://", 8)) {
            char m[1024];
            set_err(errstr, errstr_size, "clickhouse-url: '%s' must start with http:// or https://",
                    config_mask("clickhouse-url", cfg->clickhouse_url, m, sizeof(m)));
            return ERR_CONFIG;
        }
        if (cfg->sink_kind == CONFIG_SINK_CHDB && !*cfg->chdb_path) {
            set_err(errstr, errstr_size, "chdb-path: required with sink=chdb");
            return ERR_CONFIG;
        }
    }
    if (needs_kafka && !*cfg->dlq_topic && !*cfg->rejected_table) {
        set_err(errstr, errstr_size,
                "dlq-topic: required (or rejected-table): poison messages are never dropped");
        return ERR_CONFIG;
    }
    if (mode == CONFIG_MODE_FILE && !*cfg->rejected_table && !*cfg->dlq_topic) {
        set_err(errstr, errstr_size,
                "rejected-table: ingest-file needs a rejected-table or a dlq-topic for bad lines");
        return ERR_CONFIG;
    }
    if (mode == CONFIG_MODE_REPLAY && (!*cfg->from || !*cfg->to)) {
        set_err(errstr, errstr_size, "from/to: replay needs --from and --to");
        return ERR_CONFIG;
    }
    /* A batch is cut after the row that crosses batch-max-bytes: the partition budget needs room
     * for that row (a message's row and its original bytes: twice the message at most). */
    if (cfg->partition_max_bytes < cfg->batch_max_bytes + 2 * cfg->max_message_bytes) {
        set_err(errstr, errstr_size,
                "partition-max-bytes (%" PRId64 ") must be >= batch-max-bytes (%" PRId64
                ") + 2 x max-message-bytes (%" PRId64 ")",
                cfg->partition_max_bytes, cfg->batch_max_bytes, cfg->max_message_bytes);
        return ERR_CONFIG;
    }
    if (cfg->max_inflight_bytes < cfg->partition_max_bytes) {
        set_err(errstr, errstr_size,
                "max-inflight-bytes (%" PRId64 ") must be >= partition-max-bytes (%" PRId64 ")",
                cfg->max_inflight_bytes, cfg->partition_max_bytes);
        return ERR_CONFIG;
    }
    if (*cfg->database) {
        for (const char *p = cfg->database; *p; p++)
            if (!(isalnum((unsigned char)*p) || *p == '_')) {
                set_err(errstr, errstr_size, "database: '%s' must match [A-Za-z0-9_]+",
                        cfg->database);
                return ERR_CONFIG;
            }
    }
    const char *tables[4] = {cfg->table, cfg->rejected_table, cfg->eval_table, cfg->outcome_table};
    const char *tnames[4] = {"table", "rejected-table", "eval-table", "outcome-table"};
    for (int t = 0; t < 4; t++)
        for (const char *p = tables[t]; *p; p++)
            if (!(isalnum((unsigned char)*p) || *p == '_')) {
                set_err(errstr, errstr_size, "%s: '%s' must match [A-Za-z0-9_]+", tnames[t],
                        tables[t]);
                return ERR_CONFIG;
            }
    for (int t = 0; t < cfg->n_topics; t++) {
        config_table_t tt = config_fmt_table(cfg->topics[t].format);
        int ev = tt == CONFIG_TABLE_EVALS;
        const char *need = ev ? "eval-table" : tt == CONFIG_TABLE_OUTCOMES ? "outcome-table" : NULL;
        const char *val = ev ? cfg->eval_table : cfg->outcome_table;
        if (need && !*val) {
            set_err(errstr, errstr_size, "%s: must not be empty (topic '%s' is %s)", need,
                    cfg->topics[t].name, config_fmt_name(cfg->topics[t].format));
            return ERR_CONFIG;
        }
    }
    if (!*cfg->table) {
        set_err(errstr, errstr_size, "table: must not be empty");
        return ERR_CONFIG;
    }
    return ERR_OK;
}

static const char *type_name(const opt_t *o) {
    switch (o->type) {
    case OPT_STR:
        return "string";
    case OPT_ENUM:
        return o->choices;
    case OPT_INT:
        return "integer";
    case OPT_SIZE:
        return "size";
    case OPT_DUR:
        return "duration";
    case OPT_BOOL:
        return "bool";
    case OPT_TOPIC:
        return "NAME[:FORMAT]";
    }
    return "?";
}

static void env_name(const char *name, char *out, size_t n) {
    size_t k = 0;
    k += (size_t)snprintf(out, n, "SPANHOUSE_");
    for (const char *p = name; *p && k + 1 < n; p++)
        out[k++] = *p == '-' ? '_' : (char)toupper((unsigned char)*p);
    out[k] = 0;
}

void config_help(buf_t *out) {
    for (size_t i = 0; i < CONFIG_N_OPTS; i++) {
        const opt_t *o = &config_opts[i];
        char flag[96];
        snprintf(flag, sizeof(flag), "--%s %s", o->name, o->type == OPT_BOOL ? "" : type_name(o));
        buf_printf(out, "  %-38s %s", flag, o->help);
        if (o->def && *o->def) buf_printf(out, " [%s]", o->def);
        buf_printf(out, "\n");
    }
    buf_printf(out, "  %-38s %s\n", "--kafka.<property> value",
               "any librdkafka property, passed through");
    buf_printf(out, "  %-38s %s\n", "--kafka.<property>-file path",
               "the property from the file's first line (secrets: sasl.password, ...)");
}

void config_markdown(buf_t *out) {
    buf_printf(
        out,
        "# Configuration reference\n\n"
        "Generated from the option table in `ingest/config.c` (`spanhouse help-config`); "
        "`tests/unit/test_config.c` fails when this file is out of date.\n\n"
        "Every option can be given as a command-line flag `--name value`, an environment variable "
        "`SPANHOUSE_NAME` (upper case, `-` as `_`) or a key in the INI file named by `--config` "
        "(`name = value`; in a `[section]` the key `k` means `section-k`, so `[batch]` `max-rows` "
        "is "
        "`batch-max-rows`). Precedence: flag > environment > file > default. Unknown keys are an "
        "error. "
        "librdkafka properties pass through as `kafka.<property>` (flag "
        "`--kafka.fetch.max.bytes=…`, "
        "INI section `[kafka]`, environment `SPANHOUSE_KAFKA_FETCH_MAX_BYTES`). A secret property "
        "may come from a file instead: `kafka.<property>-file` (environment "
        "`SPANHOUSE_KAFKA_<PROPERTY>_FILE`) reads its first line into `kafka.<property>`, e.g. "
        "`kafka.sasl.password-file`, `password-file` likewise for the ClickHouse password.\n\n"
        "Sizes accept `B`, `KiB`, `MiB`, `GiB`; durations accept `ms` (default), `s`, `m`, `h`, "
        "`d`.\n\n"
        "| option | environment | type | default | range | description |\n"
        "| --- | --- | --- | --- | --- | --- |\n");
    for (size_t i = 0; i < CONFIG_N_OPTS; i++) {
        const opt_t *o = &config_opts[i];
        char env[128], range[96] = "";
        env_name(o->name, env, sizeof(env));
        if (o->type == OPT_INT || o->type == OPT_SIZE || o->type == OPT_DUR)
            snprintf(range, sizeof(range), "%" PRId64 " – %" PRId64, o->min, o->max);
        buf_printf(out, "| `%s` | `%s` | %s | %s | %s | %s |\n", o->name, env,
                   o->type == OPT_ENUM ? o->choices : type_name(o), o->def && *o->def ? o->def : "",
                   range, o->help);
    }
}

/* librdkafka properties that carry secrets (its own list of sensitive properties, plus key
 * material given inline): matched by these substrings of the property name. */
static const char *const secret_words[] = {
    "password",           "secret",   "key.pem", "private.key",
    "oauthbearer.config", "keystore", "ssl_key", "token"};

int config_secret_key(const char *name) {
    for (size_t i = 0; i < CONFIG_N_OPTS; i++)
        if (config_opts[i].secret && !strcmp(config_opts[i].name, name)) return 1;
    for (size_t i = 0; i < sizeof(secret_words) / sizeof(secret_words[0]); i++)
        if (strstr(name, secret_words[i])) return 1;
    return 0;
}

const char *config_mask(const char *name, const char *value, char *buf, size_t n) {
    if (!value || !*value) return value ? value : "";
    if (config_secret_key(name)) return "***";
    /* user:password@ in a URL (scheme://user:pass@host) */
    const char *sch = strstr(value, "://");
    const char *at = sch ? strchr(sch + 3, '@') : NULL;
    const char *slash = sch ? strchr(sch + 3, '/') : NULL;
    const char *colon = sch ? strchr(sch + 3, ':') : NULL;
    if (at && (!slash || at < slash) && colon && colon < at) {
        snprintf(buf, n, "%.*s:***%s", (int)(colon - value), value, at);
        return buf;
    }
    return value;
}

void config_dump(const config_t *cfg, buf_t *out) {
    char m[2048];
    for (size_t i = 0; i < CONFIG_N_OPTS; i++) {
        const opt_t *o = &config_opts[i];
        if (o->type == OPT_TOPIC) {
            for (int t = 0; t < cfg->n_topics; t++)
                buf_printf(out, "topic = %s:%s\n", cfg->topics[t].name,
                           config_fmt_name(cfg->topics[t].format));
        } else if (o->type == OPT_STR || o->type == OPT_ENUM) {
            const char *v = *(char *const *)((const char *)cfg + o->off);
            buf_printf(out, "%s = %s\n", o->name, config_mask(o->name, v, m, sizeof(m)));
        } else {
            buf_printf(out, "%s = %" PRId64 "\n", o->name,
                       *(const int64_t *)((const char *)cfg + o->off));
        }
    }
    for (int k = 0; k < cfg->n_kafka; k++)
        buf_printf(out, "kafka.%s = %s\n", cfg->kafka[k].key,
                   config_mask(cfg->kafka[k].key, cfg->kafka[k].val, m, sizeof(m)));
}

int config_parse_time(const char *s, int64_t *ms) {
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*s && !*end && !errno) {
        *ms = v;
        return 0;
    }
    return jspan_parse_iso8601(s, strlen(s), ms) == ERR_OK ? 0 : -1;
}
