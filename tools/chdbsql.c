/* chdbsql: runs SQL statements on a libchdb data directory and prints each result (TSV).
 *   chdbsql [--format FORMAT] [--arg ENGINE-ARG]… [--time] DIR "SQL" ["SQL" …]
 * (the demo prints PrettyCompact tables; --arg passes a clickhouse-local argument such as
 * --config-file=F to the engine: t_row_policies.sh queries as a tenant that way; --time
 * prints each statement's wall and CPU seconds (user+sys of the process) to stderr as
 * "TIME <n> <wall> <cpu>", how bench/ measures one statement without the engine's start-up)
 * Test-only: lets shell tests read what a `--sink chdb` worker stored, after it exits
 * (libchdb allows one process per directory at a time). Exit 1 on the first error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "chdb.h"

static double cpu_s(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static double wall_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    const char *format = "TSV", *args[8];
    int n_args = 0, timed = 0;
    for (;;) {
        if (argc > 1 && !strcmp(argv[1], "--time")) {
            timed = 1;
            argv++;
            argc--;
            continue;
        }
        if (argc > 2 && !strcmp(argv[1], "--format")) {
            format = argv[2];
        } else if (argc > 2 && !strcmp(argv[1], "--arg") && n_args < 8) {
            args[n_args++] = argv[2];
        } else {
            break;
        }
        argv += 2;
        argc -= 2;
    }
    if (argc < 3) {
        fprintf(stderr, "usage: chdbsql DIR SQL [SQL…]\n");
        return 2;
    }
    char e[1024];
    chdb_t *db = chdb_open_args(argv[1], args, n_args, e, sizeof(e));
    if (!db) {
        fprintf(stderr, "chdbsql: %s\n", e);
        return 1;
    }
    int rc = 0;
    for (int i = 2; i < argc && !rc; i++) {
        char *out = NULL;
        double w0 = wall_s(), c0 = cpu_s();
        int failed = chdb_exec(db, argv[i], format, &out, NULL, e, sizeof(e)) != 0;
        if (timed) fprintf(stderr, "TIME %d %.3f %.3f\n", i - 1, wall_s() - w0, cpu_s() - c0);
        if (failed) {
            fprintf(stderr, "chdbsql: %s\n", e);
            rc = 1;
        } else if (out) {
            fputs(out, stdout);
        }
        free(out);
    }
    chdb_close(db);
    return rc;
}
