#!/usr/bin/env bash
# Installs every package spanhouse needs to build, test, benchmark and run the demo.
# Idempotent: a second run checks and returns in about a second.
# Usage: scripts/install-deps.sh [--no-chdb]
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)

PKGS=(build-essential pkg-config librdkafka-dev libcurl4-openssl-dev libcmocka-dev
      libinih-dev libmicrohttpd-dev libzstd-dev liblz4-dev zlib1g-dev libxxhash-dev
      clang clang-format libclang-rt-14-dev clickhouse-server clickhouse-client kcat curl ca-certificates
      openssl iproute2 valgrind libjansson-dev zookeeper)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# Node.js and npm (libchdb comes from npm; the dashboard and schema generators are Node
# scripts): Debian's packages when the machine has none, whatever installed them otherwise.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  # clickhouse-server's postinst wants to start a service; we never use the system service.
  $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  # Stop the packaged service if the package manager started one: tests start their own servers.
  if command -v service >/dev/null 2>&1; then $SUDO service clickhouse-server stop >/dev/null 2>&1 || true; fi
fi

if [ "${1:-}" != "--no-chdb" ]; then
  "$here/scripts/install-chdb.sh"
fi
