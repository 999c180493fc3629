/* Unit tests for bill: each provider export format read from a small sample written from the
 * provider's documented shape (tests/fixtures/bills/), with hand-computed figures; exact
 * money (cents strings, 9+ decimals, credits); and every error leaves nothing half-decoded
 * and says where. Run from the repository root (make test-unit does). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../ingest/bill.h"
#include "../../ingest/csv.h"

static bill_lines_t lines;
static char err[512];

static int decode_file(bill_format_t f, const char *name) {
    char path[256], *text;
    size_t len;
    snprintf(path, sizeof(path), "tests/fixtures/bills/%s", name);
    assert_int_equal(csv_read_file(path, &text, &len, err, sizeof(err)), 0);
    bill_lines_free(&lines);
    int rc = bill_decode(f, text, len, &lines, err, sizeof(err));
    free(text);
    return rc;
}

static int decode_text(bill_format_t f, const char *text) {
    bill_lines_free(&lines);
    return bill_decode(f, text, strlen(text), &lines, err, sizeof(err));
}

static const bill_line_t *find(const char *model, const char *type) {
    for (size_t i = 0; i < lines.n; i++)
        if (!strcmp(lines.v[i].model, model) && !strcmp(lines.v[i].token_type, type))
            return &lines.v[i];
    fail_msg("no line %s/%s", model, type);
    return NULL;
}

#define DAY1 1764547200 /* 2025-12-01T00:00:00Z */
#define DAY2 1764633600

static void test_formats(void **state) {
    assert_int_equal(bill_format_parse("openai-costs"), BILL_OPENAI_COSTS);
    assert_int_equal(bill_format_parse("csv"), BILL_CSV);
    assert_int_equal(bill_format_parse("anthropic"), -1);
    assert_string_equal(bill_format_name(BILL_ANTHROPIC_USAGE), "anthropic-usage");
}

static void test_openai_costs(void **state) {
    assert_int_equal(decode_file(BILL_OPENAI_COSTS, "openai-costs.json"), 0);
    assert_int_equal(lines.n, 5);
    const bill_line_t *x = find("gpt-4o-2024-08-06", "input");
    assert_int_equal(x->bucket_start, DAY1);
    assert_int_equal(x->amount_nano, 1250000000);
    assert_true(x->has_amount);
    assert_string_equal(x->provider, "openai");
    assert_string_equal(x->project, "proj_search");
    assert_string_equal(x->source_ref, "data[0].results[0]");
    assert_int_equal(find("gpt-4o-2024-08-06", "cached_input")->amount_nano, 312500000);
    assert_int_equal(find("gpt-4o-2024-08-06", "output")->amount_nano, 2000000000);
    /* Not a token line: no model, type other, the line item kept. */
    x = find("", "other");
    assert_string_equal(x->line_item, "web search tool calls");
    assert_int_equal(x->amount_nano, 70000000);
    x = find("gpt-4o-mini", "input");
    assert_int_equal(x->bucket_start, DAY2);
    assert_int_equal(x->amount_nano, 100000000); /* 0.1 is not exact in binary; 9 decimals are */
    assert_string_equal(x->project, "");
}

static void test_openai_usage(void **state) {
    /* JSON Lines: one page per line. */
    assert_int_equal(decode_file(BILL_OPENAI_USAGE, "openai-usage.json"), 0);
    /* input_tokens include the cached: 1,000,000 - 250,000 uncached. */
    const bill_line_t *x = find("gpt-4o-2024-08-06", "input");
    assert_int_equal(x->tokens, 750000);
    assert_false(x->has_amount);
    assert_string_equal(x->service_tier, "standard"); /* "default" */
    assert_string_equal(x->api_key, "key_abc");
    assert_int_equal(find("gpt-4o-2024-08-06", "cached_input")->tokens, 250000);
    assert_int_equal(find("gpt-4o-2024-08-06", "output")->tokens, 200000);
    assert_int_equal(find("gpt-4o-2024-08-06", "requests")->tokens, 120);
    assert_string_equal(find("gpt-4o-mini", "input")->service_tier, "batch");
    x = find("o3", "input");
    assert_string_equal(x->service_tier, "flex");
    assert_int_equal(x->bucket_start, DAY2);
    assert_string_equal(x->source_ref, "[1].data[0].results[0]");
    /* Zero counts make no line: 4 + 3 (mini: no cached) + 3 (o3). */
    assert_int_equal(lines.n, 10);
}

