/* Unit tests for tenant: lookup order, fill and override policies, status values, unknown
 * keys, budgets, CSV errors with line numbers, and the shipped schema/tenants.csv. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "../../ingest/tenant.h"

static const char *TABLE =
    "match_kind,match_value,tenant_id,team_id,cost_center,plan_tier,monthly_budget_usd\n"
    "api_key,k1,acme,search,cc1,enterprise,1000.50\n"
    "service,bot,globex,support,,pro,\n"
    "user,u1,initech,growth,cc3,,\n"
    "\"user\",\"u,2\",umbrella,,,,0.000000001\n"
    "api_key,K1,other,,,,\n"; /* keys are case-sensitive */

static tenant_table_t *load_table(void) {
    char err[256] = "";
    tenant_table_t *tt = tenant_parse(TABLE, strlen(TABLE), "t.csv", err, sizeof(err));
    if (!tt) fail_msg("%s", err);
    return tt;
}

#define S(x) span_str((x), strlen(x))
static int eq(span_str_t a, const char *b) { return span_str_eq(a, b); }

static void test_lookup_order_and_fill(void **state) {
    (void)state;
    tenant_table_t *tt = load_table();
    assert_int_equal(tenant_count(tt), 5);
    span_t s;
    /* api_key beats service and user. */
    span_reset(&s);
    s.api_key_id = S("k1");
    s.service = S("bot");
    s.user_id = S("u1");
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_FILL, &s), 1);
    assert_true(eq(s.tenant_id, "acme"));
    assert_true(eq(s.team_id, "search"));
    assert_true(eq(s.cost_center, "cc1"));
    assert_true(eq(s.plan_tier, "enterprise"));
    assert_true(eq(s.tenant_status, "from_table"));
    /* Unknown api key falls through to service. */
    span_reset(&s);
    s.api_key_id = S("nope");
    s.service = S("bot");
    s.user_id = S("u1");
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_FILL, &s), 1);
    assert_true(eq(s.tenant_id, "globex"));
    assert_int_equal(s.cost_center.n, 0); /* the row has none */
    /* Then user; quoted value with a comma. */
    span_reset(&s);
    s.user_id = S("u,2");
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_FILL, &s), 1);
    assert_true(eq(s.tenant_id, "umbrella"));
    /* Case-sensitive keys. */
    span_reset(&s);
    s.api_key_id = S("K1");
    tenant_apply(tt, TENANT_POLICY_FILL, &s);
    assert_true(eq(s.tenant_id, "other"));
    /* FILL keeps what the span has and fills the rest. */
    span_reset(&s);
    s.api_key_id = S("k1");
    s.tenant_id = S("acme-eu");
    s.plan_tier = S("trial");
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_FILL, &s), 1);
    assert_true(eq(s.tenant_id, "acme-eu"));
    assert_true(eq(s.plan_tier, "trial"));
    assert_true(eq(s.team_id, "search"));
    assert_true(eq(s.cost_center, "cc1"));
    assert_true(eq(s.tenant_status, "from_span"));
    tenant_destroy(tt);
}

static void test_override(void **state) {
    (void)state;
    tenant_table_t *tt = load_table();
    span_t s;
    span_reset(&s);
    s.service = S("bot");
    s.tenant_id = S("spoofed");
    s.team_id = S("t");
    s.cost_center = S("keep-me");
    s.plan_tier = S("free");
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_OVERRIDE, &s), 1);
    assert_true(eq(s.tenant_id, "globex"));
    assert_true(eq(s.team_id, "support"));
    assert_true(eq(s.cost_center, "keep-me")); /* empty row field never erases */
    assert_true(eq(s.plan_tier, "pro"));
    assert_true(eq(s.tenant_status, "override"));
    /* Override with no match leaves the span alone. */
    span_reset(&s);
    s.service = S("unknown-svc");
    s.tenant_id = S("mine");
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_OVERRIDE, &s), 0);
    assert_true(eq(s.tenant_id, "mine"));
    assert_true(eq(s.tenant_status, "from_span"));
    tenant_destroy(tt);
}

