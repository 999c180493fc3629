/* libFuzzer target for otlp_proto_decode (body and properties: otlp_harness.h).
 * Seeds: tests/fuzz/corpus/otlp_proto/. */
#define FZ_DECODE otlp_proto_decode
#include "otlp_harness.h"
