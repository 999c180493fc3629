/* Unit tests for price: effective_from boundaries, cache/reasoning/batch arithmetic checked
 * against hand-computed figures, rounding to the nano-USD, name matching rules, unknown
 * models, producer cost kept beside the computed one, CSV errors, and the shipped table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "../../ingest/price.h"

/* Epoch ms of 00:00 UTC (checked with `date -u -d 2024-10-02 +%s`). */
#define MS_2024_05_13 1715558400000ll
#define MS_2024_10_02 1727827200000ll
#define MS_2025_01_01 1735689600000ll
#define MS_2025_06_10 1749513600000ll

static const char *TABLE =
    "# test table\n"
    "provider,model,effective_from,input_per_1m,output_per_1m,cache_read_per_1m,"
    "cache_write_per_1m,reasoning_per_1m,batch_discount,aliases,notes\n"
    "openai,gpt-4o,2024-05-13,5.00,15.00,,,,0.5,,launch\n"
    "openai,gpt-4o,2024-10-02,2.50,10.00,1.25,,,0.5,,cut\n"
    "openai,gpt-4o-2024-05-13,2024-05-13,5,15,,,,0.5,,\n"
    "anthropic,claude-3-5-sonnet,2024-06-20,3,15,0.30,3.75,,0.5,,\n"
    "x,reasoner,2025-01-01,1,4,,,20,,,\n"
    "x,tiny,2025-01-01,0.0005,0.0004,,,,0.5,,sub-nano prices for rounding\n"
    "together,llama-70b,2025-01-01,1,1,,,,,,\n"
    "groq,llama-70b,2025-01-01,2,2,,,,,,\n"
    "mistral,mistral-large,2025-01-01,2,6,,,,,\"big|mistral-large-2411\",\n"
    "x,abcdefghijklmnopqrstuvwxyz-@[`{~\xc3\xa1-0123456789,2025-01-01,7,7,,,,,,\n";

static price_table_t *load_table(void) {
    char err[256] = "";
    price_table_t *pt = price_parse(TABLE, strlen(TABLE), "t.csv", err, sizeof(err));
    if (!pt) fail_msg("%s", err);
    return pt;
}

static void span_init(span_t *s, const char *prov, const char *model, int64_t ts) {
    span_reset(s);
    s->provider = span_str(prov, strlen(prov));
    s->model = span_str(model, strlen(model));
    s->ts_ms = ts;
}

static void test_count_and_null(void **state) {
    (void)state;
    price_table_t *pt = load_table();
    assert_int_equal(price_count(pt), 10);
    assert_int_equal(price_count(NULL), 0);
    price_destroy(pt);
    price_destroy(NULL);
    span_t s;
    span_init(&s, "openai", "gpt-4o", MS_2024_10_02);
    assert_int_equal(price_apply(NULL, &s), 0);
    assert_true(span_str_eq(s.pricing_status, "unknown_model"));
}

/* gpt-4o, 1000 input + 500 output tokens.
 * Before 2024-10-02: 1000 x $5 + 500 x $15 = $12,500 per 1M -> $0.0125 = 12,500,000 nUSD.
 * From 2024-10-02 00:00 UTC: 1000 x $2.50 + 500 x $10 = $7,500 per 1M = 7,500,000 nUSD. */
static void test_price_change_boundary(void **state) {
    (void)state;
    price_table_t *pt = load_table();
    span_t s;
    span_init(&s, "openai", "gpt-4o", MS_2024_10_02 - 1);
    s.input_tokens = 1000;
    s.output_tokens = 500;
    assert_int_equal(price_apply(pt, &s), 1);
    assert_int_equal(s.cost_computed_nusd, 12500000);
    assert_int_equal(s.cost_nusd, 12500000);
    assert_true(span_str_eq(s.cost_source, "computed"));
    assert_true(span_str_eq(s.pricing_status, "ok"));
    s.ts_ms = MS_2024_10_02;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 7500000);
    s.ts_ms = MS_2024_10_02 + 86400000ll * 400;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 7500000);
    /* Before the first known row the earliest price applies. */
    s.ts_ms = MS_2024_05_13 - 86400000ll * 30;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 12500000);
    price_destroy(pt);
}

/* claude-3-5-sonnet: 10,000 input tokens of which 6,000 cache reads and 2,000 cache writes,
 * 1,000 output tokens:
 *   2,000 uncached x $3     =  6,000
 *   6,000 cache read x $0.30 =  1,800
 *   2,000 cache write x $3.75=  7,500
 *   1,000 output x $15       = 15,000
 *   total $30,300 per 1M = $0.0303 = 30,300,000 nUSD; batch (50% off) = 15,150,000. */
