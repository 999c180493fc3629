/* main: the spanhouse command line: parses the subcommand, loads the configuration and hands
 * over to the worker (run, replay, ingest-file) or to schema apply.
 *
 * Exit codes: 0 clean stop, 2 bad configuration, 1 anything else. Only this file prints
 * usage and exits; the modules return errors. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bill.h"
#include "chdb.h"
#include "config.h"
#include "csv.h"
#include "err.h"
#include "log.h"
#include "metrics.h"
#include "price.h"
#include "pricing_import.h"
#include "reconcile.h"
#include "reprice.h"
#include "schema_apply.h"
#include "schema_upgrade.h"
#include "sink.h"
#include "sink_chdb.h"
#include "sink_http.h"
#include "tenant.h"
#include "worker.h"
#include <curl/curl.h>
#include <jansson.h>
#include <librdkafka/rdkafka.h>
#define XXH_INLINE_ALL /* header-only, as in worker.c */
#include <xxhash.h>

#include "version.h"

extern char **environ;

#ifndef SPANHOUSE_BUILD
#define SPANHOUSE_BUILD "unknown"
#endif

/* `spanhouse version`: the release, the commit it was built from, and the libraries linked,
 * so a fleet running mixed builds is visible. */
static void print_version(void) {
    printf("spanhouse %s (build %s, %s)\n", SPANHOUSE_VERSION, SPANHOUSE_BUILD, __VERSION__);
    printf("librdkafka %s, %s, jansson %s\n", rd_kafka_version_str(), curl_version(),
           JANSSON_VERSION);
    printf("ClickHouse: modern >= 23.3 for the schema (tested 26.5 via libchdb); the insert path "
           "also 18.16 (legacy = true)\n");
}

static void usage(FILE *out) {
    buf_t b;
    buf_init(&b, 0);
    config_help(&b);
    fprintf(out,
            "spanhouse %s: LLM-call telemetry from Kafka into ClickHouse\n\n"
            "usage: spanhouse <command> [options]\n\n"
            "commands:\n"
            "  run                  consume --topic from --brokers and insert into ClickHouse\n"
            "  check-config         validate the configuration without connecting, print it\n"
            "  schema apply         create the database, tables and views, or bring an\n"
            "                       existing install to this release's definitions\n"
            "  schema plan          print what schema apply would change; change nothing\n"
            "                       (schema check: the same)\n"
            "  replay --from T --to T   re-read a time range under <group>-replay, then stop\n"
            "  reconcile [--from T] [--to T] [--repair]  check the KPI rollups against the\n"
            "                       raw spans (exit 3 on drift), rebuild drifting buckets\n"
            "  ingest-file FILE     load a spans.jsonl file through the same path (no Kafka)\n"
            "  check-span [--format json|otlp_json] [--json] FILE|-   decode, validate, price\n"
            "                       and attribute each line as the worker would; store nothing\n"
            "                       (no Kafka, no ClickHouse; exit 1 if a record is rejected);\n"
            "                       --json: each stored row (or reason) as a JSON line\n"
            "  validate             the same as check-span\n"
            "  reprice --from T [--to T] --pricing F   re-price stored spans with the current\n"
            "                       table and rebuild the rollups that hold cost\n"
            "  pricing import FILE  LiteLLM's price list as pricing-file rows on stdout\n"
            "  bill import FILE --bill-format F   store a provider's cost or usage export in\n"
            "                       llm_bill_lines (v_bill_reconciliation compares it)\n"
            "  help-config [--markdown]  the option reference (docs/configuration.md)\n"
            "  version\n\n"
            "options (also SPANHOUSE_<NAME> environment variables and INI keys):\n%.*s",
            SPANHOUSE_VERSION, (int)b.len, b.data ? (const char *)b.data : "");
    buf_deinit(&b);
}

/* Loads and checks the configuration of a command. Returns 0, 2 (bad configuration, printed),
 * or LOAD_HELP when --help / -h was given (usage printed to stdout: the command must stop and
 * the process exit 0, connecting to nothing). */
#define LOAD_HELP (-1)
static int load(config_t *cfg, int argc, char **argv, config_mode_t mode) {
    char e[1024];
    int rc = config_load(cfg, argc, argv, environ, e, sizeof(e));
    if (cfg->help) {
        usage(stdout);
        return LOAD_HELP;
    }
    if (rc != ERR_OK || config_check(cfg, mode, e, sizeof(e)) != ERR_OK) {
        fprintf(stderr, "spanhouse: bad configuration: %s\n", e);
        return 2;
    }
    return 0;
}

/* check-config: the pricing and tenant files must parse as the worker will parse them (the
 * error names file:line). Returns 0 or 2. */
