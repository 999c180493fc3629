/* price: the versioned model pricing table and per-span cost computation.
 *
 * Loads a user-owned CSV (schema/pricing.csv; format in docs/pricing.md) into an immutable,
 * hashed table and prices spans from token counts with exact integer arithmetic (prices in
 * 1e-9 USD per 1M tokens, costs rounded half-up to the nano-USD once per span). Picks the row
 * in force at the span's timestamp, so replays of old data use old prices. Does no I/O after
 * loading, never rejects a span, and keeps no counters (the worker counts unknown models). */
#ifndef SPANHOUSE_PRICE_H
#define SPANHOUSE_PRICE_H

#include <stddef.h>
#include <stdint.h>

#include "span.h"

/* Immutable once loaded; safe to read from many threads at once without locks.
 * Reload: the worker loads a fresh table, swaps its pointer between batches and destroys the
 * old one (price_apply keeps no pointer into the table, so any time after the swap is fine). */
typedef struct price_table_s price_table_t;

/* Largest accepted price: 1,000,000 USD per 1M tokens. */
#define PRICE_MAX_USD_PER_1M 1000000ull
/* The largest flex/priority factor a pricing file may give, in nano (10x the standard price). */
#define PRICE_MAX_TIER_FACTOR_NANO 10000000000ull
/* Longest model or provider name that can match (longer names are "unknown_model"). */
#define PRICE_MAX_NAME 255

/* Whether p[0..n) can be a provider or model name of the pricing file: 1-255 bytes, no
 * control characters, spaces or '|'. */
int price_name_ok(const char *p, size_t n);

/* Reads and parses path. Returns a new table (free with price_destroy) or NULL with errstr
 * set to "file:line:column: problem" (or "file: problem" for I/O errors). */
price_table_t *price_load(const char *path, char *errstr, size_t errstr_size);
/* Parses text[0..len) (need not be NUL-terminated; not retained). name_for_errors prefixes
 * error messages (NULL -> "pricing"). Returns a new table or NULL with errstr set. */
price_table_t *price_parse(const char *text, size_t len, const char *name_for_errors, char *errstr,
                           size_t errstr_size);
/* Frees the table. Accepts NULL. */
void price_destroy(price_table_t *pt);
/* Number of price rows (one per model name and effective_from date). 0 for NULL. */
size_t price_count(const price_table_t *pt);

/* The prices in force for one model at one time, in 1e-9 USD per 1M tokens. */
typedef struct price_row_s {
    int64_t from_ms; /* effective_from, 00:00 UTC, epoch ms */
    uint64_t input, output, cache_read, cache_write, reasoning;
    uint64_t batch_discount; /* fraction in 1e-9 units: 500000000 = 50% off */
    /* Long-context tier (Claude, Gemini): a request whose input tokens (cache reads and writes
     * included) exceed long_above is billed entirely at these prices; long_above 0 = none. */
    uint64_t long_above;
    uint64_t input_long, output_long, cache_read_long, cache_write_long, reasoning_long;
    /* Cache writes with a 1-hour TTL (Anthropic: 2x input, against 1.25x for 5 minutes);
     * default the row's cache_write (and cache_write_long) price. */
    uint64_t cache_write_1h, cache_write_1h_long;
    /* Service tiers: the standard token prices times this factor (1e-9 units: 500000000 =
     * half); 0 = not priced (such spans are priced standard, pricing_status 'tier_default').
     * Batch keeps batch_discount. */
    uint64_t flex_factor, priority_factor;
    /* Per-request fees: USD x 1e9 per 1,000 web-search calls; 0 = not priced. */
    uint64_t web_search_per_1k;
    uint32_t line; /* line of the CSV row, for diagnostics */
} price_row_t;

/* Finds the row for provider/model at ts_ms with the lookup rule of docs/pricing.md
 * (exact name, then without a "host/" prefix, then without a date/version suffix; each tried
 * with the provider, then model-only). provider may be empty. Returns a pointer into pt
 * (valid until price_destroy) or NULL. pt may be NULL (then NULL). */
const price_row_t *price_lookup(const price_table_t *pt, span_str_t provider, span_str_t model,
                                int64_t ts_ms);

/* Cost of the span's tokens under row r, in nano-USD, rounded half-up; the long-context prices
 * when the input tokens exceed r->long_above; 1-hour cache writes at their price; the service
 * tier (batch discount when is_batch or service_tier "batch", the flex or priority factor);
 * plus web-search fees (not discounted).
 * Inconsistent counts are clamped (cache reads and writes to at most the input tokens,
 * reasoning to at most the output tokens), never underflow. */
int64_t price_cost_nusd(const price_row_t *r, const span_t *s);

/* The span's service tier as priced: 0 standard, 1 batch, 2 flex, 3 priority. */
int price_tier(const span_t *s);

/* Enriches one span: sets cost_computed_nusd from its tokens with the price in force at
 * s->ts_ms (tries response_model, then model). If the producer sent no cost
 * (!(s->present & SPAN_HAS_COST)) sets cost_nusd = computed and cost_source = "computed",
 * else keeps cost_nusd and sets cost_source = "producer"; a response-cache hit (cache_hit) without
 * a producer cost gets cost_nusd = 0 and cost_source = "cache_hit" (cost_computed_nusd = the
 * avoided list price). pricing_status = "ok", "long_context" (priced at the row's long-context
 * tier), "tier_default" (a flex or priority span of a row without that tier's factor: priced
 * standard), "fee_unpriced" (web searches the row has no price for), or "unknown_model" (then
 * cost_computed_nusd = 0 and, without a producer cost, cost_nusd = 0 and cost_source = "none").
 * Never rejects a span. pt may be NULL (every model unknown). Returns 1 if priced, 0 if the model
 * is unknown. */
int price_apply(const price_table_t *pt, span_t *s);

#endif