static void test_cache_arithmetic_and_batch(void **state) {
    (void)state;
    price_table_t *pt = load_table();
    span_t s;
    span_init(&s, "anthropic", "claude-3-5-sonnet", MS_2025_01_01);
    s.input_tokens = 10000;
    s.cache_read_tokens = 6000;
    s.cache_write_tokens = 2000;
    s.output_tokens = 1000;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 30300000);
    s.is_batch = 1;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 15150000);
    /* gpt-4o (new price) has cache reads at $1.25: 1000 in of which 400 cached, 100 out:
     * 600 x 2.5 + 400 x 1.25 + 100 x 10 = 1500 + 500 + 1000 = $3000/1M = 3,000,000 nUSD;
     * batch: 1,500,000. */
    span_init(&s, "openai", "gpt-4o", MS_2024_10_02);
    s.input_tokens = 1000;
    s.cache_read_tokens = 400;
    s.output_tokens = 100;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 3000000);
    s.is_batch = 1;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 1500000);
    /* A model with no batch discount ignores is_batch: reasoner below. */
    price_destroy(pt);
}

/* x/reasoner: input $1, output $4, reasoning $20. 1,000 input, 3,000 output of which 2,000
 * reasoning: 1000 x 1 + 1000 x 4 + 2000 x 20 = 1000 + 4000 + 40000 = $45,000/1M
 * = 45,000,000 nUSD. No batch discount on this row, so is_batch changes nothing. */
static void test_reasoning_arithmetic(void **state) {
    (void)state;
    price_table_t *pt = load_table();
    span_t s;
    span_init(&s, "x", "reasoner", MS_2025_01_01);
    s.input_tokens = 1000;
    s.output_tokens = 3000;
    s.reasoning_tokens = 2000;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 45000000);
    s.is_batch = 1;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 45000000);
    price_destroy(pt);
}

/* x/tiny: input $0.0005/1M = 0.5 nUSD per token, output $0.0004/1M = 0.4 nUSD per token.
 * Rounding is half-up, once per span (not per component). */
static void test_rounding(void **state) {
    (void)state;
    price_table_t *pt = load_table();
    span_t s;
    span_init(&s, "x", "tiny", MS_2025_01_01);
    s.input_tokens = 1; /* 0.5 -> 1 */
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 1);
    s.input_tokens = 0;
    s.output_tokens = 1; /* 0.4 -> 0 */
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 0);
    s.input_tokens = 1; /* 0.5 + 0.4 = 0.9 -> 1 (rounding each part would give 1 + 0) */
    s.output_tokens = 1;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 1);
    s.input_tokens = 3; /* 1.5 -> 2 */
    s.output_tokens = 0;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 2);
    s.input_tokens = 1; /* batch: 0.5 x 0.5 = 0.25 -> 0 */
    s.is_batch = 1;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 0);
    s.input_tokens = 3; /* batch: 1.5 x 0.5 = 0.75 -> 1 */
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 1);
    /* Largest counts: 4294967295 x (0.5 + 0.4) = 3865470565.5 -> 3865470566, no overflow. */
    s.is_batch = 0;
    s.input_tokens = UINT32_MAX;
    s.output_tokens = UINT32_MAX;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 3865470566ll);
    price_destroy(pt);
}

static void test_inconsistent_tokens_clamped(void **state) {
    (void)state;
    price_table_t *pt = load_table();
    span_t s;
    /* cache_read 5000 > input 1000: all 1000 are cache reads at $1.25 = 1,250,000 nUSD. */
    span_init(&s, "openai", "gpt-4o", MS_2024_10_02);
    s.input_tokens = 1000;
    s.cache_read_tokens = 5000;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 1250000);
    /* claude: input 1000, cache read 800, cache write 500 -> writes clamp to 200:
     * 800 x 0.30 + 200 x 3.75 = 240 + 750 = $990/1M = 990,000 nUSD. */
    span_init(&s, "anthropic", "claude-3-5-sonnet", MS_2025_01_01);
    s.input_tokens = 1000;
    s.cache_read_tokens = 800;
    s.cache_write_tokens = 500;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 990000);
    /* reasoning 10 > output 5: 5 x $20 = $100/1M = 100,000 nUSD. */
    span_init(&s, "x", "reasoner", MS_2025_01_01);
    s.output_tokens = 5;
    s.reasoning_tokens = 10;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 100000);
    price_destroy(pt);
}

/* Returns the input price (nano-USD per 1M) the lookup finds, or -1. */
static int64_t input_price(const price_table_t *pt, const char *prov, const char *model,
                           int64_t ts) {
    const price_row_t *r =
        price_lookup(pt, span_str(prov, strlen(prov)), span_str(model, strlen(model)), ts);
    return r ? (int64_t)r->input : -1;
}

