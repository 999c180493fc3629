/* Unit tests for validate: required fields, time window boundaries, defaults, length limits,
 * token arithmetic, ranges, and decode+validate together on complete messages. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "../../ingest/err.h"
#include "../../ingest/json_span.h"
#include "../../ingest/validate.h"

static span_t S;
static const int64_t NOW = 1732464000000LL; /* 2024-11-24T16:00:00Z */

static void good(span_t *s) {
    span_reset(s);
    s->ts_ms = NOW - 1000;
    s->present = SPAN_HAS_TS;
    s->model = SPAN_STR_LIT("gpt-4o");
    s->trace_id = SPAN_STR_LIT("4bf92f3577b34da6a3ce929d0e0e4736");
    s->input_tokens = 100;
    s->output_tokens = 10;
}

static int check(const validate_opts_t *o, const char *want_field, int want) {
    const char *field = "unset";
    int rc = validate_span(o, &S, NOW, &field);
    if (rc != want) fail_msg("rc %s want %s (field %s)", err_name(rc), err_name(want), field ? field : "-");
    if (want_field && (!field || strcmp(field, want_field)))
        fail_msg("field %s want %s", field ? field : "NULL", want_field);
    if (!want_field && field) fail_msg("field %s want NULL", field);
    return rc;
}

static void test_defaults(void **state) {
    (void)state;
    validate_opts_t o;
    validate_opts_default(&o);
    assert_int_equal(o.max_future_ms, 300000);
    assert_int_equal(o.max_past_ms, 400LL * 86400000);
    assert_int_equal(o.max_id_len, 128);
    assert_int_equal(o.max_dim_len, 256);
    assert_int_equal(o.max_attr_len, 4096);
    good(&S);
    check(NULL, NULL, ERR_OK);
    assert_true(span_str_eq(S.response_model, "gpt-4o"));
    assert_true(span_str_eq(S.status, "ok"));
    /* status defaults to error when the producer sent an error class or HTTP status >= 400. */
    good(&S);
    S.error_class = SPAN_STR_LIT("timeout");
    check(NULL, NULL, ERR_OK);
    assert_true(span_str_eq(S.status, "error"));
    good(&S);
    S.http_status = 503;
    check(NULL, NULL, ERR_OK);
    assert_true(span_str_eq(S.status, "error"));
    good(&S);
    S.response_model = SPAN_STR_LIT("gpt-4o-2024-08-06");
    S.status = SPAN_STR_LIT("error");
    check(NULL, NULL, ERR_OK);
    assert_true(span_str_eq(S.response_model, "gpt-4o-2024-08-06"));
    assert_true(span_str_eq(S.status, "error"));
    good(&S);
    assert_int_equal(validate_span(NULL, &S, NOW, NULL), ERR_OK); /* field may be NULL */
}

static void test_required(void **state) {
    (void)state;
    good(&S);
    S.present = 0;
    check(NULL, "timestamp", ERR_MISSING_FIELD);
    good(&S);
    S.model.n = 0;
    check(NULL, "model", ERR_MISSING_FIELD);
    good(&S);
    S.trace_id.n = 0;
    check(NULL, "trace_id", ERR_MISSING_FIELD);
}

static void test_time_window(void **state) {
    (void)state;
    validate_opts_t o;
    validate_opts_default(&o);
    good(&S);
    S.ts_ms = NOW + o.max_future_ms; /* exactly at the limit passes */
    check(&o, NULL, ERR_OK);
    good(&S);
    S.ts_ms = NOW + o.max_future_ms + 1;
    check(&o, "timestamp", ERR_TS_FUTURE);
    good(&S);
    S.ts_ms = NOW - o.max_past_ms;
    check(&o, NULL, ERR_OK);
    good(&S);
    S.ts_ms = NOW - o.max_past_ms - 1;
    check(&o, "timestamp", ERR_TS_PAST);
    /* A replay of a year-old topic passes with the defaults. */
    good(&S);
    S.ts_ms = NOW - 365LL * 86400000;
    check(&o, NULL, ERR_OK);
    o.max_past_ms = 3600000;
    check(&o, "timestamp", ERR_TS_PAST);
}

