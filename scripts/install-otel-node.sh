#!/usr/bin/env bash
# Installs the OpenTelemetry JS SDK packages that generate the OTLP test vectors
# (tests/otel/package.json, exact versions pinned by tests/otel/package-lock.json) into
# tests/otel/node_modules: @opentelemetry/api, sdk-trace-base, resources, otlp-transformer
# (traces, gen_vectors.mjs) and @opentelemetry/sdk-logs, api-logs (evaluation-result log
# records, gen_eval_vectors.mjs). With a directory argument it installs that test package's lock
# instead (tests/producer: kafkajs for docs/examples/producer.mjs). Idempotent: returns at once
# when the installed tree matches the lock.
# Needs node and npm (Debian: nodejs, npm; installed here if missing).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dir="$here/${1:-tests/otel}"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q && $SUDO apt-get install -y -q --no-install-recommends nodejs npm
fi

# npm writes node_modules/.package-lock.json after an install; equal to the lock's package
# list means nothing to do.
if [ -f "$dir/node_modules/.package-lock.json" ] &&
   node -e '
     const a = require(process.argv[1]).packages, b = require(process.argv[2]).packages;
     for (const k of Object.keys(a)) if (k && (!b[k] || b[k].version !== a[k].version)) process.exit(1);
   ' "$dir/package-lock.json" "$dir/node_modules/.package-lock.json" 2>/dev/null; then
  exit 0
fi
cd "$dir"
timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null