static void test_name_matching(void **state) {
    (void)state;
    price_table_t *pt = load_table();
    int64_t t = MS_2025_01_01;
    assert_int_equal(input_price(pt, "openai", "gpt-4o", t), 2500000000ll);
    assert_int_equal(input_price(pt, "OpenAI", "GPT-4o", t), 2500000000ll); /* case */
    assert_int_equal(input_price(pt, "openai", "gpt-4o-2024-08-06", t), 2500000000ll);
    /* An exact snapshot row wins over stripping to the base name. */
    assert_int_equal(input_price(pt, "openai", "gpt-4o-2024-05-13", t), 5000000000ll);
    assert_int_equal(input_price(pt, "openai", "gpt-4o-0806", t), 2500000000ll);
    assert_int_equal(input_price(pt, "", "openai/gpt-4o", t), 2500000000ll);
    assert_int_equal(input_price(pt, "openrouter", "openai/gpt-4o-2024-11-20", t), 2500000000ll);
    assert_int_equal(input_price(pt, "azure", "gpt-4o", t), 2500000000ll); /* model only */
    assert_int_equal(input_price(pt, "", "gpt-4o", t), 2500000000ll);
    assert_int_equal(input_price(pt, "anthropic", "claude-3-5-sonnet-20241022", t), 3000000000ll);
    assert_int_equal(input_price(pt, "anthropic", "claude-3-5-sonnet-latest", t), 3000000000ll);
    assert_int_equal(input_price(pt, "vertex", "claude-3-5-sonnet@20240620", t), 3000000000ll);
    assert_int_equal(
        input_price(pt, "bedrock", "us.anthropic.claude-3-5-sonnet-20241022-v2:0", t),
        3000000000ll);
    /* Provider decides between two hosts; without one the first listed wins. */
    assert_int_equal(input_price(pt, "groq", "llama-70b", t), 2000000000ll);
    assert_int_equal(input_price(pt, "together", "llama-70b", t), 1000000000ll);
    assert_int_equal(input_price(pt, "", "llama-70b", t), 1000000000ll);
    assert_int_equal(input_price(pt, "fireworks", "llama-70b", t), 1000000000ll);
    /* Aliases. */
    assert_int_equal(input_price(pt, "mistral", "big", t), 2000000000ll);
    assert_int_equal(input_price(pt, "", "MISTRAL-LARGE-2411", t), 2000000000ll);
    /* Lower-casing (8 bytes at a time) touches only A-Z, at every offset. */
    assert_int_equal(
        input_price(pt, "X", "ABCDEFGHIJKLMNOPQRSTUVWXYZ-@[`{~\xc3\xa1-0123456789", t),
        7000000000ll);
    assert_int_equal(
        input_price(pt, "x", "abcdefghijklmnopqrstuvwxyz-@[`{~\xc3\x81-0123456789", t), -1);
    assert_int_equal(
        input_price(pt, "x", "abcdefghijklmnopqrstuvwxyz-`[`{~\xc3\xa1-0123456789", t), -1);
    assert_int_equal(
        input_price(pt, "x", "abcdefghijklmnopqrstuvwxyz-@{`{~\xc3\xa1-0123456789", t), -1);
    assert_int_equal(
        input_price(pt, "x", "abcdefghijklmnopqrstuvwxyz-@[@{~\xc3\xa1-0123456789", t), -1);
    /* Not matches: a different model is not a snapshot of a shorter name. */
    assert_int_equal(input_price(pt, "openai", "gpt-4o-mini", t), -1);
    assert_int_equal(input_price(pt, "openai", "gpt-4", t), -1);
    assert_int_equal(input_price(pt, "openai", "gpt-4o2", t), -1);
    assert_int_equal(input_price(pt, "openai", "gpt-4o-preview", t), -1); /* not a tag */
    assert_int_equal(input_price(pt, "openai", "gpt-4o-exp", t), -1);
    assert_int_equal(input_price(pt, "openai", "gpt-4o-12", t), -1); /* 2 digits: not a tag */
    assert_int_equal(input_price(pt, "openai", "", t), -1);
    char longname[400];
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = 0;
    assert_int_equal(input_price(pt, "openai", longname, t), -1);
    price_destroy(pt);
}