static void test_lengths(void **state) {
    (void)state;
    static char big[5000];
    memset(big, 'x', sizeof(big));
    validate_opts_t o;
    validate_opts_default(&o);
    good(&S);
    S.trace_id = span_str(big, 128);
    check(&o, NULL, ERR_OK);
    S.trace_id = span_str(big, 129);
    check(&o, "trace_id", ERR_STRING_TOO_LONG);
    good(&S);
    S.user_id = span_str(big, 129);
    check(&o, "user_id", ERR_STRING_TOO_LONG);
    good(&S);
    S.feature = span_str(big, 256);
    check(&o, NULL, ERR_OK);
    S.feature = span_str(big, 257);
    check(&o, "feature", ERR_STRING_TOO_LONG);
    good(&S);
    S.model = span_str(big, 257);
    check(&o, "model", ERR_STRING_TOO_LONG);
    good(&S);
    S.n_attrs = 1;
    S.attrs[0].key = SPAN_STR_LIT("k");
    S.attrs[0].val = span_str(big, 4096);
    check(&o, NULL, ERR_OK);
    S.attrs[0].val = span_str(big, 4097);
    check(&o, "attributes", ERR_STRING_TOO_LONG);
    S.attrs[0].val = span_str(big, 1);
    S.attrs[0].key = span_str(big, 257);
    check(&o, "attributes", ERR_STRING_TOO_LONG);
    good(&S);
    S.n_attrs = SPAN_MAX_ATTRS + 1;
    check(&o, "attributes", ERR_TOO_MANY_ATTRS);
}

static void test_tokens(void **state) {
    (void)state;
    good(&S);
    S.input_tokens = 100;
    S.cache_read_tokens = 60;
    S.cache_write_tokens = 40; /* 60 + 40 = 100: all of the prompt came from/went to cache */
    check(NULL, NULL, ERR_OK);
    S.cache_write_tokens = 41;
    check(NULL, "cache_write_tokens", ERR_TOKENS_INCONSISTENT);
    S.cache_write_tokens = 0;
    S.cache_read_tokens = 101;
    check(NULL, "cache_read_tokens", ERR_TOKENS_INCONSISTENT);
    /* The sum cannot wrap around. */
    good(&S);
    S.input_tokens = 10;
    S.cache_read_tokens = 0xFFFFFFFFu;
    S.cache_write_tokens = 0xFFFFFFFFu;
    check(NULL, "cache_read_tokens", ERR_TOKENS_INCONSISTENT);
    good(&S);
    S.output_tokens = 10;
    S.reasoning_tokens = 10;
    check(NULL, NULL, ERR_OK);
    S.reasoning_tokens = 11;
    check(NULL, "reasoning_tokens", ERR_TOKENS_INCONSISTENT);
}

static void test_ranges(void **state) {
    (void)state;
    good(&S);
    S.present |= SPAN_HAS_QUALITY;
    S.quality_score = 0.0f;
    check(NULL, NULL, ERR_OK);
    S.quality_score = 1.0f;
    check(NULL, NULL, ERR_OK);
    S.quality_score = 1.0001f;
    check(NULL, "quality_score", ERR_OUT_OF_RANGE);
    S.quality_score = -0.1f;
    check(NULL, "quality_score", ERR_OUT_OF_RANGE);
    S.quality_score = NAN;
    check(NULL, "quality_score", ERR_OUT_OF_RANGE);
    S.present &= ~(uint32_t)SPAN_HAS_QUALITY; /* not sent: value ignored */
    check(NULL, NULL, ERR_OK);
    good(&S);
    S.http_status = 599;
    check(NULL, NULL, ERR_OK);
    S.http_status = 600;
    check(NULL, "http_status", ERR_OUT_OF_RANGE);
    S.http_status = 99;
    check(NULL, "http_status", ERR_OUT_OF_RANGE);
    S.http_status = 0; /* unknown */
    check(NULL, NULL, ERR_OK);
    good(&S);
    S.cost_nusd = -1;
    check(NULL, "cost_usd", ERR_NEGATIVE);
    good(&S);
    S.status = SPAN_STR_LIT("maybe"); /* e.g. from another decoder */
    check(NULL, "status", ERR_BAD_ENUM);
}

