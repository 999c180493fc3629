/* Unit tests for json_span: every alias, every rejection reason, UTF-8 and escape edge cases,
 * timestamp forms against hand-computed epoch values, exact cost decimals, attributes, limits. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../ingest/err.h"
#include "../../ingest/json_span.h"
#include "utf8.h"

static span_t S; /* large: keep it off the stack */
static jspan_errinfo_t EI;

/* Decodes a string literal (length from sizeof, so embedded NULs count). */
#define DEC(d, lit) jspan_decode((d), (lit), sizeof(lit) - 1, &S, &EI)

static int setup(void **state) {
    char errstr[128];
    jspan_dec_t *d = jspan_dec_new(NULL, errstr, sizeof(errstr));
    if (!d) return -1;
    *state = d;
    return 0;
}
static int teardown(void **state) {
    jspan_dec_destroy(*state);
    return 0;
}

static void assert_str(span_str_t s, const char *want) {
    if (!(s.n == strlen(want) && memcmp(s.p, want, s.n) == 0))
        fail_msg("got '%.*s' want '%s'", (int)s.n, s.p ? s.p : "", want);
}

static const char FULL[] =
    "{\"timestamp\":\"2024-11-24T16:00:00.250Z\",\"trace_id\":\"4bf92f3577b34da6a3ce929d0e0e4736\","
    "\"span_id\":\"00f067aa0ba902b7\",\"parent_span_id\":\"a1\",\"request_id\":\"req_1\","
    "\"provider\":\"openai\",\"model\":\"gpt-4o\",\"response_model\":\"gpt-4o-2024-08-06\","
    "\"operation\":\"chat\",\"endpoint\":\"/v1/chat\",\"feature\":\"support\","
    "\"prompt_template\":\"triage\",\"prompt_version\":\"v3\",\"tenant_id\":\"acme\","
    "\"team_id\":\"search\",\"cost_center\":\"cc-42\",\"plan_tier\":\"pro\",\"user_id\":\"u1\","
    "\"session_id\":\"s1\",\"experiment_id\":\"exp-a\",\"api_key_id\":\"key_9\","
    "\"service\":\"assistant\",\"environment\":\"prod\",\"deploy_version\":\"1.4.2\","
    "\"input_tokens\":1200,\"output_tokens\":300,\"cache_read_tokens\":1000,"
    "\"cache_write_tokens\":100,\"reasoning_tokens\":50,\"cost_usd\":0.004125,"
    "\"latency_ms\":1834,\"ttft_ms\":212,\"streaming\":true,\"cache_hit\":false,"
    "\"is_batch\":0,\"status\":\"error\",\"error_class\":\"rate_limit\",\"http_status\":429,"
    "\"retry_count\":2,\"finish_reason\":\"stop\",\"quality_score\":0.75,"
    "\"evaluator\":\"judge-v1\",\"region\":\"eu\"}";

static void test_full_message(void **state) {
    jspan_dec_t *d = *state;
    assert_int_equal(DEC(d, FULL), ERR_OK);
    assert_int_equal(S.ts_ms, 1732464000250LL);
    assert_str(S.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_str(S.span_id, "00f067aa0ba902b7");
    assert_str(S.parent_span_id, "a1");
    assert_str(S.request_id, "req_1");
    assert_str(S.provider, "openai");
    assert_str(S.model, "gpt-4o");
    assert_str(S.response_model, "gpt-4o-2024-08-06");
    assert_str(S.operation, "chat");
    assert_str(S.endpoint, "/v1/chat");
    assert_str(S.feature, "support");
    assert_str(S.prompt_template, "triage");
    assert_str(S.prompt_version, "v3");
    assert_str(S.tenant_id, "acme");
    assert_str(S.team_id, "search");
    assert_str(S.cost_center, "cc-42");
    assert_str(S.plan_tier, "pro");
    assert_str(S.user_id, "u1");
    assert_str(S.session_id, "s1");
    assert_str(S.experiment_id, "exp-a");
    assert_str(S.api_key_id, "key_9");
    assert_str(S.service, "assistant");
    assert_str(S.environment, "prod");
    assert_str(S.deploy_version, "1.4.2");
    assert_int_equal(S.input_tokens, 1200);
    assert_int_equal(S.output_tokens, 300);
    assert_int_equal(S.cache_read_tokens, 1000);
    assert_int_equal(S.cache_write_tokens, 100);
    assert_int_equal(S.reasoning_tokens, 50);
    assert_int_equal(S.cost_nusd, 4125000);
    assert_int_equal(S.latency_ms, 1834);
    assert_int_equal(S.ttft_ms, 212);
    assert_int_equal(S.streaming, 1);
    assert_int_equal(S.cache_hit, 0);
    assert_int_equal(S.is_batch, 0);
    assert_str(S.status, "error");
    assert_str(S.error_class, "rate_limit");
    assert_int_equal(S.http_status, 429);
    assert_int_equal(S.retry_count, 2);
    assert_str(S.finish_reason, "stop");
    assert_true(fabsf(S.quality_score - 0.75f) < 1e-6f);
    assert_str(S.evaluator, "judge-v1");
    assert_int_equal(S.n_attrs, 1);
    assert_str(S.attrs[0].key, "region");
    assert_str(S.attrs[0].val, "eu");
    uint32_t want = SPAN_HAS_TS | SPAN_HAS_COST | SPAN_HAS_TTFT | SPAN_HAS_QUALITY |
                    SPAN_HAS_LATENCY | SPAN_HAS_INPUT_TOKENS | SPAN_HAS_OUTPUT_TOKENS |
                    SPAN_HAS_TENANT | SPAN_HAS_TEAM;
    assert_int_equal(S.present, want);
    /* Zero-copy: unescaped strings point into the payload. */
    assert_true(S.model.p > FULL && S.model.p < FULL + sizeof(FULL));
}

static void test_minimal_has_no_optional_bits(void **state) {
    assert_int_equal(DEC(*state, "{\"timestamp\":1732464000000,\"model\":\"m\",\"trace_id\":\"t\"}"),
                     ERR_OK);
    assert_int_equal(S.present, SPAN_HAS_TS);
    assert_int_equal(S.n_attrs, 0);
    assert_int_equal(S.status.n, 0); /* defaults are validate's job */
}

/* ---- aliases ---- */
typedef struct {
    const char *name;
    size_t off;
} str_alias_t;
#define SA(n, f) {n, offsetof(span_t, f)}

static void test_string_aliases(void **state) {
    static const str_alias_t t[] = {
        SA("trace_id", trace_id), SA("traceId", trace_id), SA("span_id", span_id),
        SA("spanId", span_id), SA("parent_span_id", parent_span_id),
        SA("parent_id", parent_span_id), SA("parentSpanId", parent_span_id),
        SA("request_id", request_id), SA("requestId", request_id), SA("provider", provider),
        SA("gen_ai.system", provider), SA("gen_ai.provider.name", provider), SA("model", model),
        SA("request_model", model), SA("gen_ai.request.model", model),
        SA("response_model", response_model), SA("gen_ai.response.model", response_model),
        SA("operation", operation), SA("operation_name", operation),
        SA("gen_ai.operation.name", operation), SA("endpoint", endpoint), SA("route", endpoint),
        SA("feature", feature), SA("prompt_template", prompt_template),
        SA("prompt_template_name", prompt_template), SA("prompt_version", prompt_version),
        SA("prompt_template_version", prompt_version), SA("tenant_id", tenant_id),
        SA("tenant", tenant_id), SA("team_id", team_id), SA("team", team_id),
        SA("cost_center", cost_center), SA("plan_tier", plan_tier), SA("user_id", user_id),
        SA("user", user_id), SA("session_id", session_id), SA("experiment_id", experiment_id),
        SA("api_key_id", api_key_id), SA("service", service), SA("service_name", service),
        SA("service.name", service), SA("environment", environment), SA("env", environment),
        SA("deployment.environment", environment), SA("deploy_version", deploy_version),
        SA("service_version", deploy_version), SA("service.version", deploy_version),
        SA("error_class", error_class), SA("error_type", error_class),
        SA("error.type", error_class), SA("finish_reason", finish_reason),
        SA("stop_reason", finish_reason), SA("evaluator", evaluator),
    };
    char msg[256];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int n = snprintf(msg, sizeof(msg), "{\"%s\":\"val-x\"}", t[i].name);
        int rc = jspan_decode(*state, msg, (size_t)n, &S, &EI);
        if (rc != ERR_OK) fail_msg("%s: %s", t[i].name, EI.detail);
        assert_str(*(span_str_t *)((char *)&S + t[i].off), "val-x");
        assert_int_equal(S.n_attrs, 0);
    }
}