static int check_tables(const config_t *cfg) {
    char e[1024];
    price_table_t *pt = NULL;
    tenant_table_t *tt = NULL;
    if (*cfg->pricing && !(pt = price_load(cfg->pricing, e, sizeof(e)))) {
        fprintf(stderr, "spanhouse: bad configuration: pricing: %s\n", e);
        return 2;
    }
    if (*cfg->tenants && !(tt = tenant_load(cfg->tenants, e, sizeof(e)))) {
        fprintf(stderr, "spanhouse: bad configuration: tenants: %s\n", e);
        price_destroy(pt);
        return 2;
    }
    if (pt) printf("pricing: %zu prices from %s\n", price_count(pt), cfg->pricing);
    if (tt) printf("tenants: %zu rows from %s\n", tenant_count(tt), cfg->tenants);
    price_destroy(pt);
    tenant_destroy(tt);
    return 0;
}

/* The only process-wide state: flags set by signal handlers, read by the worker loop. */
static volatile sig_atomic_t main_stop, main_reload;
/* Set by the worker when a stop outlasts its grace: the HTTP sinks abandon requests in flight. */
static volatile sig_atomic_t main_cancel;

static void on_signal(int sig) {
    if (sig == SIGHUP)
        main_reload = 1;
    else
        main_stop = main_stop + 1; /* a second SIGTERM also abandons retries */
}

