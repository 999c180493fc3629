// Generates OTLP test vectors for GenAI evaluation results (gen_ai.evaluation.result) with the
// real OpenTelemetry JS SDK, beside gen_vectors.mjs (spans).
//
// (a) Spans carrying gen_ai.evaluation.result span events, made with
//     @opentelemetry/sdk-trace-base and serialized by @opentelemetry/otlp-transformer's trace
//     serializers: vectors/eval_trace.pb, eval_trace.json, eval_trace_collector.json.
// (b) Log records (events) made with @opentelemetry/sdk-logs (LoggerProvider, in-memory
//     exporter) and serialized by otlp-transformer's logs serializers exactly as the OTLP log
//     exporters send them: vectors/eval_logs.pb, eval_logs.json, eval_logs_collector.json.
// *_collector.json: the same request as the Collector's kafka exporter (pdata JSON) writes it,
// int64 as strings. expected_evals_{trace,logs}.tsv: per evaluation event, every eval column,
// the reason code and field (docs/otel-mapping.md, "Evaluation results", is the rule book).
// bench_logs_20.{pb,json}: one record of 20 evaluation log records for bench/bench_otlp_logs.c.
// Ids and times are fixed, so the output is stable.
// Usage: node gen_eval_vectors.mjs [outdir]   (default: vectors/ next to this file)
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  ProtobufTraceSerializer, JsonTraceSerializer, ProtobufLogsSerializer, JsonLogsSerializer,
} from '@opentelemetry/otlp-transformer';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || join(here, 'vectors');
mkdirSync(out, { recursive: true });

const T0 = 1763990000; // 2025-11-24T13:13:20Z, as gen_vectors.mjs
const at = (ms) => [T0 + Math.floor(ms / 1000), (ms % 1000) * 1e6 + 123]; // HrTime
const EV = 'gen_ai.evaluation.result';

