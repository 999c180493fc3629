#!/usr/bin/env bash
# Deployment files agree with each other and with the worker: docker-compose.yml, Dockerfile,
# Grafana provisioning + dashboard, alert rules, Prometheus rules, the systemd unit and the
# Kafka topic script (tests/tools/check_compose.mjs does the cross-checks). Also proves the
# checker fails on planted mistakes, that the committed dashboard JSON is what
# ops/grafana/build_dashboard.mjs generates, that systemd accepts the unit and that
# create-topics.sh calls kafka-topics.sh as intended. No Docker needed (none runs here).
source "$(dirname "$0")/lib/prelude.sh"
root=$PWD
work_dir compose; tmp=$D

nm=$(bash scripts/install-node-tools.sh)
help_args=()
if [ -x build/spanhouse ]; then
  build/spanhouse --help >"$tmp/help.txt" 2>&1 || true
  help_args=(--help-text "$tmp/help.txt")
fi

echo "== cross-checks"
node tests/tools/check_compose.mjs --node-modules "$nm" "${help_args[@]}"

echo "== the committed dashboard JSON is generated from build_dashboard.mjs"
node ops/grafana/build_dashboard.mjs --check

echo "== the checker catches planted mistakes"
mutant() {  # mutant NAME FILE SED-EXPR EXPECTED-MESSAGE
  local d="$tmp/$1"; mkdir -p "$d"
  cp -r docker-compose.yml Dockerfile Makefile scripts ops docs "$d/"
  for p in ingest schema views bench; do [ -e "$p" ] && cp -r "$p" "$d/"; done
  sed -i "$3" "$d/$2"
  cmp -s "$d/$2" "$root/$2" && { echo "mutation $1 changed nothing"; exit 1; }
  if node tests/tools/check_compose.mjs --node-modules "$nm" --root "$d" "${help_args[@]}" >"$d.out" 2>&1; then
    echo "checker accepted mutant $1"; cat "$d.out"; exit 1
  fi
  grep -q -- "$4" "$d.out" || { echo "mutant $1: expected '$4' in:"; cat "$d.out"; exit 1; }
  echo "caught: $1"
}
mutant topic docker-compose.yml 's/SPANHOUSE_DLQ_TOPIC: llm.spans.dlq/SPANHOUSE_DLQ_TOPIC: llm.spans.dead/' 'is not created by create-topics.sh'
mutant mount docker-compose.yml 's#./ops/grafana/dashboards:#./ops/grafana/dashbords:#' 'does not exist in the repository'
mutant latest docker-compose.yml 's#grafana/grafana:12.1.0#grafana/grafana:latest#' 'moving tag'
mutant database docker-compose.yml 's/CLICKHOUSE_DB: spanhouse/CLICKHOUSE_DB: llm/' 'expected spanhouse'
mutant port docker-compose.yml 's/- "9187:9187"/- "9188:9188"/' 'metrics port'
mutant envname docker-compose.yml 's/SPANHOUSE_GROUP:/SPANHOUSE_GROUPID:/' 'is not a worker option'
mutant dsuid ops/grafana/dashboards/spanhouse.json '0,/"uid": "${datasource}"/s//"uid": "${clickhouse}"/' 'is not a data source variable'
mutant dsvartype ops/grafana/dashboards/spanhouse.json '0,/"query": "prometheus"/s//"query": "loki"/' 'no provisioned loki data source'
mutant dashdb ops/grafana/dashboards/spanhouse.json '0,/"query": "spanhouse"/s//"query": "llm"/' 'not in database spanhouse'
mutant dashprom ops/grafana/dashboards/spanhouse.json '0,/spanhouse_consumed_total/s//spanhouse_consumed_records_total/' 'is not exported by the worker'
mutant alertds ops/alerts/spanhouse-alerts.yaml '0,/datasourceUid: spanhouse-clickhouse/s//datasourceUid: ch/' 'is not provisioned'
mutant anchor docs/runbook.md 's/^### user-runaway/### runaway/' 'anchor #user-runaway'
mutant nonroot Dockerfile 's/^USER .*//' 'non-root USER'
mutant k8sfsgroup ops/kubernetes/spanhouse.yaml '/fsGroup:/d' 'not readable by the non-root worker'
mutant k8smetrics ops/kubernetes/spanhouse.yaml 's/metrics-addr = 0.0.0.0:9187/metrics-addr = :9187/' 'listen beyond loopback'
mutant k8sconfig ops/kubernetes/spanhouse.yaml 's#"/etc/spanhouse/spanhouse.ini"#"/etc/spanhouse.ini"#' 'is not the ConfigMap'
mutant dockerlib Dockerfile 's/ libjansson-dev//' 'build stage lacks libjansson'
mutant otelenc ops/otel/collector.yaml '0,/encoding: otlp_proto/s//encoding: otlp_json/' 'is not otlp_proto'
mutant oteltopic ops/otel/collector.yaml 's/topic: otlp_logs/topic: otel_logs/' 'is not created by create-topics.sh'