static void test_apply_sources(void **state) {
    (void)state;
    price_table_t *pt = load_table();
    span_t s;
    /* Producer cost kept, computed beside it. */
    span_init(&s, "openai", "gpt-4o", MS_2024_10_02);
    s.input_tokens = 1000;
    s.output_tokens = 500;
    s.cost_nusd = 7000000;
    s.present |= SPAN_HAS_COST;
    assert_int_equal(price_apply(pt, &s), 1);
    assert_int_equal(s.cost_nusd, 7000000);
    assert_int_equal(s.cost_computed_nusd, 7500000);
    assert_true(span_str_eq(s.cost_source, "producer"));
    assert_true(span_str_eq(s.pricing_status, "ok"));
    /* A response-cache hit without producer cost: nothing spent, the avoided list price
     * beside it (same tokens as above: 1000 x $2.50 + 500 x $10 = 7,500,000 nUSD). */
    span_init(&s, "openai", "gpt-4o", MS_2024_10_02);
    s.input_tokens = 1000;
    s.output_tokens = 500;
    s.cache_hit = 1;
    assert_int_equal(price_apply(pt, &s), 1);
    assert_int_equal(s.cost_nusd, 0);
    assert_int_equal(s.cost_computed_nusd, 7500000);
    assert_true(span_str_eq(s.cost_source, "cache_hit"));
    /* response_model is tried first. */
    span_init(&s, "", "gpt-4o", MS_2025_01_01);
    s.response_model = SPAN_STR_LIT("claude-3-5-sonnet-20241022");
    s.output_tokens = 1000; /* 1000 x $15 = 15,000,000 nUSD */
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 15000000);
    /* Unknown response_model falls back to model: 1000 x $10. */
    s.response_model = SPAN_STR_LIT("some-fine-tune");
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 10000000);
    /* Unknown model without producer cost. */
    span_init(&s, "openai", "gpt-9", MS_2025_01_01);
    s.input_tokens = 10;
    s.cost_nusd = 123; /* stale value must not survive */
    s.cost_computed_nusd = 456;
    assert_int_equal(price_apply(pt, &s), 0);
    assert_int_equal(s.cost_nusd, 0);
    assert_int_equal(s.cost_computed_nusd, 0);
    assert_true(span_str_eq(s.cost_source, "none"));
    assert_true(span_str_eq(s.pricing_status, "unknown_model"));
    /* Unknown model with producer cost. */
    s.cost_nusd = 999;
    s.present |= SPAN_HAS_COST;
    assert_int_equal(price_apply(pt, &s), 0);
    assert_int_equal(s.cost_nusd, 999);
    assert_int_equal(s.cost_computed_nusd, 0);
    assert_true(span_str_eq(s.cost_source, "producer"));
    assert_true(span_str_eq(s.pricing_status, "unknown_model"));
    /* No model at all. */
    span_init(&s, "openai", "", MS_2025_01_01);
    assert_int_equal(price_apply(pt, &s), 0);
    price_destroy(pt);
}

static const char *HDR =
    "provider,model,effective_from,input_per_1m,output_per_1m,batch_discount,aliases\n";

