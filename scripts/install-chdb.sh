#!/usr/bin/env bash
# Installs libchdb.so (ClickHouse's embedded engine, 26.x) from the npm registry into
# .deps/chdb/ inside the project. Idempotent: does nothing once the library is there.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/.deps/chdb"
lib=$(find "$dest" -name libchdb.so 2>/dev/null | head -n1 || true)
if [ -n "$lib" ]; then echo "$lib"; exit 0; fi
mkdir -p "$dest"
cd "$dest"
[ -f package.json ] || echo '{"name":"spanhouse-deps","private":true}' > package.json
npm install --no-audit --no-fund --silent @chdb/lib-linux-x64-gnu >/dev/null
lib=$(find "$dest" -name libchdb.so | head -n1)
[ -n "$lib" ] || { echo "libchdb.so not found after npm install" >&2; exit 1; }
echo "$lib"
