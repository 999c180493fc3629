#!/usr/bin/env bash
# Reproduces the protobuf-c vs hand-written measurement recorded in docs/otel-mapping.md.
# Needs the Debian packages libprotobuf-c-dev and protobuf-c-compiler (not a spanhouse
# dependency: the measurement is why). Not part of `make bench`.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v protoc-c >/dev/null || { echo "needs: apt-get install libprotobuf-c-dev protobuf-c-compiler"; exit 1; }
make --no-print-directory build/libspanhouse.a >/dev/null
out=build/otlp_protobufc; mkdir -p "$out"
protoc-c --c_out="$out" --proto_path=bench/otlp_protobufc bench/otlp_protobufc/trace_subset.proto
cc -O2 -std=c11 -D_GNU_SOURCE -Iingest -I"$out" -o "$out/compare" bench/otlp_protobufc/compare.c \
   "$out/trace_subset.pb-c.c" build/libspanhouse.a -lprotobuf-c -lm
"$out/compare" "$@"