static void expect_parse_error(const char *body, const char *want) {
    char text[1024], err[256] = "";
    snprintf(text, sizeof(text), "%s%s", HDR, body);
    price_table_t *pt = price_parse(text, strlen(text), "p.csv", err, sizeof(err));
    if (pt) fail_msg("parsed, expected error \"%s\"", want);
    if (!strstr(err, want)) fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

/* Long-context tier, Claude Sonnet 4.5's list prices (2025): up to 200k input tokens $3 / $15,
 * cache read $0.30, cache write $3.75; above, the whole request at $6 / $22.50 / $0.60 / $7.50. */
static void test_long_context(void **state) {
    (void)state;
    const char *t =
        "provider,model,effective_from,input_per_1m,output_per_1m,cache_read_per_1m,"
        "cache_write_per_1m,long_context_above,input_long_per_1m,output_long_per_1m,"
        "cache_read_long_per_1m,cache_write_long_per_1m\n"
        "anthropic,claude-sonnet-4-5,2025-09-29,3,15,0.30,3.75,200000,6,22.50,0.60,7.50\n"
        "google,gemini-2.5-pro,2025-06-17,1.25,10,,,200000,2.50,15,,\n"
        "openai,gpt-4o,2024-10-02,2.50,10.00,1.25,,,,,,\n";
    char err[256] = "";
    price_table_t *pt = price_parse(t, strlen(t), "l.csv", err, sizeof(err));
    if (!pt) fail_msg("%s", err);
    span_t s;
    /* 200,000 input tokens exactly: still the short prices. 150k plain + 50k cached, 1k out:
     * 150000 x 3 + 50000 x 0.30 + 1000 x 15 = 450,000 + 15,000 + 15,000 = $0.48. */
    span_init(&s, "anthropic", "claude-sonnet-4-5", MS_2025_06_10 + 200ll * 86400000);
    s.input_tokens = 200000;
    s.cache_read_tokens = 50000;
    s.output_tokens = 1000;
    assert_int_equal(price_apply(pt, &s), 1);
    assert_int_equal(s.cost_computed_nusd, 480000000);
    assert_string_equal(s.pricing_status.p, "ok");
    /* 250,000 (200k plain + 50k cached), 1k out, at the long prices: 200000 x 6 + 50000 x 0.60
     * + 1000 x 22.50 = 1,200,000 + 30,000 + 22,500 = $1.2525. */
    s.input_tokens = 250000;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 1252500000);
    assert_string_equal(s.pricing_status.p, "long_context");
    /* Cache writes at the long price: 210k of which 10k written, 0 out: 200000 x 6 + 10000 x
     * 7.50 = 1,275,000 -> $1.275. */
    s.input_tokens = 210000;
    s.cache_read_tokens = 0;
    s.cache_write_tokens = 10000;
    s.output_tokens = 0;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 1275000000);
    /* Gemini: no explicit cache price, so cached input follows the (long) input price;
     * reasoning follows the long output price. 300k in, 2k out of which 1k thinking:
     * 300000 x 2.50 + 2000 x 15 = 750,000 + 30,000 = $0.78. */
    span_init(&s, "google", "gemini-2.5-pro", MS_2025_06_10 + 30ll * 86400000);
    s.input_tokens = 300000;
    s.cache_read_tokens = 100000;
    s.output_tokens = 2000;
    s.reasoning_tokens = 1000;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 780000000);
    /* A row without a tier never switches, however long the prompt. */
    span_init(&s, "openai", "gpt-4o", MS_2025_06_10);
    s.input_tokens = 1000000;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 2500000000);
    assert_string_equal(s.pricing_status.p, "ok");
    price_destroy(pt);
    /* Errors: a tier needs its threshold and its input/output prices, and the long price of a
     * cache class the row prices explicitly. */
    const char *h = "provider,model,effective_from,input_per_1m,output_per_1m,cache_read_per_1m,"
                    "long_context_above,input_long_per_1m,output_long_per_1m,cache_read_long_per_1m\n";
    const struct {
        const char *row, *want;
    } bad[] = {
        {"a,m,2025-01-01,1,2,,,3,4,\n", "l.csv:2:22: input_long_per_1m without long_context_above"},
        {"a,m,2025-01-01,1,2,,1000,,4,\n", "l.csv:2:26: input_long_per_1m is required"},
        {"a,m,2025-01-01,1,2,0.1,1000,3,4,\n",
         "l.csv:2:33: cache_read_long_per_1m is required with long_context_above when"},
        {"a,m,2025-01-01,1,2,,2e5,3,4,\n", "l.csv:2:21: long_context_above: not a whole number"},
        {"a,m,2025-01-01,1,2,,0,3,4,\n", "l.csv:2:21: long_context_above: must be above 0"},
        {"a,m,2025-01-01,1,2,,1000,x,4,\n", "l.csv:2:26: input_long_per_1m: not a number"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char text[1024];
        snprintf(text, sizeof(text), "%s%s", h, bad[i].row);
        assert_null(price_parse(text, strlen(text), "l.csv", err, sizeof(err)));
        if (!strstr(err, bad[i].want)) fail_msg("row %zu: got \"%s\", want \"%s\"", i, err, bad[i].want);
    }
}