static void test_unknown_and_none(void **state) {
    (void)state;
    tenant_table_t *tt = load_table();
    span_t s;
    span_reset(&s);
    s.api_key_id = S("key_unknown");
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_FILL, &s), 0);
    assert_true(eq(s.tenant_status, "unknown_key"));
    assert_int_equal(s.tenant_id.n, 0);
    span_reset(&s);
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_FILL, &s), 0);
    assert_true(eq(s.tenant_status, "none"));
    span_reset(&s);
    s.tenant_id = S("t");
    assert_int_equal(tenant_apply(NULL, TENANT_POLICY_FILL, &s), 0); /* no table */
    assert_true(eq(s.tenant_status, "from_span"));
    span_reset(&s);
    s.user_id = S("x");
    assert_int_equal(tenant_apply(NULL, TENANT_POLICY_OVERRIDE, &s), 0);
    assert_true(eq(s.tenant_status, "unknown_key"));
    tenant_destroy(tt);
}

static void test_budget(void **state) {
    (void)state;
    tenant_table_t *tt = load_table();
    assert_int_equal(tenant_budget_nusd(tt, S("acme")), 1000500000000ll); /* $1000.50 */
    assert_int_equal(tenant_budget_nusd(tt, S("umbrella")), 1);
    assert_int_equal(tenant_budget_nusd(tt, S("globex")), -1); /* no budget given */
    assert_int_equal(tenant_budget_nusd(tt, S("nobody")), -1);
    assert_int_equal(tenant_budget_nusd(tt, S("")), -1);
    assert_int_equal(tenant_budget_nusd(NULL, S("acme")), -1);
    tenant_destroy(tt);
    tenant_destroy(NULL);
    assert_int_equal(tenant_count(NULL), 0);
}

static void expect_error(const char *text, const char *want) {
    char err[256] = "";
    tenant_table_t *tt = tenant_parse(text, strlen(text), "t.csv", err, sizeof(err));
    if (tt) fail_msg("parsed, expected error \"%s\"", want);
    if (!strstr(err, want)) fail_msg("error \"%s\" does not contain \"%s\"", err, want);
}

static void test_errors(void **state) {
    (void)state;
    const char *h = "match_kind,match_value,tenant_id,team_id,cost_center,plan_tier,"
                    "monthly_budget_usd\n";
    char t[512];
    snprintf(t, sizeof(t), "%sapi_key,k1,a,,,,\n# c\napi_key,k1,b,,,,\n", h);
    expect_error(t, "t.csv:4:1: api_key \"k1\" is already mapped on line 2");
    snprintf(t, sizeof(t), "%sapikey,k1,a,,,,\n", h);
    expect_error(t, "t.csv:2:1: match_kind must be one of api_key service user bill_project "
                    "bill_api_key, got \"apikey\"");
    snprintf(t, sizeof(t), "%sapi_key,,a,,,,\n", h);
    expect_error(t, "t.csv:2:9: match_value is empty");
    snprintf(t, sizeof(t), "%sapi_key,k,,,,,\n", h);
    expect_error(t, "t.csv:2:11: tenant_id is empty");
    snprintf(t, sizeof(t), "%sapi_key,k,a,,,,lots\n", h);
    expect_error(t, "t.csv:2:16: monthly_budget_usd: not a number");
    snprintf(t, sizeof(t), "%sapi_key,k,a,,,,10\nuser,u,a,,,,20\n", h);
    expect_error(t, "t.csv:3:1: tenant \"a\" already has a different monthly_budget_usd on line 2");
    snprintf(t, sizeof(t), "%sapi_key,k,a,,,\n", h);
    expect_error(t, "t.csv:2:1: expected 7 fields");
    snprintf(t, sizeof(t), "%sapi_key,\"k,a,,,,\n", h);
    expect_error(t, "t.csv:2:9: unterminated quoted field");
    expect_error("match_kind,match_value\n", "t.csv:1:1: header lacks required column \"tenant_id\"");
    expect_error("match_kind,match_value,tenant_id,budget\n", "t.csv:1:34: unknown column");
    expect_error("", "t.csv:1:1: empty file");
    /* The same budget twice is fine; only a conflict is an error. */
    snprintf(t, sizeof(t), "%sapi_key,k,a,,,,10\nuser,u,a,,,,10.0\nservice,s,a,,,,\n", h);
    char err[256] = "";
    tenant_table_t *tt = tenant_parse(t, strlen(t), "t.csv", err, sizeof(err));
    assert_non_null(tt);
    assert_int_equal(tenant_budget_nusd(tt, S("a")), 10000000000ll);
    tenant_destroy(tt);
    assert_null(tenant_load("/nonexistent/tenants.csv", err, sizeof(err)));
    assert_non_null(strstr(err, "/nonexistent/tenants.csv: No such file"));
}