echo "== the worker accepts the compose environment and the example INI (spanhouse check-config)"
if [ -x build/spanhouse ] && build/spanhouse help-config >/dev/null 2>&1; then
  # The worker service's environment, exactly as docker-compose.yml sets it.
  node --input-type=module -e "
    import { createRequire } from 'node:module';
    import fs from 'node:fs';
    const YAML = createRequire('$nm/x.js')('yaml');
    const c = YAML.parse(fs.readFileSync('docker-compose.yml', 'utf8'), { merge: true });
    for (const [k, v] of Object.entries(c.services.worker.environment)) console.log(k + '=' + v);
  " >"$tmp/worker.env"
  files=()
  [ -f schema/pricing.csv ] || files+=(SPANHOUSE_PRICING=)
  [ -f schema/tenants.csv ] || files+=(SPANHOUSE_TENANTS=)
  # Only the compose variables: nothing from this shell may leak in.
  if ! env -i PATH="$PATH" $(cat "$tmp/worker.env") "${files[@]}" build/spanhouse check-config >"$tmp/cc.out" 2>&1; then
    echo "spanhouse check-config rejects the compose environment:"; cat "$tmp/cc.out"; exit 1
  fi
  over=()
  [ -f schema/pricing.csv ] && over+=(--pricing schema/pricing.csv) || over+=(--pricing "")
  [ -f schema/tenants.csv ] && over+=(--tenants schema/tenants.csv) || over+=(--tenants "")
  if ! env -i PATH="$PATH" build/spanhouse check-config --config ops/spanhouse.example.ini "${over[@]}" >"$tmp/ci.out" 2>&1; then
    echo "spanhouse check-config rejects ops/spanhouse.example.ini:"; cat "$tmp/ci.out"; exit 1
  fi
  echo "check-config: compose environment and example INI accepted"
  # A pricing or tenant file that the worker would refuse makes check-config fail (exit 2) and
  # name file:line (before, it printed "configuration ok" and the worker died at start).
  # the file's header and one row with a bad price and the right field count (awk, not head:
  # head closing the pipe early would SIGPIPE grep under pipefail)
  awk -F, '!/^#/ && NF { print; n = NF; exit } END { printf "openai,gpt-x,2024-01-01,abc,1"; for (i = 6; i <= n; i++) printf ","; print "" }' schema/pricing.csv > "$tmp/bad-pricing.csv"
  { awk '!/^#/ && NF { print; exit }' schema/tenants.csv; echo 'api_key,k1,acme,search,cc,enterprise,lots,'; } >"$tmp/bad-tenants.csv"
  for f in pricing tenants; do
    set +e
    env -i PATH="$PATH" build/spanhouse check-config --config ops/spanhouse.example.ini --pricing "" --tenants "" \
      "--$f" "$tmp/bad-$f.csv" >"$tmp/bad.out" 2>&1
    rc=$?
    set -e
    [ "$rc" = 2 ] || { echo "check-config exit $rc on a broken $f file: $(cat "$tmp/bad.out")"; exit 1; }
    grep -q "bad configuration: $f: $tmp/bad-$f.csv:2" "$tmp/bad.out" || { echo "no file:line for the broken $f file: $(cat "$tmp/bad.out")"; exit 1; }
  done
  echo "check-config: broken pricing and tenant files refused with file:line"
