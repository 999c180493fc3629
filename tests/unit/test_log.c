/* Unit tests for log: one line per event, key=value quoting and JSON escaping, levels. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

static size_t capture(const char *format, const char *level, char *out, size_t n) {
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    log_t lg;
    log_init(&lg, format, fds[1]);
    log_set_level(&lg, level);
    log_line_t l;
    log_begin(&lg, &l, LOG_DEBUG, "dbg");
    log_end(&l);
    log_begin(&lg, &l, LOG_WARN, "dead_letter");
    log_str(&l, "reason", "json_syntax");
    log_str(&l, "detail", "bad \"x\"\nnext=1");
    log_int(&l, "offset", -42);
    log_strn(&l, "empty", "", 0);
    log_end(&l);
    close(fds[1]);
    ssize_t r = read(fds[0], out, n - 1);
    close(fds[0]);
    assert_true(r > 0);
    out[r] = 0;
    return (size_t)r;
}

static void test_kv(void **st) {
    (void)st;
    char out[2048];
    capture("kv", "info", out, sizeof(out));
    assert_null(strstr(out, "event=dbg")); /* below the level */
    assert_non_null(strstr(out, " level=warn event=dead_letter reason=json_syntax detail=\"bad \\\"x\\\"\\nnext=1\" offset=-42 empty=\"\"\n"));
    assert_int_equal(strncmp(out, "ts=", 3), 0);
    int lines = 0;
    for (const char *c = out; *c; c++) lines += *c == '\n';
    assert_int_equal(lines, 1); /* one event, one line, even with a newline in a value */
}

static void test_json(void **st) {
    (void)st;
    char out[2048];
    capture("json", "debug", out, sizeof(out));
    assert_non_null(strstr(out, "\"event\":\"dbg\"}\n"));
    assert_non_null(strstr(out, "\"level\":\"warn\",\"event\":\"dead_letter\",\"reason\":\"json_syntax\",\"detail\":\"bad \\\"x\\\"\\nnext=1\",\"offset\":-42,\"empty\":\"\"}\n"));
}

static void test_truncation(void **st) {
    (void)st;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    log_t lg;
    log_init(&lg, "kv", fds[1]);
    static char big[10000];
    memset(big, 'a', sizeof(big) - 1);
    log_line_t l;
    log_begin(&lg, &l, LOG_ERROR, "big");
    log_str(&l, "v", big);
    log_end(&l);
    close(fds[1]);
    static char out[8192];
    ssize_t r = read(fds[0], out, sizeof(out));
    close(fds[0]);
    assert_true(r > 0 && r <= 4096);
    assert_int_equal(out[r - 1], '\n'); /* still one whole line */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kv),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_truncation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
