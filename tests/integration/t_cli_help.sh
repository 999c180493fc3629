#!/usr/bin/env bash
# Every command given --help (or -h) prints the usage on stdout and exits 0 at once, connecting
# to nothing — also with a complete configuration that would otherwise start the worker
# (`spanhouse run --help` used to start consuming). Options after --help are not checked.
# `spanhouse version` names the release, the commit and the libraries.
source "$(dirname "$0")/lib/prelude.sh"
make --no-print-directory -s build/spanhouse >/dev/null
work_dir help
full=(--brokers 127.0.0.1:9 --topic llm.spans --clickhouse-url http://127.0.0.1:9 --log-level warn)
while IFS= read -r cmd; do
  for h in --help -h; do
    # shellcheck disable=SC2086
    set +e; timeout 5 build/spanhouse $cmd "${full[@]}" $h > "$D/out" 2> "$D/err"; rc=$?; set -e
    [ "$rc" = 0 ] || fail "'spanhouse $cmd $h' exit $rc"
    grep -q '^usage: spanhouse <command>' "$D/out" || fail "'spanhouse $cmd $h' printed no usage"
    [ ! -s "$D/err" ] || fail "'spanhouse $cmd $h' wrote to stderr"
  done
done <<'CMDS'
run
replay --from 0 --to 1
ingest-file x.jsonl
check-span x.jsonl
check-config
schema apply
schema plan
reconcile
reprice --from 0 --pricing schema/pricing.csv
bill import x.csv
pricing import x.json
CMDS
# Secrets planted in flags, environment and a password file never reach any output of
# check-config (which systemd runs before every start), nor an error message.
printf 'PLANT6\n' > "$D/pw"
printf 'PLANT8\n' > "$D/kpw"
SPANHOUSE_PASSWORD_FILE="$D/pw" SPANHOUSE_KAFKA_SASL_OAUTHBEARER_CLIENT_SECRET_FILE="$D/kpw" \
  timeout 10 build/spanhouse check-config --brokers b1:9092 --topic t \
  --dlq-topic t.dlq --clickhouse-url https://writer:PLANT1@ch:8443 --kafka.sasl.password=PLANT2 \
  --kafka.ssl.key.pem=PLANT3 --kafka.sasl.oauthbearer.config=PLANT4 --kafka.ssl.key.password=PLANT5 \
  > "$D/out" 2> "$D/err" || fail "check-config exit $?"
grep -q 'configuration ok' "$D/out" || fail "check-config did not pass"
! grep -q PLANT "$D/out" "$D/err" || fail "a secret was printed: $(grep -h PLANT "$D/out" "$D/err")"
grep -q 'clickhouse-url = https://writer:\*\*\*@ch:8443' "$D/out" || fail "URL userinfo not masked as user:***@"
grep -q '^kafka.sasl.oauthbearer.client.secret = \*\*\*' "$D/out" || fail "the Kafka secret file was not read into its property"
set +e; timeout 10 build/spanhouse check-config --brokers b1:9092 --topic t --dlq-topic d \
  --clickhouse-url ftp://writer:PLANT7@ch > "$D/out" 2> "$D/err"; rc=$?; set -e
[ "$rc" = 2 ] || fail "a bad URL: exit $rc"
! grep -q PLANT "$D/out" "$D/err" || fail "a secret in an error message: $(cat "$D/err")"

# version: the release, the commit (this is a git checkout) and the linked libraries.
build/spanhouse version > "$D/out" || fail "version exit $?"
grep -Eq '^spanhouse [0-9]+\.[0-9]+\.[0-9]+ \(build [0-9a-f]{7,}' "$D/out" || fail "version: no release and commit"
grep -q 'librdkafka .*libcurl.*jansson' "$D/out" || fail "version: no library versions"
echo "ok: 10 commands x --help/-h: usage, exit 0, nothing started"