static void install_signals(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

typedef struct sinks_s {
    sink_t *sink;
    chdb_t *db;
    sink_t *senders[64]; /* one per insert sender thread (http only) */
    int n_senders;
} sinks_t;

static int open_sink(const config_t *cfg, sinks_t *s, char *e, size_t n) {
    if (cfg->sink_kind == CONFIG_SINK_CHDB) {
        if (!(s->db = chdb_open(cfg->chdb_path, e, n))) return ERR_IO;
        if (!(s->sink = sink_chdb_new(s->db, cfg->database, e, n))) return ERR_IO;
        return ERR_OK;
    }
    const char *comp = cfg->compression;
    /* auto: gzip works on every server version (zstd/lz4 need >= 20); legacy servers get none
     * so the 18.16 tests measure the raw path. */
    if (!strcmp(comp, "auto")) comp = cfg->legacy ? "none" : "gzip";
    sink_http_conf_t hc = {.url = cfg->clickhouse_url,
                           .database = cfg->database,
                           .user = cfg->user,
                           .password = cfg->password,
                           .connect_timeout_ms = (long)cfg->connect_timeout_ms,
                           .timeout_ms = (long)cfg->timeout_ms,
                           .compression = comp,
                           .tls_verify = cfg->tls_insecure ? 0 : 1,
                           .ca_file = *cfg->tls_ca_file ? cfg->tls_ca_file : NULL,
                           .ca_dir = *cfg->tls_ca_dir ? cfg->tls_ca_dir : NULL,
                           .cert_file = *cfg->tls_cert ? cfg->tls_cert : NULL,
                           .key_file = *cfg->tls_key ? cfg->tls_key : NULL,
                           .connect_to = *cfg->connect_to ? cfg->connect_to : NULL,
                           .legacy = cfg->legacy ? 1 : 0,
                           .cancel = &main_cancel};
    if (!(s->sink = sink_http_new(&hc, e, n))) return ERR_CONFIG;
    /* The embedded engine keeps concurrency 1 (one chdb connection, driven from one thread);
     * over HTTP each sender thread gets its own connection. */
    for (int64_t i = 0; i < cfg->insert_concurrency && i < 64; i++) {
        if (!(s->senders[i] = sink_http_new(&hc, e, n))) return ERR_CONFIG;
        s->n_senders++;
    }
    return ERR_OK;
}

static void close_sink(sinks_t *s) {
    for (int i = 0; i < s->n_senders; i++)
        sink_destroy(s->senders[i]);
    s->n_senders = 0;
    sink_destroy(s->sink);
    chdb_close(s->db);
}

static int schema_query(void *ctx, const char *sql, char **out, char *errstr, size_t n) {
    sink_result_t res;
    if (sink_exec(ctx, sql, out, &res) != ERR_OK) {
        snprintf(errstr, n, "%s", res.msg);
        return -1;
    }
    return 0;
}

static int schema_exec(void *ctx, const char *sql, char *errstr, size_t n) {
    return schema_query(ctx, sql, NULL, errstr, n);
}

typedef struct {
    sink_t *sink;
    const char *verb; /* "apply", "plan" or "check" (plan's alias) */
} schema_run_t;

static int schema_run_query(void *ctx, const char *sql, char **out, char *errstr, size_t n) {
    return schema_query(((schema_run_t *)ctx)->sink, sql, out, errstr, n);
}

static void schema_note(void *ctx, const char *what, const char *object, const char *detail) {
    printf("schema %s: %-12s %s: %s\n", ((schema_run_t *)ctx)->verb, what, object, detail);
}

/* run, replay, ingest-file. */
static int cmd_work(int argc, char **argv, worker_mode_t mode) {
    config_mode_t cm = mode == WORKER_MODE_REPLAY ? CONFIG_MODE_REPLAY
                       : mode == WORKER_MODE_FILE ? CONFIG_MODE_FILE
                                                  : CONFIG_MODE_RUN;
    config_t *cfg = config_new();
    sinks_t sk = {0};
    metrics_t *m = NULL;
    worker_t *w = NULL;
    char e[1024];
    int rc = 1;
    if (!cfg) return 1;
    if ((rc = load(cfg, argc, argv, cm)) != 0) goto done;
    rc = 1;
    if (mode == WORKER_MODE_FILE && cfg->n_args != 1) {
        fprintf(stderr, "spanhouse: bad configuration: ingest-file needs exactly one FILE\n");
        rc = 2;
        goto done;
    }
    log_t lg;
    log_init(&lg, cfg->log_format, 2);
    log_set_level(&lg, cfg->log_level);
    install_signals();
    int err = open_sink(cfg, &sk, e, sizeof(e));
    if (err != ERR_OK) {
        log_msg(&lg, LOG_ERROR, "sink_failed", e);
        rc = err == ERR_CONFIG ? 2 : 1;
        goto done;
    }
    if (*cfg->metrics_addr) {
        int port = 0;
        if (!(m = metrics_new(e, sizeof(e))) || metrics_set_auth(m, cfg->metrics_auth) != 0 ||
            metrics_serve(m, cfg->metrics_addr, &port, e, sizeof(e)) != 0) {
            log_msg(&lg, LOG_ERROR, "metrics_failed", e);
            goto done;
        }
        worker_describe_metrics(m);
        log_line_t l;
        log_begin(&lg, &l, LOG_INFO, "metrics_listening");
        log_int(&l, "port", port);
        log_end(&l);
    }
    worker_hooks_t hooks = {&main_stop, &main_reload, &main_cancel};
    int cfg_err = 0;
    if (!(w = worker_new(cfg, mode, sk.sink, m, &lg, &hooks, &cfg_err, e, sizeof(e)))) {
        log_msg(&lg, LOG_ERROR, "start_failed", e);
        rc = cfg_err ? 2 : 1;
        goto done;
    }
    for (int i = 0; i < sk.n_senders; i++)
        worker_add_sink(w, sk.senders[i]);
    log_line_t l;
    log_begin(&lg, &l, LOG_INFO, "started");
    log_str(&l, "version", SPANHOUSE_VERSION);
    log_str(&l, "mode",
            mode == WORKER_MODE_RUN      ? "run"
            : mode == WORKER_MODE_REPLAY ? "replay"
                                         : "ingest-file");
    log_str(&l, "sink", cfg->sink);
    log_int(&l, "insert_concurrency", sk.n_senders ? sk.n_senders : 1);
    log_end(&l);
    if (cfg->tls_insecure && cfg->sink_kind == CONFIG_SINK_HTTP)
        log_msg(&lg, LOG_WARN, "tls_insecure",
                "ClickHouse's certificate and host name are not verified (tls-insecure): "
                "anyone on the path can read and change what is sent");
    err = mode == WORKER_MODE_FILE ? worker_ingest_file(w, cfg->args[0]) : worker_run(w);
    rc = err == ERR_OK ? 0 : err == ERR_CONFIG ? 2 : 1;
done:
    worker_destroy(w);
    metrics_destroy(m);
    close_sink(&sk);
    config_destroy(cfg);
    return rc;
}

static int cmd_schema(int argc, char **argv) {
    if (argc < 1 ||
        (strcmp(argv[0], "apply") && strcmp(argv[0], "plan") && strcmp(argv[0], "check"))) {
        fprintf(stderr, "spanhouse: usage: spanhouse schema apply|plan|check [options]\n");
        return 2;
    }
    int plan = strcmp(argv[0], "apply") != 0; /* plan, or its alias check: change nothing */
    config_t *cfg = config_new();
    sinks_t sk = {0};
    char e[1024];
    int rc;
    if (!cfg) return 1;
    if ((rc = load(cfg, argc - 1, argv + 1, CONFIG_MODE_SCHEMA)) != 0) goto done;
    rc = 1;
    if (open_sink(cfg, &sk, e, sizeof(e)) != ERR_OK) {
        fprintf(stderr, "spanhouse: %s\n", e);
        goto done;
    }
    schema_run_t run = {sk.sink, argv[0]};
    schema_upgrade_t up = {
        schema_run_query, schema_note, &run, plan, 0, 0, (int)cfg->raw_retention_days};
    int n = schema_apply_upgrade(schema_exec, sk.sink, cfg->schema_dir,
                                 *cfg->views_dir ? cfg->views_dir : NULL, cfg->database, 0, &up, e,
                                 sizeof(e));
    if (n < 0) {
        fprintf(stderr, "spanhouse: schema %s: %s\n", argv[0], e);
        goto done;
    }
    if (plan) {
        printf("schema %s: %s: %d change%s, %d warning%s\n", argv[0], cfg->database, up.changes,
               up.changes == 1 ? "" : "s", up.warnings, up.warnings == 1 ? "" : "s");
        rc = 0;
        goto done;
    }
    printf("schema apply: %d statements applied to %s (%d change%s to an existing install, %d "
           "warning%s)\n",
           n, cfg->database, up.changes, up.changes == 1 ? "" : "s", up.warnings,
           up.warnings == 1 ? "" : "s");
    /* The reference tables analysts join, from the very files the workers read (one source
     * of truth), checked by the workers' own parsers first. */
    if ((rc = check_tables(cfg)) != 0) goto done;
    rc = 1;
    static const struct {
        const char *table, *structure;
        int tenants;
    } refs[] = {
        {"llm_pricing",
         "provider String, model String, effective_from Date, input_per_1m Decimal(18, 9), "
         "output_per_1m "
         "Decimal(18, 9), cache_read_per_1m Nullable(Decimal(18, 9)), cache_write_per_1m "
         "Nullable(Decimal(18, "
         "9)), reasoning_per_1m Nullable(Decimal(18, 9)), batch_discount Nullable(Decimal(9, 6)), "
         "aliases "
         "String, notes String, long_context_above Nullable(UInt64), input_long_per_1m "
         "Nullable(Decimal(18, "
         "9)), output_long_per_1m Nullable(Decimal(18, 9)), cache_read_long_per_1m "
         "Nullable(Decimal(18, 9)), "
         "cache_write_long_per_1m Nullable(Decimal(18, 9)), cache_write_1h_per_1m "
         "Nullable(Decimal(18, 9)), "
         "cache_write_1h_long_per_1m Nullable(Decimal(18, 9)), flex_factor Nullable(Decimal(18, "
         "9)), "
         "priority_factor Nullable(Decimal(18, 9)), web_search_per_1k Nullable(Decimal(18, 9))",
         0},
        {"llm_tenants",
         "match_kind String, match_value String, tenant_id String, team_id String, cost_center "
         "String, "
         "plan_tier String, monthly_budget_usd Decimal(18, 6)",
         1},
    };
    for (size_t i = 0; i < sizeof(refs) / sizeof(refs[0]); i++) {
        const char *path = refs[i].tenants ? cfg->tenants : cfg->pricing;
        if (!*path) continue;
        if (schema_load_csv(schema_exec, sk.sink, path, refs[i].table, refs[i].structure,
                            cfg->database, e, sizeof(e)) != 0) {
            fprintf(stderr, "spanhouse: schema apply: %s: %s\n", refs[i].table, e);
            goto done;
        }
        printf("schema apply: %s loaded from %s\n", refs[i].table, path);
    }
    rc = 0;
done:
    close_sink(&sk);
    config_destroy(cfg);
    return rc;
}

/* Logs each drifting bucket (event) and each bucket holding more than its source
 * (rollup_exceeds_source); returns how many drift. */
static size_t log_drift(const log_t *lg, const char *event, const rec_drift_t *d, size_t n) {
    size_t drifting = 0;
    for (size_t i = 0; i < n; i++) {
        char when[32];
        time_t t = (time_t)d[i].bucket;
        struct tm tm;
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&t, &tm));
        log_line_t l;
        log_begin(lg, &l, d[i].exceeds ? LOG_INFO : LOG_WARN,
                  d[i].exceeds ? "rollup_exceeds_source" : event);
        log_str(&l, "table", rec_level_name(d[i].level));
        log_str(&l, "bucket", when);
        log_int(&l, "want_requests", (int64_t)d[i].want_rows);
        log_int(&l, "have_requests", (int64_t)d[i].have_rows);
        log_str(&l, "want_cost_usd", d[i].want_cost);
        log_str(&l, "have_cost_usd", d[i].have_cost);
        log_end(&l);
        drifting += !d[i].exceeds;
    }
    return drifting;
}

