-- 220_llm_quality_1m: 1-minute quality aggregate keyed by the SPAN's minute and dimensions
-- (tenant, team, feature, model, prompt template/version, provider, experiment) x metric (evals)
-- or event (outcomes). Evals and outcomes carry only trace_id (+ span_id): their span is found by
-- three materialized views, so that a late eval counts in the minute of the span it scores
-- and nothing is counted twice (docs/evals.md gives the argument and the limits):
--   (a) llm_quality_1m_evals_mv / _outcomes_mv fire on an insert into llm_evals/llm_outcomes
--       and join the inserted block to spans ALREADY STORED whose timestamp lies in
--       [record time - 7 days, record time + 1 hour], looked up by trace_id in llm_span_index
--       (below: the spans' join keys and dimensions, ordered by trace_id, kept 8 days), so the
--       lookup reads about 32 rows per record whatever the history holds (the whole-trace
--       branch looks up only the traces of the block's whole-trace records);
--   (b) llm_quality_1m_spans_records_mv fires on an insert into llm_spans
--       and joins the inserted spans to evals and outcomes ALREADY STORED (orphans that arrived
--       before their span) in the same window, read through the *_committed views (inside
--       a materialized view every reference to the source table means the inserted block;
--       a plain view is not rewritten, so it reads the stored rows); only records stamped
--       after the block's earliest span - 1 hour can match, so only those are read, and
--       whether a trace already had spans is asked of llm_span_index by key.
-- A record with span_id = '' scores the whole trace and is attached to the trace's earliest
-- span present when the join happens; (b) attaches it only if no span of the trace was stored.
-- Reading: sum() the SimpleAggregateFunction columns; mean score = score_wsum / score_weight
-- (each eval weighted 1 / sample_rate), pass rate = pass_weight / label_weight,
-- quantilesBFloat16Merge(0.5, 0.9, 0.99)(score_q) (unweighted, within 0.4%).
-- Pass labels: pass, passed, true, yes, relevant, correct, good, grounded, thumbs_up,
-- positive, 1 (case-insensitive). Retention: 90 days like llm_kpi_1m.
CREATE TABLE IF NOT EXISTS spanhouse.llm_quality_1m
(
    minute          DateTime('UTC'),
    tenant_id       LowCardinality(String),
    team_id         LowCardinality(String),
    feature         LowCardinality(String),
    model           LowCardinality(String),
    prompt_template LowCardinality(String),
    prompt_version  LowCardinality(String),
    provider        LowCardinality(String),
    experiment_id   LowCardinality(String),
    metric          LowCardinality(String),
    event           LowCardinality(String),
    evals           SimpleAggregateFunction(sum, UInt64),
    evals_weighted  SimpleAggregateFunction(sum, Float64),
    scored          SimpleAggregateFunction(sum, UInt64),
    score_weight    SimpleAggregateFunction(sum, Float64),
    score_wsum      SimpleAggregateFunction(sum, Float64),
    score_q         AggregateFunction(quantilesBFloat16(0.5, 0.9, 0.99), Nullable(Float64)),
    labeled         SimpleAggregateFunction(sum, UInt64),
    passed          SimpleAggregateFunction(sum, UInt64),
    label_weight    SimpleAggregateFunction(sum, Float64),
    pass_weight     SimpleAggregateFunction(sum, Float64),
    outcomes        SimpleAggregateFunction(sum, UInt64),
    outcome_value   SimpleAggregateFunction(sum, Decimal(38, 9))
)
ENGINE = AggregatingMergeTree
PARTITION BY toYYYYMM(minute)
ORDER BY (minute, tenant_id, team_id, feature, model, prompt_template, prompt_version, provider, metric, event, experiment_id)
TTL minute + INTERVAL 90 DAY DELETE
SETTINGS non_replicated_deduplication_window = 1000;

-- Every span's join keys and dimensions, ordered by trace_id in small granules (32 rows) and
-- not partitioned (a key is looked up once, not once per day), so the views here find the
-- spans of a block of evaluations by key: the cost follows the records inserted, not the
-- spans stored (bench/b_quality.sh). Kept 8 days by span time (the 7-day
-- join window plus a day): an evaluation replayed for a span older than that stays an orphan
-- (raise this TTL to the raw table's 30 days before backfilling evaluations). Fed from
-- llm_spans like the KPI tables, with the same dedup window.
CREATE TABLE IF NOT EXISTS spanhouse.llm_span_index
(
    trace_id        String,
    span_id         String,
    timestamp       DateTime64(3, 'UTC'),
    tenant_id       LowCardinality(String),
    team_id         LowCardinality(String),
    feature         LowCardinality(String),
    model           LowCardinality(String),
    prompt_template LowCardinality(String),
    prompt_version  LowCardinality(String),
    provider        LowCardinality(String),
    experiment_id   LowCardinality(String)
)
ENGINE = MergeTree
ORDER BY (trace_id, span_id)
TTL toDateTime(timestamp) + INTERVAL 8 DAY DELETE
SETTINGS index_granularity = 32, non_replicated_deduplication_window = 1000;

CREATE MATERIALIZED VIEW IF NOT EXISTS spanhouse.llm_span_index_mv TO spanhouse.llm_span_index AS
SELECT trace_id, span_id, timestamp, tenant_id, team_id, feature, model, prompt_template, prompt_version, provider, experiment_id
FROM spanhouse.llm_spans;

-- Stored rows, seen from inside a materialized view on the same table (see above).
CREATE VIEW IF NOT EXISTS spanhouse.llm_spans_committed AS
SELECT trace_id, span_id, timestamp FROM spanhouse.llm_spans;
CREATE VIEW IF NOT EXISTS spanhouse.llm_evals_committed AS
SELECT * FROM spanhouse.llm_evals;
CREATE VIEW IF NOT EXISTS spanhouse.llm_outcomes_committed AS
SELECT * FROM spanhouse.llm_outcomes;

-- (a) evals arriving after their span.
CREATE MATERIALIZED VIEW IF NOT EXISTS spanhouse.llm_quality_1m_evals_mv TO spanhouse.llm_quality_1m AS
SELECT
    s.minute AS minute,
    s.tenant_id AS tenant_id,
    s.team_id AS team_id,
    s.feature AS feature,
    s.model AS model,
    s.prompt_template AS prompt_template,
    s.prompt_version AS prompt_version,
    s.provider AS provider,
    s.experiment_id AS experiment_id,
    e.metric AS metric,
    '' AS event,
    count() AS evals,
    sum(1 / e.sample_rate) AS evals_weighted,
    count(e.score) AS scored,
    sumIf(1 / e.sample_rate, e.score IS NOT NULL) AS score_weight,
    sum(ifNull(e.score, 0) / e.sample_rate) AS score_wsum,
    quantilesBFloat16State(0.5, 0.9, 0.99)(e.score) AS score_q,
    countIf(e.label != '') AS labeled,
    countIf(lower(e.label) IN ('pass', 'passed', 'true', 'yes', 'relevant', 'correct', 'good', 'grounded', 'thumbs_up', 'positive', '1')) AS passed,
    sumIf(1 / e.sample_rate, e.label != '') AS label_weight,
    sumIf(1 / e.sample_rate, lower(e.label) IN ('pass', 'passed', 'true', 'yes', 'relevant', 'correct', 'good', 'grounded', 'thumbs_up', 'positive', '1')) AS pass_weight,
    toUInt64(0) AS outcomes,
    toDecimal128(0, 9) AS outcome_value
FROM spanhouse.llm_evals AS e
LEFT ANY JOIN
(
    SELECT trace_id, span_id, timestamp AS span_ts, toStartOfMinute(timestamp) AS minute, tenant_id, team_id, feature, model, prompt_template, prompt_version, provider, experiment_id
    FROM spanhouse.llm_span_index
    WHERE trace_id IN (SELECT trace_id FROM spanhouse.llm_evals)
      AND timestamp >= (SELECT min(timestamp) FROM spanhouse.llm_evals) - INTERVAL 7 DAY
      AND timestamp <= (SELECT max(timestamp) FROM spanhouse.llm_evals) + INTERVAL 1 HOUR
    UNION ALL
    SELECT trace_id, '' AS span_id, min(timestamp) AS span_ts, toStartOfMinute(min(timestamp)) AS minute, argMin(tenant_id, timestamp) AS tenant_id, argMin(team_id, timestamp) AS team_id, argMin(feature, timestamp) AS feature, argMin(model, timestamp) AS model, argMin(prompt_template, timestamp) AS prompt_template, argMin(prompt_version, timestamp) AS prompt_version, argMin(provider, timestamp) AS provider, argMin(experiment_id, timestamp) AS experiment_id
    FROM spanhouse.llm_span_index
    WHERE trace_id IN (SELECT trace_id FROM spanhouse.llm_evals WHERE span_id = '')
      AND timestamp >= (SELECT min(timestamp) FROM spanhouse.llm_evals) - INTERVAL 7 DAY
      AND timestamp <= (SELECT max(timestamp) FROM spanhouse.llm_evals) + INTERVAL 1 HOUR
    GROUP BY trace_id
) AS s ON e.trace_id = s.trace_id AND e.span_id = s.span_id
WHERE e.timestamp >= s.span_ts - INTERVAL 1 HOUR AND e.timestamp <= s.span_ts + INTERVAL 7 DAY
GROUP BY minute, tenant_id, team_id, feature, model, prompt_template, prompt_version, provider, metric, event, experiment_id;

-- (a) outcomes arriving after their span.
CREATE MATERIALIZED VIEW IF NOT EXISTS spanhouse.llm_quality_1m_outcomes_mv TO spanhouse.llm_quality_1m AS
SELECT
    s.minute AS minute,
    s.tenant_id AS tenant_id,
    s.team_id AS team_id,
    s.feature AS feature,
    s.model AS model,
    s.prompt_template AS prompt_template,
    s.prompt_version AS prompt_version,
    s.provider AS provider,
    s.experiment_id AS experiment_id,
    '' AS metric,
    o.event AS event,
    toUInt64(0) AS evals,
    toFloat64(0) AS evals_weighted,
    toUInt64(0) AS scored,
    toFloat64(0) AS score_weight,
    toFloat64(0) AS score_wsum,
    quantilesBFloat16State(0.5, 0.9, 0.99)(CAST(NULL, 'Nullable(Float64)')) AS score_q,
    toUInt64(0) AS labeled,
    toUInt64(0) AS passed,
    toFloat64(0) AS label_weight,
    toFloat64(0) AS pass_weight,
    count() AS outcomes,
    sum(toDecimal128(o.value, 9)) AS outcome_value
FROM spanhouse.llm_outcomes AS o
LEFT ANY JOIN
(
    SELECT trace_id, span_id, timestamp AS span_ts, toStartOfMinute(timestamp) AS minute, tenant_id, team_id, feature, model, prompt_template, prompt_version, provider, experiment_id
    FROM spanhouse.llm_span_index
    WHERE trace_id IN (SELECT trace_id FROM spanhouse.llm_outcomes)
      AND timestamp >= (SELECT min(timestamp) FROM spanhouse.llm_outcomes) - INTERVAL 7 DAY
      AND timestamp <= (SELECT max(timestamp) FROM spanhouse.llm_outcomes) + INTERVAL 1 HOUR
    UNION ALL
    SELECT trace_id, '' AS span_id, min(timestamp) AS span_ts, toStartOfMinute(min(timestamp)) AS minute, argMin(tenant_id, timestamp) AS tenant_id, argMin(team_id, timestamp) AS team_id, argMin(feature, timestamp) AS feature, argMin(model, timestamp) AS model, argMin(prompt_template, timestamp) AS prompt_template, argMin(prompt_version, timestamp) AS prompt_version, argMin(provider, timestamp) AS provider, argMin(experiment_id, timestamp) AS experiment_id
    FROM spanhouse.llm_span_index
    WHERE trace_id IN (SELECT trace_id FROM spanhouse.llm_outcomes WHERE span_id = '')
      AND timestamp >= (SELECT min(timestamp) FROM spanhouse.llm_outcomes) - INTERVAL 7 DAY
      AND timestamp <= (SELECT max(timestamp) FROM spanhouse.llm_outcomes) + INTERVAL 1 HOUR
    GROUP BY trace_id
) AS s ON o.trace_id = s.trace_id AND o.span_id = s.span_id
WHERE o.timestamp >= s.span_ts - INTERVAL 1 HOUR AND o.timestamp <= s.span_ts + INTERVAL 7 DAY
GROUP BY minute, tenant_id, team_id, feature, model, prompt_template, prompt_version, provider, metric, event, experiment_id;

-- (b) spans arriving after their evals and outcomes: one view for both, so the inserted spans
-- and the whole-trace look-up in llm_span_index are built once per insert, not once per kind
-- (on the demo's data 0.37 s per 46,500 spans against 0.60 s for the two views it replaces,
-- which are dropped here first: an install that kept them would count these records twice).
DROP VIEW IF EXISTS spanhouse.llm_quality_1m_spans_evals_mv;
DROP VIEW IF EXISTS spanhouse.llm_quality_1m_spans_outcomes_mv;
CREATE MATERIALIZED VIEW IF NOT EXISTS spanhouse.llm_quality_1m_spans_records_mv TO spanhouse.llm_quality_1m AS
SELECT
    s.minute AS minute,
    s.tenant_id AS tenant_id,
    s.team_id AS team_id,
    s.feature AS feature,
    s.model AS model,
    s.prompt_template AS prompt_template,
    s.prompt_version AS prompt_version,
    s.provider AS provider,
    s.experiment_id AS experiment_id,
    r.metric AS metric,
    r.event AS event,
    countIf(r.is_eval) AS evals,
    sumIf(1 / r.sample_rate, r.is_eval) AS evals_weighted,
    count(r.score) AS scored,
    sumIf(1 / r.sample_rate, r.score IS NOT NULL) AS score_weight,
    sum(ifNull(r.score, 0) / r.sample_rate) AS score_wsum,
    quantilesBFloat16State(0.5, 0.9, 0.99)(r.score) AS score_q,
    countIf(r.label != '') AS labeled,
    countIf(lower(r.label) IN ('pass', 'passed', 'true', 'yes', 'relevant', 'correct', 'good', 'grounded', 'thumbs_up', 'positive', '1')) AS passed,
    sumIf(1 / r.sample_rate, r.label != '') AS label_weight,
    sumIf(1 / r.sample_rate, lower(r.label) IN ('pass', 'passed', 'true', 'yes', 'relevant', 'correct', 'good', 'grounded', 'thumbs_up', 'positive', '1')) AS pass_weight,
    countIf(NOT r.is_eval) AS outcomes,
    sum(r.value) AS outcome_value
FROM (
    SELECT trace_id, span_id, timestamp AS span_ts, toStartOfMinute(timestamp) AS minute, tenant_id, team_id, feature, model, prompt_template, prompt_version, provider, experiment_id
    FROM spanhouse.llm_spans
    WHERE 1
    UNION ALL
    SELECT trace_id, '' AS span_id, min(timestamp) AS span_ts, toStartOfMinute(min(timestamp)) AS minute, argMin(tenant_id, timestamp) AS tenant_id, argMin(team_id, timestamp) AS team_id, argMin(feature, timestamp) AS feature, argMin(model, timestamp) AS model, argMin(prompt_template, timestamp) AS prompt_template, argMin(prompt_version, timestamp) AS prompt_version, argMin(provider, timestamp) AS provider, argMin(experiment_id, timestamp) AS experiment_id
    FROM spanhouse.llm_spans
    WHERE trace_id NOT IN (SELECT trace_id FROM spanhouse.llm_span_index WHERE trace_id IN (SELECT trace_id FROM spanhouse.llm_spans) AND (trace_id, span_id) NOT IN (SELECT trace_id, span_id FROM spanhouse.llm_spans))
    GROUP BY trace_id
) AS s
ALL INNER JOIN
(
    SELECT trace_id, span_id, timestamp, 1 AS is_eval, metric, '' AS event, score, label, sample_rate, toDecimal128(0, 9) AS value
    FROM spanhouse.llm_evals_committed
    WHERE trace_id IN (SELECT trace_id FROM spanhouse.llm_spans)
      AND timestamp >= (SELECT min(timestamp) FROM spanhouse.llm_spans) - INTERVAL 1 HOUR
    UNION ALL
    SELECT trace_id, span_id, timestamp, 0 AS is_eval, '' AS metric, event, CAST(NULL, 'Nullable(Float64)') AS score, '' AS label, 1 AS sample_rate, toDecimal128(value, 9) AS value
    FROM spanhouse.llm_outcomes_committed
    WHERE trace_id IN (SELECT trace_id FROM spanhouse.llm_spans)
      AND timestamp >= (SELECT min(timestamp) FROM spanhouse.llm_spans) - INTERVAL 1 HOUR
) AS r ON s.trace_id = r.trace_id AND s.span_id = r.span_id
WHERE r.timestamp >= s.span_ts - INTERVAL 1 HOUR AND r.timestamp <= s.span_ts + INTERVAL 7 DAY
GROUP BY minute, tenant_id, team_id, feature, model, prompt_template, prompt_version, provider, metric, event, experiment_id;