/* Decode + validate on whole messages, as the worker runs them. */
static void test_with_decoder(void **state) {
    (void)state;
    char errstr[128];
    jspan_dec_t *d = jspan_dec_new(NULL, errstr, sizeof(errstr));
    assert_non_null(d);
    static const char anth[] =
        "{\"ts\":\"2024-11-24T15:59:58Z\",\"trace_id\":\"t1\",\"provider\":\"Anthropic\","
        "\"model\":\"claude-3-5-sonnet-20241022\",\"usage\":{\"input_tokens\":20,"
        "\"cache_creation_input_tokens\":1000,\"cache_read_input_tokens\":3000,"
        "\"output_tokens\":150},\"status\":\"success\",\"cost\":\"0.0075\"}";
    jspan_errinfo_t ei;
    const char *field;
    assert_int_equal(jspan_decode(d, anth, sizeof(anth) - 1, &S, &ei), ERR_OK);
    assert_int_equal(validate_span(NULL, &S, NOW, &field), ERR_OK);
    assert_int_equal(S.input_tokens, 4020);
    assert_int_equal(S.cost_nusd, 7500000);
    assert_true(span_str_eq(S.response_model, "claude-3-5-sonnet-20241022"));
    /* Without the Anthropic rule, 4000 cache tokens > 20 input tokens would be inconsistent. */
    static const char incl[] =
        "{\"ts\":\"2024-11-24T15:59:58Z\",\"trace_id\":\"t1\",\"model\":\"m\","
        "\"token_convention\":\"inclusive\",\"input_tokens\":20,\"cache_read_input_tokens\":3000}";
    assert_int_equal(jspan_decode(d, incl, sizeof(incl) - 1, &S, &ei), ERR_OK);
    assert_int_equal(validate_span(NULL, &S, NOW, &field), ERR_TOKENS_INCONSISTENT);
    assert_string_equal(field, "cache_read_tokens");
    static const char future[] = "{\"ts\":\"2024-11-24T16:06:00Z\",\"trace_id\":\"t\",\"model\":\"m\"}";
    assert_int_equal(jspan_decode(d, future, sizeof(future) - 1, &S, &ei), ERR_OK);
    assert_int_equal(validate_span(NULL, &S, NOW, &field), ERR_TS_FUTURE);
    static const char nomodel[] = "{\"ts\":1732464000,\"trace_id\":\"t\"}";
    assert_int_equal(jspan_decode(d, nomodel, sizeof(nomodel) - 1, &S, &ei), ERR_OK);
    assert_int_equal(validate_span(NULL, &S, NOW, &field), ERR_MISSING_FIELD);
    assert_string_equal(field, "model");
    jspan_dec_destroy(d);
}

/* The two examples of docs/span-format.md decode to what the document says. */
static const char DOC1[] = "{\n"
        "  \"timestamp\": \"2024-11-24T16:00:00.250Z\",\n"
        "  \"trace_id\": \"4bf92f3577b34da6a3ce929d0e0e4736\",\n"
        "  \"span_id\": \"00f067aa0ba902b7\",\n"
        "  \"parent_span_id\": \"b9c7c989f97918e1\",\n"
        "  \"request_id\": \"chatcmpl-AXz91\",\n"
        "  \"provider\": \"openai\",\n"
        "  \"model\": \"gpt-4o\",\n"
        "  \"response_model\": \"gpt-4o-2024-08-06\",\n"
        "  \"operation\": \"chat\",\n"
        "  \"endpoint\": \"/api/assist\",\n"
        "  \"feature\": \"support-chat\",\n"
        "  \"prompt_template\": \"triage\",\n"
        "  \"prompt_version\": \"v3\",\n"
        "  \"tenant_id\": \"acme\",\n"
        "  \"team_id\": \"support-eng\",\n"
        "  \"user_id\": \"u_8f14e45f\",\n"
        "  \"session_id\": \"s_c9f0f895\",\n"
        "  \"api_key_id\": \"key_live_42\",\n"
        "  \"service\": \"assistant-api\",\n"
        "  \"environment\": \"prod\",\n"
        "  \"deploy_version\": \"1.4.2\",\n"
        "  \"input_tokens\": 1200,\n"
        "  \"output_tokens\": 300,\n"
        "  \"cache_read_tokens\": 1024,\n"
        "  \"reasoning_tokens\": 0,\n"
        "  \"cost_usd\": 0.004125,\n"
        "  \"latency_ms\": 1834,\n"
        "  \"ttft_ms\": 212,\n"
        "  \"streaming\": true,\n"
        "  \"status\": \"ok\",\n"
        "  \"http_status\": 200,\n"
        "  \"finish_reason\": \"stop\",\n"
        "  \"quality_score\": 0.92,\n"
        "  \"evaluator\": \"llm-judge-v1\",\n"
        "  \"region\": \"eu-west-1\"\n"
        "}\n"
        "";
