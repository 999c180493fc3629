/* Unit tests for config: defaults, precedence flag > env > file > default, every bad value,
 * and docs/configuration.md kept in sync with the option table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "test_docs.h"
#include "worker_int.h"

static char ini_path[] = "/tmp/spanhouse_test_config_XXXXXX";

static void write_ini(const char *text) {
    int fd = mkstemp(ini_path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

static void test_defaults(void **st) {
    (void)st;
    config_t *c = config_new();
    assert_non_null(c);
    assert_string_equal(c->database, "spanhouse");
    assert_string_equal(c->table, "llm_spans");
    assert_string_equal(c->sink, "http");
    assert_int_equal(c->batch_max_rows, 100000);
    assert_int_equal(c->batch_max_bytes, 16 << 20);
    assert_int_equal(c->batch_max_age_ms, 1000);
    assert_int_equal(c->timeout_ms, 30000);
    assert_int_equal(c->legacy, 0);
    assert_int_equal(c->n_topics, 0);
    char e[256];
    assert_int_equal(config_check(c, CONFIG_MODE_ANY, e, sizeof(e)), ERR_OK);
    config_destroy(c);
    config_destroy(NULL);
}

static void test_precedence(void **st) {
    (void)st;
    strcpy(ini_path, "/tmp/spanhouse_test_config_XXXXXX");
    write_ini("brokers = file:9092\n"
              "group = g-file\n"
              "table = t_file\n"
              "topic = a\n"
              "[batch]\n"
              "max-rows = 10\n"
              "max-age-ms = 2s\n"
              "[kafka]\n"
              "fetch.max.bytes = 1000\n"
              "[clickhouse]\n"
              "user = bob\n");
    char cfgarg[128];
    snprintf(cfgarg, sizeof(cfgarg), "--config=%s", ini_path);
    char *argv[] = {cfgarg, "--group", "g-flag", "--batch-max-rows=30", "--legacy", "pos1", "--kafka.client.id=x"};
    char *envp[] = {"SPANHOUSE_GROUP=g-env", "SPANHOUSE_TABLE=t_env", "SPANHOUSE_BATCH_MAX_ROWS=20",
                    "SPANHOUSE_TOPIC=b,c:json", "SPANHOUSE_KAFKA_FETCH_MAX_BYTES=2000", "PATH=/bin", NULL};
    config_t *c = config_new();
    char e[512] = "";
    int rc = config_load(c, 7, argv, envp, e, sizeof(e));
    assert_string_equal(e, "");
    assert_int_equal(rc, ERR_OK);
    assert_string_equal(c->brokers, "file:9092"); /* file > default */
    assert_string_equal(c->table, "t_env");       /* env > file */
    assert_string_equal(c->group, "g-flag");      /* flag > env > file */
    assert_int_equal(c->batch_max_rows, 30);
    assert_int_equal(c->batch_max_age_ms, 2000);
    assert_string_equal(c->user, "bob");
    assert_int_equal(c->legacy, 1);
    assert_int_equal(c->n_topics, 2); /* env list replaced the file's */
    assert_string_equal(c->topics[0].name, "b");
    assert_string_equal(c->topics[1].name, "c");
    assert_int_equal(c->n_args, 1);
    assert_string_equal(c->args[0], "pos1");
    int found = 0;
    for (int i = 0; i < c->n_kafka; i++) {
        if (!strcmp(c->kafka[i].key, "fetch.max.bytes")) {
            assert_string_equal(c->kafka[i].val, "2000");
            found++;
        }
        if (!strcmp(c->kafka[i].key, "client.id")) found++;
    }
    assert_int_equal(found, 2);
    config_destroy(c);
    unlink(ini_path);
}

static void test_topics(void **st) {
    (void)st;
    config_t *c = config_new();
    char e[256];
    char *argv[] = {"--topic", "a", "--topic", "b:otlp_proto", "--topic=c:json"};
    assert_int_equal(config_load(c, 5, argv, NULL, e, sizeof(e)), ERR_OK);
    assert_int_equal(c->n_topics, 3);
    assert_int_equal(c->topics[1].format, CONFIG_FMT_OTLP_PROTO);
    assert_int_equal(config_check(c, CONFIG_MODE_ANY, e, sizeof(e)), ERR_OK);
    config_destroy(c);
}

