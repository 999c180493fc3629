/* rowjson: one span as the JSON object of the row it would be stored as (every llm_spans column
 * of columns.h, in insert order, with the stored values: enriched, priced, attributed). For
 * `spanhouse check-span --json` / `spanhouse validate`: a producer sees exactly what lands in
 * ClickHouse without one. Timestamps are epoch milliseconds, money an exact decimal string
 * (nine fractional digits), Nullable columns null when absent, attributes an object of strings.
 * Not on the insert path. */
#ifndef SPANHOUSE_ROWJSON_H
#define SPANHOUSE_ROWJSON_H

#include "buf.h"
#include "span.h"

/* Appends the row's JSON object (no newline) to b; errors are b's sticky error. */
void rowjson_encode_span(buf_t *b, const span_t *s);

#endif