static const char DOC2[] = "{\n"
        "  \"start_time_unix_nano\": 1732464000123456789,\n"
        "  \"end_time_unix_nano\": 1732464003623456789,\n"
        "  \"traceId\": \"0af7651916cd43dd8448eb211c80319c\",\n"
        "  \"spanId\": \"b7ad6b7169203331\",\n"
        "  \"provider\": \"Anthropic\",\n"
        "  \"model\": \"claude-3-5-sonnet-20241022\",\n"
        "  \"tenant\": \"globex\",\n"
        "  \"usage\": {\n"
        "    \"input_tokens\": 20,\n"
        "    \"cache_creation_input_tokens\": 1000,\n"
        "    \"cache_read_input_tokens\": 3000,\n"
        "    \"output_tokens\": 150,\n"
        "    \"service_tier\": \"standard\"\n"
        "  },\n"
        "  \"stop_reason\": \"end_turn\",\n"
        "  \"status\": \"success\",\n"
        "  \"total_cost_usd\": \"0.0075\"\n"
        "}\n"
        "";

static void test_doc_examples(void **state) {
    (void)state;
    char errstr[128];
    jspan_dec_t *d = jspan_dec_new(NULL, errstr, sizeof(errstr));
    jspan_errinfo_t ei;
    const char *field;
    assert_int_equal(jspan_decode(d, DOC1, sizeof(DOC1) - 1, &S, &ei), ERR_OK);
    assert_int_equal(validate_span(NULL, &S, NOW, &field), ERR_OK);
    assert_int_equal(S.input_tokens, 1200);
    assert_int_equal(S.cache_read_tokens, 1024);
    assert_int_equal(S.cost_nusd, 4125000);
    assert_int_equal(S.n_attrs, 1);
    assert_true(span_str_eq(S.attrs[0].key, "region") && span_str_eq(S.attrs[0].val, "eu-west-1"));
    assert_int_equal(jspan_decode(d, DOC2, sizeof(DOC2) - 1, &S, &ei), ERR_OK);
    assert_int_equal(validate_span(NULL, &S, NOW, &field), ERR_OK);
    assert_int_equal(S.ts_ms, 1732464000123LL);
    assert_int_equal(S.latency_ms, 3500);
    assert_true(span_str_eq(S.provider, "anthropic"));
    assert_int_equal(S.input_tokens, 4020);
    assert_int_equal(S.cache_write_tokens, 1000);
    assert_int_equal(S.cache_read_tokens, 3000);
    assert_int_equal(S.output_tokens, 150);
    assert_int_equal(S.cost_nusd, 7500000);
    assert_true(span_str_eq(S.status, "ok"));
    assert_true(span_str_eq(S.finish_reason, "end_turn"));
    assert_true(span_str_eq(S.tenant_id, "globex"));
    assert_int_equal(S.n_attrs, 1);
    assert_true(span_str_eq(S.attrs[0].key, "usage.service_tier"));
    /* The too_deep example of the rejection table. */
    static const char deep[] = "{\"a\":[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]}";
    assert_int_equal(jspan_decode(d, deep, sizeof(deep) - 1, &S, &ei), ERR_TOO_DEEP);
    jspan_dec_destroy(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),  cmocka_unit_test(test_required),
        cmocka_unit_test(test_time_window), cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_tokens),    cmocka_unit_test(test_ranges),
        cmocka_unit_test(test_with_decoder), cmocka_unit_test(test_doc_examples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