/* Eval and outcome topics: parsed from flags, env and file alike, with their tables. */
static void test_eval_outcome_topics(void **st) {
    (void)st;
    config_t *c = config_new();
    char e[256];
    char *argv[] = {"--topic", "spans", "--topic", "llm.evals:eval", "--topic=llm.outcomes:outcome",
                    "--brokers", "b:9092", "--clickhouse-url", "http://h:8123", "--dlq-topic", "dlq"};
    assert_int_equal(config_load(c, 11, argv, NULL, e, sizeof(e)), ERR_OK);
    assert_int_equal(c->n_topics, 3);
    assert_int_equal(c->topics[0].format, CONFIG_FMT_JSON);
    assert_int_equal(c->topics[1].format, CONFIG_FMT_EVAL);
    assert_string_equal(c->topics[1].name, "llm.evals");
    assert_int_equal(c->topics[2].format, CONFIG_FMT_OUTCOME);
    assert_string_equal(c->topics[2].name, "llm.outcomes");
    assert_string_equal(c->eval_table, "llm_evals");
    assert_string_equal(c->outcome_table, "llm_outcomes");
    assert_string_equal(config_fmt_name(c->topics[1].format), "eval");
    assert_string_equal(config_fmt_name(c->topics[2].format), "outcome");
    assert_int_equal(config_check(c, CONFIG_MODE_RUN, e, sizeof(e)), ERR_OK);
    config_destroy(c);

    /* Tables from the environment; a flag wins over it. */
    c = config_new();
    char *env[] = {"SPANHOUSE_EVAL_TABLE=evals_env", "SPANHOUSE_OUTCOME_TABLE=outc_env", NULL};
    char *argv2[] = {"--topic", "q:eval", "--outcome-table", "outc_flag"};
    assert_int_equal(config_load(c, 4, argv2, env, e, sizeof(e)), ERR_OK);
    assert_string_equal(c->eval_table, "evals_env");
    assert_string_equal(c->outcome_table, "outc_flag");
    assert_int_equal(config_check(c, CONFIG_MODE_ANY, e, sizeof(e)), ERR_OK);
    config_destroy(c);

    /* The eval tables need a modern server: refused with legacy=true. */
    c = config_new();
    char *argv3[] = {"--topic", "q:outcome", "--legacy"};
    assert_int_equal(config_load(c, 3, argv3, NULL, e, sizeof(e)), ERR_OK);
    assert_int_equal(config_check(c, CONFIG_MODE_ANY, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "outcome"));
    assert_non_null(strstr(e, "legacy"));
    config_destroy(c);

    /* A bad or empty table name for a topic that needs it. */
    c = config_new();
    char *argv4[] = {"--topic", "q:eval", "--eval-table", "x;drop"};
    assert_int_equal(config_load(c, 4, argv4, NULL, e, sizeof(e)), ERR_OK);
    assert_int_equal(config_check(c, CONFIG_MODE_ANY, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "eval-table"));
    config_destroy(c);
    c = config_new();
    char *argv5[] = {"--topic", "q:eval", "--eval-table="};
    assert_int_equal(config_load(c, 3, argv5, NULL, e, sizeof(e)), ERR_OK);
    assert_int_equal(config_check(c, CONFIG_MODE_ANY, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "eval-table"));
    config_destroy(c);
    /* OTLP logs topics (gen_ai.evaluation.result log records) go to the eval table. */
    c = config_new();
    char *argv7[] = {"--topic", "l1:otlp_logs_proto", "--topic", "l2:otlp_logs_json", "--eval-table", "ev2"};
    assert_int_equal(config_load(c, 6, argv7, NULL, e, sizeof(e)), ERR_OK);
    assert_int_equal(c->topics[0].format, CONFIG_FMT_OTLP_LOGS_PROTO);
    assert_int_equal(c->topics[1].format, CONFIG_FMT_OTLP_LOGS_JSON);
    assert_string_equal(config_fmt_name(c->topics[0].format), "otlp_logs_proto");
    assert_string_equal(config_fmt_name(c->topics[1].format), "otlp_logs_json");
    assert_int_equal(config_check(c, CONFIG_MODE_ANY, e, sizeof(e)), ERR_OK);
    config_destroy(c);
    c = config_new();
    char *argv8[] = {"--topic", "l1:otlp_logs_json", "--legacy", "--eval-table="};
    assert_int_equal(config_load(c, 4, argv8, NULL, e, sizeof(e)), ERR_OK);
    assert_int_equal(config_check(c, CONFIG_MODE_ANY, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "otlp_logs_json"));
    config_destroy(c);
    /* An unknown format names the valid ones. */
    c = config_new();
    char *argv6[] = {"--topic", "q:evals"};
    assert_int_equal(config_load(c, 2, argv6, NULL, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "outcome"));
    config_destroy(c);
}

