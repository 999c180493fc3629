# chhttp.sh: the modern engine (libchdb) for worker tests, with the project's schema, directly
# or behind ClickHouse's HTTP interface (tests/tools/chhttp). Source after worker.sh.
#   chdb_schema DIR              applies schema/ (tables and views) to DIR/db
#   chhttp_start DIR [--seed N]  chdb_schema, then chhttp on a free port; sets CHHTTP_URL and
#                                CHHTTP_PID
#   chhttp_ctl PARAMS            fault switches, e.g. chhttp_ctl "down=1" (see tests/tools/chhttp.c)
#   chhttp_query SQL             runs SQL, prints the TabSeparated answer
#   chhttp_kill_restart          SIGKILLs the server (an insert may be cut mid-way) and starts it
#                                again on the same port and database
#   chhttp_stop                  stops the server (no-op when none); chhttp_start registers it
#                                with at_exit when lib/prelude.sh is loaded

CHHTTP_PID=
CHHTTP_URL=
CHHTTP_DIR=
CHHTTP_ARGS=()

chdb_schema() {
  timeout 120 build/spanhouse schema apply --sink chdb --chdb-path "$1/db" --log-level warn > /dev/null ||
    { echo "schema apply into $1/db failed" >&2; return 1; }
}

chhttp__run() { # chhttp__run [ARGS…]: starts the server on CHHTTP_DIR, waits for its port file
  rm -f "$CHHTTP_DIR/chhttp.port"
  build/tests/tools/chhttp "$CHHTTP_DIR/db" "$CHHTTP_DIR/chhttp.port" "$@" 2>> "$CHHTTP_DIR/chhttp.log" &
  CHHTTP_PID=$!
  local i
  for i in $(seq 1 100); do [ -s "$CHHTTP_DIR/chhttp.port" ] && break; sleep 0.1; done
  [ -s "$CHHTTP_DIR/chhttp.port" ] || { echo "chhttp did not start: $(cat "$CHHTTP_DIR/chhttp.log")" >&2; return 1; }
  CHHTTP_URL="http://127.0.0.1:$(cat "$CHHTTP_DIR/chhttp.port")"
}

chhttp_start() {
  CHHTTP_DIR=$1; shift
  CHHTTP_ARGS=("$@")
  chdb_schema "$CHHTTP_DIR" || return 1
  if declare -F at_exit > /dev/null; then at_exit chhttp_stop; fi
  chhttp__run "${CHHTTP_ARGS[@]}"
}

chhttp_kill_restart() {
  local port=${CHHTTP_URL##*:} i
  kill -9 "$CHHTTP_PID" 2>/dev/null || true
  wait "$CHHTTP_PID" 2>/dev/null || true
  for i in $(seq 1 50); do chhttp__run "${CHHTTP_ARGS[@]}" --port "$port" && return 0; sleep 0.2; done
  return 1
}

chhttp_ctl() { curl -sS --max-time 10 "$CHHTTP_URL/ctl?$1" > /dev/null; }

chhttp_query() { curl -sS --max-time 120 "$CHHTTP_URL/" --data-binary "$1"; }

chhttp_stop() {
  [ -n "$CHHTTP_PID" ] || return 0
  kill -TERM "$CHHTTP_PID" 2>/dev/null || true
  wait "$CHHTTP_PID" 2>/dev/null || true
  CHHTTP_PID=
}