else
  echo "worker not built yet: skipped"
fi

echo "== Prometheus rules: promtool checks them and their unit tests pass (and fail on a mutant)"
promtool=$(bash scripts/install-promtool.sh)
"$promtool" check rules ops/prometheus/spanhouse-rules.yaml
sed "s#/etc/prometheus/spanhouse-rules.yaml#$root/ops/prometheus/spanhouse-rules.yaml#" ops/prometheus/prometheus.yml >"$tmp/prometheus.yml"
"$promtool" check config "$tmp/prometheus.yml"
(cd ops/prometheus && "$promtool" test rules spanhouse-rules.test.yaml)
# The PromQL of the Grafana worker-health rules and of the dashboard's Workers row must parse
# too: wrap each in a Prometheus rule.
node --input-type=module -e "
  import { createRequire } from 'node:module';
  import fs from 'node:fs';
  const YAML = createRequire('$nm/x.js')('yaml');
  const rules = [];
  for (const g of YAML.parse(fs.readFileSync('ops/alerts/spanhouse-alerts.yaml', 'utf8')).groups)
    for (const r of g.rules) for (const q of r.data)
      if (q.datasourceUid === 'spanhouse-prometheus') rules.push({ alert: r.uid, expr: q.model.expr });
  if (rules.length < 3) { console.error('expected the worker-health PromQL rules'); process.exit(1); }
  // ... and the dashboard's Workers row (its PromQL as recording rules)
  const dash = JSON.parse(fs.readFileSync('ops/grafana/dashboards/spanhouse.json', 'utf8'));
  let n = 0;
  const walk = (ps) => { for (const p of ps || []) { walk(p.panels); for (const t of p.targets || []) if (t.expr) { rules.push({ record: 'spanhouse:dashboard_' + (++n), expr: t.expr }); } } };
  walk(dash.panels);
  if (n < 5) { console.error('expected the dashboard Workers row PromQL, found ' + n); process.exit(1); }
  process.stdout.write(YAML.stringify({ groups: [{ name: 'grafana-promql', rules }] }));
" >"$tmp/grafana-promql.yaml"
"$promtool" check rules "$tmp/grafana-promql.yaml"
mkdir -p "$tmp/prom"
sed 's/ > 0.01$/ > 0.05/' ops/prometheus/spanhouse-rules.yaml >"$tmp/prom/spanhouse-rules.yaml"
cp ops/prometheus/spanhouse-rules.test.yaml "$tmp/prom/"
cmp -s "$tmp/prom/spanhouse-rules.yaml" ops/prometheus/spanhouse-rules.yaml && { echo "promtool mutant changed nothing"; exit 1; }
if (cd "$tmp/prom" && "$promtool" test rules spanhouse-rules.test.yaml >/dev/null 2>&1); then
  echo "promtool unit tests pass with the DLQ threshold raised to 5 %: they test nothing"; exit 1
fi
echo "caught: promtool mutant"