/* Every row of CONFIG_FORMATS parses from its name, names itself, goes to its table, and the
 * worker has a decoder for it. */
static void test_format_table(void **st) {
    (void)st;
    char e[512], arg[64];
    int tables[3] = {0};
    for (int f = 0; f < CONFIG_FMT_N; f++) {
        config_t *c = config_new();
        snprintf(arg, sizeof(arg), "t:%s", config_fmt_name((config_fmt_t)f));
        char *argv[] = {"--topic", arg};
        assert_int_equal(config_load(c, 2, argv, NULL, e, sizeof(e)), ERR_OK);
        assert_int_equal(c->n_topics, 1);
        assert_int_equal(c->topics[0].format, f);
        assert_true(wk_format_decodable((config_fmt_t)f));
        tables[config_fmt_table((config_fmt_t)f)]++;
        config_destroy(c);
    }
    assert_string_equal(config_fmt_name(CONFIG_FMT_OUTCOME), "outcome");
    assert_int_equal(config_fmt_table(CONFIG_FMT_EVAL), CONFIG_TABLE_EVALS);
    assert_int_equal(config_fmt_table(CONFIG_FMT_OTLP_LOGS_JSON), CONFIG_TABLE_EVALS);
    assert_int_equal(config_fmt_table(CONFIG_FMT_OTLP_PROTO), CONFIG_TABLE_SPANS);
    assert_int_equal(tables[CONFIG_TABLE_SPANS], 3);
    assert_int_equal(tables[CONFIG_TABLE_OUTCOMES], 1);
    assert_string_equal(config_fmt_name(CONFIG_FMT_N), "?");
    assert_false(wk_format_decodable(CONFIG_FMT_N));
}

typedef struct bad_s {
    const char *flag, *value, *needle;
} bad_t;

