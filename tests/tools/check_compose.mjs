// check_compose: cross-checks the deployment files against each other and against the worker.
//
// Reads docker-compose.yml, Dockerfile, ops/kafka/create-topics.sh, ops/grafana/provisioning/*,
// ops/grafana/dashboards/*.json, ops/alerts/*.yaml, ops/prometheus/*, ops/systemd/*.service and
// ops/spanhouse.example.ini under --root (default: the repository), and checks that ports, topic
// names, the database name, env var names, file paths and data source uids agree. It does not
// run anything (no Docker here); the SQL inside the dashboard is run by t_dashboard_sql.sh.
// Usage: node check_compose.mjs --node-modules DIR [--root DIR] [--help-text FILE]
// Exit 0 when everything agrees; 1 with one line per problem otherwise.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(opt('--root', path.join(here, '..', '..')));
const nodeModules = opt('--node-modules', path.join(here, '..', '..', 'build', 'node', 'node_modules'));
const helpFile = opt('--help-text', null);
const require = createRequire(path.join(nodeModules, 'noop.js'));
const YAML = require('yaml');

const problems = [];
const notes = [];
const fail = (msg) => problems.push(msg);
const note = (msg) => notes.push(msg);
const rel = (p) => path.join(root, p);
const exists = (p) => fs.existsSync(rel(p));
const read = (p) => fs.readFileSync(rel(p), 'utf8');
const yaml = (p) => {
  const doc = YAML.parseDocument(read(p), { merge: true });
  if (doc.errors.length) throw new Error(`${p}: ${doc.errors[0].message}`);
  return doc.toJS();
};