echo "== the load generator accepts the compose command line (against an in-process mock broker)"
if [ -f tools/loadgen.c ]; then
  make --no-print-directory -s build/tools/loadgen >"$tmp/make.log" 2>&1 || { cat "$tmp/make.log"; exit 1; }
  node --input-type=module -e "
    import { createRequire } from 'node:module';
    import fs from 'node:fs';
    const YAML = createRequire('$nm/x.js')('yaml');
    const c = YAML.parse(fs.readFileSync('docker-compose.yml', 'utf8'));
    console.log(c.services.loadgen.command.join('\\n'));
  " >"$tmp/loadgen.args"
  mapfile -t largs <"$tmp/loadgen.args"
  # Same flags, but a mock cluster instead of kafka:9092, 2,000 messages, no throttle.
  for i in "${!largs[@]}"; do
    case "${largs[$i]}" in
      --brokers) largs[$i]=--mock; largs[$((i+1))]=1 ;;
      --count) largs[$((i+1))]=2000 ;;
      --rate) largs[$((i+1))]=0 ;;
    esac
  done
  timeout 60 build/tools/loadgen "${largs[@]}" >"$tmp/loadgen.out" 2>&1 || { echo "loadgen rejected: ${largs[*]}"; cat "$tmp/loadgen.out"; exit 1; }
  grep -q '^PRODUCED 2000 ' "$tmp/loadgen.out" || { cat "$tmp/loadgen.out"; exit 1; }
  echo "loadgen: $(grep '^PRODUCED' "$tmp/loadgen.out")"
else
  echo "tools/loadgen.c not in the tree: skipped"
fi

echo "== systemd accepts the units"
if command -v systemd-analyze >/dev/null; then
  for u in spanhouse.service spanhouse-reconcile.service spanhouse-reconcile.timer; do
    sed 's#/usr/local/bin/spanhouse#/bin/true#g' "ops/systemd/$u" >"$tmp/$u"
  done
  out=$(cd "$tmp" && systemd-analyze verify spanhouse.service spanhouse-reconcile.service spanhouse-reconcile.timer 2>&1 || true)
  if [ -n "$out" ]; then echo "$out"; exit 1; fi
else
  echo "systemd-analyze not installed: skipped"
fi

