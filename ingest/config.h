/* config: the worker's settings, from ONE option table.
 *
 * Each option is declared once (name, type, field, default, min, max, help); --help, the
 * docs/configuration.md table, validation, INI loading (libinih), SPANHOUSE_<NAME> environment
 * variables and --name command-line flags are all derived from it. kafka.* keys are kept as
 * pass-through pairs for librdkafka. Precedence: flag > environment > file > default.
 * Does no I/O besides reading the config file; never connects anywhere. */
#ifndef SPANHOUSE_CONFIG_H
#define SPANHOUSE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CONFIG_MAX_TOPICS 32
#define CONFIG_MAX_KAFKA 64
#define CONFIG_MAX_ARGS 16

/* The record formats of a topic (--topic NAME:FORMAT), one row each: X(ID, name, table) where
 * table is what its records become. Everything that lists formats (the enum, names, parsing,
 * help and error texts, the table a topic needs) expands from here; the worker's decoder for
 * each is one row of worker_decode.c's decoders[]. Adding a format: a row here, a decoder
 * there. */
/* clang-format off */
#define CONFIG_FORMATS(X)                                                                    \
    X(JSON,            "json",            SPANS)    /* flat JSON span, docs/span-format.md */ \
    X(OTLP_PROTO,      "otlp_proto",      SPANS)    /* OTLP trace export request */          \
    X(OTLP_JSON,       "otlp_json",       SPANS)                                             \
    X(EVAL,            "eval",            EVALS)    /* flat JSON evaluation */               \
    X(OUTCOME,         "outcome",         OUTCOMES) /* flat JSON business outcome */         \
    X(OTLP_LOGS_PROTO, "otlp_logs_proto", EVALS)    /* OTLP logs: gen_ai.evaluation.result */ \
    X(OTLP_LOGS_JSON,  "otlp_logs_json",  EVALS)
/* clang-format on */

/* The tables records go to (the order of the worker's wtable_t). */
typedef enum { CONFIG_TABLE_SPANS, CONFIG_TABLE_EVALS, CONFIG_TABLE_OUTCOMES } config_table_t;

#define CONFIG_FMT_ENUM_(id, name, table) CONFIG_FMT_##id,
typedef enum { CONFIG_FORMATS(CONFIG_FMT_ENUM_) CONFIG_FMT_N } config_fmt_t;
#undef CONFIG_FMT_ENUM_

/* " json otlp_proto …": the format names as one string literal, for help and error texts. */
#define CONFIG_FMT_LIST_(id, name, table) " " name
#define CONFIG_FORMAT_NAMES CONFIG_FORMATS(CONFIG_FMT_LIST_)

/* Enum options parsed once: the value's position in the option's choices (config_opts), so
 * code compares integers, not strings. The order here is the order of the choices there. */
typedef enum { CONFIG_SINK_HTTP, CONFIG_SINK_CHDB } config_sink_t; /* sink: http|chdb */
typedef enum {
    CONFIG_TENANT_FILL,
    CONFIG_TENANT_OVERRIDE
} config_tenant_policy_t; /* fill|override */

typedef struct config_topic_s {
    char *name; /* owned */
    config_fmt_t format;
} config_topic_t;

typedef struct config_kv_s {
    char *key; /* without the "kafka." prefix; owned */
    char *val; /* owned */
} config_kv_t;