typedef struct {
    const char *name;
    size_t off;
    int width; /* 4 = uint32, 2 = uint16 */
} num_alias_t;
#define NA(n, f, w) {n, offsetof(span_t, f), w}

static void test_number_aliases(void **state) {
    static const num_alias_t t[] = {
        NA("input_tokens", input_tokens, 4), NA("prompt_tokens", input_tokens, 4),
        NA("inputTokens", input_tokens, 4), NA("promptTokens", input_tokens, 4),
        NA("gen_ai.usage.input_tokens", input_tokens, 4), NA("output_tokens", output_tokens, 4),
        NA("completion_tokens", output_tokens, 4), NA("outputTokens", output_tokens, 4),
        NA("completionTokens", output_tokens, 4),
        NA("gen_ai.usage.output_tokens", output_tokens, 4),
        NA("cache_read_tokens", cache_read_tokens, 4), NA("cached_tokens", cache_read_tokens, 4),
        NA("cached_input_tokens", cache_read_tokens, 4),
        NA("cache_write_tokens", cache_write_tokens, 4),
        NA("cache_creation_tokens", cache_write_tokens, 4),
        NA("reasoning_tokens", reasoning_tokens, 4), NA("latency_ms", latency_ms, 4),
        NA("latency", latency_ms, 4), NA("duration_ms", latency_ms, 4), NA("ttft_ms", ttft_ms, 4),
        NA("ttft", ttft_ms, 4), NA("time_to_first_token_ms", ttft_ms, 4),
        NA("http_status", http_status, 2), NA("http_status_code", http_status, 2),
        NA("status_code", http_status, 2), NA("retry_count", retry_count, 2),
        NA("retries", retry_count, 2),
    };
    char msg[256];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int n = snprintf(msg, sizeof(msg), "{\"%s\":417}", t[i].name);
        int rc = jspan_decode(*state, msg, (size_t)n, &S, &EI);
        if (rc != ERR_OK) fail_msg("%s: %s", t[i].name, EI.detail);
        uint32_t v = t[i].width == 4 ? *(uint32_t *)((char *)&S + t[i].off)
                                     : *(uint16_t *)((char *)&S + t[i].off);
        if (v != 417) fail_msg("%s: got %u", t[i].name, v);
    }
    /* The presence bits follow the aliases. */
    assert_int_equal(DEC(*state, "{\"prompt_tokens\":1,\"completionTokens\":2,\"ttft\":3,\"latency\":4}"),
                     ERR_OK);
    assert_int_equal(S.present, SPAN_HAS_INPUT_TOKENS | SPAN_HAS_OUTPUT_TOKENS | SPAN_HAS_TTFT |
                                    SPAN_HAS_LATENCY);
}

static void test_cost_aliases(void **state) {
    static const char *names[] = {"cost_usd", "cost", "total_cost_usd", "total_cost"};
    char msg[128];
    for (size_t i = 0; i < 4; i++) {
        int n = snprintf(msg, sizeof(msg), "{\"%s\":1.25}", names[i]);
        assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_OK);
        assert_int_equal(S.cost_nusd, 1250000000);
        assert_true(S.present & SPAN_HAS_COST);
    }
}

static void test_timestamp_aliases(void **state) {
    static const char *names[] = {"timestamp",  "ts",  "time", "timestamp_ms", "start_time",
                                  "start_time_unix_nano", "startTime"};
    char msg[128];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        int n = snprintf(msg, sizeof(msg), "{\"%s\":1732464000123}", names[i]);
        assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_OK);
        assert_int_equal(S.ts_ms, 1732464000123LL);
        assert_true(S.present & SPAN_HAS_TS);
    }
}