/* Checks the rollups of [from_s, to_s) against their sources, logging each drifting bucket
 * (event_found), and with repair rebuilds them and checks again (rollup_still_drifting).
 * Sets *found to the drifting buckets first seen; returns how many still drift, or -1 on a
 * failure (logged). */
static long reconcile_range(const log_t *lg, sink_t *sk, const char *db, int64_t from_s,
                            int64_t to_s, int repair, const char *event_found, size_t *found) {
    rec_drift_t *d = NULL;
    size_t n = 0;
    char e[1024];
    long left = -1;
    if (rec_check(sk, db, from_s, to_s, &d, &n, e, sizeof(e)) != ERR_OK) {
        log_msg(lg, LOG_ERROR, "reconcile_failed", e);
        return -1;
    }
    *found = log_drift(lg, event_found, d, n);
    if (!*found || !repair) {
        free(d);
        return (long)*found;
    }
    for (size_t i = 0; i < n; i++)
        if (!d[i].exceeds && rec_repair(sk, db, &d[i], e, sizeof(e)) != ERR_OK) {
            log_msg(lg, LOG_ERROR, "repair_failed", e);
            free(d);
            return -1;
        }
    free(d);
    d = NULL;
    if (rec_check(sk, db, from_s, to_s, &d, &n, e, sizeof(e)) != ERR_OK) {
        log_msg(lg, LOG_ERROR, "reconcile_failed", e);
        return -1;
    }
    left = (long)log_drift(lg, "rollup_still_drifting", d, n);
    free(d);
    return left;
}

