/* gen: a deterministic generator of realistic LLM-call spans as flat JSON messages.
 *
 * Used by the benchmarks, the tests, the load generator and the demo. Same options and seed
 * give the same bytes on every machine (own PRNG, no global state, no clock). It models
 * tenants/teams/features/models, token and latency distributions, errors with retries,
 * response-cache hits, prompt versions and quality scores, and can plant a cost spike, a
 * quality regression and a fraction of poison messages. It knows nothing about Kafka. */
#ifndef SPANHOUSE_GEN_H
#define SPANHOUSE_GEN_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "span.h"

typedef struct gen_s gen_t;

enum {
    GEN_TS_ISO = 0,      /* "2026-11-24T12:00:00.123Z" */
    GEN_TS_EPOCH_MS = 1, /* 1795521600123 */
    GEN_TS_MIXED = 2,    /* alternates both, as a fleet of different SDKs would */
};

/* Kinds of poison messages (gen_next's *is_poison reports which, 0 = a good message). */
enum {
    GEN_POISON_NONE = 0,
    GEN_POISON_TRUNCATED = 1, /* malformed JSON: the message is cut in the middle */
    GEN_POISON_NEGATIVE = 2,  /* "input_tokens":-<n> */
    GEN_POISON_MISSING = 3,   /* no timestamp, trace_id, span_id, provider nor model */
    GEN_POISON_NOT_OBJECT = 4 /* a JSON array instead of an object */
};

typedef struct gen_opts_s {
    uint64_t seed;          /* PRNG seed; same seed + options = same messages */
    uint64_t count;         /* messages to produce; 0 = unlimited */
    int64_t start_ms;       /* timestamp of the first span (epoch ms, UTC) */
    uint32_t spacing_ms;    /* span i starts at start_ms + i*spacing_ms + jitter in [0, spacing) */
    int ts_format;          /* GEN_TS_* */
    double poison_fraction; /* 0..1: share of messages replaced by poison */

    /* Planted cost spike: spans of this tenant/team/feature whose timestamp falls in
     * [spike_start_ms, spike_end_ms) get tokens (and so cost) multiplied by a factor drawn
     * uniformly in [spike_factor_min, spike_factor_max]. Start/end 0 = the window
     * [60%, 70%) of the run (needs count > 0). */
    int spike;
    const char *spike_tenant, *spike_team, *spike_feature;
    int64_t spike_start_ms, spike_end_ms;
    double spike_factor_min, spike_factor_max;

    /* Planted quality regression: from regression_from_ms on, every span of
     * regression_feature uses prompt_version regression_version, its tokens are multiplied
     * by regression_cost_factor (< 1 cheaper, > 1 more expensive) and its quality scores by
     * regression_quality_factor (0.8 = a 20% drop). From 0 = 50% of the run. */
    int regression;
    const char *regression_feature, *regression_version;
    int64_t regression_from_ms;
    double regression_cost_factor, regression_quality_factor;
} gen_opts_t;

/* Fills o with the defaults: seed 42, unlimited, start 2026-11-24T00:00:00Z, 10 ms spacing,
 * ISO timestamps, no poison; spike on globex/support/ticket_triage ×8–10 and regression of
 * doc_summarize to v3 (tokens ×0.6, quality ×0.8), both disabled until spike/regression = 1. */
void gen_opts_default(gen_opts_t *o);

/* Creates a generator. o is copied (the strings it points to must outlive the generator).
 * Returns NULL and fills errstr on bad options (unknown tenant/team/feature names, fractions
 * or factors out of range, an empty spike window). */
gen_t *gen_new(const gen_opts_t *o, char *errstr, size_t errstr_size);
/* Frees the generator. NULL ok. */
void gen_destroy(gen_t *g);

/* Appends the next message (one JSON object, no newline, ~570 bytes on average) to out.
 * key (if not NULL) receives the NUL-terminated Kafka key, the trace_id (32 hex; key_size
 * >= 33 to hold it whole). is_poison (if not NULL) receives a GEN_POISON_* kind.
 * Returns 1 when a message was appended, 0 when count messages have been produced (nothing
 * appended), -1 when out has its sticky error set (nothing useful appended). */
int gen_next(gen_t *g, buf_t *out, char *key, size_t key_size, int *is_poison);

/* The truth behind the last message (poison or not): fills s with what a perfect decoder of
 * the good message would produce after validation defaults (response_model = model when not
 * sent), plus the generator's own cost in cost_nusd (the figure it sent as cost_usd when
 * SPAN_HAS_COST is set, else what it would have sent), and the true tenant_id/team_id even
 * when the message carried only an API key (SPAN_HAS_TENANT unset: the tenant table of
 * schema/tenants.csv maps that key to them). Strings point
 * into g and are valid until the next gen_next() or gen_destroy(). Enrichment fields
 * (cost_center, plan_tier, cost_computed_nusd, …) are left empty. */
void gen_span(const gen_t *g, span_t *s);

/* The true answer quality of the last message's call, in [0, 1]: what a perfect judge would
 * score, whether or not the span carried quality_score (planted regression included); 0 for
 * a failed call (there is no answer to judge). For genq.h. */
double gen_quality(const gen_t *g);

/* Messages produced so far. */
uint64_t gen_produced(const gen_t *g);

#endif