static void test_bool_aliases_and_forms(void **state) {
    static const struct {
        const char *name;
        size_t off;
    } t[] = {{"streaming", offsetof(span_t, streaming)}, {"stream", offsetof(span_t, streaming)},
             {"is_streaming", offsetof(span_t, streaming)}, {"cache_hit", offsetof(span_t, cache_hit)},
             {"is_batch", offsetof(span_t, is_batch)}, {"batch", offsetof(span_t, is_batch)}};
    static const struct {
        const char *v;
        int want;
    } forms[] = {{"true", 1}, {"false", 0}, {"1", 1}, {"0", 0}};
    char msg[128];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        for (size_t j = 0; j < 4; j++) {
            int n = snprintf(msg, sizeof(msg), "{\"%s\":%s}", t[i].name, forms[j].v);
            assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_OK);
            assert_int_equal(*((uint8_t *)&S + t[i].off), forms[j].want);
        }
    assert_int_equal(DEC(*state, "{\"streaming\":2}"), ERR_WRONG_TYPE);
    assert_string_equal(EI.field, "streaming");
    assert_int_equal(DEC(*state, "{\"streaming\":\"true\"}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(*state, "{\"cache_hit\":1.0}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(*state, "{\"cache_hit\":-1}"), ERR_WRONG_TYPE);
}

static void test_status_normalized(void **state) {
    static const struct {
        const char *in, *out;
    } t[] = {{"ok", "ok"},         {"OK", "ok"},       {"success", "ok"},
             {"Succeeded", "ok"},  {"unset", "ok"},    {"STATUS_CODE_OK", "ok"},
             {"error", "error"},   {"ERROR", "error"}, {"failed", "error"},
             {"failure", "error"}, {"fail", "error"},  {"STATUS_CODE_ERROR", "error"}};
    char msg[128];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int n = snprintf(msg, sizeof(msg), "{\"status\":\"%s\"}", t[i].in);
        assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_OK);
        assert_str(S.status, t[i].out);
    }
    assert_int_equal(DEC(*state, "{\"status\":\"maybe\"}"), ERR_BAD_ENUM);
    assert_string_equal(EI.field, "status");
    assert_int_equal(DEC(*state, "{\"status\":\"a-very-long-status-word-here\"}"), ERR_BAD_ENUM);
    assert_int_equal(DEC(*state, "{\"status\":200}"), ERR_WRONG_TYPE);
}

static void test_provider_lowercased(void **state) {
    assert_int_equal(DEC(*state, "{\"provider\":\"OpenAI\"}"), ERR_OK);
    assert_str(S.provider, "openai");
    assert_int_equal(DEC(*state, "{\"gen_ai.system\":\"anthropic\"}"), ERR_OK);
    assert_str(S.provider, "anthropic");
}

/* ---- tokens: nested usage blocks and the Anthropic rule ---- */
static void test_openai_usage_block(void **state) {
    assert_int_equal(DEC(*state, "{\"usage\":{\"prompt_tokens\":1000,\"completion_tokens\":400,"
                                 "\"total_tokens\":1400,\"prompt_tokens_details\":{\"cached_tokens\":"
                                 "600,\"audio_tokens\":0},\"completion_tokens_details\":{"
                                 "\"reasoning_tokens\":128}}}"),
                     ERR_OK);
    assert_int_equal(S.input_tokens, 1000); /* OpenAI prompt_tokens already include cached */
    assert_int_equal(S.output_tokens, 400);
    assert_int_equal(S.cache_read_tokens, 600);
    assert_int_equal(S.reasoning_tokens, 128);
    assert_int_equal(S.n_attrs, 2);
    assert_str(S.attrs[0].key, "usage.total_tokens");
    assert_str(S.attrs[0].val, "1400");
    assert_str(S.attrs[1].key, "usage.prompt_tokens_details.audio_tokens");
    assert_str(S.attrs[1].val, "0");
}

static void test_responses_api_usage_block(void **state) {
    assert_int_equal(DEC(*state, "{\"usage\":{\"input_tokens\":50,\"output_tokens\":9,"
                                 "\"input_tokens_details\":{\"cached_tokens\":10},"
                                 "\"output_tokens_details\":{\"reasoning_tokens\":4}}}"),
                     ERR_OK);
    assert_int_equal(S.input_tokens, 50);
    assert_int_equal(S.cache_read_tokens, 10);
    assert_int_equal(S.reasoning_tokens, 4);
}

static void test_anthropic_usage_normalized(void **state) {
    /* Anthropic: input_tokens=100 excludes cache; 20 written + 30 read => 150 prompt tokens. */
    assert_int_equal(DEC(*state, "{\"provider\":\"anthropic\",\"usage\":{\"input_tokens\":100,"
                                 "\"cache_creation_input_tokens\":20,\"cache_read_input_tokens\":30,"
                                 "\"output_tokens\":7,\"service_tier\":\"standard\"}}"),
                     ERR_OK);
    assert_int_equal(S.input_tokens, 150);
    assert_int_equal(S.cache_write_tokens, 20);
    assert_int_equal(S.cache_read_tokens, 30);
    assert_int_equal(S.output_tokens, 7);
    assert_int_equal(S.n_attrs, 1);
    assert_str(S.attrs[0].key, "usage.service_tier");
    /* Same at top level. */
    assert_int_equal(DEC(*state, "{\"input_tokens\":5,\"cache_read_input_tokens\":3}"), ERR_OK);
    assert_int_equal(S.input_tokens, 8);
    /* An explicit inclusive convention wins over the names. */
    assert_int_equal(DEC(*state, "{\"token_convention\":\"inclusive\",\"input_tokens\":50,"
                                 "\"cache_read_input_tokens\":30}"),
                     ERR_OK);
    assert_int_equal(S.input_tokens, 50);
    /* An explicit exclusive convention applies to the canonical names too. */
    assert_int_equal(DEC(*state, "{\"token_convention\":\"anthropic\",\"input_tokens\":50,"
                                 "\"cache_read_tokens\":30,\"cache_write_tokens\":1}"),
                     ERR_OK);
    assert_int_equal(S.input_tokens, 81);
    /* OpenAI names are never summed. */
    assert_int_equal(DEC(*state, "{\"prompt_tokens\":50,\"cached_tokens\":30}"), ERR_OK);
    assert_int_equal(S.input_tokens, 50);
    assert_int_equal(DEC(*state, "{\"token_convention\":\"sideways\"}"), ERR_BAD_ENUM);
    assert_int_equal(DEC(*state, "{\"input_tokens\":4294967295,\"cache_read_input_tokens\":1}"),
                     ERR_OUT_OF_RANGE);
}

