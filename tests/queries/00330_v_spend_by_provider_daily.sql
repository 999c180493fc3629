-- v_spend_by_provider_daily. Today: openai 0.3 (2 calls), anthropic 0.1 -> 75 % / 25 % of the
-- day's 0.4. Two days ago: openai 0.2 alone -> 100 %. 40 days ago: outside the 30 days.
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, provider, model, status, input_tokens, output_tokens, cost_usd)
    VALUES (now(), 'openai', 'm', 'ok', 10, 1, 0.1), (now(), 'openai', 'm', 'ok', 20, 2, 0.2),
           (now(), 'anthropic', 'c', 'ok', 30, 3, 0.1), (toDateTime(today() - 2) + 3600, 'openai', 'm', 'ok', 5, 5, 0.2),
           (toDateTime(today() - 40) + 3600, 'openai', 'm', 'ok', 5, 5, 9);
SELECT today() - day AS days_ago, * EXCEPT day FROM spanhouse.v_spend_by_provider_daily;