static void test_bad_values(void **st) {
    (void)st;
    const bad_t bad[] = {
        {"--batch-max-rows", "0", "out of range"},
        {"--batch-max-rows", "ten", "not a number"},
        {"--batch-max-rows", "10x", "not an integer"},
        {"--batch-max-rows", "-5", "out of range"},
        {"--batch-max-bytes", "16TB", "unknown size unit"},
        {"--batch-max-bytes", "10", "out of range"},
        {"--timeout", "5years", "unknown duration unit"},
        {"--timeout", "1", "out of range"},
        {"--legacy=maybe", "x", "not a boolean"},
        {"--sink", "kafka", "not one of http|chdb"},
        {"--compression", "brotli", "not one of"},
        {"--log-format", "xml", "not one of"},
        {"--tenant-policy", "merge", "not one of"},
        {"--topic", "bad topic", "not a valid Kafka topic name"},
        {"--topic", ":json", "empty topic name"},
        {"--topic", "t:avro", "unknown format"},
        {"--no-such-option", "1", "unknown option"},
        {"--max-message-bytes", "99999999999999999999", "not a number"},
        {"--retry-max-ms", "9999999999999d", "out of range"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        config_t *c = config_new();
        char e[256] = "";
        char *argv[] = {(char *)bad[i].flag, (char *)bad[i].value};
        int rc = config_load(c, 2, argv, NULL, e, sizeof(e));
        if (rc != ERR_CONFIG || !strstr(e, bad[i].needle))
            fail_msg("%s %s: rc=%d err='%s' (wanted '%s')", bad[i].flag, bad[i].value, rc, e, bad[i].needle);
        config_destroy(c);
    }
    /* Same rules from the environment, named by variable. */
    config_t *c = config_new();
    char e[256];
    char *envp[] = {"SPANHOUSE_BATCH_MAX_ROWS=abc", NULL};
    assert_int_equal(config_load(c, 0, NULL, envp, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "SPANHOUSE_BATCH_MAX_ROWS"));
    config_destroy(c);
    c = config_new();
    char *envp2[] = {"SPANHOUSE_BOGUS=1", NULL};
    assert_int_equal(config_load(c, 0, NULL, envp2, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "unknown option"));
    config_destroy(c);
    /* A flag without its value. */
    c = config_new();
    char *argv[] = {"--brokers"};
    assert_int_equal(config_load(c, 1, argv, NULL, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "needs a value"));
    config_destroy(c);
    c = config_new();
    char *argv2[] = {"-x"};
    assert_int_equal(config_load(c, 1, argv2, NULL, e, sizeof(e)), ERR_CONFIG);
    config_destroy(c);
}

static void test_bad_file(void **st) {
    (void)st;
    const char *files[][2] = {
        {"brokers = x\nbogus = 1\n", ":2: unknown option 'bogus'"},
        {"[batch]\nmax-rows = zero\n", ":2: batch-max-rows: 'zero' is not a number"},
        {"brokers = x\nthis line is not ini\n", ":2:"},
    };
    for (size_t i = 0; i < 3; i++) {
        strcpy(ini_path, "/tmp/spanhouse_test_config_XXXXXX");
        write_ini(files[i][0]);
        config_t *c = config_new();
        char e[512] = "";
        char arg[128];
        snprintf(arg, sizeof(arg), "--config=%s", ini_path);
        char *argv[] = {arg};
        assert_int_equal(config_load(c, 1, argv, NULL, e, sizeof(e)), ERR_CONFIG);
        if (!strstr(e, files[i][1])) fail_msg("file %zu: '%s' lacks '%s'", i, e, files[i][1]);
        config_destroy(c);
        unlink(ini_path);
    }
    config_t *c = config_new();
    char e[256];
    char *argv[] = {"--config", "/nonexistent/spanhouse.ini"};
    assert_int_equal(config_load(c, 2, argv, NULL, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "cannot open"));
    config_destroy(c);
}

static void check_mode(const char **argv_c, int argc, config_mode_t mode, const char *needle) {
    config_t *c = config_new();
    char e[256] = "";
    assert_int_equal(config_load(c, argc, (char **)argv_c, NULL, e, sizeof(e)), ERR_OK);
    int rc = config_check(c, mode, e, sizeof(e));
    if (needle) {
        if (rc != ERR_CONFIG || !strstr(e, needle)) fail_msg("check: rc=%d '%s' lacks '%s'", rc, e, needle);
    } else if (rc != ERR_OK) {
        fail_msg("check failed: %s", e);
    }
    config_destroy(c);
}

static void test_check_modes(void **st) {
    (void)st;
    const char *ok[] = {"--brokers", "b:1", "--topic", "t", "--clickhouse-url", "http://x:8123", "--dlq-topic", "d"};
    check_mode(ok, 8, CONFIG_MODE_RUN, NULL);
    check_mode(ok, 6, CONFIG_MODE_RUN, "dlq-topic");
    check_mode(ok + 2, 6, CONFIG_MODE_RUN, "brokers");
    const char *no_topic[] = {"--brokers", "b:1", "--clickhouse-url", "http://x", "--dlq-topic", "d"};
    check_mode(no_topic, 6, CONFIG_MODE_RUN, "topic");
    const char *no_url[] = {"--brokers", "b:1", "--topic", "t", "--dlq-topic", "d"};
    check_mode(no_url, 6, CONFIG_MODE_RUN, "clickhouse-url");
    const char *bad_url[] = {"--clickhouse-url", "ftp://x"};
    check_mode(bad_url, 2, CONFIG_MODE_SCHEMA, "http://");
    const char *chdb[] = {"--sink", "chdb"};
    check_mode(chdb, 2, CONFIG_MODE_SCHEMA, "chdb-path");
    const char *replay[] = {"--brokers", "b:1", "--topic", "t", "--clickhouse-url", "http://x", "--dlq-topic", "d", "--from", "0"};
    check_mode(replay, 10, CONFIG_MODE_REPLAY, "--to");
    const char *budget[] = {"--batch-max-bytes", "64MiB"};
    check_mode(budget, 2, CONFIG_MODE_ANY, "partition-max-bytes");
    /* the crash loop: equal batch and partition budgets left no room for the last row */
    const char *budget3[] = {"--batch-max-bytes", "1MiB", "--partition-max-bytes", "1MiB"};
    check_mode(budget3, 4, CONFIG_MODE_ANY, "2 x max-message-bytes");
    const char *budget2[] = {"--max-inflight-bytes", "1MiB"};
    check_mode(budget2, 2, CONFIG_MODE_ANY, "max-inflight-bytes");
    const char *db[] = {"--database", "x;drop"};
    check_mode(db, 2, CONFIG_MODE_ANY, "database");
    const char *tb[] = {"--table", "a b"};
    check_mode(tb, 2, CONFIG_MODE_ANY, "table");
    const char *file[] = {"--clickhouse-url", "http://x"};
    check_mode(file, 2, CONFIG_MODE_FILE, "rejected-table");
}

/* The OTLP attribute keys and filters: defaults (those of otlp_map_default), then the same
 * options from an INI [otlp] section, the environment and flags, with the usual precedence. */
static void test_otlp_options(void **st) {
    (void)st;
    config_t *c = config_new();
    assert_non_null(c);
    assert_string_equal(c->otlp_tenant_attr, "app.tenant_id");
    assert_string_equal(c->otlp_team_attr, "app.team_id");
    assert_string_equal(c->otlp_feature_attr, "app.feature");
    assert_string_equal(c->otlp_user_attr, "user.id");
    assert_string_equal(c->otlp_prompt_template_attr, "gen_ai.prompt.name");
    assert_string_equal(c->otlp_prompt_version_attr, "app.prompt_version");
    assert_string_equal(c->otlp_endpoint_attr, "app.endpoint");
    assert_int_equal(c->otlp_keep_all, 0);
    assert_int_equal(c->otlp_keep_content, 0);
    config_destroy(c);

    strcpy(ini_path, "/tmp/spanhouse_test_config_XXXXXX");
    write_ini("[otlp]\n"
              "tenant-attr = file.tenant\n"
              "team-attr = file.team\n"
              "feature-attr =\n"
              "keep-content = yes\n");
    char cfgarg[128];
    snprintf(cfgarg, sizeof(cfgarg), "--config=%s", ini_path);
    char *argv[] = {cfgarg, "--otlp-team-attr=acme.team", "--otlp-keep-all", "--otlp-user-attr", "enduser.id"};
    char *envp[] = {"SPANHOUSE_OTLP_TENANT_ATTR=env.tenant", "SPANHOUSE_OTLP_TEAM_ATTR=env.team",
                    "SPANHOUSE_OTLP_PROMPT_VERSION_ATTR=", NULL};
    c = config_new();
    char e[512] = "";
    assert_int_equal(config_load(c, 5, argv, envp, e, sizeof(e)), ERR_OK);
    assert_string_equal(e, "");
    assert_string_equal(c->otlp_tenant_attr, "env.tenant"); /* env > file */
    assert_string_equal(c->otlp_team_attr, "acme.team");    /* flag > env > file */
    assert_string_equal(c->otlp_feature_attr, "");          /* empty: column not mapped */
    assert_string_equal(c->otlp_user_attr, "enduser.id");
    assert_string_equal(c->otlp_prompt_version_attr, "");
    assert_string_equal(c->otlp_prompt_template_attr, "gen_ai.prompt.name");
    assert_int_equal(c->otlp_keep_all, 1);
    assert_int_equal(c->otlp_keep_content, 1);
    assert_int_equal(config_check(c, CONFIG_MODE_ANY, e, sizeof(e)), ERR_OK);
    buf_t b;
    buf_init(&b, 0);
    config_dump(c, &b);
    assert_int_equal(buf_error(&b), 0);
    assert_non_null(memmem(b.data, b.len, "otlp-team-attr = acme.team", 26));
    buf_deinit(&b);
    config_destroy(c);
    unlink(ini_path);

    c = config_new();
    char *bad[] = {"--otlp-keep-all=maybe"};
    assert_int_equal(config_load(c, 1, bad, NULL, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "otlp-keep-all"));
    config_destroy(c);
}

static void test_docs_in_sync(void **st) {
    (void)st;
    buf_t b;
    buf_init(&b, 0);
    config_markdown(&b);
    assert_int_equal(buf_error(&b), 0);
    size_t n = 0;
    char *disk = doc_read("docs/configuration.md", &n);
    if (!disk) fail_msg("docs/configuration.md missing: run build/spanhouse help-config --markdown > docs/configuration.md");
    if (n != b.len || memcmp(disk, b.data, n))
        fail_msg("docs/configuration.md is out of date: run build/spanhouse help-config --markdown > docs/configuration.md");
    free(disk);
    buf_reset(&b);
    config_help(&b);
    assert_true(b.len > 1000);
    buf_deinit(&b);
}

static void test_dump_masks_password(void **st) {
    (void)st;
    config_t *c = config_new();
    char e[256];
    char *argv[] = {"--password", "hunter2", "--kafka.sasl.password=s3cret"};
    assert_int_equal(config_load(c, 3, argv, NULL, e, sizeof(e)), ERR_OK);
    buf_t b;
    buf_init(&b, 0);
    config_dump(c, &b);
    buf_put(&b, "", 1);
    assert_null(strstr((char *)b.data, "hunter2"));
    assert_null(strstr((char *)b.data, "s3cret"));
    assert_non_null(strstr((char *)b.data, "batch-max-rows = 100000"));
    buf_deinit(&b);
    config_destroy(c);
}

/* config_dump of c does not contain secret. */
static void assert_dump_hides(const config_t *c, const char *secret) {
    buf_t b;
    buf_init(&b, 0);
    config_dump(c, &b);
    buf_put(&b, "", 1);
    assert_null(strstr((char *)b.data, secret));
    buf_deinit(&b);
}

/* One masking rule for every secret-bearing value: the password, librdkafka's sensitive
 * properties and inline key material, a URL's user:password@; and password-file. */
static void test_dump_masks_every_secret(void **st) {
    (void)st;
    config_t *c = config_new();
    char e[256];
    char *argv[] = {"--clickhouse-url", "https://writer:PLANT1@ch.internal:8443/?x=1",
                    "--kafka.ssl.key.pem=PLANT2", "--kafka.sasl.oauthbearer.config=PLANT3",
                    "--kafka.sasl.oauthbearer.client.secret=PLANT4", "--kafka.ssl.keystore.password=PLANT5",
                    "--kafka.ssl.key.password=PLANT6", "--brokers", "b1:9092"};
    assert_int_equal(config_load(c, 9, argv, NULL, e, sizeof(e)), ERR_OK);
    buf_t b;
    buf_init(&b, 0);
    config_dump(c, &b);
    buf_put(&b, "", 1);
    assert_null(strstr((char *)b.data, "PLANT"));
    assert_non_null(strstr((char *)b.data, "clickhouse-url = https://writer:***@ch.internal:8443/?x=1"));
    assert_non_null(strstr((char *)b.data, "brokers = b1:9092"));
    buf_deinit(&b);
    config_destroy(c);
    char m[128];
    assert_string_equal(config_mask("clickhouse-url", "http://h:8123/a@b", m, sizeof(m)), "http://h:8123/a@b");
    assert_string_equal(config_mask("clickhouse-url", "http://u@h:8123", m, sizeof(m)), "http://u@h:8123");
    assert_true(config_secret_key("password") && config_secret_key("sasl.password"));
    assert_false(config_secret_key("ssl.ca.location"));
    /* password-file: the first line; with password too, refused. */
    char path[] = "/tmp/test_config_pw_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "PLANT7\nsecond line\n", 19), 19);
    close(fd);
    c = config_new();
    char *argv2[] = {"--password-file", path};
    assert_int_equal(config_load(c, 2, argv2, NULL, e, sizeof(e)), ERR_OK);
    assert_string_equal(c->password, "PLANT7");
    assert_dump_hides(c, "PLANT7");
    config_destroy(c);
    c = config_new();
    char *argv3[] = {"--password-file", path, "--password", "x"};
    assert_int_equal(config_load(c, 4, argv3, NULL, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "give one"));
    config_destroy(c);
    c = config_new();
    char *argv4[] = {"--password-file", "/nonexistent/pw"};
    assert_int_equal(config_load(c, 2, argv4, NULL, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "password-file: cannot open"));
    config_destroy(c);
    /* Kafka secrets through the same mechanism: kafka.<property>-file (flag, INI [kafka]) or
     * SPANHOUSE_KAFKA_<PROPERTY>_FILE becomes the property; the path entry is gone. */
    c = config_new();
    char flag[160];
    snprintf(flag, sizeof(flag), "--kafka.sasl.password-file=%s", path);
    char *argv5[] = {flag, "--brokers", "b1:9092"};
    assert_int_equal(config_load(c, 3, argv5, NULL, e, sizeof(e)), ERR_OK);
    assert_int_equal(c->n_kafka, 1);
    assert_string_equal(c->kafka[0].key, "sasl.password");
    assert_string_equal(c->kafka[0].val, "PLANT7");
    buf_init(&b, 0);
    config_dump(c, &b);
    buf_put(&b, "", 1);
    assert_null(strstr((char *)b.data, "PLANT7"));
    assert_non_null(strstr((char *)b.data, "kafka.sasl.password = ***"));
    buf_deinit(&b);
    config_destroy(c);
    c = config_new();
    char env1[160];
    snprintf(env1, sizeof(env1), "SPANHOUSE_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE=%s", path);
    char *envp[] = {env1, NULL};
    assert_int_equal(config_load(c, 0, NULL, envp, e, sizeof(e)), ERR_OK);
    assert_int_equal(c->n_kafka, 1);
    assert_string_equal(c->kafka[0].key, "sasl.oauthbearer.client.secret");
    assert_string_equal(c->kafka[0].val, "PLANT7");
    config_destroy(c);
    c = config_new();
    char *argv6[] = {flag, "--kafka.sasl.password=x"};
    assert_int_equal(config_load(c, 2, argv6, NULL, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "kafka.sasl.password and kafka.sasl.password-file: give one"));
    config_destroy(c);
    /* metrics-auth likewise: a secret option with its -file twin, checked for user:password. */
    c = config_new();
    char *argv8[] = {"--metrics-auth-file", path, "--brokers", "b1:9092"};
    assert_int_equal(config_load(c, 4, argv8, NULL, e, sizeof(e)), ERR_OK);
    assert_string_equal(c->metrics_auth, "PLANT7");
    assert_int_equal(config_check(c, CONFIG_MODE_ANY, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "metrics-auth: want user:password"));
    assert_dump_hides(c, "PLANT7");
    config_destroy(c);
    c = config_new();
    char *argv9[] = {"--metrics-auth", "prom:PLANT9"};
    assert_int_equal(config_load(c, 2, argv9, NULL, e, sizeof(e)), ERR_OK);
    assert_int_equal(config_check(c, CONFIG_MODE_ANY, e, sizeof(e)), ERR_OK);
    assert_dump_hides(c, "PLANT9");
    config_destroy(c);
    c = config_new();
    char *argv7[] = {"--kafka.ssl.key.password-file=/nonexistent/k"};
    assert_int_equal(config_load(c, 1, argv7, NULL, e, sizeof(e)), ERR_CONFIG);
    assert_non_null(strstr(e, "kafka.ssl.key.password-file: cannot open '/nonexistent/k'"));
    config_destroy(c);
    unlink(path);
}

/* Enum options arrive as integers too, in the order of their choices. */
static void test_enum_kinds(void **state) {
    (void)state;
    config_t *c = config_new();
    assert_non_null(c);
    char e[256];
    assert_int_equal(c->sink_kind, CONFIG_SINK_HTTP); /* the default */
    assert_int_equal(c->tenant_policy_kind, CONFIG_TENANT_FILL);
    assert_int_equal(config_set(c, "sink", "chdb", 1, e, sizeof e), ERR_OK);
    assert_int_equal(c->sink_kind, CONFIG_SINK_CHDB);
    assert_int_equal(config_set(c, "tenant-policy", "override", 1, e, sizeof e), ERR_OK);
    assert_int_equal(c->tenant_policy_kind, CONFIG_TENANT_OVERRIDE);
    assert_int_equal(config_set(c, "sink", "kafka", 1, e, sizeof e), ERR_CONFIG);
    assert_int_equal(c->sink_kind, CONFIG_SINK_CHDB); /* a refused value changes nothing */
    assert_int_equal(config_set(c, "sink", "http", 1, e, sizeof e), ERR_OK);
    assert_int_equal(c->sink_kind, CONFIG_SINK_HTTP);
    config_destroy(c);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dump_masks_every_secret),
        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_topics),       cmocka_unit_test(test_eval_outcome_topics),
        cmocka_unit_test(test_format_table),
        cmocka_unit_test(test_bad_values),
        cmocka_unit_test(test_bad_file),     cmocka_unit_test(test_check_modes),
        cmocka_unit_test(test_docs_in_sync), cmocka_unit_test(test_dump_masks_password),
        cmocka_unit_test(test_otlp_options), cmocka_unit_test(test_enum_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