/* reprice --from T [--to T] --pricing FILE [--reprice-model M] [--dry-run]: re-prices stored
 * spans with the current table, then rebuilds the rollups holding cost over the same range.
 * Exit 0 done (or nothing to do), 3 rollups still drifting, 2 bad options, 1 failure. */
static int cmd_reprice(int argc, char **argv) {
    config_t *cfg = config_new();
    sinks_t sk = {0};
    price_table_t *pt = NULL;
    char e[1024];
    int rc;
    if (!cfg) return 1;
    if ((rc = load(cfg, argc, argv, CONFIG_MODE_SCHEMA)) != 0) goto done;
    log_t lg;
    log_init(&lg, cfg->log_format, 2);
    log_set_level(&lg, cfg->log_level);
    int64_t from, to;
    rc = 2;
    if (cfg->legacy || !*cfg->pricing || !*cfg->from) {
        log_msg(
            &lg, LOG_ERROR, "bad_config",
            "reprice needs --from, --pricing (the file the workers read) and a modern ClickHouse");
        goto done;
    }
    if (config_parse_time(cfg->from, &from) ||
        (*cfg->to ? config_parse_time(cfg->to, &to) : (to = (int64_t)time(NULL) * 1000, 0))) {
        log_msg(&lg, LOG_ERROR, "bad_config", "--from/--to must be epoch ms or RFC 3339");
        goto done;
    }
    if (!(pt = price_load(cfg->pricing, e, sizeof(e)))) {
        log_msg(&lg, LOG_ERROR, "bad_config", e);
        goto done;
    }
    rc = 1;
    const char *db = *cfg->database ? cfg->database : "spanhouse";
    reprice_stats_t st;
    if (open_sink(cfg, &sk, e, sizeof(e)) != ERR_OK ||
        reprice_run(sk.sink, db, pt, from / 1000, (to + 999) / 1000, cfg->reprice_model,
                    (int)cfg->dry_run, &st, e, sizeof(e)) != ERR_OK) {
        log_msg(&lg, LOG_ERROR, "reprice_failed", e);
        goto done;
    }
    /* The rollups over whole UTC days around the range: a day level (llm_kpi_1d, llm_cost_1d)
     * is only checked, and rebuilt, as a whole bucket. */
    int64_t day_lo = from / 1000 / 86400 * 86400,
            day_hi = ((to + 999) / 1000 + 86399) / 86400 * 86400;
    size_t found = 0;
    long left = cfg->dry_run || !st.changed ? 0
                                            : reconcile_range(&lg, sk.sink, db, day_lo, day_hi, 1,
                                                              "rollup_rebuilt", &found);
    if (left < 0) goto done;
    log_line_t l;
    log_begin(&lg, &l, LOG_INFO, cfg->dry_run ? "reprice_planned" : "repriced");
    log_int(&l, "spans", (int64_t)st.spans);
    log_int(&l, "changed", (int64_t)st.changed);
    log_int(&l, "names", (int64_t)st.groups);
    log_int(&l, "unpriced", (int64_t)st.unpriced);
    log_str(&l, "delta_cost_usd", st.delta_usd);
    log_int(&l, "rollups_still_drifting", left);
    log_end(&l);
    rc = left ? 3 : 0;
done:
    price_destroy(pt);
    close_sink(&sk);
    config_destroy(cfg);
    return rc;
}

