// Generates OTLP trace test vectors with the real OpenTelemetry JS SDK.
//
// Spans are created through @opentelemetry/sdk-trace-base (BasicTracerProvider, in-memory
// exporter) and serialized by @opentelemetry/otlp-transformer exactly as the OTLP exporters
// send them: ProtobufTraceSerializer -> vectors/request.pb, JsonTraceSerializer ->
// vectors/request.json. vectors/request_collector.json is the same request in the form the
// Collector's kafka exporter (pdata JSON marshaler) writes: int64 values as strings.
// vectors/expected.tsv lists, per LLM span, what every mapped column must be
// (docs/otel-mapping.md is the rule book). Ids and times are fixed, so output is stable.
// vectors/bench_20spans.{pb,json}: one 20-span record for bench/bench_otlp.c.
// Usage: node gen_vectors.mjs [outdir]   (default: vectors/ next to this file)
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as api from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || join(here, 'vectors');
mkdirSync(out, { recursive: true });

// Deterministic ids: trace ids 0af7651916cd43dd8448eb211c80319X, span ids b7ad6b71692033NN.
let nTrace = 0, nSpan = 0;
const idGenerator = {
  generateTraceId: () => '0af7651916cd43dd8448eb211c8031' + (++nTrace).toString(16).padStart(2, '0'),
  generateSpanId: () => 'b7ad6b71692033' + (++nSpan).toString(16).padStart(2, '0'),
};