/* Bill kinds name a provider's project/workspace and API key as its exports do: they load
 * (llm_tenants gets them for v_bill_reconciliation_tenant) but a span never matches them, even
 * one carrying the same string as its api_key_id or service; the same value may appear once per
 * kind. */
static void test_bill_kinds(void **state) {
    (void)state;
    const char *t = "match_kind,match_value,tenant_id,team_id,cost_center,plan_tier,"
                    "monthly_budget_usd\n"
                    "bill_project,proj_1,acme,,,,\n"
                    "bill_api_key,key_9,globex,,,,\n"
                    "api_key,key_9,initech,,,,\n";
    char err[256] = "";
    tenant_table_t *tt = tenant_parse(t, strlen(t), "t.csv", err, sizeof(err));
    if (!tt) fail_msg("%s", err);
    assert_int_equal(tenant_count(tt), 3);
    span_t s;
    span_reset(&s);
    s.api_key_id = S("proj_1");
    s.service = S("proj_1");
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_FILL, &s), 0);
    assert_true(eq(s.tenant_status, "unknown_key"));
    span_reset(&s);
    s.api_key_id = S("key_9");
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_FILL, &s), 1);
    assert_true(eq(s.tenant_id, "initech")); /* the span kind, not the bill kind */
    tenant_destroy(tt);
    const char *dup = "match_kind,match_value,tenant_id\nbill_project,p,a\nbill_project,p,b\n";
    expect_error(dup, "t.csv:3:1: bill_project \"p\" is already mapped on line 2");
}

/* The shipped example loads and maps the demo keys (run from the repository root). */
static void test_shipped_table(void **state) {
    (void)state;
    char err[256] = "";
    tenant_table_t *tt = tenant_load("schema/tenants.csv", err, sizeof(err));
    if (!tt) fail_msg("%s", err);
    assert_true(tenant_count(tt) >= 10);
    span_t s;
    span_reset(&s);
    s.api_key_id = S("key_acme_search_1");
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_FILL, &s), 1);
    assert_true(eq(s.tenant_id, "acme"));
    assert_true(eq(s.team_id, "search"));
    span_reset(&s);
    s.service = S("support-bot");
    assert_int_equal(tenant_apply(tt, TENANT_POLICY_FILL, &s), 1);
    assert_true(eq(s.team_id, "support"));
    const char *tenants[] = {"acme", "globex", "initech", "umbrella"};
    for (int i = 0; i < 4; i++) assert_true(tenant_budget_nusd(tt, S(tenants[i])) > 0);
    assert_int_equal(tenant_budget_nusd(tt, S("acme")), 25000000000000ll); /* $25,000 */
    tenant_destroy(tt);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookup_order_and_fill), cmocka_unit_test(test_override),
        cmocka_unit_test(test_unknown_and_none),      cmocka_unit_test(test_budget),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bill_kinds),            cmocka_unit_test(test_shipped_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
