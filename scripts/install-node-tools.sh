#!/usr/bin/env bash
# Installs the pinned npm packages the ops checks need (a YAML parser for docker-compose.yml,
# the Grafana provisioning files and the alert rules) into build/node/. Idempotent: does
# nothing once the pinned version is there. Prints the node_modules path.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/build/node"
YAML_VERSION=2.9.1
if [ -f "$dest/node_modules/yaml/package.json" ] &&
   grep -q "\"version\": \"$YAML_VERSION\"" "$dest/node_modules/yaml/package.json"; then
  echo "$dest/node_modules"; exit 0
fi
command -v npm >/dev/null || { echo "npm not found: install nodejs and npm" >&2; exit 1; }
mkdir -p "$dest"
cd "$dest"
[ -f package.json ] || echo '{"name":"spanhouse-node-tools","private":true}' > package.json
npm install --no-audit --no-fund --silent --save-exact "yaml@$YAML_VERSION" >/dev/null 2>&1 \
  || npm install --no-audit --no-fund --save-exact "yaml@$YAML_VERSION" >&2
[ -f "$dest/node_modules/yaml/package.json" ] || { echo "yaml not installed" >&2; exit 1; }
echo "$dest/node_modules"
