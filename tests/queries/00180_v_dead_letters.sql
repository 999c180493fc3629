-- v_dead_letters. Fixture: span/missing_field/model twice (2 h and 1 h ago; latest payload {"a":1}),
-- otlp/bad_protobuf once 30 min ago, and a span/json_syntax 2 days ago (outside the 24 h window).
-- Expected: span missing_field model 2 messages, first 120 min ago, last 60 min ago, sample {"a":1};
--           otlp bad_protobuf '' 1 message, 30 / 30 min ago.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans_rejected VALUES
    (now64(3) - INTERVAL 2 HOUR, 'span', 'llm.spans', 0, 10, 'k', 'missing_field', 'model', 'required field missing', '{"b":2}'),
    (now64(3) - INTERVAL 1 HOUR, 'span', 'llm.spans', 0, 11, 'k', 'missing_field', 'model', 'required field missing', '{"a":1}'),
    (now64(3) - INTERVAL 30 MINUTE, 'otlp', 'otlp.spans', 3, 7, '', 'bad_protobuf', '', 'malformed protobuf', '\x0a\xff'),
    (now64(3) - INTERVAL 2 DAY, 'span', 'llm.spans', 1, 5, 'k', 'json_syntax', '', 'malformed JSON', '{');
SELECT kind, reason, field, messages, round(dateDiff('second', first_seen, now()) / 60), round(dateDiff('second', last_seen, now()) / 60), last_payload_sample FROM spanhouse.v_dead_letters;
