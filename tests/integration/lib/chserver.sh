# chserver.sh: start Debian's clickhouse-server 18.16 as an unprivileged child process for a
# test, on free loopback ports in a temp dir, and stop it whatever happens. Source it:
#
#   source tests/integration/lib/chserver.sh
#   chserver_start            # sets CH_DIR CH_HTTP_PORT CH_TCP_PORT CH_URL CH_PID; waits for /ping
#                             # With CH_TLS=1 set before it: also HTTPS on CH_HTTPS_PORT with a fresh
#                             # self-signed certificate for 127.0.0.1/localhost in $CH_DIR/ca.crt
#                             # (CH_HTTPS_URL=https://127.0.0.1:PORT).
#   chserver_query "SQL"      # runs SQL over HTTP as user default, prints the result; rc!=0 on error
#   chserver_create_legacy_spans [db] [table]   # CREATE DATABASE + llm_spans (legacy types from
#                             # ingest/columns.h via build/tests/tools/print_ddl; default spanhouse.llm_spans)
#   chserver_kill             # SIGKILL (an outage); chserver_restart starts it again on the same
#                             # ports and data dir and waits for /ping
#   chserver_stop             # SIGTERM, then SIGKILL after 10 s
#   chserver_cleanup          # stop + remove CH_DIR (unless CH_KEEP=1); registered by chserver_start
#                             # with at_exit (lib/prelude.sh), or installed as the EXIT trap without it
#                             # (a script with its own EXIT trap must then call chserver_cleanup in it).
# Users: "default" (no password) and "writer" with password "$CH_WRITER_PASSWORD" (s3cret).
# Needs: clickhouse-server, curl, ss. Runs only one server per sourcing shell.

CH_WRITER_PASSWORD=${CH_WRITER_PASSWORD:-s3cret}
CH_ROOT=${CH_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
CH_PID=
CH_DIR=

chserver__port_free() { ! ss -Hltn "sport = :$1" 2>/dev/null | grep -q .; }
chserver__pick_port() {
  local p i
  for i in $(seq 1 200); do
    p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 40000 ))
    if chserver__port_free "$p"; then echo "$p"; return 0; fi
  done
  return 1
}

chserver__write_users() {
  cat > "$CH_DIR/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage></default></profiles>
  <users>
    <default><password></password><networks><ip>::/0</ip></networks><profile>default</profile><quota>default</quota></default>
    <writer><password>$CH_WRITER_PASSWORD</password><networks><ip>::/0</ip></networks><profile>default</profile><quota>default</quota></writer>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
XML
}

chserver__launch() {
  clickhouse-server --config-file=/etc/clickhouse-server/config.xml -- \
    --path="$CH_DIR/data/" --tmp_path="$CH_DIR/tmp/" --user_files_path="$CH_DIR/user_files/" \
    --format_schema_path="$CH_DIR/format_schemas/" --users_config="$CH_DIR/users.xml" \
    --logger.log="$CH_DIR/log" --logger.errorlog="$CH_DIR/err" --logger.level=warning \
    --listen_host=127.0.0.1 --http_port="$CH_HTTP_PORT" --tcp_port="$CH_TCP_PORT" \
    --interserver_http_port="$CH_IS_PORT" --mark_cache_size=268435456 \
    --uncompressed_cache_size=268435456 "${CH_TLS_ARGS[@]}" >"$CH_DIR/stdout" 2>&1 &
  CH_PID=$!
}

