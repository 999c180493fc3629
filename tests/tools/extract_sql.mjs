// extract_sql: collects every ClickHouse query Grafana would run for spanhouse — the dashboard's
// template variables (in dashboard order, so a variable can use the ones before it), its panels,
// and the SQL alert rules — from the committed provisioning files, and writes them as blocks
// "-- @@<var|panel|series|alert:FROM:TO|doc> <name>" + SQL for tests/tools/panel_sql (which expands the macros and
// runs them). Prometheus queries are skipped. Usage: node extract_sql.mjs --node-modules DIR [--root DIR]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const args = process.argv.slice(2);
const opt = (n, d) => (args.indexOf(n) >= 0 ? args[args.indexOf(n) + 1] : d);
const here = path.dirname(new URL(import.meta.url).pathname);
const root = path.resolve(opt('--root', path.join(here, '..', '..')));
const YAML = createRequire(path.join(opt('--node-modules', path.join(here, '..', '..', 'build/node/node_modules')), 'x.js'))('yaml');
const CH = 'grafana-clickhouse-datasource';

const out = [];
const emit = (kind, name, sql) => out.push(`-- @@${kind} ${name.replace(/\s+/g, ' ').trim()}\n${sql.trim()}\n`);

const dsTypes = new Map();
const provDs = path.join(root, 'ops/grafana/provisioning/datasources');
for (const f of fs.readdirSync(provDs)) for (const d of YAML.parse(fs.readFileSync(path.join(provDs, f), 'utf8')).datasources || []) dsTypes.set(d.uid, d.type);
const isCH = (ds) => ds && (ds.type === CH || dsTypes.get(ds.uid ?? ds) === CH);

const dashDir = path.join(root, 'ops/grafana/dashboards');
for (const f of fs.readdirSync(dashDir).filter((x) => x.endsWith('.json')).sort()) {
  const d = JSON.parse(fs.readFileSync(path.join(dashDir, f), 'utf8'));
  for (const v of d.templating?.list || []) {
    // a constant (the database) becomes a one-row variable query, so ${name} expands to it
    if (v.type === 'constant') emit('var', v.name, `SELECT '${String(v.query).replace(/'/g, "\\'")}' AS ${v.name}`);
    if (v.type === 'query' && isCH(v.datasource)) emit('var', v.name, typeof v.query === 'string' ? v.query : v.query.rawSql);
  }
  const walk = (panels) => {
    for (const p of panels || []) {
      if (p.type === 'row') { walk(p.panels); continue; }
      for (const t of p.targets || []) if (isCH(t.datasource || p.datasource)) emit(t.queryType === 'timeSeries' || t.format === 0 ? 'series' : 'panel', `${p.id}:${p.title}${p.targets.length > 1 ? `/${t.refId}` : ''}`, t.rawSql);
    }
  };
  walk(d.panels);
  // annotation queries: a time column first, like a series
  for (const a of d.annotations?.list || []) if (a.target?.rawSql && isCH(a.target.datasource || a.datasource)) emit('series', `annotation:${a.name}`, a.target.rawSql);
}
const alertDir = path.join(root, 'ops/alerts');
for (const f of fs.readdirSync(alertDir).filter((x) => /\.ya?ml$/.test(x)).sort()) {
  for (const g of YAML.parse(fs.readFileSync(path.join(alertDir, f), 'utf8')).groups || []) {
    for (const r of g.rules || []) for (const q of r.data || []) if (isCH(q.datasourceUid)) emit(`alert:${q.relativeTimeRange?.from ?? 0}:${q.relativeTimeRange?.to ?? 0}`, `${r.uid}/${q.refId}`, q.model.rawSql);
  }
}
// The runbook's first-response queries, with their placeholders bound to the demo's planted
// signals. They must run; an empty answer is fine (kind "doc").
const runbook = path.join(root, 'docs/runbook.md');
if (fs.existsSync(runbook)) {
  const bind = { '<feature>': 'agent', '<user>': 'u-runaway', '<endpoint>': '/v1/search' };
  let i = 0;
  // A block fenced as ```sql server-only reads tables the embedded engine does not have
  // (system.query_log): it is not run here.
  for (const m of fs.readFileSync(runbook, 'utf8').matchAll(/```sql([^\n]*)\n([\s\S]*?)```/g)) {
    if (m[1].includes('server-only')) continue;
    for (const stmt of m[2].split(/;\s*(?:\n|$)/)) {
      const sql = stmt.replace(/--[^\n]*\n/g, '\n').trim();
      if (!sql) continue;
      emit('doc', `runbook query ${++i}`, sql.replace(/<[a-z_]+>/g, (k) => bind[k] ?? k));
    }
  }
}
process.stdout.write(out.join('\n'));
