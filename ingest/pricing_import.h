/* pricing_import: a well-kept public price list turned into rows of spanhouse's pricing file
 * (docs/pricing.md, "Importing a price list"), so that a new model's price is one review away
 * instead of one typing session away.
 *
 * Supported: LiteLLM's model_prices_and_context_window.json (a file the user downloaded; no
 * network here). Per model: input/output/cache read/cache creation prices per token, the
 * 1-hour cache creation price, the *_above_200k_tokens tier, the batch / flex / priority
 * prices (turned into batch_discount, flex_factor, priority_factor when input and output move
 * by the same factor), and the web-search price per query (medium context size). Everything
 * it cannot map is reported, one line per model and reason, never guessed.
 * Pure: no I/O; jansson parses the JSON; the caller owns the buffers. */
#ifndef SPANHOUSE_PRICING_IMPORT_H
#define SPANHOUSE_PRICING_IMPORT_H

#include <stddef.h>

#include "buf.h"

typedef struct {
    size_t rows;    /* rows written */
    size_t skipped; /* models left out (each reported) */
    size_t notes;   /* fields of written rows left empty (each reported) */
} pricing_import_stats_t;

/* Converts LiteLLM's JSON (text[0..len)) into a complete pricing CSV in csv (header, then one
 * row per model, sorted by provider and model, effective_from = effective_from, YYYY-MM-DD);
 * writes one "model: reason" line per skipped model or unmapped field into report. Returns
 * 0, or -1 with errstr ("LINE:COL: problem" for bad JSON). The caller should load the result
 * with price_parse() before using it. */
int pricing_import_litellm(const char *text, size_t len, const char *effective_from, buf_t *csv,
                           buf_t *report, pricing_import_stats_t *st, char *errstr,
                           size_t errstr_size);

#endif