# Waits up to $1 seconds (default 60) for /ping. Returns 1 if the process died.
chserver__wait() {
  local t=$(( ${1:-60} * 10 )) i
  for i in $(seq 1 "$t"); do
    if curl -s -m 1 "http://127.0.0.1:$CH_HTTP_PORT/ping" 2>/dev/null | grep -q Ok; then return 0; fi
    kill -0 "$CH_PID" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

CH_TLS_ARGS=()
chserver__tls_setup() {
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$CH_DIR/server.key" -out "$CH_DIR/ca.crt" \
    -days 30 -subj "/CN=localhost" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1,DNS:ch.spanhouse.test" \
    >/dev/null 2>&1 && openssl dhparam -out "$CH_DIR/dh.pem" 1024 >/dev/null 2>&1
}

chserver_start() {
  local try
  CH_DIR=$(mktemp -d "${TMPDIR:-/tmp}/spanhouse-ch.XXXXXX")
  mkdir -p "$CH_DIR/data" "$CH_DIR/tmp" "$CH_DIR/user_files" "$CH_DIR/format_schemas"
  chserver__write_users
  # stopped at the test's end: through lib/prelude.sh when loaded, else as the EXIT trap
  if declare -F at_exit > /dev/null; then at_exit chserver_cleanup; else trap chserver_cleanup EXIT; fi
  if [ "${CH_TLS:-0}" = 1 ]; then chserver__tls_setup || return 1; fi
  for try in 1 2 3 4 5; do
    CH_HTTP_PORT=$(chserver__pick_port) && CH_TCP_PORT=$(chserver__pick_port) &&
      CH_IS_PORT=$(chserver__pick_port) && CH_HTTPS_PORT=$(chserver__pick_port) || return 1
    [ "$(printf '%s\n' "$CH_HTTP_PORT" "$CH_TCP_PORT" "$CH_IS_PORT" "$CH_HTTPS_PORT" | sort -u | wc -l)" = 4 ] || continue
    CH_TLS_ARGS=()
    if [ "${CH_TLS:-0}" = 1 ]; then
      CH_TLS_ARGS=(--https_port="$CH_HTTPS_PORT" --openSSL.server.certificateFile="$CH_DIR/ca.crt"
        --openSSL.server.privateKeyFile="$CH_DIR/server.key" --openSSL.server.dhParamsFile="$CH_DIR/dh.pem")
      CH_HTTPS_URL="https://127.0.0.1:$CH_HTTPS_PORT"; export CH_HTTPS_URL CH_HTTPS_PORT
    fi
    chserver__launch
    if chserver__wait 60; then
      CH_URL="http://127.0.0.1:$CH_HTTP_PORT"
      export CH_DIR CH_HTTP_PORT CH_TCP_PORT CH_URL CH_PID CH_WRITER_PASSWORD
      return 0
    fi
    # Lost a port race (or slow start): stop it and try other ports.
    kill -9 "$CH_PID" 2>/dev/null || true; wait "$CH_PID" 2>/dev/null || true
    echo "chserver: start attempt $try failed:" >&2; tail -n 3 "$CH_DIR/err" >&2 2>/dev/null
  done
  return 1
}

chserver_restart() {
  chserver__launch
  chserver__wait 60
}

chserver_kill() {
  [ -n "$CH_PID" ] || return 0
  kill -9 "$CH_PID" 2>/dev/null || true; wait "$CH_PID" 2>/dev/null || true
  CH_PID=
}

chserver_stop() {
  [ -n "$CH_PID" ] || return 0
  kill -TERM "$CH_PID" 2>/dev/null || true
  local i
  for i in $(seq 1 100); do kill -0 "$CH_PID" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$CH_PID" 2>/dev/null || true; wait "$CH_PID" 2>/dev/null || true
  CH_PID=
}

chserver_cleanup() {
  chserver_stop
  if [ -n "$CH_DIR" ] && [ "${CH_KEEP:-0}" != 1 ]; then rm -rf "$CH_DIR"; fi
}

chserver_query() {
  local out rc
  out=$(curl -sS -m "${CH_QUERY_TIMEOUT:-60}" -w '\n%{http_code}' --data-binary "$1" "$CH_URL/") || return 1
  rc=${out##*$'\n'}; out=${out%$'\n'*}
  if [ "$rc" != 200 ]; then echo "chserver_query: HTTP $rc: $out" >&2; return 1; fi
  [ -z "$out" ] || printf '%s\n' "$out"
}

chserver_create_legacy_spans() {
  local db=${1:-spanhouse} table=${2:-llm_spans} ddl
  [ -x "$CH_ROOT/build/tests/tools/print_ddl" ] ||
    make -C "$CH_ROOT" --no-print-directory -s build/tests/tools/print_ddl >/dev/null || return 1
  ddl=$("$CH_ROOT/build/tests/tools/print_ddl" legacy "$db.$table") || return 1
  chserver_query "CREATE DATABASE IF NOT EXISTS $db" && chserver_query "$ddl"
}
