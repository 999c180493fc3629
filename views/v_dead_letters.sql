-- v_dead_letters: what did the worker refuse in the last 24 hours, and why? One row per kind,
-- reason and field, with a sample of the original payload to start debugging from.
-- Parameters: none.  Source: raw (llm_spans_rejected).
CREATE VIEW IF NOT EXISTS spanhouse.v_dead_letters AS
SELECT
    kind,
    reason,
    field,
    count() AS messages,
    min(received_at) AS first_seen,
    max(received_at) AS last_seen,
    argMax(substring(payload, 1, 200), received_at) AS last_payload_sample
FROM spanhouse.llm_spans_rejected
WHERE received_at >= now() - INTERVAL 24 HOUR
GROUP BY kind, reason, field
ORDER BY messages DESC, kind, reason, field;