const exporter = new InMemorySpanExporter();
function provider(attrs) {
  return new BasicTracerProvider({
    resource: resourceFromAttributes(attrs),
    idGenerator,
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
}
const provA = provider({
  'service.name': 'chat-api', 'service.version': '1.4.2',
  'deployment.environment.name': 'prod', 'app.tenant_id': 'acme',
  'telemetry.sdk.language': 'nodejs',
});
const provB = provider({
  'service.name': 'batch-worker', 'service.version': '0.9.0',
  'deployment.environment': 'staging',
});

const T0 = 1763990000; // 2025-11-24T13:13:20Z
const at = (ms) => [T0 + Math.floor(ms / 1000), (ms % 1000) * 1e6 + 123]; // HrTime, ns precision
const expected = [];
const col = [
  'span_id', 'trace_id', 'parent_span_id', 'ts_ms', 'latency_ms', 'ttft_ms', 'provider', 'model',
  'response_model', 'operation', 'endpoint', 'feature', 'prompt_template', 'prompt_version',
  'tenant_id', 'team_id', 'user_id', 'session_id', 'request_id', 'service', 'environment',
  'deploy_version', 'input_tokens', 'output_tokens', 'cache_read_tokens', 'cache_write_tokens',
  'reasoning_tokens', 'streaming', 'status', 'error_class', 'http_status', 'finish_reason', 'attrs',
];
function expect(span, startMs, endMs, cols) {
  const ctx = span.spanContext();
  const row = {
    span_id: ctx.spanId, trace_id: ctx.traceId, parent_span_id: span.parentSpanContext?.spanId || '',
    ts_ms: String(T0 * 1000 + startMs), latency_ms: String(endMs - startMs), ttft_ms: '',
    streaming: '0', status: 'ok', error_class: '', http_status: '0', attrs: '',
    input_tokens: '0', output_tokens: '0', cache_read_tokens: '0', cache_write_tokens: '0',
    reasoning_tokens: '0', ...cols,
  };
  if (!row.response_model) row.response_model = row.model || '';
  expected.push(col.map((c) => row[c] ?? '').join('\t'));
}

// --- resource A, scope "openai-instrumentation": current GenAI attribute names ---
const trA = provA.getTracer('@example/openai-instrumentation', '0.3.0');
const root = trA.startSpan('POST /v1/answer', {
  kind: api.SpanKind.SERVER, startTime: at(0),
  attributes: { 'http.route': '/v1/answer', 'http.request.method': 'POST' },
});
const rootCtx = api.trace.setSpan(api.ROOT_CONTEXT, root);

const s1 = trA.startSpan('chat gpt-4o', {
  kind: api.SpanKind.CLIENT, startTime: at(10),
  attributes: {
    'gen_ai.operation.name': 'chat',
    'gen_ai.provider.name': 'openai',
    'gen_ai.request.model': 'gpt-4o',
    'gen_ai.request.temperature': 0.2,
    'gen_ai.request.max_tokens': 512,
    'gen_ai.request.stream': true,
    'server.address': 'api.openai.com',
    'server.port': 443,
    'app.team_id': 'search',
    'app.feature': 'answer',
    'user.id': 'u-1001',
    'gen_ai.prompt.name': 'support_answer',
    'app.prompt_version': 'v3',
    'gen_ai.conversation.id': 'conv-42',
  },
}, rootCtx);
s1.setAttributes({
  'gen_ai.response.id': 'chatcmpl-9x8y7z',
  'gen_ai.response.model': 'gpt-4o-2024-08-06',
  'gen_ai.response.finish_reasons': ['stop'],
  'gen_ai.usage.input_tokens': 1200,
  'gen_ai.usage.output_tokens': 350,
  'gen_ai.usage.cache_read.input_tokens': 800,
  'gen_ai.usage.cache_creation.input_tokens': 100,
  'gen_ai.usage.reasoning.output_tokens': 64,
  'gen_ai.response.time_to_first_chunk': 0.412,
  'gen_ai.output.messages': '[{"role":"assistant","parts":[{"type":"text","content":"Hi"}]}]',
  'http.response.status_code': 200,
});
s1.end(at(1510));
expect(s1, 10, 1510, {
  provider: 'openai', model: 'gpt-4o', response_model: 'gpt-4o-2024-08-06', operation: 'chat',
  endpoint: 'api.openai.com', feature: 'answer', prompt_template: 'support_answer',
  prompt_version: 'v3', tenant_id: 'acme', team_id: 'search', user_id: 'u-1001',
  session_id: 'conv-42', request_id: 'chatcmpl-9x8y7z', service: 'chat-api', environment: 'prod',
  deploy_version: '1.4.2', input_tokens: '1200', output_tokens: '350', cache_read_tokens: '800',
  cache_write_tokens: '100', reasoning_tokens: '64', ttft_ms: '412', streaming: '1',
  http_status: '200', finish_reason: 'stop',
  attrs: 'gen_ai.request.temperature=0.2|gen_ai.request.max_tokens=512|server.port=443',
});

// Vercel-AI-SDK-style span in the same scope: TTFT as an attribute in ms and a
// tenant on the span that beats the resource's.
const s2 = trA.startSpan('ai.generateText.doGenerate', {
  kind: api.SpanKind.CLIENT, startTime: at(1600),
  attributes: {
    'gen_ai.operation.name': 'chat', 'gen_ai.system': 'openai.chat', 'gen_ai.request.model': 'gpt-4o-mini',
    'gen_ai.usage.input_tokens': 40, 'gen_ai.usage.output_tokens': 12,
    'ai.response.msToFirstChunk': 95.4, 'app.tenant_id': 'acme-eu',
    'gen_ai.response.finish_reasons': ['length', 'stop'],
    'ai.settings.maxRetries': 2,
  },
}, rootCtx);
s2.addEvent('ai.stream.firstChunk', { 'ai.response.msToFirstChunk': 95.4 }, at(1700));
s2.end(at(1900));
expect(s2, 1600, 1900, {
  provider: 'openai.chat', model: 'gpt-4o-mini', operation: 'chat', tenant_id: 'acme-eu',
  service: 'chat-api', environment: 'prod', deploy_version: '1.4.2', input_tokens: '40',
  output_tokens: '12', ttft_ms: '95', finish_reason: 'length', attrs: 'ai.settings.maxRetries=2',
});
root.end(at(2000));

// --- resource A, second scope: deprecated names (GenAI semconv <= 1.36) and an ERROR ---
const trA2 = provA.getTracer('@example/anthropic-instrumentation', '1.0.0');
const s3 = trA2.startSpan('chat claude', {
  kind: api.SpanKind.CLIENT, startTime: at(3000),
  attributes: {
    'gen_ai.system': 'Anthropic',
    'gen_ai.request.model': 'claude-3-5-sonnet-20241022',
    'gen_ai.usage.prompt_tokens': 500,
    'gen_ai.usage.completion_tokens': 0,
    'gen_ai.usage.cache_read_input_tokens': 200,
    'gen_ai.usage.cache_creation_input_tokens': 50,
    'error.type': 'rate_limit',
    'http.status_code': 429,
    'enduser.id': 'u-2002',
  },
});
s3.setStatus({ code: api.SpanStatusCode.ERROR, message: '429 Too Many Requests' });
s3.recordException({ name: 'RateLimitError', message: 'rate limited' }, at(3200));
s3.end(at(3250));
expect(s3, 3000, 3250, {
  provider: 'anthropic', model: 'claude-3-5-sonnet-20241022', tenant_id: 'acme', user_id: 'u-2002',
  service: 'chat-api', environment: 'prod', deploy_version: '1.4.2', input_tokens: '500',
  output_tokens: '0', cache_read_tokens: '200', cache_write_tokens: '50', status: 'error',
  error_class: 'rate_limit', http_status: '429',
});

// ERROR status without error.type.
const s4 = trA2.startSpan('chat claude', {
  kind: api.SpanKind.CLIENT, startTime: at(4000),
  attributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'anthropic', 'gen_ai.request.model': 'claude-3-5-haiku' },
});
s4.setStatus({ code: api.SpanStatusCode.ERROR });
s4.end(at(4007));
expect(s4, 4000, 4007, {
  provider: 'anthropic', model: 'claude-3-5-haiku', operation: 'chat', tenant_id: 'acme',
  service: 'chat-api', environment: 'prod', deploy_version: '1.4.2', status: 'error', error_class: '_OTHER',
});

// --- resource B: OpenLLMetry-style llm.* attributes, streaming chunk events ---
const trB = provB.getTracer('opentelemetry.instrumentation.openai', '0.40.0');
const s5 = trB.startSpan('openai.completion', {
  kind: api.SpanKind.CLIENT, startTime: at(5000),
  attributes: {
    'llm.request.type': 'completion',
    'gen_ai.system': 'OpenAI',
    'gen_ai.request.model': 'gpt-3.5-turbo-instruct',
    'llm.usage.prompt_tokens': 300,
    'llm.usage.total_tokens': 420,
    'gen_ai.usage.cache_read_input_tokens': 100,
    'llm.is_streaming': true,
    'session.id': 'sess-9',
    'gen_ai.prompt.0.content': 'Write a haiku',
    'gen_ai.prompt.0.role': 'user',
    'app.tenant_id': 'globex',
    'app.endpoint': '/v2/complete',
    'server.address': 'api.openai.com',
  },
});
s5.addEvent('llm.content.completion.chunk', {}, at(5300));
s5.addEvent('llm.content.completion.chunk', {}, at(5250));
s5.addEvent('llm.content.completion.chunk', {}, at(5400));
s5.end(at(5800));
expect(s5, 5000, 5800, {
  provider: 'openai', model: 'gpt-3.5-turbo-instruct', operation: 'completion', endpoint: '/v2/complete',
  tenant_id: 'globex', session_id: 'sess-9', service: 'batch-worker', environment: 'staging',
  deploy_version: '0.9.0', input_tokens: '300', output_tokens: '120', cache_read_tokens: '100',
  ttft_ms: '250', streaming: '1',
});

// Embeddings, current names, no output tokens; plus a non-LLM span in the same scope.
const s6 = trB.startSpan('embeddings titan', {
  kind: api.SpanKind.CLIENT, startTime: at(6000),
  attributes: {
    'gen_ai.operation.name': 'embeddings', 'gen_ai.provider.name': 'aws.bedrock',
    'gen_ai.request.model': 'amazon.titan-embed-text-v2:0', 'gen_ai.usage.input_tokens': 64,
    'gen_ai.request.encoding_formats': ['float'], 'aws.region': 'eu-west-1',
  },
});
s6.end(at(6045));
expect(s6, 6000, 6045, {
  provider: 'aws.bedrock', model: 'amazon.titan-embed-text-v2:0', operation: 'embeddings',
  service: 'batch-worker', environment: 'staging', deploy_version: '0.9.0', input_tokens: '64',
  attrs: 'gen_ai.request.encoding_formats=["float"]|aws.region=eu-west-1',
});
const s7 = trB.startSpan('SELECT jobs', { startTime: at(7000), attributes: { 'db.system.name': 'postgresql' } });
s7.end(at(7003));

const spans = exporter.getFinishedSpans();
const pb = ProtobufTraceSerializer.serializeRequest(spans);
const js = JsonTraceSerializer.serializeRequest(spans);
writeFileSync(join(out, 'request.pb'), pb);
writeFileSync(join(out, 'request.json'), js);

// The Collector's pdata JSON marshaler writes int64 (intValue, times) as strings.
const coll = JSON.parse(new TextDecoder().decode(js));
(function fix(v) {
  if (Array.isArray(v)) return v.forEach(fix);
  if (v && typeof v === 'object') {
    for (const k of Object.keys(v)) {
      if (k === 'intValue' || k.endsWith('UnixNano')) v[k] = String(v[k]);
      else fix(v[k]);
    }
  }
})(coll);
writeFileSync(join(out, 'request_collector.json'), JSON.stringify(coll));

writeFileSync(join(out, 'expected.tsv'),
  '# spans_seen=' + spans.length + ' spans_emitted=' + expected.length + '\n' +
  col.join('\t') + '\n' + expected.join('\n') + '\n');
// Benchmark record: 20 LLM spans with a typical attribute set (about the size of a real
// OpenAI chat span), one resource, one scope: bench_20spans.pb / .json.
exporter.reset();
const provC = provider({ 'service.name': 'chat-api', 'service.version': '1.4.2', 'deployment.environment.name': 'prod', 'app.tenant_id': 'acme' });
const trC = provC.getTracer('@example/openai-instrumentation', '0.3.0');
for (let i = 0; i < 20; i++) {
  const sp = trC.startSpan('chat gpt-4o', {
    kind: api.SpanKind.CLIENT, startTime: at(10000 + i * 100),
    attributes: {
      'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-4o',
      'gen_ai.request.temperature': 0.7, 'gen_ai.request.max_tokens': 1024, 'server.address': 'api.openai.com',
      'server.port': 443, 'app.team_id': 'search', 'app.feature': 'answer', 'user.id': 'u-' + (1000 + i),
      'gen_ai.conversation.id': 'conv-' + i,
      'gen_ai.response.id': 'chatcmpl-' + (100000 + i), 'gen_ai.response.model': 'gpt-4o-2024-08-06',
      'gen_ai.response.finish_reasons': ['stop'], 'gen_ai.usage.input_tokens': 1000 + i,
      'gen_ai.usage.output_tokens': 200 + i, 'gen_ai.usage.cache_read.input_tokens': 512,
    },
  });
  sp.end(at(10000 + i * 100 + 850));
}
const bspans = exporter.getFinishedSpans();
writeFileSync(join(out, 'bench_20spans.pb'), ProtobufTraceSerializer.serializeRequest(bspans));
writeFileSync(join(out, 'bench_20spans.json'), JsonTraceSerializer.serializeRequest(bspans));

console.log(`wrote ${spans.length} spans (${expected.length} LLM) to ${out}: request.pb ${pb.length} B, request.json ${js.length} B`);