/* pricing import FILE: a public price list as rows of the pricing file on stdout (checked by
 * the workers' own parser), what could not be mapped on stderr. Exit 0, 2 bad input. */
static int cmd_pricing(int argc, char **argv) {
    if (argc < 1 || strcmp(argv[0], "import")) {
        fprintf(stderr, "spanhouse: usage: spanhouse pricing import FILE [--import-format litellm] "
                        "[--effective-from YYYY-MM-DD] > pricing.csv\n");
        return 2;
    }
    config_t *cfg = config_new();
    buf_t csv, rep;
    char *text = NULL, e[1024], day[16];
    size_t len = 0;
    int rc;
    buf_init(&csv, 0);
    buf_init(&rep, 0);
    if (!cfg) return 1;
    if ((rc = load(cfg, argc - 1, argv + 1, CONFIG_MODE_ANY)) != 0) goto done;
    rc = 2;
    if (cfg->n_args != 1) {
        fprintf(stderr, "spanhouse: pricing import: exactly one FILE\n");
        goto done;
    }
    if (*cfg->effective_from) {
        snprintf(day, sizeof(day), "%s", cfg->effective_from);
    } else {
        time_t t = time(NULL);
        struct tm tm;
        strftime(day, sizeof(day), "%Y-%m-%d", gmtime_r(&t, &tm));
    }
    pricing_import_stats_t st;
    if (csv_read_file(cfg->args[0], &text, &len, e, sizeof(e)) != 0 ||
        pricing_import_litellm(text, len, day, &csv, &rep, &st, e, sizeof(e)) != 0) {
        fprintf(stderr, "spanhouse: pricing import: %s%s%s\n", text ? cfg->args[0] : "",
                text ? ":" : "", e);
        goto done;
    }
    /* What the workers will load: refuse to print a file they would refuse. */
    price_table_t *pt = price_parse((const char *)csv.data, csv.len, "import", e, sizeof(e));
    if (!pt) {
        fprintf(stderr, "spanhouse: pricing import: the converted rows do not load: %s\n", e);
        goto done;
    }
    price_destroy(pt);
    fwrite(csv.data, 1, csv.len, stdout);
    if (rep.len) fwrite(rep.data, 1, rep.len, stderr);
    fprintf(
        stderr,
        "pricing import: %zu rows (effective_from %s), %zu models skipped, %zu fields left empty\n",
        st.rows, day, st.skipped, st.notes);
    rc = 0;
done:
    free(text);
    buf_deinit(&csv);
    buf_deinit(&rep);
    config_destroy(cfg);
    return rc;
}

/* bill import FILE: reads a provider export (--bill-format) and stores its lines in
 * llm_bill_lines in one INSERT (all or nothing; the same file again is a no-op: content-hash
 * deduplication token, and the table keeps one row per line identity). Exit 0 stored, 2 the
 * file or the options are wrong (file:line:col or JSON path), 1 ClickHouse failed. */
