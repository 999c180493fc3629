/* kafka_consumer: the librdkafka high-level consumer as the worker uses it.
 *
 * Group membership with the eager (range) protocol, manual offsets only (no auto commit, no
 * auto offset store), committed offset + metadata read on every assignment and handed to the
 * caller, pause/resume + seek for backpressure, batch polling, end-of-partition events, and
 * explicit-assignment mode for replay (offsetsForTimes). It does not decode or batch.
 * Threads: one thread owns a kafka_consumer_t; the callbacks run inside kafka_consume(). */
#ifndef SPANHOUSE_KAFKA_CONSUMER_H
#define SPANHOUSE_KAFKA_CONSUMER_H

#include <librdkafka/rdkafka.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

typedef struct kafka_consumer_s kafka_consumer_t;

typedef struct kafka_events_s {
    void *opaque;
    /* A partition is now ours. committed is the group's committed offset (or
     * RD_KAFKA_OFFSET_INVALID when none) and meta its commit metadata (may be NULL). Consumption
     * starts at committed, else at auto.offset.reset (earliest unless overridden). err is
     * ERR_KAFKA when the committed offsets could not be read after ~30 s of retries (then
     * committed and meta say nothing: the caller must not consume the partition). */
    void (*assigned)(void *opaque, const char *topic, int32_t partition, int64_t committed,
                     const char *meta, size_t meta_len, int err);
    /* A partition is no longer ours: drop its uncommitted state (the next owner re-reads). */
    void (*revoked)(void *opaque, const char *topic, int32_t partition);
} kafka_events_t;

/* Creates the consumer and subscribes to cfg's topics under group (NULL = cfg->group).
 * With assign_only set it does not subscribe (replay: use kafka_assign_times()).
 * ev is copied. Returns NULL with errstr filled on a bad kafka.* property or setup error. */
kafka_consumer_t *kafka_consumer_new(const config_t *cfg, const char *group, int assign_only,
                                     const kafka_events_t *ev, char *errstr, size_t errstr_size);
/* Leaves the group (revoking everything through ev->revoked) and frees. NULL ok. */
void kafka_consumer_destroy(kafka_consumer_t *kc);
rd_kafka_t *kafka_handle(kafka_consumer_t *kc);

/* Fetches up to max messages (events included: check rkm->err, e.g.
 * RD_KAFKA_RESP_ERR__PARTITION_EOF). Returns the count; the caller destroys each message. */
size_t kafka_consume(kafka_consumer_t *kc, rd_kafka_message_t **msgs, size_t max, int timeout_ms);

/* Commits offset (the next offset to read) with metadata for one partition. sync waits for
 * the broker's answer. Returns ERR_OK or ERR_KAFKA with errstr; *lost (may be NULL) is set to
 * 1 when the error says the partition may no longer be ours (rebalance, fenced member). */
int kafka_commit(kafka_consumer_t *kc, const char *topic, int32_t partition, int64_t offset,
                 const char *meta, size_t meta_len, int sync, int *lost, char *errstr,
                 size_t errstr_size);
/* Pauses (pause=1) or resumes one partition; on resume it seeks to resume_at first when
 * resume_at >= 0, so nothing the fetcher dropped while paused is skipped. */
int kafka_pause(kafka_consumer_t *kc, const char *topic, int32_t partition, int pause,
                int64_t resume_at);
/* Replay: assigns every partition of topic starting at the first offset with a timestamp
 * >= from_ms, and reports in end[] (indexed by partition, up to max_parts) the first offset
 * with timestamp >= to_ms (the high watermark when none). Where the group has committed an
 * offset inside that range (a crashed run of the same replay: name the group after the range)
 * it starts there instead, and ev->assigned gets the commit metadata (the announced cuts).
 * Returns the number of partitions (>= 0) or -1 with errstr (also when the committed offsets
 * cannot be read after ~30 s). Calls ev->assigned for each. */
int kafka_assign_times(kafka_consumer_t *kc, const char *topic, int64_t from_ms, int64_t to_ms,
                       int64_t *end, int max_parts, char *errstr, size_t errstr_size);
/* Current high watermark of a partition from the last fetch (-1 if unknown). */
int64_t kafka_high_watermark(kafka_consumer_t *kc, const char *topic, int32_t partition);
/* Low and high watermark of a partition from the last fetch (-1 each if unknown). */
void kafka_watermarks(kafka_consumer_t *kc, const char *topic, int32_t partition, int64_t *lo,
                      int64_t *hi);
/* The application's position in a partition: the offset after the last record handed to us
 * (-1 if none yet or unknown). */
int64_t kafka_position(kafka_consumer_t *kc, const char *topic, int32_t partition);

#endif