/* Fallback prices (model *) are kept for the unpriced-spend estimate and never price a span. */
/* 1-hour cache writes, service tiers and web-search fees, hand-computed. */
static void test_tiers_and_fees(void **state) {
    (void)state;
    const char *t =
        "provider,model,effective_from,input_per_1m,output_per_1m,cache_read_per_1m,"
        "cache_write_per_1m,batch_discount,cache_write_1h_per_1m,flex_factor,web_search_per_1k\n"
        "anthropic,claude-sonnet-4-5,2025-09-29,3,15,0.30,3.75,0.5,6,0.5,10\n"
        "openai,gpt-4o,2024-10-02,2.50,10.00,1.25,,0.5,,,\n";
    char err[256] = "";
    price_table_t *pt = price_parse(t, strlen(t), "x.csv", err, sizeof(err));
    if (!pt) fail_msg("%s", err);
    span_t s;
    /* 150k in: 20k cache reads, 100k cache writes of which 40k for 1 hour; 10k out; 3 web
     * searches: 30000 x 3 + 20000 x 0.30 + 60000 x 3.75 + 40000 x 6 + 10000 x 15 = 90,000 +
     * 6,000 + 225,000 + 240,000 + 150,000 = $0.711 of tokens, + 3 x $10 / 1000 = $0.741. */
    span_init(&s, "anthropic", "claude-sonnet-4-5", MS_2025_06_10 + 200ll * 86400000);
    s.input_tokens = 150000;
    s.cache_read_tokens = 20000;
    s.cache_write_tokens = 100000;
    s.cache_write_1h_tokens = 40000;
    s.output_tokens = 10000;
    s.web_search_calls = 3;
    assert_int_equal(price_apply(pt, &s), 1);
    assert_int_equal(s.cost_computed_nusd, 741000000);
    assert_string_equal(s.pricing_status.p, "ok");
    /* Flex at 0.5: the tokens halved, the fee not: 0.3555 + 0.03 = $0.3855. */
    s.service_tier = SPAN_STR_LIT("flex");
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 385500000);
    /* Batch by service_tier (not is_batch): the batch discount, the same here. */
    s.service_tier = SPAN_STR_LIT("Batch");
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 385500000);
    /* Priority without a factor in the row: standard price, and the status says so. */
    s.service_tier = SPAN_STR_LIT("priority");
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 741000000);
    assert_string_equal(s.pricing_status.p, "tier_default");
    /* "default" / "standard" are the standard tier. */
    s.service_tier = SPAN_STR_LIT("default");
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 741000000);
    assert_string_equal(s.pricing_status.p, "ok");
    /* A 1-hour count above the writes is clamped to them (all 100k at $6): 90,000 + 6,000 +
     * 600,000 + 150,000 = $0.846 + $0.03. */
    s.cache_write_1h_tokens = 500000;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 876000000);
    /* A row without a 1-hour price bills those writes at its cache-write price (= input here),
     * and web searches without a fee leave the status fee_unpriced. 10k in of which 4k 1-hour
     * writes, 1 search: 10000 x 2.50 = $0.025. */
    span_init(&s, "openai", "gpt-4o", MS_2025_06_10);
    s.input_tokens = 10000;
    s.cache_write_tokens = 4000;
    s.cache_write_1h_tokens = 4000;
    s.web_search_calls = 1;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 25000000);
    assert_string_equal(s.pricing_status.p, "fee_unpriced");
    price_destroy(pt);
    /* Errors: a zero factor, a 1-hour long price without a tier. */
    static const char *const bad[][2] = {
        {"provider,model,effective_from,input_per_1m,output_per_1m,flex_factor\na,m,2025-01-01,1,2,0\n",
         "x.csv:2:20: flex_factor: must be above 0"},
        {"provider,model,effective_from,input_per_1m,output_per_1m,cache_write_1h_long_per_1m\n"
         "a,m,2025-01-01,1,2,3\n",
         "x.csv:2:20: cache_write_1h_long_per_1m without long_context_above"},
        {"provider,model,effective_from,input_per_1m,output_per_1m,web_search_per_1k\na,m,2025-01-01,1,2,ten\n",
         "x.csv:2:20: web_search_per_1k: not a number"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(price_parse(bad[i][0], strlen(bad[i][0]), "x.csv", err, sizeof(err)));
        if (strncmp(err, bad[i][1], strlen(bad[i][1]))) fail_msg("got '%s', want '%s'", err, bad[i][1]);
    }
}

static void test_fallback_rows(void **state) {
    (void)state;
    const char *t = "provider,model,effective_from,input_per_1m,output_per_1m,aliases\n"
                    "openai,*,2025-01-01,5,15,\n"
                    "*,*,2025-01-01,10,30,\n"
                    "openai,gpt-4o,2024-10-02,2.50,10.00,\n";
    char err[256] = "";
    price_table_t *pt = price_parse(t, strlen(t), "f.csv", err, sizeof(err));
    if (!pt) fail_msg("%s", err);
    span_t s;
    const char *models[] = {"gpt-9", "*", "gpt-4o"};
    for (int i = 0; i < 3; i++) {
        span_init(&s, "openai", models[i], MS_2025_06_10);
        s.input_tokens = 1000;
        assert_int_equal(price_apply(pt, &s), i == 2);
        assert_string_equal(s.pricing_status.p, i == 2 ? "ok" : "unknown_model");
    }
    price_destroy(pt);
    t = "provider,model,effective_from,input_per_1m,output_per_1m,aliases\n"
        "openai,*,2025-01-01,5,15,\n"
        "openai,*,2025-01-01,6,16,\n";
    assert_null(price_parse(t, strlen(t), "f.csv", err, sizeof(err)));
    assert_non_null(strstr(err, "f.csv:3:1: openai/* already has a fallback price from this date (line 2)"));
    t = "provider,model,effective_from,input_per_1m,output_per_1m,aliases\n"
        "openai,*,2025-01-01,5,15,any\n";
    assert_null(price_parse(t, strlen(t), "f.csv", err, sizeof(err)));
    assert_non_null(strstr(err, "f.csv:2:26: a fallback price (model *) takes no aliases"));
}

