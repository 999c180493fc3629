/* main: the spanhouse command line: parses the subcommand, loads the configuration and hands
 * over to the worker (run, replay, ingest-file) or to schema apply.
 *
 * Exit codes: 0 clean stop, 2 bad configuration, 1 anything else. Only this file prints
 * usage and exits; the modules return errors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "log.h"

#ifndef SPANHOUSE_VERSION
#define SPANHOUSE_VERSION "0.1.0"
#endif

extern char **environ;

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
            "  schema apply         create the database, tables and views\n"
            "  replay --from T --to T   re-read a time range under <group>-replay, then stop\n"
            "  ingest-file FILE     load a spans.jsonl file through the same path (no Kafka)\n"
            "  help-config [--markdown]  the option reference (docs/configuration.md)\n"
            "  version\n\n"
            "options (also SPANHOUSE_<NAME> environment variables and INI keys):\n%.*s",
            SPANHOUSE_VERSION, (int)b.len, b.data ? (const char *)b.data : "");
    buf_deinit(&b);
}

static int load(config_t *cfg, int argc, char **argv, config_mode_t mode) {
    char e[1024];
    if (config_load(cfg, argc, argv, environ, e, sizeof(e)) != ERR_OK ||
        config_check(cfg, mode, e, sizeof(e)) != ERR_OK) {
        fprintf(stderr, "spanhouse: bad configuration: %s\n", e);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "version") || !strcmp(cmd, "--version")) {
        printf("spanhouse %s\n", SPANHOUSE_VERSION);
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
        if (argc > 2 && !strcmp(argv[2], "--markdown")) config_markdown(&b);
        else config_help(&b);
        fwrite(b.data, 1, b.len, stdout);
        buf_deinit(&b);
        rc = 0;
    } else if (!strcmp(cmd, "check-config")) {
        /* Validates for `run` unless the options say otherwise (--sink/--chdb-path etc.). */
        rc = load(cfg, argc - 2, argv + 2, CONFIG_MODE_RUN);
        if (rc == 0) {
            buf_t b;
            buf_init(&b, 0);
            config_dump(cfg, &b);
            fwrite(b.data, 1, b.len, stdout);
            buf_deinit(&b);
            printf("configuration ok\n");
        }
    } else {
        fprintf(stderr, "spanhouse: unknown command '%s' (see spanhouse --help)\n", cmd);
        rc = 2;
    }
    config_destroy(cfg);
    return rc;
}
