/* bill: what the providers say they billed, read from their own exports, as bill lines (the
 * rows of llm_bill_lines; docs/reconciliation.md).
 *
 * Formats (the shapes of the providers' documented admin APIs, saved to a file by the user;
 * nothing is downloaded):
 *   openai-costs     GET /v1/organization/costs (daily buckets; amount.value in USD; grouped
 *                    by project_id and/or line_item, "<model>, <input|cached input|output>")
 *   openai-usage     GET /v1/organization/usage/completions (input tokens including cached,
 *                    cached, output, requests; by model/project/api key/batch/service tier)
 *   anthropic-cost   GET /v1/organizations/cost_report (amount: a decimal string in CENTS; by
 *                    workspace, model, service tier, context window, token type, cost type)
 *   anthropic-usage  GET /v1/organizations/usage_report/messages (uncached input, cache
 *                    creation 5m/1h, cache read, output, web-search requests)
 *   csv              day,provider,model,project,api_key,service_tier,context_window,
 *                    token_type,tokens,amount_usd[,line_item] with a header (any order)
 * A JSON file is one response page, or several pages in a JSON array, or one page per line.
 * Every line becomes one token type of one day (token types: input = uncached input,
 * cached_input, cache_write_5m, cache_write_1h, output, requests, web_search, code_execution,
 * other), so both sides of a reconciliation use one vocabulary.
 *
 * Money is nano-USD in integers: decimal strings (Anthropic's cents, CSV) are read exactly;
 * OpenAI's JSON numbers are read as the nearest double and rounded to 9 decimals (exact for
 * any amount with at most 9 decimals and 15 significant digits).
 * Pure: no I/O, no globals; jansson parses the JSON. The caller owns every buffer. */
#ifndef SPANHOUSE_BILL_H
#define SPANHOUSE_BILL_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
    BILL_OPENAI_COSTS,
    BILL_OPENAI_USAGE,
    BILL_ANTHROPIC_COST,
    BILL_ANTHROPIC_USAGE,
    BILL_CSV,
    BILL__COUNT
} bill_format_t;

/* "openai-costs" … "csv" -> format; -1 when unknown. */
int bill_format_parse(const char *name);
const char *bill_format_name(bill_format_t f);

#define BILL_STR 128

typedef struct {
    int64_t bucket_start; /* the export's time bucket, UTC unix seconds (CSV: the day at 00:00) */
    char provider[32];
    char model[BILL_STR];
    char project[BILL_STR]; /* OpenAI project_id, Anthropic workspace_id, CSV project */
    char api_key[BILL_STR];
    char service_tier[32]; /* standard | batch | flex | priority | … ('' = not in the export) */
    char context_window[32];
    char token_type[32];
    char line_item[2 * BILL_STR]; /* the export's own words for the line */
    char source_ref[64];          /* where in the file: "data[3].results[1]" or "line 12" */
    uint64_t tokens;              /* usage lines; 0 on cost lines */
    int has_amount;               /* cost lines */
    int64_t amount_nano;          /* USD x 1e9 (credits are negative) */
} bill_line_t;

typedef struct {
    bill_line_t *v;
    size_t n, cap;
} bill_lines_t;

/* Appends the lines of text[0..len) read as format f to out. On failure returns -1, writes
 * "LINE:COL: problem" (syntax) or "data[2].results[0].amount: problem" (shape) into errstr
 * and leaves out as it was on entry. 0 on success. */
int bill_decode(bill_format_t f, const char *text, size_t len, bill_lines_t *out, char *errstr,
                size_t errstr_size);

void bill_lines_free(bill_lines_t *l);

struct buf_s;
/* Writes into b the one INSERT that stores lines[0..n) in database.llm_bill_lines, as read from
 * source_file in format f at imported_ms (epoch ms), with insert_deduplication_token = token
 * (NULL = none). One statement: the server stores all of it or none. */
void bill_insert_sql(struct buf_s *b, const char *database, const bill_line_t *lines, size_t n,
                     bill_format_t f, const char *source_file, int64_t imported_ms,
                     const char *token);

#endif