static void test_anthropic_cost(void **state) {
    assert_int_equal(decode_file(BILL_ANTHROPIC_COST, "anthropic-cost.json"), 0);
    assert_int_equal(lines.n, 6);
    /* Amounts are cents as decimal strings: "300.00" = $3. */
    const char *m = "claude-sonnet-4-20250514";
    assert_int_equal(find(m, "input")->amount_nano, 3000000000);
    assert_int_equal(find(m, "cache_write_5m")->amount_nano, 375000000);
    assert_int_equal(find(m, "cache_write_1h")->amount_nano, 600000000);
    assert_int_equal(find(m, "cached_input")->amount_nano, 30000000);
    /* 1500.123456789 cents = $15.00123456789 -> 15.001234568 (rounded half up at the nano) */
    assert_int_equal(find(m, "output")->amount_nano, 15001234568);
    const bill_line_t *x = find(m, "input");
    assert_string_equal(x->project, "wrkspc_support");
    assert_string_equal(x->context_window, "0-200k");
    assert_string_equal(x->service_tier, "standard");
    assert_string_equal(x->line_item, "Claude Sonnet 4 Usage - Input Tokens");
    assert_int_equal(x->bucket_start, DAY1);
    assert_int_equal(find("", "web_search")->amount_nano, 10000000);
}

static void test_anthropic_usage(void **state) {
    assert_int_equal(decode_file(BILL_ANTHROPIC_USAGE, "anthropic-usage.json"), 0);
    const char *m = "claude-sonnet-4-20250514";
    assert_int_equal(lines.n, 6);
    assert_int_equal(find(m, "input")->tokens, 1000000);
    assert_int_equal(find(m, "cache_write_5m")->tokens, 100000);
    assert_int_equal(find(m, "cache_write_1h")->tokens, 100000);
    assert_int_equal(find(m, "cached_input")->tokens, 100000);
    assert_int_equal(find(m, "output")->tokens, 1000000);
    assert_int_equal(find(m, "web_search")->tokens, 100);
    assert_string_equal(find(m, "output")->api_key, "apikey_01");
}

static void test_csv(void **state) {
    assert_int_equal(decode_file(BILL_CSV, "bill.csv"), 0);
    assert_int_equal(lines.n, 3);
    const bill_line_t *x = find("gemini-2.5-pro", "output");
    assert_int_equal(x->amount_nano, 1000000001); /* exact: 9 decimals */
    assert_int_equal(x->tokens, 100000);
    assert_int_equal(x->bucket_start, DAY1);
    assert_string_equal(x->source_ref, "line 4");
    x = find("gemini-2.5-flash", "input");
    assert_int_equal(x->amount_nano, -500000000); /* a credit */
    assert_int_equal(x->tokens, 0);
    assert_string_equal(x->line_item, "credit");
}