echo "== the unit's first start: its ExecStartPre as an unprivileged user, files installed as its comment says"
# Run as root here (CI): setpriv drops to nobody, as DynamicUser would. LoadCredential is
# emulated as systemd does it: a copy of each source, readable by the service user only.
if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] && [ -f ops/spanhouse.example.ini ]; then
  make --no-print-directory -s build/spanhouse >/dev/null
  etc=$tmp/etc; cred=$tmp/cred; mkdir -p "$etc" "$cred"; chmod 0755 "$tmp"
  sed "s#/opt/spanhouse#$PWD#g" ops/spanhouse.example.ini > "$etc/spanhouse.ini"; chmod 0600 "$etc/spanhouse.ini"
  printf 'pw-from-file\n' > "$etc/clickhouse-password"; chmod 0600 "$etc/clickhouse-password"
  unit=ops/systemd/spanhouse.service
  while IFS=: read -r name src; do
    cp "${src/\/etc\/spanhouse/$etc}" "$cred/$name"; chown 65534:65534 "$cred/$name"; chmod 0400 "$cred/$name"
  done < <(sed -n 's/^LoadCredential=//p' "$unit")
  chown 65534:65534 "$cred"; chmod 0500 "$cred"
  envs=(); while IFS= read -r e; do envs+=("${e//%d/$cred}"); done < <(sed -n 's/^Environment=//p' "$unit")
  pre=$(sed -n 's/^ExecStartPre=//p' "$unit"); pre=${pre//%d/$cred}; pre=${pre//\/usr\/local\/bin\/spanhouse/$PWD\/build\/spanhouse}
  # shellcheck disable=SC2086
  if ! out=$(env -i PATH=/usr/bin:/bin "${envs[@]}" setpriv --reuid=65534 --regid=65534 --clear-groups $pre 2>&1); then
    echo "ExecStartPre fails as the service user: $out"; exit 1
  fi
  grep -q 'password = \*\*\*' <<<"$out" || { echo "the password file was not used: $out"; exit 1; }
  ! grep -q 'pw-from-file' <<<"$out" || { echo "check-config printed the password"; exit 1; }
  # What the unit did before: reading the root-only file directly fails with exit 2.
  if env -i PATH=/usr/bin:/bin setpriv --reuid=65534 --regid=65534 --clear-groups \
       "$PWD/build/spanhouse" check-config --config "$etc/spanhouse.ini" >/dev/null 2>&1; then
    echo "the service user can read the root-only INI directly: the test proves nothing"; exit 1
  fi
  echo "ExecStartPre passes as the service user (credentials), and would fail reading /etc directly"
else
  echo "not root or no setpriv: skipped"
fi

echo "== the Kubernetes ConfigMap's INI passes check-config (files from the image layout)"
if [ -f ops/kubernetes/spanhouse.yaml ]; then
  node --input-type=module -e "
    import { createRequire } from 'node:module';
    import fs from 'node:fs';
    const YAML = createRequire('$nm/x.js')('yaml');
    const cm = YAML.parseAllDocuments(fs.readFileSync('ops/kubernetes/spanhouse.yaml', 'utf8')).map((d) => d.toJS()).find((d) => d.kind === 'ConfigMap');
    process.stdout.write(cm.data['spanhouse.ini']);
  " | sed "s#/opt/spanhouse#$PWD#g" > "$tmp/k8s.ini"
  printf 'pw\n' > "$tmp/k8s-pw"
  SPANHOUSE_PASSWORD_FILE="$tmp/k8s-pw" build/spanhouse check-config --config "$tmp/k8s.ini" > "$tmp/k8s.out" 2>&1 ||
    { echo "the ConfigMap's INI fails check-config:"; cat "$tmp/k8s.out"; exit 1; }
  echo "ok: $(tail -1 "$tmp/k8s.out")"
fi

echo "== create-topics.sh drives kafka-topics.sh idempotently"
cat >"$tmp/kafka-topics.sh" <<'STUB'
#!/usr/bin/env bash
# Records each call; --list prints what was created, as the real CLI does.
echo "$*" >>"$KT_LOG"
if [[ " $* " == *" --list "* ]]; then grep -o -- '--topic [^ ]*' "$KT_LOG" | cut -d' ' -f2 | sort -u; fi
STUB
chmod +x "$tmp/kafka-topics.sh"
KT_LOG="$tmp/kt.log" KAFKA_TOPICS_BIN="$tmp/kafka-topics.sh" KAFKA_BOOTSTRAP=b1:9092 REPLICATION=3 \
  bash ops/kafka/create-topics.sh >"$tmp/list.txt"
for t in llm.spans llm.spans.dlq llm.evals llm.outcomes otlp_spans; do
  line=$(grep -- "--topic $t " "$tmp/kt.log") || { echo "topic $t not created"; exit 1; }
  for want in "--create" "--if-not-exists" "--bootstrap-server b1:9092" "--replication-factor 3" \
              "compression.type=zstd" "min.insync.replicas=2" "retention.ms="; do
    [[ "$line" == *"$want"* ]] || { echo "topic $t: '$want' missing in: $line"; exit 1; }
  done
  grep -qx "$t" "$tmp/list.txt" || { echo "topic $t not listed"; exit 1; }
done
grep -- "--topic llm.spans " "$tmp/kt.log" | grep -q "retention.ms=604800000" || { echo "llm.spans retention is not 7 days"; exit 1; }
grep -- "--topic llm.spans.dlq " "$tmp/kt.log" | grep -q "retention.ms=2592000000" || { echo "DLQ retention is not 30 days"; exit 1; }
: >"$tmp/kt.log"
KT_LOG="$tmp/kt.log" KAFKA_TOPICS_BIN="$tmp/kafka-topics.sh" REPLICATION=1 bash ops/kafka/create-topics.sh >/dev/null
grep -q "min.insync.replicas=1" "$tmp/kt.log" || { echo "single-broker min.insync.replicas is not 1"; exit 1; }
echo "t_compose: ok"
