/* genq: deterministic evals and business outcomes for the spans of a gen.h generator, as the
 * flat JSON of docs/span-format.md ("Evaluation and outcome records").
 *
 * Fed each good span right after gen_next(), it schedules what a real stack would send later:
 * LLM-judge evals at three sampling tiers (100 % of one feature, 10 % and 1 % of all calls,
 * sample_rate set), late by seconds to hours (a few judge evals hit a backlog of hours), some
 * scoring the whole trace; outcomes (conversion with a USD value, thumbs_up, thumbs_down,
 * ticket_escalated) minutes to days later; and a few orphans (trace_ids of no span). Scores
 * follow the span's true quality (gen_quality), so a planted regression shows in them.
 * Records come out in the order they happen (their own timestamp), i.e. out of order with the
 * spans they score. Own PRNG and no clock: same seed + same spans = same records. No Kafka. */
#ifndef SPANHOUSE_GENQ_H
#define SPANHOUSE_GENQ_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "gen.h"

typedef struct genq_s genq_t;

enum { GENQ_NONE = 0, GENQ_EVAL = 1, GENQ_OUTCOME = 2 };
/* Sampling tiers of the evals (genq_stats_t.tier index). */
enum { GENQ_TIER_FULL = 0, GENQ_TIER_10 = 1, GENQ_TIER_1 = 2, GENQ_NTIERS = 3 };

typedef struct genq_opts_s {
    uint64_t seed;       /* PRNG seed (independent of the span generator's) */
    int evals, outcomes; /* which kinds to produce */
    const char
        *full_feature; /* feature whose calls are all judged (tier 100 %); default doc_summarize */
    double orphan_fraction; /* per good span, chance of one orphan of each kind produced (0..1) */
    int64_t now_ms;         /* records that would happen after this are not produced (they have
                               not happened yet); 0 = no cap */
} genq_opts_t;

typedef struct genq_stats_s {
    uint64_t evals, outcomes;   /* emitted by genq_next */
    uint64_t tier[GENQ_NTIERS]; /* evals emitted per tier (orphans excluded) */
    uint64_t whole_trace;       /* evals without span_id */
    uint64_t late;              /* records emitted more than 1 hour after their span */
    uint64_t orphan_evals, orphan_outcomes;
    uint64_t conversions; /* outcomes with event conversion */
    int64_t conversion_value_cents;
    uint64_t not_yet; /* scheduled after now_ms: dropped */
    uint64_t pending; /* scheduled, not yet emitted */
} genq_stats_t;

/* Defaults: seed 4242, evals and outcomes on, full tier on doc_summarize, 0.1 % orphans,
 * no now cap. */
void genq_opts_default(genq_opts_t *o);

/* Returns NULL and fills errstr on bad options or out of memory. o is copied (full_feature
 * must outlive the generator). */
genq_t *genq_new(const genq_opts_t *o, char *errstr, size_t errstr_size);
/* Frees it. NULL ok. */
void genq_destroy(genq_t *q);

/* Schedules the evals and outcomes of the span g produced last (call only for a good message:
 * gen_next returned 1 with *is_poison == 0). Returns 0, or -1 on out of memory. */
int genq_observe(genq_t *q, const gen_t *g);

/* Appends the earliest scheduled record whose time is <= until_ms (INT64_MAX: any) to out as
 * one JSON object, key (if not NULL, key_size >= 33) receives its trace_id. Returns
 * GENQ_EVAL or GENQ_OUTCOME, GENQ_NONE when nothing is due, -1 when out has its sticky error. */
int genq_next(genq_t *q, int64_t until_ms, buf_t *out, char *key, size_t key_size);

void genq_stats(const genq_t *q, genq_stats_t *st);

#endif
