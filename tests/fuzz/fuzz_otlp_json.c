/* libFuzzer target for otlp_json_decode (body and properties: otlp_harness.h).
 * Seeds: tests/fuzz/corpus/otlp_json/. */
#define FZ_DECODE otlp_json_decode
#include "otlp_harness.h"
