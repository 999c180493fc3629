# chhttp.sh: the modern engine (libchdb) for worker tests, with the project's schema, directly
# or behind ClickHouse's HTTP interface (tests/tools/chhttp). Source after worker.sh.
#   chdb_schema DIR              applies schema/ (tables and views) to DIR/db
#   chhttp_start DIR [--seed N]  chdb_schema, then chhttp on a free port; sets CHHTTP_URL and
#                                CHHTTP_PID
#   chhttp_ctl PARAMS            fault switches, e.g. chhttp_ctl "down=1" (see tests/tools/chhttp.c)
#   chhttp_query SQL             runs SQL, prints the TabSeparated answer
#   chhttp_stop                  stops the server (no-op when none)

CHHTTP_PID=
CHHTTP_URL=

chdb_schema() {
  timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$1/db" --log-level warn > /dev/null ||
    { echo "schema apply into $1/db failed" >&2; return 1; }
}

chhttp_start() {
  local dir=$1; shift
  chdb_schema "$dir" || return 1
  rm -f "$dir/chhttp.port"
  build/tests/tools/chhttp "$dir/db" "$dir/chhttp.port" "$@" 2> "$dir/chhttp.log" &
  CHHTTP_PID=$!
  local i
  for i in $(seq 1 100); do [ -s "$dir/chhttp.port" ] && break; sleep 0.1; done
  [ -s "$dir/chhttp.port" ] || { echo "chhttp did not start: $(cat "$dir/chhttp.log")" >&2; return 1; }
  CHHTTP_URL="http://127.0.0.1:$(cat "$dir/chhttp.port")"
}

chhttp_ctl() { curl -sS --max-time 10 "$CHHTTP_URL/ctl?$1" > /dev/null; }

chhttp_query() { curl -sS --max-time 120 "$CHHTTP_URL/" --data-binary "$1"; }

chhttp_stop() {
  [ -n "$CHHTTP_PID" ] || return 0
  kill -TERM "$CHHTTP_PID" 2>/dev/null || true
  wait "$CHHTTP_PID" 2>/dev/null || true
  CHHTTP_PID=
}