static void test_parse_errors(void **state) {
    (void)state;
    char err[256] = "";
    expect_parse_error("openai,a,2024-13-01,1,1,,\n", "p.csv:2:10: effective_from");
    expect_parse_error("openai,a,2024-02-30,1,1,,\n", "p.csv:2:10: effective_from");
    expect_parse_error("openai,a,2024-1-01,1,1,,\n", "p.csv:2:10: effective_from");
    expect_parse_error("openai,a,2024-01-01,1,1,,\nopenai,b,2024-01-01,1.0000000001,1,,\n",
                       "p.csv:3:21: input_per_1m: more than 9 decimal places");
    expect_parse_error("openai,a,2024-01-01,abc,1,,\n", "p.csv:2:21: input_per_1m: not a number");
    expect_parse_error("openai,a,2024-01-01,-1,1,,\n", "p.csv:2:21: input_per_1m: negative");
    expect_parse_error("openai,a,2024-01-01,1,,,\n", "p.csv:2:23: output_per_1m is required");
    expect_parse_error("openai,a,2024-01-01,1,1,1.5,\n", "p.csv:2:25: batch_discount");
    expect_parse_error("openai,a,2024-01-01,1,1,,\n\nopenai,A,2024-01-01,2,2,,\n",
                       "p.csv:4:1: openai/a already has a price from this date (line 2)");
    expect_parse_error("openai,a,2024-01-01,1,1\n", "p.csv:2:1: expected 7 fields");
    expect_parse_error("openai,a,2024-01-01,1,1,,,\n", "p.csv:2:1: expected 7 fields");
    expect_parse_error(",a,2024-01-01,1,1,,\n", "p.csv:2:1: provider");
    expect_parse_error("openai,a b,2024-01-01,1,1,,\n", "p.csv:2:8: model");
    expect_parse_error("openai,\"a,2024-01-01,1,1,,\n", "p.csv:2:8: unterminated quoted field");
    expect_parse_error("openai,a,2024-01-01,1,1,,x\nopenai,b,2024-01-01,1,1,,x\n",
                       "p.csv:3:1: alias \"x\" already names openai/a");
    expect_parse_error("openai,a,2024-01-01,2000000,1,,\n", "too large");
    /* Header problems. */
    const char *t = "provider,model,effective_from,input_per_1m\n";
    assert_null(price_parse(t, strlen(t), "p.csv", err, sizeof(err)));
    assert_non_null(strstr(err, "p.csv:1:1: header lacks required column \"output_per_1m\""));
    t = "provider,model,effective_from,input_per_1m,output_per_1m,colour\n";
    assert_null(price_parse(t, strlen(t), "p.csv", err, sizeof(err)));
    assert_non_null(strstr(err, "p.csv:1:58: unknown column \"colour\""));
    t = "# only a comment\n";
    assert_null(price_parse(t, strlen(t), NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "pricing:1:1: empty file"));
    /* A header alone is a valid, empty table. */
    t = "provider,model,effective_from,input_per_1m,output_per_1m\n";
    price_table_t *pt = price_parse(t, strlen(t), "p.csv", err, sizeof(err));
    assert_non_null(pt);
    assert_int_equal(price_count(pt), 0);
    span_t s;
    span_init(&s, "openai", "gpt-4o", 0);
    assert_int_equal(price_apply(pt, &s), 0);
    price_destroy(pt);
    /* Errors with a NULL or tiny errstr do not crash. */
    assert_null(price_parse("x\n", 2, "p.csv", NULL, 0));
    assert_null(price_parse("x\n", 2, "p.csv", err, 4));
    assert_null(price_load("/nonexistent/pricing.csv", err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/pricing.csv: No such file"));
}

/* The shipped schema/pricing.csv parses and gives the hand-computed figures. Run from the
 * repository root (make test-unit does). */
static void test_shipped_table(void **state) {
    (void)state;
    char err[256] = "";
    price_table_t *pt = price_load("schema/pricing.csv", err, sizeof(err));
    if (!pt) fail_msg("%s", err);
    assert_true(price_count(pt) >= 50);
    span_t s;
    /* claude-sonnet-4-5 at $3 / $15, cache read $0.30, cache write $3.75: the same tokens as
     * test_cache_arithmetic_and_batch -> 30,300,000 nUSD. */
    span_init(&s, "anthropic", "claude-sonnet-4-5-20250929", MS_2025_06_10 + 86400000ll * 120);
    s.input_tokens = 10000;
    s.cache_read_tokens = 6000;
    s.cache_write_tokens = 2000;
    s.output_tokens = 1000;
    assert_int_equal(price_apply(pt, &s), 1);
    assert_int_equal(s.cost_computed_nusd, 30300000);
    /* The same call with a 250k prompt (200k plain, 30k cached, 20k written), 1k out: the
     * long-context tier, 200000 x 6 + 30000 x 0.60 + 20000 x 7.50 + 1000 x 22.50
     * = 1,200,000 + 18,000 + 150,000 + 22,500 = $1.3905. */
    s.input_tokens = 250000;
    s.cache_read_tokens = 30000;
    s.cache_write_tokens = 20000;
    assert_int_equal(price_apply(pt, &s), 1);
    assert_int_equal(s.cost_computed_nusd, 1390500000);
    assert_string_equal(s.pricing_status.p, "long_context");
    /* gpt-4o: 1000 in + 500 out = 12,500,000 nUSD before 2024-10-02, 7,500,000 from it. */
    span_init(&s, "openai", "gpt-4o", MS_2024_10_02 - 1);
    s.input_tokens = 1000;
    s.output_tokens = 500;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 12500000);
    s.ts_ms = MS_2024_10_02;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 7500000);
    /* o3: 1000 in + 1000 out (800 reasoning, billed as output):
     * before 2025-06-10: 1000 x 10 + 1000 x 40 = 50,000,000 nUSD; from it 2 + 8 = 10,000,000. */
    span_init(&s, "openai", "o3-2025-04-16", MS_2025_06_10 - 1);
    s.input_tokens = 1000;
    s.output_tokens = 1000;
    s.reasoning_tokens = 800;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 50000000);
    s.ts_ms = MS_2025_06_10;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 10000000);
    /* gpt-4o-mini batch: 2,000,000 in (500,000 cached) + 100,000 out:
     * 1.5M x 0.15 + 0.5M x 0.075 + 0.1M x 0.60 = 0.225 + 0.0375 + 0.06 = $0.3225, x 0.5 =
     * $0.16125 = 161,250,000 nUSD. */
    span_init(&s, "openai", "gpt-4o-mini-2024-07-18", MS_2025_06_10);
    s.input_tokens = 2000000;
    s.cache_read_tokens = 500000;
    s.output_tokens = 100000;
    s.is_batch = 1;
    price_apply(pt, &s);
    assert_int_equal(s.cost_computed_nusd, 161250000);
    /* Every provider of the brief has rows. */
    const char *models[][2] = {{"openai", "gpt-4.1-nano"},
                               {"openai", "text-embedding-3-small"},
                               {"openai", "gpt-5-mini"},
                               {"anthropic", "claude-opus-4-1-20250805"},
                               {"anthropic", "claude-3-5-haiku-20241022"},
                               {"anthropic", "claude-haiku-4-5-20251001"},
                               {"google", "gemini-2.5-pro"},
                               {"google", "gemini-1.5-flash-002"},
                               {"google", "gemini-2.5-pro-preview-05-06"},
                               {"openai", "o1-preview-2024-09-12"},
                               {"together", "meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo"},
                               {"groq", "llama-3.1-8b-instant"},
                               {"mistral", "mistral-large-latest"},
                               {"mistral", "open-mixtral-8x7b"},
                               {"deepseek", "deepseek-reasoner"},
                               {"together", "Qwen/Qwen2.5-72B-Instruct-Turbo"}};
    for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
        span_init(&s, models[i][0], models[i][1], MS_2025_06_10);
        if (price_apply(pt, &s) != 1) fail_msg("%s/%s not priced", models[i][0], models[i][1]);
    }
    price_destroy(pt);
}