static int cmd_bill(int argc, char **argv) {
    if (argc < 1 || strcmp(argv[0], "import")) {
        fprintf(stderr,
                "spanhouse: usage: spanhouse bill import FILE --bill-format FORMAT [options]\n");
        return 2;
    }
    config_t *cfg = config_new();
    sinks_t sk = {0};
    bill_lines_t lines = {0};
    buf_t sql;
    char *text = NULL, e[1024];
    size_t len = 0;
    int rc;
    buf_init(&sql, 0);
    if (!cfg) return 1;
    if ((rc = load(cfg, argc - 1, argv + 1, CONFIG_MODE_SCHEMA)) != 0) goto done;
    rc = 2;
    if (cfg->n_args != 1) {
        fprintf(stderr, "spanhouse: bill import: exactly one FILE\n");
        goto done;
    }
    const char *path = cfg->args[0];
    int f = bill_format_parse(cfg->bill_format);
    if (csv_read_file(path, &text, &len, e, sizeof(e)) != 0) {
        fprintf(stderr, "spanhouse: bill import: %s\n", e);
        goto done;
    }
    if (bill_decode((bill_format_t)f, text, len, &lines, e, sizeof(e)) != 0) {
        fprintf(stderr, "spanhouse: bill import: %s:%s\n", path, e);
        goto done;
    }
    rc = 1;
    const char *db = *cfg->database ? cfg->database : "spanhouse";
    char token[64];
    snprintf(token, sizeof(token), "bill-%s-%016llx", cfg->bill_format,
             (unsigned long long)XXH3_64bits(text, len));
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t total = 0, first = INT64_MAX, last = INT64_MIN;
    for (size_t i = 0; i < lines.n; i++) {
        total += lines.v[i].amount_nano;
        if (lines.v[i].bucket_start < first) first = lines.v[i].bucket_start;
        if (lines.v[i].bucket_start > last) last = lines.v[i].bucket_start;
    }
    if (lines.n) {
        bill_insert_sql(&sql, db, lines.v, lines.n, (bill_format_t)f, path,
                        (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, token);
        buf_append(&sql, "", 1);
        sink_result_t res;
        if (buf_error(&sql)) {
            fprintf(stderr, "spanhouse: bill import: out of memory\n");
            goto done;
        }
        if (open_sink(cfg, &sk, e, sizeof(e)) != ERR_OK) {
            fprintf(stderr, "spanhouse: %s\n", e);
            goto done;
        }
        if (sink_exec(sk.sink, (const char *)sql.data, NULL, &res) != ERR_OK) {
            fprintf(stderr, "spanhouse: bill import: %s\n", res.msg);
            goto done;
        }
    }
    char from[16] = "-", to[16] = "-";
    if (lines.n) {
        time_t a = (time_t)first, z = (time_t)last;
        struct tm tm;
        strftime(from, sizeof(from), "%Y-%m-%d", gmtime_r(&a, &tm));
        strftime(to, sizeof(to), "%Y-%m-%d", gmtime_r(&z, &tm));
    }
    buf_t amount;
    buf_init(&amount, 0);
    buf_append_nano(&amount, total);
    printf("bill import: %zu lines from %s (%s, %s..%s, amounts %s USD) into %s.llm_bill_lines\n",
           lines.n, path, cfg->bill_format, from, to,
           buf_error(&amount) ? "?" : (const char *)amount.data, db);
    buf_deinit(&amount);
    rc = 0;
done:
    free(text);
    buf_deinit(&sql);
    bill_lines_free(&lines);
    close_sink(&sk);
    config_destroy(cfg);
    return rc;
}

/* reconcile: exit 0 when every rollup agrees with its source (after repairs), 3 when drift
 * remains, 2 bad configuration, 1 any other failure. */
static int cmd_reconcile(int argc, char **argv) {
    config_t *cfg = config_new();
    sinks_t sk = {0};
    char e[1024];
    int rc;
    if (!cfg) return 1;
    if ((rc = load(cfg, argc, argv, CONFIG_MODE_SCHEMA)) != 0) goto done;
    log_t lg;
    log_init(&lg, cfg->log_format, 2);
    log_set_level(&lg, cfg->log_level);
    int64_t from, to;
    rc = 2;
    if (cfg->legacy) {
        log_msg(&lg, LOG_ERROR, "bad_config",
                "reconcile needs a modern ClickHouse (not legacy=true)");
        goto done;
    }
    if (*cfg->to ? config_parse_time(cfg->to, &to)
                 : (to = ((int64_t)time(NULL) - 15 * 60) * 1000, 0)) {
        log_msg(&lg, LOG_ERROR, "bad_config", "--to must be epoch ms or RFC 3339");
        goto done;
    }
    if (*cfg->from ? config_parse_time(cfg->from, &from) : (from = to - 7 * 86400000LL, 0)) {
        log_msg(&lg, LOG_ERROR, "bad_config", "--from must be epoch ms or RFC 3339");
        goto done;
    }
    rc = 1;
    const char *db = *cfg->database ? cfg->database : "spanhouse";
    if (open_sink(cfg, &sk, e, sizeof(e)) != ERR_OK) {
        log_msg(&lg, LOG_ERROR, "reconcile_failed", e);
        goto done;
    }
    size_t found = 0;
    long left = reconcile_range(&lg, sk.sink, db, from / 1000, to / 1000, (int)cfg->repair,
                                "rollup_drift", &found);
    if (left < 0) goto done;
    log_line_t l;
    log_begin(&lg, &l, left ? LOG_WARN : LOG_INFO, "reconciled");
    log_int(&l, "from", from);
    log_int(&l, "to", to);
    log_int(&l, "drifting", (int64_t)found);
    log_int(&l, "repaired", (int64_t)found - left);
    log_end(&l);
    rc = left ? 3 : 0;
done:
    close_sink(&sk);
    config_destroy(cfg);
    return rc;
}

/* check-span: a producer's records through the worker's own decode, validation, pricing and
 * tenant lookup (worker_check_file), without Kafka or ClickHouse. --format picks the topic
 * format (json, otlp_json: one message per line). Exit 0 all accepted, 1 one rejected, 2 bad
 * usage or configuration. */
static int cmd_check_span(int argc, char **argv) {
    const char *fmt = "json";
    int json = 0;
    char **av = calloc((size_t)argc + 4, sizeof(*av));
    if (!av) return 1;
    int n = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = 1;
        else if (!strcmp(argv[i], "--format") && i + 1 < argc)
            fmt = argv[++i];
        else if (!strncmp(argv[i], "--format=", 9))
            fmt = argv[i] + 9;
        else
            av[n++] = argv[i];
    }
    char topic[64];
    snprintf(topic, sizeof(topic), "check:%s", fmt);
    av[n++] = "--ingest-topic";
    av[n++] = "check";
    av[n++] = "--topic";
    av[n++] = topic;
    config_t *cfg = config_new();
    worker_t *w = NULL;
    int rc = 1;
    if (!cfg) goto done;
    if ((rc = load(cfg, n, av, CONFIG_MODE_ANY)) != 0) goto done;
    if (strcmp(fmt, "json") && strcmp(fmt, "otlp_json")) {
        fprintf(stderr,
                "spanhouse: check-span: --format json or otlp_json (one record per line)\n");
        rc = 2;
        goto done;
    }
    if (cfg->n_args != 1) {
        fprintf(stderr, "spanhouse: check-span needs exactly one FILE (or - for stdin)\n");
        rc = 2;
        goto done;
    }
    log_t lg;
    log_init(&lg, cfg->log_format, 2);
    log_set_level(&lg, cfg->log_level);
    char e[1024];
    int cfg_err = 0;
    if (!(w = worker_new(cfg, WORKER_MODE_FILE, NULL, NULL, &lg, NULL, &cfg_err, e, sizeof(e)))) {
        fprintf(stderr, "spanhouse: check-span: %s\n", e);
        rc = 2;
        goto done;
    }
    int err = worker_check_file(w, cfg->args[0], stdout, json);
    rc = err == ERR_OK ? 0 : err == ERR_INVAL ? 1 : 2;
done:
    worker_destroy(w);
    config_destroy(cfg);
    free(av);
    return rc;
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
        !strcmp(argv[1], "help")) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        print_version();
        return 0;
    }
    config_t *cfg = config_new();
    if (!cfg) {
        fprintf(stderr, "spanhouse: out of memory\n");
        return 1;
    }
    int rc = 1;
    if (!strcmp(cmd, "help-config")) {
        buf_t b;
        buf_init(&b, 0);
        if (argc > 2 && !strcmp(argv[2], "--markdown"))
            config_markdown(&b);
        else
            config_help(&b);
        fwrite(b.data, 1, b.len, stdout);
        buf_deinit(&b);
        rc = 0;
    } else if (!strcmp(cmd, "check-config")) {
        /* Validates for `run` unless the options say otherwise (--sink/--chdb-path etc.). */
        rc = load(cfg, argc - 2, argv + 2, CONFIG_MODE_RUN);
        if (rc == 0) rc = check_tables(cfg);
        if (rc == 0) {
            buf_t b;
            buf_init(&b, 0);
            config_dump(cfg, &b);
            fwrite(b.data, 1, b.len, stdout);
            buf_deinit(&b);
            printf("configuration ok\n");
        }
    } else if (!strcmp(cmd, "run")) {
        rc = cmd_work(argc - 2, argv + 2, WORKER_MODE_RUN);
    } else if (!strcmp(cmd, "replay")) {
        rc = cmd_work(argc - 2, argv + 2, WORKER_MODE_REPLAY);
    } else if (!strcmp(cmd, "ingest-file")) {
        rc = cmd_work(argc - 2, argv + 2, WORKER_MODE_FILE);
    } else if (!strcmp(cmd, "check-span") || !strcmp(cmd, "validate")) {
        rc = cmd_check_span(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "reprice")) {
        rc = cmd_reprice(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "pricing")) {
        rc = cmd_pricing(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "bill")) {
        rc = cmd_bill(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "reconcile")) {
        rc = cmd_reconcile(argc - 2, argv + 2);
    } else if (!strcmp(cmd, "schema")) {
        rc = cmd_schema(argc - 2, argv + 2);
    } else {
        fprintf(stderr, "spanhouse: unknown command '%s' (see spanhouse --help)\n", cmd);
        rc = 2;
    }
    config_destroy(cfg);
    return rc == LOAD_HELP ? 0 : rc;
}