// Files other helpers deliver in this session. Until they land a missing one is a note, not a
// failure; once present it is checked like everything else. (Remove entries as they land.)
const PENDING = new Set([]);
const mustExist = (p, what) => {
  const clean = p.replace(/^\.\//, '').replace(/\/$/, '');
  if (exists(clean)) return true;
  if (PENDING.has(clean)) note(`pending (not in the tree yet): ${clean} (${what})`);
  else fail(`${what}: path ${p} does not exist in the repository`);
  return false;
};

// ---- docker-compose.yml ------------------------------------------------------------------
const compose = yaml('docker-compose.yml');
const services = compose.services || {};
const envOf = (svc) => {
  const e = services[svc]?.environment || {};
  if (Array.isArray(e)) return Object.fromEntries(e.map((kv) => kv.split(/=(.*)/s).slice(0, 2)));
  return e;
};
const need = ['kafka', 'kafka-topics', 'clickhouse', 'schema', 'reference-data', 'worker', 'loadgen', 'grafana'];
for (const s of need) if (!services[s]) fail(`docker-compose.yml: service ${s} is missing`);

// Named volumes must be mounted where the image keeps its data (else the volume stays empty and
// the data dies with the container). The images' documented data directories; for
// apache/kafka the directory is whatever KAFKA_LOG_DIRS says (its default is /tmp/kafka-logs).
const dataDirs = {
  'apache/kafka': (svc, env) => env.KAFKA_LOG_DIRS || '/tmp/kafka-logs',
  'clickhouse/clickhouse-server': () => '/var/lib/clickhouse',
  'grafana/grafana': () => '/var/lib/grafana',
  'prom/prometheus': () => '/prometheus',
};
for (const [name, svc] of Object.entries(services)) {
  const repo = String(svc.image || '').split(':')[0];
  const want = dataDirs[repo] && dataDirs[repo](svc, envOf(name));
  for (const v of svc.volumes || []) {
    const [src, dst] = String(typeof v === 'string' ? v : `${v.source}:${v.target}`).split(':');
    if (!want || !src || src.startsWith('.') || src.startsWith('/')) continue; /* bind mounts: config files */
    if (dst !== want) fail(`service ${name}: volume ${src} mounted at ${dst}, but ${repo} keeps its data in ${want}`);
  }
}

// Images: pinned, never latest; a service with build: uses the repo's Dockerfile.
const builtImages = new Set();
for (const [name, svc] of Object.entries(services)) {
  if (svc.build) {
    const ctx = typeof svc.build === 'string' ? svc.build : svc.build.context || '.';
    const df = typeof svc.build === 'object' && svc.build.dockerfile ? svc.build.dockerfile : 'Dockerfile';
    mustExist(path.join(ctx, df), `service ${name} build`);
    if (svc.image) builtImages.add(svc.image);
    continue;
  }
  const img = svc.image;
  if (!img) { fail(`service ${name}: neither image nor build`); continue; }
  if (builtImages.has(img) || Object.values(services).some((o) => o.build && o.image === img)) continue;
  const m = img.match(/^([^@]+?)(?::([^:@/]+))?(@sha256:[0-9a-f]{64})?$/);
  const tag = m && m[2];
  if (!tag && !(m && m[3])) fail(`service ${name}: image ${img} is not pinned to a version`);
  else if (tag && /^(latest|stable|main|master)$/.test(tag)) fail(`service ${name}: image ${img} uses a moving tag`);
  else if (tag && !/\d/.test(tag)) fail(`service ${name}: image ${img} tag has no version number`);
}

// Bind mounts: every ./source exists.
for (const [name, svc] of Object.entries(services)) {
  for (const v of svc.volumes || []) {
    const src = typeof v === 'string' ? v.split(':')[0] : v.source;
    if (src && (src.startsWith('./') || src.startsWith('../') || src === '.')) mustExist(src, `service ${name} volume`);
  }
}

// ---- Dockerfile -------------------------------------------------------------------------
const dockerfile = read('Dockerfile');
const fromLines = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
for (const f of fromLines) {
  const t = f.split(':')[1];
  if (!t || /^(latest|stable)$/.test(t)) fail(`Dockerfile: base image ${f} is not pinned`);
  if (!/bookworm|^debian:12/.test(f)) fail(`Dockerfile: base image ${f} is not Debian bookworm`);
}
for (const m of dockerfile.matchAll(/^COPY\s+(?!--from)(.+)$/gm)) {
  const parts = m[1].trim().split(/\s+/).filter((p) => !p.startsWith('--'));
  for (const src of parts.slice(0, -1)) mustExist(src, 'Dockerfile COPY');
}
if (!/^USER\s+(?!root\b|0\b)\S+/m.test(dockerfile)) fail('Dockerfile: the runtime stage does not switch to a non-root USER');
const dfExpose = [...dockerfile.matchAll(/^EXPOSE\s+(\d+)/gm)].map((m) => m[1]);
// The apt packages of the build stage must be in scripts/install-deps.sh (one list to keep).
const installDeps = read('scripts/install-deps.sh');
const buildStage = dockerfile.split(/^FROM\s+\S+\s+AS\s+runtime/m)[0];
for (const m of buildStage.matchAll(/\b(lib[a-z0-9.+-]+-dev|build-essential|pkg-config)\b/g)) {
  if (!installDeps.includes(m[1])) fail(`Dockerfile: build package ${m[1]} is not in scripts/install-deps.sh`);
}

// ---- the worker's option names ----------------------------------------------------------
// From `spanhouse --help` when the worker is built (its config table), else from the issue's
// documented flags. Env var = SPANHOUSE_ + upper(name), '-' and '.' -> '_'.
const documented = ['brokers', 'topic', 'group', 'clickhouse-url', 'database', 'table', 'config',
  'metrics-addr', 'dlq-topic', 'pricing', 'tenants', 'user', 'password', 'rejected-table', 'schema-dir', 'views-dir'];
let workerOptions = null;
let optionsSource = 'spanhouse --help';
if (helpFile && fs.existsSync(helpFile)) {
  const txt = fs.readFileSync(helpFile, 'utf8');
  const found = [...txt.matchAll(/--([a-z][a-z0-9-]*[a-z0-9])/g)].map((m) => m[1]);
  if (found.length >= 5) workerOptions = new Set(found);
}
if (!workerOptions && exists('docs/configuration.md')) {
  // The worker's generated option reference (spanhouse help-config --markdown).
  const found = [...read('docs/configuration.md').matchAll(/^\| `([a-z][a-z0-9-]*)` \|/gm)].map((m) => m[1]);
  if (found.length >= 5) { workerOptions = new Set(found); optionsSource = 'docs/configuration.md'; }
}
const partialOptions = !workerOptions;
if (!workerOptions) {
  note('neither spanhouse --help nor docs/configuration.md: checking names against the documented flags only');
  workerOptions = new Set(documented);
  optionsSource = 'the issue\'s documented flags';
}
for (const d of documented) if (!workerOptions.has(d)) fail(`worker: documented option --${d} missing from --help`);
const envName = (o) => 'SPANHOUSE_' + o.toUpperCase().replace(/[-.]/g, '_');
const knownEnv = new Set([...workerOptions].map(envName));
// Options the worker does not have yet but the compose stack sets are listed by the test
// through ALLOW_ENV (comma-separated) so a mismatch is a decision, not an accident.
for (const e of (process.env.ALLOW_ENV || '').split(',').filter(Boolean)) knownEnv.add(e);
for (const s of ['schema', 'worker']) {
  for (const k of Object.keys(envOf(s))) {
    if (k.startsWith('SPANHOUSE_') && !knownEnv.has(k)) fail(`service ${s}: ${k} is not a worker option (${optionsSource})`);
  }
}
const wenv = envOf('worker');
const cmdFlags = (svc) => {
  const c = services[svc]?.command || [];
  const out = {};
  for (let i = 0; i < c.length; i++) if (String(c[i]).startsWith('--')) out[c[i].slice(2)] = c[i + 1];
  return out;
};
for (const s of ['schema', 'worker']) {
  for (const f of Object.keys(cmdFlags(s))) if (!workerOptions.has(f)) fail(`service ${s}: flag --${f} is not a worker option`);
}
// The INI example: every key is a worker option (or a kafka.* pass-through).
const ini = read('ops/spanhouse.example.ini');
const iniKeys = {};
let section = '';
for (const line of ini.split('\n')) {
  const sec = line.match(/^\s*\[([a-z0-9_.-]+)\]/);
  if (sec) { section = sec[1]; continue; }
  const m = line.match(/^\s*([a-z][a-z0-9._-]*)\s*=\s*(.*?)\s*$/);
  if (m && section !== 'kafka') iniKeys[section ? `${section}-${m[1]}` : m[1]] = m[2];
}
for (const k of Object.keys(iniKeys)) {
  if (k.startsWith('kafka.') || workerOptions.has(k)) continue;
  if (partialOptions) note(`ops/spanhouse.example.ini: key ${k} not checked (worker option table not available)`);
  else fail(`ops/spanhouse.example.ini: key ${k} is not a worker option (${optionsSource})`);
}

// ---- topics -----------------------------------------------------------------------------
const topicsScript = read('ops/kafka/create-topics.sh');
const created = new Set([...topicsScript.matchAll(/^\s*"([a-z0-9._-]+)\s+\$/gm)].map((m) => m[1]));
for (const t of ['llm.spans', 'llm.spans.dlq', 'llm.evals', 'llm.outcomes', 'otlp_spans']) {
  if (!created.has(t)) fail(`create-topics.sh: topic ${t} is not created`);
}
if (!/--if-not-exists/.test(topicsScript)) fail('create-topics.sh: not idempotent (no --if-not-exists)');
const topicOf = (v) => String(v).split(':')[0];
const usedTopics = [
  ['worker SPANHOUSE_TOPIC', wenv.SPANHOUSE_TOPIC],
  ['worker SPANHOUSE_DLQ_TOPIC', wenv.SPANHOUSE_DLQ_TOPIC],
  ['loadgen --topic', cmdFlags('loadgen').topic],
  ['ini topic', iniKeys.topic],
  ['ini dlq-topic', iniKeys['dlq-topic']],
];
for (const [what, v] of usedTopics) {
  if (!v) fail(`${what} is not set`);
  else for (const t of String(v).split(',')) if (!created.has(topicOf(t))) fail(`${what}=${t} is not created by create-topics.sh`);
}
if (wenv.SPANHOUSE_TOPIC && topicOf(wenv.SPANHOUSE_TOPIC) !== 'llm.spans') fail('worker topic is not the default llm.spans');
if (wenv.SPANHOUSE_DLQ_TOPIC !== 'llm.spans.dlq') fail('worker DLQ topic is not the default llm.spans.dlq');
if (!services['kafka-topics']?.volumes?.some((v) => String(v).startsWith('./ops/kafka/create-topics.sh:')))
  fail('kafka-topics service does not mount ops/kafka/create-topics.sh');

// ---- Kafka listener and bootstrap ---------------------------------------------------------
const kenv = envOf('kafka');
const adv = String(kenv.KAFKA_ADVERTISED_LISTENERS || '');
const internal = (adv.match(/PLAINTEXT:\/\/([^,]+)/) || [])[1];
if (!internal) fail('kafka: no PLAINTEXT advertised listener');
if (!/broker,controller|controller,broker/.test(String(kenv.KAFKA_PROCESS_ROLES))) fail('kafka: not in KRaft combined mode');
for (const [what, v] of [['worker SPANHOUSE_BROKERS', wenv.SPANHOUSE_BROKERS],
  ['loadgen --brokers', cmdFlags('loadgen').brokers], ['kafka-topics KAFKA_BOOTSTRAP', envOf('kafka-topics').KAFKA_BOOTSTRAP]]) {
  if (v !== internal) fail(`${what}=${v} does not match the advertised listener ${internal}`);
}

// ---- ClickHouse: URL, ports, database ------------------------------------------------------
const DB = 'spanhouse';
const chPorts = (services.clickhouse?.ports || []).map((p) => String(p).split(':').pop());
const url = wenv.SPANHOUSE_CLICKHOUSE_URL || '';
const um = url.match(/^https?:\/\/(?:[^@/]*@)?([^:/@]+):(\d+)/);
if (!um) fail(`worker SPANHOUSE_CLICKHOUSE_URL=${url} has no host:port`);
else {
  if (!services[um[1]]) fail(`worker ClickHouse host ${um[1]} is not a compose service`);
  if (!chPorts.includes(um[2])) fail(`worker ClickHouse port ${um[2]} is not a ClickHouse port (${chPorts})`);
}
const schemaFlags = cmdFlags('schema');
if (schemaFlags['clickhouse-url'] && schemaFlags['clickhouse-url'] !== url) fail('schema apply URL differs from the worker URL');
for (const [what, v] of [['worker SPANHOUSE_DATABASE', wenv.SPANHOUSE_DATABASE], ['schema --database', schemaFlags.database],
  ['reference-data SPANHOUSE_DATABASE', envOf('reference-data').SPANHOUSE_DATABASE],
  ['clickhouse CLICKHOUSE_DB', envOf('clickhouse').CLICKHOUSE_DB], ['ini database', iniKeys.database]]) {
  if (v !== DB) fail(`${what}=${v}, expected ${DB}`);
}
if (wenv.SPANHOUSE_TABLE !== 'llm_spans' || iniKeys.table !== 'llm_spans') fail('table is not llm_spans');
const ddlFiles = exists('schema') ? fs.readdirSync(rel('schema')).filter((f) => f.endsWith('.sql')) : [];
if (!ddlFiles.length) note('pending: no schema/*.sql yet (database and table names not cross-checked with the DDL)');
else {
  const ddl = ddlFiles.map((f) => read(path.join('schema', f))).join('\n');
  if (!new RegExp(`CREATE\\s+DATABASE\\s+(IF\\s+NOT\\s+EXISTS\\s+)?\`?${DB}\\b`, 'i').test(ddl) && !ddl.includes(`${DB}.`))
    fail(`schema/: no DDL names database ${DB}`);
  if (!/llm_spans\b/.test(ddl)) fail('schema/: no llm_spans table');
}
for (const k of ['SPANHOUSE_PRICING', 'SPANHOUSE_TENANTS']) {
  if (wenv[k]) mustExist(wenv[k], `worker ${k} (relative to the image WORKDIR, copied from the repo)`);
}

// ---- worker metrics port ---------------------------------------------------------------------
const mport = String(wenv.SPANHOUSE_METRICS_ADDR || '').split(':').pop();
const wports = (services.worker?.ports || []).map((p) => String(p).split(':').pop());
if (!wports.includes(mport)) fail(`worker metrics port ${mport} is not published (${wports})`);
if (!dfExpose.includes(mport)) fail(`Dockerfile EXPOSE ${dfExpose} does not include the metrics port ${mport}`);
if (String(iniKeys['metrics-addr']).split(':').pop() !== mport) fail('ini metrics-addr port differs from compose');
if (services.prometheus) {
  const prom = yaml('ops/prometheus/prometheus.yml');
  const targets = (prom.scrape_configs || []).flatMap((s) => (s.static_configs || []).flatMap((c) => c.targets));
  if (!targets.includes(`worker:${mport}`)) fail(`prometheus.yml does not scrape worker:${mport}`);
  const mounted = (services.prometheus.volumes || []).map((v) => String(v).split(':')[1]);
  for (const rf of prom.rule_files || []) if (!mounted.includes(rf)) fail(`prometheus rule file ${rf} is not mounted`);
}

// ---- Grafana provisioning -----------------------------------------------------------------
const genv = envOf('grafana');
const plugins = String(genv.GF_INSTALL_PLUGINS || '');
if (!/grafana-clickhouse-datasource\s+\d+\.\d+\.\d+/.test(plugins)) fail('grafana: GF_INSTALL_PLUGINS does not pin grafana-clickhouse-datasource to a version');
const gmounts = Object.fromEntries((services.grafana?.volumes || []).map((v) => String(v).split(':').slice(0, 2)).map(([s, t]) => [t, s]));
const provDs = gmounts['/etc/grafana/provisioning/datasources'];
const provDash = gmounts['/etc/grafana/provisioning/dashboards'];
const provAlert = gmounts['/etc/grafana/provisioning/alerting'];
if (!provDs || !provDash || !provAlert) fail('grafana: datasources, dashboards and alerting provisioning must all be mounted');
const subst = (s) => String(s).replace(/\$\{(\w+)\}/g, (_, k) => (k in genv ? String(genv[k]) : `\${${k}}`));
const dsUids = new Map();
if (provDs) {
  for (const f of exists(provDs) ? fs.readdirSync(rel(provDs)) : []) {
    const d = yaml(path.join(provDs, f));
    for (const ds of d.datasources || []) {
      if (!ds.uid) fail(`${f}: data source ${ds.name} has no uid`);
      dsUids.set(ds.uid, ds);
      if (ds.type === 'grafana-clickhouse-datasource') {
        const j = ds.jsonData || {};
        const host = subst(j.host), port = subst(j.port);
        if (!services[host]) fail(`datasource ${ds.uid}: host ${host} is not a compose service`);
        if (!chPorts.includes(port)) fail(`datasource ${ds.uid}: port ${port} is not a ClickHouse port`);
        if ((j.protocol === 'http') !== (port === '8123' || port === '8443')) fail(`datasource ${ds.uid}: protocol ${j.protocol} does not fit port ${port}`);
        if (j.defaultDatabase !== DB) fail(`datasource ${ds.uid}: defaultDatabase ${j.defaultDatabase}, expected ${DB}`);
        if (subst(j.username) !== envOf('clickhouse').CLICKHOUSE_USER) fail(`datasource ${ds.uid}: user differs from the ClickHouse container's`);
      }
      if (ds.type === 'prometheus' && !subst(ds.url).includes(`prometheus:9090`)) fail(`datasource ${ds.uid}: url ${subst(ds.url)}`);
    }
  }
}
const dashFiles = [];
if (provDash) {
  for (const f of exists(provDash) ? fs.readdirSync(rel(provDash)) : []) {
    const d = yaml(path.join(provDash, f));
    for (const p of d.providers || []) {
      const target = p.options?.path;
      const src = gmounts[target];
      if (!src) { fail(`dashboard provider ${p.name}: path ${target} is not a mounted folder`); continue; }
      if (!exists(src)) continue; // already reported as a missing mount
      for (const j of fs.readdirSync(rel(src)).filter((x) => x.endsWith('.json'))) dashFiles.push(path.join(src, j));
    }
  }
}
if (!dashFiles.length) fail('no dashboard JSON reachable through the provisioning provider');
// A dashboard's data source variables (name -> plugin type), set per dashboard below: a panel's
// "${datasource}" is checked as the variable's type, which must have a provisioned instance.
let dsVars = new Map();
const dsVarName = (uid) => (/^\$\{?(\w+)\}?$/.exec(uid || '') || [])[1];
const dsType = (ds) => {
  const uid = typeof ds === 'object' ? ds?.uid : ds;
  const v = dsVarName(uid);
  return v ? dsVars.get(v) : dsUids.get(uid)?.type;
};
const checkDsRef = (where, ds) => {
  const uid = typeof ds === 'object' ? ds?.uid : ds;
  if (!uid) return fail(`${where}: no datasource`);
  if (uid === '-- Grafana --' || uid === 'grafana') return;
  const v = dsVarName(uid);
  if (v) {
    if (!dsVars.has(v)) fail(`${where}: datasource $${v} is not a data source variable of the dashboard`);
    return;
  }
  if (uid.startsWith('$')) return;
  if (!dsUids.has(uid)) fail(`${where}: datasource uid ${uid} is not provisioned`);
};
const dashProm = [];
const sqlTables = new Set();
const collectTables = (sql) => { for (const m of sql.matchAll(/\b(?:FROM|JOIN)\s+([a-z_]+)\.([a-z0-9_]+)/gi)) sqlTables.add(`${m[1]}.${m[2]}`); };
for (const f of dashFiles) {
  let d;
  try { d = JSON.parse(read(f)); } catch (e) { fail(`${f}: invalid JSON: ${e.message}`); continue; }
  if (!d.uid || !d.title) fail(`${f}: dashboard needs uid and title`);
  const vars = new Set((d.templating?.list || []).map((v) => v.name));
  dsVars = new Map((d.templating?.list || []).filter((v) => v.type === 'datasource').map((v) => [v.name, v.query]));
  for (const [v, plugin] of dsVars) if (![...dsUids.values()].some((x) => x.type === plugin)) fail(`${f}: data source variable ${v}: no provisioned ${plugin} data source to take`);
  // constant variables (the database) are expanded before the SQL is read
  const consts = new Map((d.templating?.list || []).filter((v) => v.type === 'constant').map((v) => [v.name, String(v.query)]));
  const expand = (sql) => String(sql).replace(/\$\{(\w+)\}/g, (m, n) => consts.get(n) ?? m);
  for (const a of d.annotations?.list || []) if (a.target?.rawSql) { checkDsRef(`${f} annotation ${a.name}`, a.target.datasource || a.datasource); collectTables(expand(a.target.rawSql)); }
  for (const v of ['tenant', 'team', 'feature', 'model']) if (!vars.has(v)) fail(`${f}: template variable ${v} missing`);
  for (const v of d.templating?.list || []) if (v.type === 'query') { checkDsRef(`${f} variable ${v.name}`, v.datasource); collectTables(expand(v.query?.rawSql ?? v.query ?? '')); }
  const ids = new Set();
  const walk = (panels) => {
    for (const p of panels || []) {
      if (ids.has(p.id)) fail(`${f}: duplicate panel id ${p.id}`);
      ids.add(p.id);
      if (p.type === 'row') { walk(p.panels); continue; }
      checkDsRef(`${f} panel "${p.title}"`, p.datasource);
      if (!p.targets?.length) fail(`${f} panel "${p.title}": no query`);
      for (const t of p.targets || []) {
        checkDsRef(`${f} panel "${p.title}" target ${t.refId}`, t.datasource || p.datasource);
        const type = dsType(t.datasource || p.datasource);
        if (type === 'prometheus') {
          if (!t.expr) fail(`${f} panel "${p.title}" target ${t.refId}: empty PromQL`);
          dashProm.push([`dashboard panel "${p.title}" ${t.refId}`, t.expr]);
        }
        if (type === 'grafana-clickhouse-datasource') {
          if (!t.rawSql) fail(`${f} panel "${p.title}": empty rawSql`);
          else collectTables(expand(t.rawSql));
          for (const m of String(t.rawSql).matchAll(/\$\{?(\w+)/g)) {
            if (!m[1].startsWith('__') && !vars.has(m[1])) fail(`${f} panel "${p.title}": unknown variable $${m[1]}`);
          }
        }
      }
    }
  };
  walk(d.panels);
  const rows = (d.panels || []).filter((p) => p.type === 'row').map((p) => p.title);
  for (const r of ['Cost', 'Latency', 'Quality']) if (!rows.some((t) => t.startsWith(r))) fail(`${f}: row ${r} missing`);
}
for (const t of sqlTables) if (!t.startsWith(`${DB}.`) && !t.startsWith('system.')) fail(`dashboard SQL reads ${t}: not in database ${DB}`);

// ---- alert rules --------------------------------------------------------------------------------
const runbook = exists('docs/runbook.md') ? read('docs/runbook.md') : '';
if (!runbook) fail('docs/runbook.md missing');
// Every view the runbook sends the on-call engineer to must exist in views/.
if (exists('views')) {
  const views = new Set(fs.readdirSync(rel('views')).filter((f) => f.endsWith('.sql')).map((f) => f.replace(/\.sql$/, '')));
  for (const v of new Set([...runbook.matchAll(/`(v_[a-z0-9_]+)/g)].map((m) => m[1]))) {
    if (!views.has(v)) fail(`docs/runbook.md names view ${v}, which is not in views/`);
  }
}
const anchors = new Set([...runbook.matchAll(/^#+\s+(.+)$/gm)].map((m) => m[1].trim().toLowerCase().replace(/[^a-z0-9 _-]/g, '').replace(/ /g, '-')));
const ruleUids = new Set();
let ruleCount = 0;
if (provAlert && exists(provAlert)) {
  for (const f of fs.readdirSync(rel(provAlert)).filter((x) => /\.ya?ml$/.test(x))) {
    const d = yaml(path.join(provAlert, f));
    if (d.apiVersion !== 1) fail(`${f}: apiVersion must be 1`);
    for (const g of d.groups || []) {
      if (!g.name || !g.folder || !/^\d+[smh]$/.test(String(g.interval))) fail(`${f}: group ${g.name} needs name, folder and interval`);
      for (const r of g.rules || []) {
        ruleCount++;
        const where = `${f} rule ${r.uid}`;
        if (!r.uid || ruleUids.has(r.uid)) fail(`${where}: missing or duplicate uid`);
        if (r.uid && r.uid.length > 40) fail(`${where}: uid longer than 40 characters`);
        ruleUids.add(r.uid);
        const refs = new Set((r.data || []).map((q) => q.refId));
        if (!refs.has(r.condition)) fail(`${where}: condition ${r.condition} is not a query refId`);
        for (const q of r.data || []) {
          if (q.datasourceUid !== '__expr__') checkDsRef(`${where} ${q.refId}`, q.datasourceUid);
          if (q.datasourceUid === '__expr__' && q.model?.expression && !refs.has(String(q.model.expression).replace(/^\$/, '').split(/\W/)[0]))
            fail(`${where} ${q.refId}: expression refers to an unknown query`);
          if (dsUids.get(q.datasourceUid)?.type === 'grafana-clickhouse-datasource') {
            if (!q.model?.rawSql) fail(`${where}: empty rawSql`); else collectTables(q.model.rawSql);
            if (!q.relativeTimeRange) fail(`${where}: no relativeTimeRange`);
          }
        }
        const rb = subst(r.annotations?.runbook_url || '');
        const anchor = rb.split('#')[1];
        if (!rb.includes('docs/runbook.md') || !anchor) fail(`${where}: runbook_url must point into docs/runbook.md#anchor`);
        else if (!anchors.has(anchor)) fail(`${where}: runbook anchor #${anchor} not found in docs/runbook.md`);
        if (!['Alerting', 'OK', 'NoData', 'KeepLast'].includes(r.noDataState)) fail(`${where}: noDataState ${r.noDataState}`);
      }
    }
  }
}
if (ruleCount < 8) fail(`alert rules: expected the anomaly, runaway, regression, two SLO burn and three worker-health rules, found ${ruleCount}`);
for (const t of sqlTables) if (!t.startsWith(`${DB}.`) && !t.startsWith('system.')) fail(`alert SQL reads ${t}: not in database ${DB}`);

// ---- Prometheus metric names against the worker's sources ---------------------------------------
const metricNames = new Set();
if (exists('ingest')) {
  for (const f of fs.readdirSync(rel('ingest')).filter((x) => /\.[ch]$/.test(x))) {
    for (const m of read(path.join('ingest', f)).matchAll(/"(spanhouse_[a-z0-9_]+)/g)) metricNames.add(m[1]);
  }
}
const promQueries = [];
if (exists('ops/prometheus/spanhouse-rules.yaml')) {
  const pr = yaml('ops/prometheus/spanhouse-rules.yaml');
  for (const g of pr.groups || []) for (const r of g.rules || []) {
    promQueries.push([`prometheus rule ${r.alert || r.record}`, r.expr]);
    const a = String(r.annotations?.runbook_url || '').split('#')[1];
    if (r.alert && (!a || !anchors.has(a))) fail(`prometheus rule ${r.alert}: runbook anchor #${a} not in docs/runbook.md`);
  }
}
if (provAlert && exists(provAlert)) {
  for (const f of fs.readdirSync(rel(provAlert)).filter((x) => /\.ya?ml$/.test(x))) {
    for (const g of yaml(path.join(provAlert, f)).groups || []) for (const r of g.rules || []) for (const q of r.data || [])
      if (dsUids.get(q.datasourceUid)?.type === 'prometheus') promQueries.push([`grafana rule ${r.uid}`, q.model?.expr]);
  }
}
promQueries.push(...dashProm);
const recorded = new Set();
if (exists('ops/prometheus/spanhouse-rules.yaml')) for (const g of yaml('ops/prometheus/spanhouse-rules.yaml').groups || []) for (const r of g.rules || []) if (r.record) recorded.add(r.record);
if (metricNames.size) {
  for (const [where, expr] of promQueries) {
    for (const m of String(expr).matchAll(/\b(spanhouse_[a-z0-9_]+?)(_bucket|_sum|_count)?\b/g)) {
      const base = m[1], full = m[0];
      if (!metricNames.has(full) && !metricNames.has(base) && !recorded.has(full)) fail(`${where}: metric ${full} is not exported by the worker (ingest/*.c)`);
    }
  }
} else note('no spanhouse_* metric names in ingest/ yet: Prometheus expressions not cross-checked');

// ---- Dockerfile: every library the worker links is installed in both stages ---------------------
if (exists('Makefile') && exists('Dockerfile')) {
  const libs = ((read('Makefile').match(/^LIBS := (.*)$/m) || [])[1] || '').split(/\s+/)
    .filter((f) => f.startsWith('-l')).map((f) => f.slice(2)).filter((l) => !['dl', 'pthread', 'm'].includes(l));
  const df = read('Dockerfile');
  const [build, runtime] = df.split(/^FROM .* AS runtime$/m);
  if (!runtime) fail('Dockerfile: no runtime stage');
  for (const l of libs) {
    const pkg = l === 'z' ? 'zlib1g' : `lib${l}`;
    if (!new RegExp(`\\b${pkg}[\\w.+-]*-dev\\b`).test(build)) fail(`Dockerfile: build stage lacks ${pkg}*-dev (the worker links -l${l})`);
    if (runtime && !new RegExp(`\\b${pkg}[\\w.+-]*\\b`).test(runtime.replace(/-dev\b/g, ''))) fail(`Dockerfile: runtime stage lacks ${pkg} (the worker links -l${l})`);
  }
}

// ---- Kubernetes manifest ----------------------------------------------------------------------
if (exists('ops/kubernetes/spanhouse.yaml')) {
  const docs = YAML.parseAllDocuments(read('ops/kubernetes/spanhouse.yaml')).map((d) => {
    if (d.errors.length) fail(`ops/kubernetes/spanhouse.yaml: ${d.errors[0].message}`);
    return d.toJS();
  }).filter(Boolean);
  const byKind = Object.fromEntries(docs.map((d) => [d.kind, d]));
  for (const k of ['ConfigMap', 'Secret', 'Deployment', 'Service', 'ServiceMonitor'])
    if (!byKind[k]) fail(`kubernetes: no ${k}`);
  const dep = byKind.Deployment, cm = byKind.ConfigMap, sec = byKind.Secret;
  const pod = dep?.spec?.template?.spec || {};
  const c = (pod.containers || [])[0] || {};
  const mounts = Object.fromEntries((c.volumeMounts || []).map((m) => [m.name, m.mountPath]));
  const vols = Object.fromEntries((pod.volumes || []).map((v) => [v.name, v]));
  const cfgArg = (c.args || [])[(c.args || []).indexOf('--config') + 1] || '';
  const cmVol = Object.keys(vols).find((n) => vols[n].configMap?.name === cm?.metadata?.name);
  const iniKey = cfgArg.split('/').pop();
  if (!cmVol || cfgArg !== `${mounts[cmVol]}/${iniKey}` || !cm?.data?.[iniKey])
    fail(`kubernetes: --config ${cfgArg} is not the ConfigMap's ${iniKey} as mounted`);
  const secVol = Object.keys(vols).find((n) => vols[n].secret?.secretName === sec?.metadata?.name);
  const pwEnv = (c.env || []).find((e) => e.name === 'SPANHOUSE_PASSWORD_FILE');
  const pwKey = pwEnv?.value?.split('/').pop();
  if (!secVol || !pwEnv || pwEnv.value !== `${mounts[secVol]}/${pwKey}` || !(sec?.stringData?.[pwKey] !== undefined || sec?.data?.[pwKey] !== undefined))
    fail('kubernetes: SPANHOUSE_PASSWORD_FILE is not the Secret\'s key as mounted');
  if (secVol && !(pod.securityContext?.fsGroup && (vols[secVol].secret.defaultMode & 0o040)))
    fail('kubernetes: the Secret file is not readable by the non-root worker (fsGroup + group-readable mode)');
  if (!pod.securityContext?.runAsNonRoot) fail('kubernetes: the pod may run as root');
  if (!(pod.terminationGracePeriodSeconds >= 30)) fail('kubernetes: terminationGracePeriodSeconds < 30 (the worker flushes on SIGTERM)');
  const ini = cm?.data?.[iniKey] || '';
  const maddr = (ini.match(/^\s*metrics-addr\s*=\s*(\S+)/m) || [])[1] || '';
  const mport = Number(maddr.split(':').pop());
  if (!maddr.startsWith('0.0.0.0:')) fail('kubernetes: metrics-addr must listen beyond loopback (0.0.0.0:PORT) for probes and scraping');
  const cport = (c.ports || []).find((p) => p.name === 'metrics')?.containerPort;
  if (cport !== mport) fail(`kubernetes: containerPort ${cport} is not metrics-addr's port ${mport}`);
  for (const [probe, p] of [['livenessProbe', '/healthz'], ['readinessProbe', '/readyz']])
    if (c[probe]?.httpGet?.path !== p) fail(`kubernetes: ${probe} does not get ${p}`);
  if (/:latest$|^[^:]+$/.test(c.image || '')) fail(`kubernetes: image ${c.image} is not pinned`);
  const sm = byKind.ServiceMonitor;
  if (sm && !(sm.spec?.endpoints || []).some((e) => e.port === 'metrics' && e.path === '/metrics'))
    fail('kubernetes: the ServiceMonitor does not scrape /metrics on the metrics port');
}

// ---- OpenTelemetry Collector sample --------------------------------------------------------------
if (exists('ops/otel/collector.yaml')) {
  const col = yaml('ops/otel/collector.yaml');
  const k = col.exporters?.kafka || {};
  for (const [sig, fmt] of [['traces', 'otlp_proto'], ['logs', 'otlp_logs_proto']]) {
    const t = k[sig]?.topic;
    if (!t) { fail(`collector: no kafka ${sig} topic`); continue; }
    if (!created.has(t)) fail(`collector: ${sig} topic ${t} is not created by create-topics.sh`);
    if (k[sig].encoding !== 'otlp_proto') fail(`collector: ${sig} encoding ${k[sig].encoding} is not otlp_proto (the worker's ${fmt})`);
    if (!read('ops/otel/collector.yaml').includes(`--topic ${t}:${fmt}`)) fail(`collector: the worker command for ${t} (${fmt}) is not stated`);
    const pipe = col.service?.pipelines?.[sig];
    if (!pipe || !(pipe.exporters || []).includes('kafka')) fail(`collector: the ${sig} pipeline does not export to kafka`);
  }
}

// ---- systemd unit -------------------------------------------------------------------------------
const unit = read('ops/systemd/spanhouse.service');
for (const k of ['NoNewPrivileges=yes', 'ProtectSystem=strict', 'Restart=on-failure', 'ExecReload=/bin/kill -HUP $MAINPID', 'EnvironmentFile=']) {
  if (!unit.includes(k)) fail(`spanhouse.service: ${k} missing`);
}
if (!/^(DynamicUser=yes|User=\S+)/m.test(unit)) fail('spanhouse.service: runs as root');
const tss = (unit.match(/^TimeoutStopSec=(\d+)/m) || [])[1];
if (!tss || Number(tss) < 30) fail('spanhouse.service: TimeoutStopSec must leave at least 30 s to flush');
if (!unit.includes('LoadCredential=spanhouse.ini:/etc/spanhouse/spanhouse.ini') || !unit.includes('--config %d/spanhouse.ini'))
  fail('spanhouse.service: does not read /etc/spanhouse/spanhouse.ini as a credential (the dynamic user cannot read it directly)');

for (const n of notes) console.log(`note: ${n}`);
for (const p of problems) console.log(`FAIL: ${p}`);
console.log(`check_compose: ${problems.length ? 'FAILED' : 'ok'} (${Object.keys(services).length} services, ${dashFiles.length} dashboard(s), ${ruleCount} alert rules, ${problems.length} problem(s))`);
process.exit(problems.length ? 1 : 0);
