/* reprice: re-prices stored spans from the current pricing table, so that a wrong or missing
 * price can be corrected for the past without replaying (docs/pricing.md, "Re-pricing").
 *
 * Which row prices a span is decided here, in C, by the worker's own lookup (price_lookup with
 * price_apply's order: response_model, then model), once per distinct provider x model x
 * response_model x UTC day of the range; the per-span arithmetic runs in ClickHouse as a
 * mutation of llm_spans that replicates price_cost_nusd exactly (128-bit integers, half-up at
 * the nano-dollar, clamped cache and reasoning counts, long-context tier, batch discount), with
 * the rows looked up by joinGet in a Join table (`_spanhouse_reprice`, dropped afterwards).
 * It rewrites cost_usd_computed and pricing_status of every span in range, and cost_usd and
 * cost_source where the cost came from the table (never a producer's cost). The aggregates
 * holding cost are then rebuilt by the caller with rec_check/rec_repair over the same range.
 * Spans inserted while it runs keep what their worker computed (reload the workers' pricing
 * first). One caller at a time per sink. */
#ifndef SPANHOUSE_REPRICE_H
#define SPANHOUSE_REPRICE_H

#include <stddef.h>
#include <stdint.h>

#include "price.h"
#include "sink.h"

typedef struct {
    uint64_t spans;     /* spans in the range (and model filter) */
    uint64_t changed;   /* of those, spans whose stored cost or status changes */
    uint64_t groups;    /* distinct provider x model x response_model x day looked up */
    uint64_t unpriced;  /* spans no row prices (after re-pricing) */
    char delta_usd[48]; /* sum of new cost_usd_computed - old, as a decimal string */
} reprice_stats_t;

/* Re-prices the spans of database.llm_spans with from_s <= timestamp < to_s (unix seconds)
 * whose model or response_model is model (NULL or "" = all) with the table pt. dry_run: only
 * counts (st filled, nothing changed). Returns ERR_OK or an error code with errstr filled. */
int reprice_run(sink_t *sk, const char *database, const price_table_t *pt, int64_t from_s,
                int64_t to_s, const char *model, int dry_run, reprice_stats_t *st, char *errstr,
                size_t errstr_size);

#endif