/* Errors say where, and nothing is half-decoded: lines already there stay, new ones do not. */
static void test_errors(void **state) {
    static const struct {
        bill_format_t f;
        const char *text, *want;
    } cases[] = {
        {BILL_OPENAI_COSTS, "{\"data\": [", "1:"},
        {BILL_OPENAI_COSTS, "{\"object\": \"page\"}", "page.data: missing"},
        {BILL_OPENAI_COSTS,
         "{\"data\": [{\"start_time\": 1, \"results\": [{\"amount\": {\"value\": 1}}, "
         "{\"amount\": {\"value\": \"x\"}}]}]}",
         "data[0].results[1].amount.value: not a number"},
        {BILL_OPENAI_COSTS,
         "{\"data\": [{\"start_time\": 1, \"results\": [{\"amount\": {\"value\": 1, \"currency\": "
         "\"eur\"}}]}]}",
         "data[0].results[0].amount.currency: not usd"},
        {BILL_OPENAI_USAGE, "{\"data\": [{\"results\": []}]}", "data[0].start_time: missing"},
        {BILL_OPENAI_USAGE,
         "{\"data\": [{\"start_time\": 1, \"results\": [{\"input_tokens\": 5, "
         "\"input_cached_tokens\": 6}]}]}",
         "data[0].results[0].input_cached_tokens: more than input_tokens"},
        {BILL_OPENAI_USAGE,
         "{\"data\": [{\"start_time\": 1, \"results\": [{\"input_tokens\": -5}]}]}",
         "data[0].results[0].input_tokens: not a non-negative integer"},
        {BILL_ANTHROPIC_COST, "{\"data\": [{\"starting_at\": \"yesterday\", \"results\": []}]}",
         "data[0].starting_at: not an RFC 3339 time"},
        {BILL_ANTHROPIC_COST,
         "{\"data\": [{\"starting_at\": \"2025-12-01T00:00:00Z\", \"results\": [{\"amount\": "
         "\"12,5\"}]}]}",
         "data[0].results[0].amount: not a decimal number"},
        {BILL_ANTHROPIC_USAGE,
         "{\"data\": [{\"starting_at\": \"2025-12-01T00:00:00Z\", \"results\": "
         "[{\"cache_creation\": 3}]}]}",
         "data[0].results[0].cache_creation: not an object"},
        {BILL_ANTHROPIC_USAGE, "{\"data\": []}\n{\"data\": [}\n", "2:"},
        {BILL_CSV, "day,provider,amount_usd\n2025-12-01,openai,1\n2025-13-01,openai,1\n",
         "3:1: day: not a date"},
        {BILL_CSV, "day,provider,amount_usd\n2025-12-01,openai,1.5x\n",
         "2:19: amount_usd: not a decimal"},
        {BILL_CSV, "day,provider,tokens\n2025-12-01,openai,-1\n",
         "2:19: tokens: not a non-negative"},
        {BILL_CSV, "day,provider\n2025-12-01,openai\n",
         "1:1: the header needs tokens or amount_usd"},
        {BILL_CSV, "day,provider,colour,tokens\n", "1:14:"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(decode_file(BILL_CSV, "bill.csv"), 0);
        size_t before = lines.n;
        if (bill_decode(cases[i].f, cases[i].text, strlen(cases[i].text), &lines, err,
                        sizeof(err)) != -1)
            fail_msg("case %zu decoded", i);
        if (!strstr(err, cases[i].want))
            fail_msg("case %zu: '%s' lacks '%s'", i, err, cases[i].want);
        assert_int_equal(lines.n, before);
    }
    /* Big money stays exact; too big is refused rather than wrapped. */
    assert_int_equal(
        decode_text(BILL_CSV, "day,provider,amount_usd\n2025-12-01,openai,9000000000.123456789\n"),
        0);
    assert_int_equal(lines.v[0].amount_nano, 9000000000123456789);
    assert_int_equal(
        decode_text(BILL_CSV, "day,provider,amount_usd\n2025-12-01,openai,9300000000\n"), -1);
    assert_non_null(strstr(err, "too large"));
}

static int teardown(void **state) {
    bill_lines_free(&lines);
    return 0;
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats),         cmocka_unit_test(test_openai_costs),
        cmocka_unit_test(test_openai_usage),    cmocka_unit_test(test_anthropic_cost),
        cmocka_unit_test(test_anthropic_usage), cmocka_unit_test(test_csv),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, teardown);
}