static void test_usage_dup_with_top_level(void **state) {
    assert_int_equal(DEC(*state, "{\"input_tokens\":5,\"usage\":{\"prompt_tokens\":5}}"),
                     ERR_DUP_FIELD);
    assert_string_equal(EI.field, "input_tokens");
    assert_int_equal(DEC(*state, "{\"usage\":5}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(*state, "{\"usage\":null,\"input_tokens\":2}"), ERR_OK);
    assert_int_equal(S.input_tokens, 2);
    /* Only token fields are recognised inside usage: the rest become usage.* attributes. */
    assert_int_equal(DEC(*state, "{\"usage\":{\"model\":\"x\"}}"), ERR_OK);
    assert_int_equal(S.model.n, 0);
    assert_str(S.attrs[0].key, "usage.model");
}

/* ---- numbers ---- */
static void test_count_numbers(void **state) {
    assert_int_equal(DEC(*state, "{\"input_tokens\":4294967295}"), ERR_OK);
    assert_int_equal(S.input_tokens, 4294967295u);
    assert_int_equal(DEC(*state, "{\"input_tokens\":4294967296}"), ERR_OUT_OF_RANGE);
    assert_string_equal(EI.field, "input_tokens");
    assert_int_equal(DEC(*state, "{\"input_tokens\":99999999999999999999999}"), ERR_OUT_OF_RANGE);
    assert_int_equal(DEC(*state, "{\"input_tokens\":-1}"), ERR_NEGATIVE);
    assert_int_equal(DEC(*state, "{\"latency_ms\":-5}"), ERR_NEGATIVE);
    assert_string_equal(EI.field, "latency_ms");
    assert_int_equal(DEC(*state, "{\"input_tokens\":-0}"), ERR_OK);
    assert_int_equal(DEC(*state, "{\"input_tokens\":12.0}"), ERR_OK);
    assert_int_equal(S.input_tokens, 12);
    assert_int_equal(DEC(*state, "{\"input_tokens\":1e3}"), ERR_OK);
    assert_int_equal(S.input_tokens, 1000);
    assert_int_equal(DEC(*state, "{\"input_tokens\":12.5}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(*state, "{\"input_tokens\":\"12\"}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(*state, "{\"input_tokens\":true}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(*state, "{\"input_tokens\":[1]}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(*state, "{\"http_status\":65535}"), ERR_OK);
    assert_int_equal(DEC(*state, "{\"http_status\":65536}"), ERR_OUT_OF_RANGE);
    assert_int_equal(DEC(*state, "{\"retry_count\":70000}"), ERR_OUT_OF_RANGE);
    /* Durations round half up to the millisecond. */
    assert_int_equal(DEC(*state, "{\"latency_ms\":12.5,\"ttft_ms\":3.49}"), ERR_OK);
    assert_int_equal(S.latency_ms, 13);
    assert_int_equal(S.ttft_ms, 3);
    assert_int_equal(DEC(*state, "{\"input_tokens\":null}"), ERR_OK);
    assert_false(S.present & SPAN_HAS_INPUT_TOKENS);
}

static void test_json_number_grammar(void **state) {
    assert_int_equal(DEC(*state, "{\"x\":01}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"x\":1.}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"x\":.5}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"x\":+1}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"x\":1e}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"x\":NaN}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"x\":-}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"input_tokens\":01}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"x\":-1.5E+3}"), ERR_OK);
    assert_str(S.attrs[0].val, "-1.5E+3");
}

static int64_t nano(const char *txt) {
    int64_t v = -1;
    int rc = jspan_parse_decimal_nano(txt, strlen(txt), &v);
    return rc == ERR_OK ? v : -1000 - rc;
}

static void test_cost_exact_decimal(void **state) {
    (void)state;
    assert_int_equal(nano("0"), 0);
    assert_int_equal(nano("0.000015"), 15000);
    assert_int_equal(nano("1.5e-05"), 15000); /* Python's repr of 0.000015 */
    assert_int_equal(nano("1.5E-5"), 15000);
    assert_int_equal(nano("0.1"), 100000000); /* no 0.1000000000000000055 from a double */
    assert_int_equal(nano("0.000000001"), 1);
    assert_int_equal(nano("0.0000000015"), 2);  /* half up */
    assert_int_equal(nano("0.0000000014999"), 1);
    assert_int_equal(nano("0.00000000049"), 0);
    assert_int_equal(nano("0.0000000005"), 1);
    assert_int_equal(nano("0.0000000004999999999999999999999"), 0);
    assert_int_equal(nano("2.9999999995"), 3000000000LL);
    assert_int_equal(nano("123456789.123456789"), 123456789123456789LL);
    assert_int_equal(nano("999999999.999999999"), 999999999999999999LL);
    assert_int_equal(nano("999999999.9999999995"), -1000 - ERR_OUT_OF_RANGE); /* rounds to 1e9 */
    assert_int_equal(nano("1000000000"), -1000 - ERR_OUT_OF_RANGE);
    assert_int_equal(nano("1e9"), -1000 - ERR_OUT_OF_RANGE);
    assert_int_equal(nano("1e100000000"), -1000 - ERR_OUT_OF_RANGE);
    assert_int_equal(nano("1e-100000000"), 0);
    assert_int_equal(nano("0e5"), 0);
    assert_int_equal(nano("12e2"), 1200000000000LL);
    assert_int_equal(nano("-0.0"), 0);
    assert_int_equal(nano("-0.01"), -1000 - ERR_NEGATIVE);
    assert_int_equal(nano("0.5x"), -1000 - ERR_WRONG_TYPE);
    assert_int_equal(nano(""), -1000 - ERR_WRONG_TYPE);
    assert_int_equal(nano("00.5"), -1000 - ERR_WRONG_TYPE);
}

static void test_cost_field_forms(void **state) {
    assert_int_equal(DEC(*state, "{\"cost_usd\":\"0.004125\"}"), ERR_OK); /* string form */
    assert_int_equal(S.cost_nusd, 4125000);
    assert_int_equal(DEC(*state, "{\"cost_usd\":1.5e-05}"), ERR_OK);
    assert_int_equal(S.cost_nusd, 15000);
    assert_int_equal(DEC(*state, "{\"cost_usd\":-0.5}"), ERR_NEGATIVE);
    assert_string_equal(EI.field, "cost_usd");
    assert_int_equal(DEC(*state, "{\"cost\":1e9}"), ERR_OUT_OF_RANGE);
    assert_int_equal(DEC(*state, "{\"cost\":\"cheap\"}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(*state, "{\"cost\":true}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(*state, "{\"cost\":null}"), ERR_OK);
    assert_false(S.present & SPAN_HAS_COST);
}

static void test_quality(void **state) {
    assert_int_equal(DEC(*state, "{\"score\":1}"), ERR_OK);
    assert_true(S.quality_score == 1.0f && (S.present & SPAN_HAS_QUALITY));
    assert_int_equal(DEC(*state, "{\"quality_score\":\"good\"}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(*state, "{\"quality_score\":2.5}"), ERR_OK); /* range is validate's */
    static const struct {
        const char *txt;
        float want;
    } t[] = {{"0.75", 0.75f}, {"0.957", 0.957f}, {"0", 0.0f}, {"-0.25", -0.25f},
             {"7.5e-1", 0.75f}, {"1e-12", 0.0f}, {"0.333333333333", 0.333333333f}};
    char msg[64];
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        int n = snprintf(msg, sizeof(msg), "{\"quality_score\":%s}", t[i].txt);
        assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_OK);
        if (S.quality_score != t[i].want) fail_msg("%s: got %.9g", t[i].txt, S.quality_score);
    }
    assert_int_equal(DEC(*state, "{\"quality_score\":1e300}"), ERR_OK);
    assert_true(S.quality_score > 1.0f);
}

/* ---- timestamps ---- */
static int64_t iso(const char *txt) {
    int64_t v = 0;
    return jspan_parse_iso8601(txt, strlen(txt), &v) == ERR_OK ? v : -1;
}

static void test_iso8601_forms(void **state) {
    (void)state;
    /* 2024-11-24: 54 years after 1970 with 13 leap days = 19723 days to 2024-01-01, + 305 days
     * (Jan..Oct of a leap year) + 23 = 20051 days; x 86400 = 1732406400; + 16 h = 1732464000. */
    assert_int_equal(iso("2024-11-24T16:00:00Z"), 1732464000000LL);
    assert_int_equal(iso("2024-11-24t16:00:00z"), 1732464000000LL);
    assert_int_equal(iso("2024-11-24 16:00:00"), 1732464000000LL); /* no zone = UTC */
    assert_int_equal(iso("2024-11-24T16:00:00.5Z"), 1732464000500LL);
    assert_int_equal(iso("2024-11-24T16:00:00.123456789Z"), 1732464000123LL); /* truncated */
    assert_int_equal(iso("2024-11-24T21:30:00+05:30"), 1732464000000LL);
    assert_int_equal(iso("2024-11-24T08:00:00-0800"), 1732464000000LL);
    assert_int_equal(iso("2024-11-24T18:00:00+02"), 1732464000000LL);
    /* 2000-01-01: 30 years with 7 leap days = 10957 days = 946684800 s. */
    assert_int_equal(iso("2000-01-01T00:00:00Z"), 946684800000LL);
    /* Leap day: 2024-02-29T23:59:59 = 19723 + 31 + 28 days, + 86399 s = 1709251199. */
    assert_int_equal(iso("2024-02-29T23:59:59Z"), 1709251199000LL);
    assert_int_equal(iso("2023-02-29T00:00:00Z"), -1);
    assert_int_equal(iso("2024-02-30T00:00:00Z"), -1);
    assert_int_equal(iso("2024-13-01T00:00:00Z"), -1);
    assert_int_equal(iso("2024-04-31T00:00:00Z"), -1);
    assert_int_equal(iso("2024-11-24T24:00:00Z"), -1);
    assert_int_equal(iso("2024-11-24T16:60:00Z"), -1);
    assert_int_equal(iso("2024-11-24T16:00:00.Z"), -1);
    assert_int_equal(iso("2024-11-24T16:00:00Zjunk"), -1);
    assert_int_equal(iso("2024-11-24T16:00:00+5:30"), -1);
    assert_int_equal(iso("2024-11-24"), -1);
    assert_int_equal(iso("24-11-24T16:00:00Z"), -1);
}

static void test_epoch_forms(void **state) {
    /* The same instant, 2024-11-24T16:00:00.123Z, in every unit. */
    static const char *forms[] = {
        "{\"ts\":1732464000.123}",      "{\"ts\":1732464000123}",
        "{\"ts\":1732464000123456}",    "{\"ts\":1732464000123456789}",
        "{\"ts\":1732464000123.9}",     "{\"ts\":\"2024-11-24T16:00:00.123Z\"}",
        "{\"ts\":1.732464000123e12}",
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        int rc = jspan_decode(*state, forms[i], strlen(forms[i]), &S, &EI);
        if (rc != ERR_OK) fail_msg("%s: %s", forms[i], EI.detail);
        if (S.ts_ms != 1732464000123LL) fail_msg("%s: got %lld", forms[i], (long long)S.ts_ms);
    }
    assert_int_equal(DEC(*state, "{\"ts\":1732464000}"), ERR_OK); /* seconds */
    assert_int_equal(S.ts_ms, 1732464000000LL);
    /* Magnitude boundaries: 99999999999 is seconds, 100000000000 is milliseconds. */
    assert_int_equal(DEC(*state, "{\"ts\":99999999999}"), ERR_OK);
    assert_int_equal(S.ts_ms, 99999999999000LL);
    assert_int_equal(DEC(*state, "{\"ts\":100000000000}"), ERR_OK);
    assert_int_equal(S.ts_ms, 100000000000LL);
    assert_int_equal(DEC(*state, "{\"ts\":-1}"), ERR_BAD_TIMESTAMP);
    assert_int_equal(DEC(*state, "{\"ts\":99999999999999999999}"), ERR_BAD_TIMESTAMP);
    assert_int_equal(DEC(*state, "{\"ts\":\"yesterday\"}"), ERR_BAD_TIMESTAMP);
    assert_string_equal(EI.field, "timestamp");
    assert_int_equal(DEC(*state, "{\"ts\":true}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(*state, "{\"ts\":{}}"), ERR_WRONG_TYPE);
}

static void test_end_time_gives_latency(void **state) {
    assert_int_equal(DEC(*state, "{\"start_time\":\"2024-11-24T16:00:00Z\","
                                 "\"end_time\":\"2024-11-24T16:00:01.250Z\"}"),
                     ERR_OK);
    assert_int_equal(S.latency_ms, 1250);
    assert_true(S.present & SPAN_HAS_LATENCY);
    /* An explicit latency wins. */
    assert_int_equal(DEC(*state, "{\"start_time\":1732464000000,\"end_time\":1732464009000,"
                                 "\"latency_ms\":7}"),
                     ERR_OK);
    assert_int_equal(S.latency_ms, 7);
    assert_int_equal(DEC(*state, "{\"start_time\":1732464000000,\"end_time\":1732463000000}"),
                     ERR_NEGATIVE);
    assert_string_equal(EI.field, "end_time");
}

/* ---- strings, escapes, UTF-8 ---- */
static void test_escapes(void **state) {
    assert_int_equal(DEC(*state, "{\"model\":\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\te\"}"), ERR_OK);
    assert_int_equal(S.model.n, 13);
    assert_memory_equal(S.model.p, "a\"b\\c/d\b\f\n\r\te", 13);
    assert_int_equal(DEC(*state, "{\"model\":\"caf\\u00e9 \\u20ac \\ud83d\\ude00\"}"), ERR_OK);
    assert_str(S.model, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
    /* \u0000 decodes to a NUL byte, kept (the slice carries its length). */
    assert_int_equal(DEC(*state, "{\"model\":\"a\\u0000b\"}"), ERR_OK);
    assert_int_equal(S.model.n, 3);
    assert_memory_equal(S.model.p, "a\0b", 3);
    /* Escaped key still dispatches: "mod\u0065l" is "model". */
    assert_int_equal(DEC(*state, "{\"mod\\u0065l\":\"x\"}"), ERR_OK);
    assert_str(S.model, "x");
    assert_int_equal(DEC(*state, "{\"model\":\"\\x\"}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"model\":\"\\u12G4\"}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"model\":\"\\u12\"}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"model\":\"\\ud83d\"}"), ERR_BAD_UTF8);   /* lone high */
    assert_int_equal(DEC(*state, "{\"model\":\"\\ude00x\"}"), ERR_BAD_UTF8);  /* lone low */
    assert_int_equal(DEC(*state, "{\"model\":\"\\ud83d\\u0041\"}"), ERR_BAD_UTF8);
    assert_int_equal(DEC(*state, "{\"model\":\"\\ud83d\\ud83d\"}"), ERR_BAD_UTF8);
    assert_int_equal(DEC(*state, "{\"model\":\"a\tb\"}"), ERR_JSON_SYNTAX); /* raw control */
    assert_int_equal(DEC(*state, "{\"model\":\"a\nb\"}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"model\":\"a\0b\"}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"model\":\"abc"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"model\":\"abc\\"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(*state, "{\"model\":\"abc\\u"), ERR_JSON_SYNTAX);
}

static void test_utf8(void **state) {
    /* Valid: 2-, 3-, 4-byte sequences, and the extremes U+07FF, U+FFFF, U+10FFFF. */
    assert_int_equal(DEC(*state, "{\"model\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xdf\xbf"
                                 "\xef\xbf\xbf\xf4\x8f\xbf\xbf long enough for the wide path\"}"),
                     ERR_OK);
    static const char *bad[] = {
        "\x80",             /* lone continuation */
        "\xc0\x80",         /* overlong NUL */
        "\xc1\xbf",         /* overlong */
        "\xe0\x80\xaf",     /* overlong 3-byte */
        "\xed\xa0\x80",     /* UTF-16 surrogate U+D800 */
        "\xf0\x80\x80\xaf", /* overlong 4-byte */
        "\xf4\x90\x80\x80", /* U+110000 */
        "\xf5\x80\x80\x80", "\xff", "\xc3", /* truncated */
        "\xe2\x82",         "\xc3\x28",
    };
    char msg[128];
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        /* Both in a short string (tail path) and in a long one (8-byte path), and in keys. */
        int n = snprintf(msg, sizeof(msg), "{\"model\":\"%s\"}", bad[i]);
        assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_BAD_UTF8);
        n = snprintf(msg, sizeof(msg), "{\"model\":\"0123456789abcdef%s0123456789abcdef\"}", bad[i]);
        assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_BAD_UTF8);
        n = snprintf(msg, sizeof(msg), "{\"k%s\":1}", bad[i]);
        assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_BAD_UTF8);
        n = snprintf(msg, sizeof(msg), "{\"model\":\"\\n%s\"}", bad[i]); /* escaped path */
        assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_BAD_UTF8);
        n = snprintf(msg, sizeof(msg), "{\"a\":[\"%s\"]}", bad[i]); /* nested, skipped */
        assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_BAD_UTF8);
        assert_false(utf8_valid(bad[i], strlen(bad[i])));
    }
    assert_true(utf8_valid("\xf0\x9f\x98\x80", 4));
    assert_true(utf8_valid("", 0));
}

/* ---- attributes ---- */
static void test_attrs_capture(void **state) {
    assert_int_equal(DEC(*state, "{\"s\":\"x\\ty\",\"n\":-1.5e3,\"t\":true,\"f\":false,"
                                 "\"z\":null,\"o\":{\"a\":[1,{\"b\":\"c\"}]},\"arr\":[ ],"
                                 "\"e\":{},\"model\":\"m\"}"),
                     ERR_OK);
    assert_int_equal(S.n_attrs, 8);
    const char *keys[] = {"s", "n", "t", "f", "z", "o", "arr", "e"};
    const char *vals[] = {"x\ty", "-1.5e3", "true", "false", "null",
                          "{\"a\":[1,{\"b\":\"c\"}]}", "[ ]", "{}"};
    for (int i = 0; i < 8; i++) {
        assert_str(S.attrs[i].key, keys[i]);
        assert_str(S.attrs[i].val, vals[i]);
    }
}

static void test_attrs_limit(void **state) {
    char msg[4096];
    int n = 0;
    msg[n++] = '{';
    for (int i = 0; i < SPAN_MAX_ATTRS; i++)
        n += snprintf(msg + n, sizeof(msg) - (size_t)n, "%s\"a%d\":%d", i ? "," : "", i, i);
    msg[n++] = '}';
    assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_OK);
    assert_int_equal(S.n_attrs, SPAN_MAX_ATTRS);
    n--;
    n += snprintf(msg + n, sizeof(msg) - (size_t)n, ",\"one_more\":1}");
    assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_TOO_MANY_ATTRS);
}

/* ---- structure and limits ---- */
static void test_structure_errors(void **state) {
    jspan_dec_t *d = *state;
    assert_int_equal(jspan_decode(d, "", 0, &S, &EI), ERR_EMPTY);
    assert_int_equal(DEC(d, " \n\t\r "), ERR_EMPTY);
    assert_int_equal(DEC(d, "[]"), ERR_NOT_OBJECT);
    assert_int_equal(DEC(d, "\"x\""), ERR_NOT_OBJECT);
    assert_int_equal(DEC(d, "{}"), ERR_OK);
    assert_int_equal(DEC(d, " { \"model\" : \"m\" , \"x\" : [ 1 , 2 ] } \n"), ERR_OK);
    assert_int_equal(DEC(d, "{}x"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{}{}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{\"a\":1,}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{\"a\":1 \"b\":2}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{\"a\" 1}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{\"a\":}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{a:1}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{'a':1}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{\"a\":tru}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{\"a\":[1,]}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{\"a\":[1 2]}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{\"a\":{\"b\"}}"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{\"a\":1"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{\"a\":"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{"), ERR_JSON_SYNTAX);
    assert_int_equal(DEC(d, "{\"model\":null}"), ERR_OK);
    assert_int_equal(S.model.n, 0);
    assert_int_equal(DEC(d, "{\"model\":nul}"), ERR_JSON_SYNTAX);
    assert_true(strstr(EI.detail, "byte") != NULL);
}

static void test_duplicates_and_types(void **state) {
    jspan_dec_t *d = *state;
    assert_int_equal(DEC(d, "{\"model\":\"a\",\"model\":\"b\"}"), ERR_DUP_FIELD);
    assert_string_equal(EI.field, "model");
    assert_int_equal(DEC(d, "{\"model\":\"a\",\"request_model\":\"b\"}"), ERR_DUP_FIELD);
    assert_int_equal(DEC(d, "{\"input_tokens\":1,\"prompt_tokens\":1}"), ERR_DUP_FIELD);
    assert_int_equal(DEC(d, "{\"cost\":1,\"total_cost_usd\":1}"), ERR_DUP_FIELD);
    assert_string_equal(EI.field, "cost_usd");
    assert_int_equal(DEC(d, "{\"ts\":1,\"timestamp\":1}"), ERR_DUP_FIELD);
    assert_int_equal(DEC(d, "{\"model\":null,\"model\":\"b\"}"), ERR_DUP_FIELD);
    assert_int_equal(DEC(d, "{\"x\":1,\"x\":2}"), ERR_OK); /* unknown: both kept */
    assert_int_equal(S.n_attrs, 2);
    assert_int_equal(DEC(d, "{\"model\":5}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(d, "{\"model\":{\"name\":\"x\"}}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(d, "{\"trace_id\":[\"x\"]}"), ERR_WRONG_TYPE);
    assert_int_equal(DEC(d, "{\"trace_id\":true}"), ERR_WRONG_TYPE);
}

static void test_depth_limit(void **state) {
    char msg[256];
    /* Top-level object is depth 1: 15 nested arrays under it reach depth 16 = the default. */
    int n = snprintf(msg, sizeof(msg), "{\"a\":");
    for (int i = 0; i < 15; i++) msg[n++] = '[';
    for (int i = 0; i < 15; i++) msg[n++] = ']';
    msg[n++] = '}';
    assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_OK);
    n = snprintf(msg, sizeof(msg), "{\"a\":");
    for (int i = 0; i < 16; i++) msg[n++] = '[';
    for (int i = 0; i < 16; i++) msg[n++] = ']';
    msg[n++] = '}';
    assert_int_equal(jspan_decode(*state, msg, (size_t)n, &S, &EI), ERR_TOO_DEEP);
    /* Deep garbage is rejected before the parser gets lost in it. */
    memset(msg, '[', sizeof(msg));
    msg[0] = '{', msg[1] = '"', msg[2] = 'a', msg[3] = '"', msg[4] = ':';
    assert_int_equal(jspan_decode(*state, msg, sizeof(msg), &S, &EI), ERR_TOO_DEEP);
}

static void test_opts_and_oversize(void **state) {
    (void)state;
    char errstr[128];
    jspan_opts_t o;
    jspan_opts_default(&o);
    assert_int_equal(o.max_message_bytes, 1u << 20);
    assert_int_equal(o.max_depth, 16);
    o.max_message_bytes = 32;
    o.max_depth = 2;
    jspan_dec_t *d = jspan_dec_new(&o, errstr, sizeof(errstr));
    assert_non_null(d);
    assert_int_equal(DEC(d, "{\"model\":\"01234567890123456789\"}"), ERR_OK); /* 32 bytes */
    assert_int_equal(DEC(d, "{\"model\":\"012345678901234567890\"}"), ERR_OVERSIZED);
    assert_int_equal(DEC(d, "{\"a\":[1]}"), ERR_OK);
    assert_int_equal(DEC(d, "{\"a\":[[1]]}"), ERR_TOO_DEEP);
    assert_int_equal(DEC(d, "{\"usage\":{\"x\":{}}}"), ERR_TOO_DEEP);
    jspan_dec_destroy(d);
    o.max_message_bytes = 0;
    assert_null(jspan_dec_new(&o, errstr, sizeof(errstr)));
    assert_true(strlen(errstr) > 0);
    jspan_opts_default(&o);
    o.max_depth = 0;
    assert_null(jspan_dec_new(&o, errstr, sizeof(errstr)));
    jspan_dec_destroy(NULL);
}

static void test_scratch_reuse(void **state) {
    /* Escaped strings live in scratch; a second decode reuses it from the start, and
     * slices of the current decode never overlap each other. */
    jspan_dec_t *d = *state;
    assert_int_equal(DEC(d, "{\"model\":\"a\\nb\",\"provider\":\"X\\ty\",\"k\\u0041\":\"v\\\"\"}"),
                     ERR_OK);
    assert_str(S.model, "a\nb");
    assert_str(S.provider, "x\ty");
    assert_str(S.attrs[0].key, "kA");
    assert_str(S.attrs[0].val, "v\"");
    assert_true(S.model.p + S.model.n <= S.provider.p || S.provider.p + S.provider.n <= S.model.p);
    assert_int_equal(jspan_decode(d, NULL, 0, &S, NULL), ERR_EMPTY); /* ei may be NULL */
}

/* The decoder predicts each member from the previous message's order; changing the order,
 * lengths or inserting unknown members must never change what is decoded. */
static void test_member_order_prediction(void **state) {
    jspan_dec_t *d = *state;
    for (int round = 0; round < 3; round++) {
        assert_int_equal(DEC(d, "{\"model\":\"a\",\"trace_id\":\"t\",\"input_tokens\":1}"), ERR_OK);
        assert_str(S.model, "a");
        assert_str(S.trace_id, "t");
        assert_int_equal(S.input_tokens, 1);
        assert_int_equal(DEC(d, "{\"trace_id\":\"u\",\"model\":\"b\",\"x\":2,\"output_tokens\":3}"),
                         ERR_OK);
        assert_str(S.model, "b");
        assert_str(S.trace_id, "u");
        assert_int_equal(S.output_tokens, 3);
        assert_int_equal(S.input_tokens, 0);
        assert_int_equal(DEC(d, "{\"model\":\"c\",\"modem\":\"z\",\"trace_id\":\"v\"}"), ERR_OK);
        assert_str(S.model, "c");
        assert_int_equal(S.n_attrs, 1);
        assert_str(S.attrs[0].key, "modem");
        assert_int_equal(DEC(d, "{\"model\":\"c\",\"trace_id\":\"v\",\"model\":\"d\"}"),
                         ERR_DUP_FIELD);
    }
    /* Learn model -> trace_id, then offer near misses of the predicted name. */
    static const char learn[] = "{\"model\":\"m\",\"trace_id\":\"t\",\"x\":\"................\"}";
    static const char longer[] = "{\"model\":\"m\",\"trace_idx\":\"t\",\"x\":\"................\"}";
    static const char shorter[] = "{\"model\":\"m\",\"trace_i\":\"t\",\"x\":\"................\"}";
    static const char escaped[] =
        "{\"model\":\"m\",\"trace\\u005fid\":\"t\",\"x\":\"................\"}";
    assert_int_equal(DEC(d, learn), ERR_OK);
    assert_int_equal(DEC(d, learn), ERR_OK);
    assert_str(S.trace_id, "t");
    assert_int_equal(DEC(d, longer), ERR_OK);
    assert_int_equal(S.trace_id.n, 0);
    assert_str(S.attrs[0].key, "trace_idx");
    assert_int_equal(DEC(d, learn), ERR_OK);
    assert_int_equal(DEC(d, shorter), ERR_OK);
    assert_int_equal(S.trace_id.n, 0);
    assert_str(S.attrs[0].key, "trace_i");
    assert_int_equal(DEC(d, learn), ERR_OK);
    assert_int_equal(DEC(d, escaped), ERR_OK);
    assert_str(S.trace_id, "t");
    assert_int_equal(DEC(d, learn), ERR_OK);
    assert_int_equal(DEC(d, "{\"model\":\"m\",\"trace_id\":\"t\"}"), ERR_OK); /* short tail */
    assert_str(S.trace_id, "t");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_message),
        cmocka_unit_test(test_minimal_has_no_optional_bits),
        cmocka_unit_test(test_string_aliases),
        cmocka_unit_test(test_number_aliases),
        cmocka_unit_test(test_cost_aliases),
        cmocka_unit_test(test_timestamp_aliases),
        cmocka_unit_test(test_bool_aliases_and_forms),
        cmocka_unit_test(test_status_normalized),
        cmocka_unit_test(test_provider_lowercased),
        cmocka_unit_test(test_openai_usage_block),
        cmocka_unit_test(test_responses_api_usage_block),
        cmocka_unit_test(test_anthropic_usage_normalized),
        cmocka_unit_test(test_usage_dup_with_top_level),
        cmocka_unit_test(test_count_numbers),
        cmocka_unit_test(test_json_number_grammar),
        cmocka_unit_test(test_cost_exact_decimal),
        cmocka_unit_test(test_cost_field_forms),
        cmocka_unit_test(test_quality),
        cmocka_unit_test(test_iso8601_forms),
        cmocka_unit_test(test_epoch_forms),
        cmocka_unit_test(test_end_time_gives_latency),
        cmocka_unit_test(test_escapes),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_attrs_capture),
        cmocka_unit_test(test_attrs_limit),
        cmocka_unit_test(test_structure_errors),
        cmocka_unit_test(test_duplicates_and_types),
        cmocka_unit_test(test_depth_limit),
        cmocka_unit_test(test_opts_and_oversize),
        cmocka_unit_test(test_scratch_reuse),
        cmocka_unit_test(test_member_order_prediction),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