/* Many threads price spans from one table at once: the table is read-only after loading. */
typedef struct {
    const price_table_t *pt;
    int64_t sum;
} price_thread_arg_t;

static void *price_thread(void *p) {
    price_thread_arg_t *a = p;
    span_t s;
    for (int i = 0; i < 20000; i++) {
        span_init(&s, (i & 1) ? "openai" : "anthropic",
                  (i & 1) ? "gpt-4o-2024-08-06" : "claude-3-5-sonnet-20241022", MS_2025_01_01);
        s.input_tokens = 1000;
        s.output_tokens = 500;
        price_apply(a->pt, &s);
        a->sum += s.cost_computed_nusd;
    }
    return NULL;
}

static void test_concurrent_readers(void **state) {
    (void)state;
    price_table_t *pt = load_table();
    pthread_t th[4];
    price_thread_arg_t args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (price_thread_arg_t){pt, 0};
        assert_int_equal(pthread_create(&th[i], NULL, price_thread, &args[i]), 0);
    }
    /* Per thread: 10,000 x gpt-4o (1000 x 2.5 + 500 x 10 = 7,500,000 nUSD) + 10,000 x claude
     * (1000 x 3 + 500 x 15 = 10,500,000 nUSD) = 180,000,000,000 nUSD. */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(args[i].sum, 180000000000ll);
    }
    price_destroy(pt);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_and_null),
        cmocka_unit_test(test_price_change_boundary),
        cmocka_unit_test(test_cache_arithmetic_and_batch),
        cmocka_unit_test(test_reasoning_arithmetic),
        cmocka_unit_test(test_rounding),
        cmocka_unit_test(test_inconsistent_tokens_clamped),
        cmocka_unit_test(test_name_matching),
        cmocka_unit_test(test_apply_sources),
        cmocka_unit_test(test_long_context),
        cmocka_unit_test(test_tiers_and_fees),
        cmocka_unit_test(test_fallback_rows),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_shipped_table),
        cmocka_unit_test(test_concurrent_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