/* All settings. Strings are owned by the config (freed by config_destroy); "" when unset. */
typedef struct config_s {
    char *brokers;
    char *group;
    char *clickhouse_url;
    char *database;
    char *table;
    char *eval_table;    /* topics NAME:eval */
    char *outcome_table; /* topics NAME:outcome */
    char *rejected_table;
    char *user;
    char *password;
    char *password_file;
    char *tls_ca_file, *tls_ca_dir, *tls_cert, *tls_key;
    char *connect_to; /* host[:port] to connect to instead of clickhouse-url's host */
    int64_t tls_insecure;
    char *compression;
    int64_t timeout_ms;
    int64_t connect_timeout_ms;
    char *config;
    char *metrics_addr;
    char *metrics_auth;      /* user:password for /metrics (basic auth); secret */
    char *metrics_auth_file; /* metrics_auth from a file's first line */
    char *dlq_topic;
    char *pricing;
    char *tenants;
    char *tenant_policy;
    config_tenant_policy_t tenant_policy_kind; /* tenant-policy, parsed */
    int64_t batch_max_rows;
    int64_t batch_max_bytes;
    int64_t batch_max_age_ms;
    int64_t max_inflight_bytes;
    int64_t partition_max_bytes;
    int64_t retry_max_ms;
    int64_t insert_concurrency;
    int64_t insert_min_rows;
    int64_t insert_max_batches;
    int64_t insert_max_wait_ms;
    int64_t fence_window_ms;
    char *sink;
    config_sink_t sink_kind; /* sink, parsed */
    char *chdb_path;
    int64_t legacy;
    int64_t exit_at_eof;
    char *log_format;
    char *log_level;
    int64_t max_message_bytes;
    int64_t dlq_max_bytes; /* key + payload bound of a dead letter (truncated above it) */
    int64_t ts_future_tolerance_ms;
    int64_t ts_past_tolerance_ms;
    char *from;
    char *to;
    int64_t repair;
    char *reprice_model;
    int64_t dry_run;
    int64_t rate;
    char *schema_dir;
    char *views_dir;
    int64_t raw_retention_days;
    char *ingest_topic;
    char *bill_format;
    char *import_format;
    char *effective_from;
    /* OTLP attribute mapping (otlp_map_t): attribute keys ("" = not mapped) and filters. */
    char *otlp_tenant_attr;
    char *otlp_team_attr;
    char *otlp_feature_attr;
    char *otlp_user_attr;
    char *otlp_prompt_template_attr;
    char *otlp_prompt_version_attr;
    char *otlp_endpoint_attr;
    int64_t otlp_keep_all;
    int64_t otlp_keep_content;

    /* Repeatable --topic NAME[:FORMAT]. */
    config_topic_t topics[CONFIG_MAX_TOPICS];
    int n_topics;
    /* kafka.* pass-through, in the order given (later wins inside librdkafka). */
    config_kv_t kafka[CONFIG_MAX_KAFKA];
    int n_kafka;
    /* Positional command-line arguments (e.g. the file of ingest-file); borrowed from argv. */
    const char *args[CONFIG_MAX_ARGS];
    int n_args;
    int help; /* --help / -h seen */

    /* Internal: which source set each option (0 default, 1 file, 2 env, 3 flag). */
    unsigned char src_[96];
} config_t;

/* What the configuration will be used for: decides which options are required. */
typedef enum {
    CONFIG_MODE_ANY = 0, /* only value checks */
    CONFIG_MODE_RUN,     /* consume from Kafka and write */
    CONFIG_MODE_REPLAY,  /* run + from/to */
    CONFIG_MODE_FILE,    /* ingest-file: no Kafka needed */
    CONFIG_MODE_SCHEMA,  /* schema apply: only the sink */
} config_mode_t;

/* Returns a config holding every default, or NULL (out of memory). */
config_t *config_new(void);
/* Frees everything. NULL ok. */
void config_destroy(config_t *cfg);

/* Loads the configuration: the file named by --config (or SPANHOUSE_CONFIG), then env
 * (envp, NULL-terminated "K=V" strings; NULL = none), then the flags in argv[0..argc-1]
 * (argv holds only options and positionals: no program name or subcommand). argv strings must
 * outlive cfg (positionals are borrowed). Returns ERR_OK, or ERR_CONFIG with errstr naming the
 * option and the problem. */
int config_load(config_t *cfg, int argc, char **argv, char **envp, char *errstr,
                size_t errstr_size);
/* Sets one option by name ("batch-max-rows", "kafka.x", "topic", underscores allowed), as
 * the given source (1 file, 2 env, 3 flag). Returns ERR_OK or ERR_CONFIG with errstr. */
int config_set(config_t *cfg, const char *name, const char *value, int source, char *errstr,
               size_t errstr_size);
/* Checks cross-option rules and required options for mode. ERR_OK or ERR_CONFIG + errstr. */
int config_check(const config_t *cfg, config_mode_t mode, char *errstr, size_t errstr_size);

/* Parses a time given as epoch milliseconds or RFC 3339 / ISO-8601 into *ms. 0 ok, -1 bad. */
int config_parse_time(const char *s, int64_t *ms);

/* Appends the --help option list (plain text) to out. */
void config_help(buf_t *out);
/* Appends the Markdown reference (docs/configuration.md) to out. */
void config_markdown(buf_t *out);
/* Appends the effective configuration as key = value lines, every secret masked
 * (config_mask). */
void config_dump(const config_t *cfg, buf_t *out);
/* Whether an option or librdkafka property of this name carries a secret: the option table's
 * secret flag, or a name containing password, secret, key.pem, private.key,
 * oauthbearer.config, keystore, ssl_key or token. */
int config_secret_key(const char *name);
/* The printable form of a value: "***" for a secret key, a URL's user:password@ as
 * user:***@, anything else as it is (possibly written into buf). One rule for every output. */
const char *config_mask(const char *name, const char *value, char *buf, size_t n);
/* Name of a topic format ("json", "otlp_proto", …; "?" out of range). */
const char *config_fmt_name(config_fmt_t f);
/* The table a topic format's records go to. */
config_table_t config_fmt_table(config_fmt_t f);

#endif
