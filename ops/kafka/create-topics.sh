#!/usr/bin/env bash
# Creates the Kafka topics spanhouse reads and writes, with the recommended partitions,
# retention, compression and durability settings. Idempotent (--if-not-exists): safe to run
# on every deploy. Uses Kafka's own kafka-topics.sh CLI; it does not create ACLs or quotas.
#
# Usage: ops/kafka/create-topics.sh [--dry-run]
# Environment (all optional):
#   KAFKA_BOOTSTRAP     bootstrap servers                      (default localhost:9092)
#   KAFKA_TOPICS_BIN    path to kafka-topics.sh                 (default: on PATH, else /opt/kafka/bin/kafka-topics.sh)
#   KAFKA_CLIENT_CONFIG --command-config file (SASL/TLS)        (default none)
#   REPLICATION         replication factor                      (default 3; 1 for a single broker)
#   MIN_ISR             min.insync.replicas                     (default: 2 if REPLICATION>=3, else 1)
#   SPAN_PARTITIONS     partitions of the span topics           (default 12)
#   SIDE_PARTITIONS     partitions of evals/outcomes/DLQ        (default 6)
#
# Sizing partitions: a partition is consumed by one worker of the group at a time, so
# partitions >= workers x 2 leaves room to double the workers without re-partitioning
# (adding partitions later re-maps keys and breaks per-key order). One worker sustains about
# 150k spans/s (issue 3's budget); take peak spans/s / 100k for headroom, round up to a
# multiple of the worker count, and never below 6. Keep keys = trace_id so a trace's spans
# stay together. Retention: 7 days on the span topics covers a week of replay/backfill
# (`spanhouse replay --from`); 30 days on the DLQ gives time to fix and re-drive poison.
set -euo pipefail

DRY=0
[ "${1:-}" = "--dry-run" ] && DRY=1

BOOTSTRAP=${KAFKA_BOOTSTRAP:-localhost:9092}
BIN=${KAFKA_TOPICS_BIN:-}
if [ -z "$BIN" ]; then
  if command -v kafka-topics.sh >/dev/null 2>&1; then BIN=kafka-topics.sh
  elif command -v kafka-topics >/dev/null 2>&1; then BIN=kafka-topics
  else BIN=/opt/kafka/bin/kafka-topics.sh; fi
fi
REPLICATION=${REPLICATION:-3}
if [ -z "${MIN_ISR:-}" ]; then
  if [ "$REPLICATION" -ge 3 ]; then MIN_ISR=2; else MIN_ISR=1; fi
fi
SPAN_PARTITIONS=${SPAN_PARTITIONS:-12}
SIDE_PARTITIONS=${SIDE_PARTITIONS:-6}

DAY_MS=86400000
# name  partitions  retention.ms  extra configs (comma-separated key=value)
TOPICS=(
  "llm.spans       $SPAN_PARTITIONS $((7 * DAY_MS))  max.message.bytes=1048576"
  "otlp_spans      $SPAN_PARTITIONS $((7 * DAY_MS))  max.message.bytes=8388608"
  "otlp_logs       $SIDE_PARTITIONS $((14 * DAY_MS)) max.message.bytes=8388608"
  "llm.evals       $SIDE_PARTITIONS $((14 * DAY_MS)) max.message.bytes=1048576"
  "llm.outcomes    $SIDE_PARTITIONS $((14 * DAY_MS)) max.message.bytes=1048576"
  "llm.spans.dlq   $SIDE_PARTITIONS $((30 * DAY_MS)) max.message.bytes=8388608"
)

common=(--bootstrap-server "$BOOTSTRAP")
[ -n "${KAFKA_CLIENT_CONFIG:-}" ] && common+=(--command-config "$KAFKA_CLIENT_CONFIG")

for row in "${TOPICS[@]}"; do
  read -r name parts retention extra <<<"$row"
  args=("$BIN" "${common[@]}" --create --if-not-exists --topic "$name"
        --partitions "$parts" --replication-factor "$REPLICATION"
        --config "retention.ms=$retention"
        --config "cleanup.policy=delete"
        --config "compression.type=zstd"
        --config "min.insync.replicas=$MIN_ISR"
        --config "message.timestamp.type=CreateTime")
  IFS=',' read -ra kv <<<"$extra"
  for c in "${kv[@]}"; do args+=(--config "$c"); done
  if [ "$DRY" -eq 1 ]; then
    printf '%q ' "${args[@]}"; echo
  else
    "${args[@]}"
  fi
done
[ "$DRY" -eq 1 ] || "$BIN" "${common[@]}" --list