const col = [
  'trace_id', 'span_id', 'ts_ms', 'evaluator', 'evaluator_version', 'metric', 'score', 'label',
  'confidence', 'source', 'sample_rate', 'explanation', 'explanation_truncated', 'response_id',
  'reason', 'field',
];
const num = (v) => (v === undefined ? '' : typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
function row(r) {
  const full = {
    evaluator: '', evaluator_version: '', label: '', source: '', explanation: '',
    explanation_truncated: '0', response_id: '', reason: 'ok', field: '', sample_rate: '1',
    confidence: '', score: '', ...r,
  };
  return col.map((c) => full[c] ?? '').join('\t');
}
function writeTsv(name, rows, counts) {
  writeFileSync(join(out, name),
    '# ' + Object.entries(counts).map(([k, v]) => `${k}=${v}`).join(' ') + '\n' +
    col.join('\t') + '\n' + rows.map(row).join('\n') + '\n');
}
// The Collector's pdata JSON marshaler writes int64 (intValue, times) as strings.
function collectorJson(js) {
  const o = JSON.parse(new TextDecoder().decode(js));
  (function fix(v) {
    if (Array.isArray(v)) return v.forEach(fix);
    if (v && typeof v === 'object') {
      for (const k of Object.keys(v)) {
        if (k === 'intValue' || k.endsWith('UnixNano')) v[k] = String(v[k]);
        else fix(v[k]);
      }
    }
  })(o);
  return JSON.stringify(o);
}

// ---------------- (a) evaluation results as span events ----------------
let nSpan = 0;
const idGenerator = {
  generateTraceId: () => '4bf92f3577b34da6a3ce929d0e0e47' + 'a1',
  generateSpanId: () => '00f067aa0ba902' + (++nSpan).toString(16).padStart(2, '0'),
};
const spanExp = new InMemorySpanExporter();
const tp = new BasicTracerProvider({
  resource: resourceFromAttributes({ 'service.name': 'chat-api', 'app.tenant_id': 'acme' }),
  idGenerator,
  spanProcessors: [new SimpleSpanProcessor(spanExp)],
});
const tr = tp.getTracer('@example/openai-instrumentation', '0.3.0');
const traceRows = [];
let tSeen = 0, tOther = 0;
function tEval(span, ms, attrs, exp) {
  span.addEvent(EV, attrs, at(ms));
  tSeen++;
  const c = span.spanContext();
  traceRows.push({ trace_id: c.traceId, span_id: c.spanId, ts_ms: String(T0 * 1000 + ms), ...exp });
}

const s1 = tr.startSpan('chat gpt-4o', {
  kind: api.SpanKind.CLIENT, startTime: at(0),
  attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o' },
});
tEval(s1, 2000, {
  'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 0.85,
  'gen_ai.evaluation.score.label': 'relevant',
  'gen_ai.evaluation.explanation': 'The answer addresses the "refund" question.\nCites the policy.',
  'gen_ai.response.id': 'chatcmpl-eval1',
}, {
  metric: 'relevance', score: '0.85', label: 'relevant',
  explanation: 'The answer addresses the "refund" question.\nCites the policy.', response_id: 'chatcmpl-eval1',
});
s1.addEvent('ai.stream.firstChunk', { 'ai.response.msToFirstChunk': 95.4 }, at(300)); tOther++;
tEval(s1, 2100, {
  'gen_ai.evaluation.name': 'json_valid', 'gen_ai.evaluation.score.value': true,
  'gen_ai.evaluation.score.label': 'pass', 'spanhouse.eval.source': 'heuristic',
  'spanhouse.eval.evaluator': 'json-schema-check', 'spanhouse.eval.evaluator_version': '1.2',
  'spanhouse.eval.sample_rate': 0.1, 'spanhouse.eval.confidence': 0.5,
}, {
  metric: 'json_valid', score: '1', label: 'pass', source: 'heuristic', evaluator: 'json-schema-check',
  evaluator_version: '1.2', sample_rate: '0.1', confidence: '0.5',
});
tEval(s1, 2200, { 'gen_ai.evaluation.name': 'helpfulness', 'gen_ai.evaluation.score.value': 4, 'gen_ai.evaluation.score.label': 'good' },
  { metric: 'helpfulness', score: '4', label: 'good' });
// Rejections: no evaluation name (required), a score that is not a number.
tEval(s1, 2300, { 'gen_ai.evaluation.score.value': 0.3 }, { score: '0.3', reason: 'missing_field', field: 'metric' });
tEval(s1, 2400, { 'gen_ai.evaluation.name': 'coherence', 'gen_ai.evaluation.score.value': 'high' },
  { metric: 'coherence', reason: 'wrong_type', field: 'score' });
// An explanation over EVAL_EXPLANATION_MAX (2048 bytes) is cut at a character boundary.
tEval(s1, 2500, { 'gen_ai.evaluation.name': 'verbosity', 'gen_ai.evaluation.explanation': 'é'.repeat(1100) },
  { metric: 'verbosity', explanation: 'é'.repeat(1024), explanation_truncated: '1' });
s1.end(at(1500));

const s2 = tr.startSpan('chat gpt-4o-mini', {
  kind: api.SpanKind.CLIENT, startTime: at(5000),
  attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o-mini' },
});
tEval(s2, 9000, { 'gen_ai.evaluation.name': 'faithfulness', 'gen_ai.evaluation.score.value': 0.4, 'gen_ai.evaluation.score.label': 'fail' },
  { metric: 'faithfulness', score: '0.4', label: 'fail' });
s2.end(at(5600));
const s3 = tr.startSpan('chat no events', { startTime: at(6000), attributes: { 'gen_ai.operation.name': 'chat' } });
s3.end(at(6100));

const spans = spanExp.getFinishedSpans();
const tpb = ProtobufTraceSerializer.serializeRequest(spans);
const tjs = JsonTraceSerializer.serializeRequest(spans);
writeFileSync(join(out, 'eval_trace.pb'), tpb);
writeFileSync(join(out, 'eval_trace.json'), tjs);
writeFileSync(join(out, 'eval_trace_collector.json'), collectorJson(tjs));
const tOk = traceRows.filter((r) => !r.reason).length;
writeTsv('expected_evals_trace.tsv', traceRows,
  { events_seen: tSeen + tOther, evals_ok: tOk, evals_rejected: traceRows.length - tOk, events_other: tOther });

// ---------------- (b) evaluation results as log records ----------------
function logsProvider(resAttrs, exporter) {
  return new LoggerProvider({
    resource: resourceFromAttributes(resAttrs),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
}
const ctxOf = (traceId, spanId) =>
  api.trace.setSpanContext(api.ROOT_CONTEXT, { traceId, spanId, traceFlags: api.TraceFlags.SAMPLED });
const TRACE = '0af7651916cd43dd8448eb211c803101'; // the first trace of gen_vectors.mjs
const logExp = new InMemoryLogRecordExporter();
const lp = logsProvider({ 'service.name': 'judge-worker', 'service.version': '2.0.0' }, logExp);
const judge = lp.getLogger('llm-judge', '3.1.0');
const human = lp.getLogger('human-review');
const logRows = [];
let lSeen = 0, lOther = 0;
function lEval(logger, rec, exp) {
  // observedTimestamp is fixed too (the SDK would take the wall clock).
  logger.emit({ observedTimestamp: at(rec.ms + 250), ...rec });
  lSeen++;
  const sc = rec.context ? api.trace.getSpanContext(rec.context) : undefined;
  logRows.push({
    trace_id: sc ? sc.traceId : '', span_id: sc ? sc.spanId : '',
    ts_ms: String(T0 * 1000 + rec.ms), ...exp,
  });
}
lEval(judge, {
  eventName: EV, ms: 60000, timestamp: at(60000), context: ctxOf(TRACE, 'b7ad6b7169203302'),
  severityNumber: 9, severityText: 'INFO',
  attributes: {
    'gen_ai.evaluation.name': 'groundedness', 'gen_ai.evaluation.score.value': 0.92,
    'gen_ai.evaluation.score.label': 'grounded', 'gen_ai.evaluation.explanation': 'All claims are supported.',
    'gen_ai.response.id': 'chatcmpl-9x8y7z', 'spanhouse.eval.source': 'llm_judge', 'spanhouse.eval.sample_rate': 0.1,
  },
}, {
  evaluator: 'llm-judge', evaluator_version: '3.1.0', metric: 'groundedness', score: '0.92', label: 'grounded',
  explanation: 'All claims are supported.', response_id: 'chatcmpl-9x8y7z', source: 'llm_judge', sample_rate: '0.1',
});
// Older producers mark the event with the event.name attribute instead of the event_name field.
lEval(judge, {
  ms: 61000, timestamp: at(61000), context: ctxOf(TRACE, 'b7ad6b7169203303'),
  attributes: { 'event.name': EV, 'gen_ai.evaluation.name': 'toxicity', 'gen_ai.evaluation.score.value': 0, 'gen_ai.evaluation.score.label': 'non_toxic' },
}, { evaluator: 'llm-judge', evaluator_version: '3.1.0', metric: 'toxicity', score: '0', label: 'non_toxic' });
// Another GenAI event on the same topic: counted, not an evaluation.
judge.emit({
  eventName: 'gen_ai.client.inference.operation.details', timestamp: at(61500), observedTimestamp: at(61600), context: ctxOf(TRACE, 'b7ad6b7169203302'),
  attributes: { 'gen_ai.operation.name': 'chat' }, body: { 'gen_ai.input.messages': [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }] },
});
lOther++;
// Rejections: no trace context (only gen_ai.response.id), a score out of range, a bad source word.
lEval(judge, {
  eventName: EV, ms: 62000, timestamp: at(62000),
  attributes: { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 0.5, 'gen_ai.response.id': 'chatcmpl-orphan' },
}, {
  evaluator: 'llm-judge', evaluator_version: '3.1.0', metric: 'relevance', score: '0.5', response_id: 'chatcmpl-orphan',
  reason: 'missing_field', field: 'trace_id',
});
lEval(judge, {
  eventName: EV, ms: 63000, timestamp: at(63000), context: ctxOf(TRACE, 'b7ad6b7169203302'),
  attributes: { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.value': 2e6 },
}, { evaluator: 'llm-judge', evaluator_version: '3.1.0', metric: 'relevance', reason: 'out_of_range', field: 'score' });
lEval(judge, {
  eventName: EV, ms: 64000, timestamp: at(64000), context: ctxOf(TRACE, 'b7ad6b7169203302'),
  attributes: { 'gen_ai.evaluation.name': 'relevance', 'gen_ai.evaluation.score.label': 'pass', 'spanhouse.eval.source': 'robot' },
}, { evaluator: 'llm-judge', evaluator_version: '3.1.0', metric: 'relevance', label: 'pass', reason: 'bad_enum', field: 'source' });

// (Records are grouped by scope in the request: the second scope comes last.)
// A human reviewer; the evaluator attribute wins over the scope name.
lEval(human, {
  eventName: EV, ms: 7200000, timestamp: at(7200000), context: ctxOf('0af7651916cd43dd8448eb211c803102', 'b7ad6b7169203305'),
  attributes: {
    'gen_ai.evaluation.name': 'helpfulness', 'gen_ai.evaluation.score.value': 5, 'gen_ai.evaluation.score.label': 'excellent',
    'spanhouse.eval.evaluator': 'reviewer-pool-a', 'spanhouse.eval.source': 'human',
  },
}, { evaluator: 'reviewer-pool-a', metric: 'helpfulness', score: '5', label: 'excellent', source: 'human' });
await lp.forceFlush();
const logs = logExp.getFinishedLogRecords();
const lpb = ProtobufLogsSerializer.serializeRequest(logs);
const ljs = JsonLogsSerializer.serializeRequest(logs);
writeFileSync(join(out, 'eval_logs.pb'), lpb);
writeFileSync(join(out, 'eval_logs.json'), ljs);
writeFileSync(join(out, 'eval_logs_collector.json'), collectorJson(ljs));
const lOk = logRows.filter((r) => !r.reason).length;
writeTsv('expected_evals_logs.tsv', logRows,
  { events_seen: lSeen + lOther, evals_ok: lOk, evals_rejected: logRows.length - lOk, events_other: lOther });

// Benchmark record: 20 evaluation log records of a typical LLM-judge shape.
const benchExp = new InMemoryLogRecordExporter();
const bp = logsProvider({ 'service.name': 'judge-worker', 'service.version': '2.0.0', 'deployment.environment.name': 'prod' }, benchExp);
const bl = bp.getLogger('llm-judge', '3.1.0');
for (let i = 0; i < 20; i++) {
  bl.emit({
    eventName: EV, timestamp: at(100000 + i * 100), observedTimestamp: at(100050 + i * 100), severityNumber: 9, severityText: 'INFO',
    context: ctxOf(TRACE, 'b7ad6b71692033' + (0x20 + i).toString(16)),
    attributes: {
      'gen_ai.evaluation.name': ['groundedness', 'relevance', 'helpfulness', 'toxicity'][i % 4],
      'gen_ai.evaluation.score.value': 0.5 + i / 50, 'gen_ai.evaluation.score.label': i % 3 ? 'pass' : 'fail',
      'gen_ai.evaluation.explanation': 'The answer is supported by the retrieved passages ' + i + '.',
      'gen_ai.response.id': 'chatcmpl-' + (100000 + i), 'spanhouse.eval.source': 'llm_judge',
    },
  });
}
await bp.forceFlush();
const blogs = benchExp.getFinishedLogRecords();
writeFileSync(join(out, 'bench_logs_20.pb'), ProtobufLogsSerializer.serializeRequest(blogs));
writeFileSync(join(out, 'bench_logs_20.json'), JsonLogsSerializer.serializeRequest(blogs));

console.log(`wrote ${traceRows.length} span-event evals (${spans.length} spans) and ${logRows.length} log-record evals (${logs.length} records) to ${out}`);
