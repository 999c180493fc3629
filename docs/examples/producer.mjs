// A producer's side of spanhouse in Node.js (kafkajs): after each LLM call, publish one span as
// flat JSON (docs/span-format.md) to the spans topic, keyed by trace_id so a trace's spans share
// a partition. Usage: KAFKA_BROKERS=host:9092 [SPANS_TOPIC=llm.spans] [COUNT=n] node producer.mjs
// (COUNT > 0 sends that many example spans and exits: what tests/integration/t_producer_node.sh runs).
import { randomBytes } from 'node:crypto';
import { Kafka, CompressionTypes, Partitioners, logLevel } from 'kafkajs';

const kafka = new Kafka({
  clientId: 'checkout-service',
  brokers: (process.env.KAFKA_BROKERS || 'localhost:9092').split(','),
  logLevel: logLevel.WARN,
});
// The default partitioner hashes the key like the Java client (murmur2): one trace, one partition.
const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
const topic = process.env.SPANS_TOPIC || 'llm.spans';

// One span per LLM call. Required: timestamp (start, ms or ISO-8601 UTC), trace_id, span_id,
// provider, model, token counts, latency_ms, status. Everything else makes the dashboards richer.
export function spanOf(call) {
  return {
    timestamp: call.startedAt,                 // epoch ms of the call's start
    trace_id: call.traceId,
    span_id: call.spanId,
    provider: 'openai',
    model: call.usage.model,                   // the model you asked for
    response_model: call.response.model,       // the snapshot that answered, if the API says
    operation: 'chat',
    service: 'checkout-service',
    feature: 'order_summary',
    endpoint: '/api/summary',
    api_key_id: 'key_acme_search_1',           // an id, never the key itself: maps to a tenant
    user_id: call.userId,
    // OpenAI's prompt_tokens include the cached ones: say so, and spanhouse prices each part once.
    token_convention: 'openai',
    input_tokens: call.usage.prompt_tokens,
    cache_read_tokens: call.usage.prompt_tokens_details?.cached_tokens ?? 0,
    output_tokens: call.usage.completion_tokens,
    reasoning_tokens: call.usage.completion_tokens_details?.reasoning_tokens ?? 0,
    latency_ms: call.latencyMs,
    ttft_ms: call.ttftMs,
    status: call.error ? 'error' : 'ok',
    error_class: call.error ? call.error.kind : '',
    finish_reason: call.response.finish_reason,
  };
}

export async function publish(spans) {
  await producer.send({
    topic,
    compression: CompressionTypes.GZIP, // kafkajs ships gzip; spanhouse reads every Kafka codec
    messages: spans.map((s) => ({ key: s.trace_id, value: JSON.stringify(s) })),
  });
}

// The example calls: what an instrumented client would report after each request.
function exampleCall(i) {
  const hex = (n) => randomBytes(n).toString('hex');
  return {
    startedAt: Date.now() - 1000 - i, traceId: hex(16), spanId: hex(8), userId: `u_${i % 7}`,
    latencyMs: 400 + (i % 50) * 10, ttftMs: 120 + (i % 9),
    usage: { model: 'gpt-4o-mini', prompt_tokens: 1200 + i, completion_tokens: 80 + (i % 40),
             prompt_tokens_details: { cached_tokens: i % 2 ? 1024 : 0 } },
    response: { model: 'gpt-4o-mini-2024-07-18', finish_reason: 'stop' },
    error: null,
  };
}

const count = Number(process.env.COUNT || 0);
if (count > 0) {
  await producer.connect();
  for (let i = 0; i < count; i += 100) {
    const n = Math.min(100, count - i);
    await publish(Array.from({ length: n }, (_, k) => spanOf(exampleCall(i + k))));
  }
  await producer.disconnect();
  console.log(`produced ${count}`);
}
