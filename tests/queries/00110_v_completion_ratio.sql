-- v_completion_ratio. Recent = 2 hours ago, baseline = 3 days ago.
--   chat/t1: recent 2 calls input 1500, output 300 (one truncated, finish_reason length);
--            baseline 2 calls input 1000, output 300
--     -> avg in 1500, out 300, ratio 0.2, truncated 50%, baseline 2 calls avg in 1000,
--        growth +50% with output not growing -> prompt_bloat 1
--   search/t2: recent input 100 output 100; baseline input 100 output 50 -> ratio 1, growth 0, bloat 0
--   new/t3: recent only, input 10 output 5 -> ratio 0.5, no baseline: NULLs, bloat 0
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, feature, prompt_template, model, status, input_tokens, output_tokens, finish_reason) VALUES
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'chat', 't1', 'm', 'ok', 1500, 300, 'stop'),
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'chat', 't1', 'm', 'ok', 1500, 300, 'length'),
    (toStartOfHour(now()) - INTERVAL 3 DAY, 'chat', 't1', 'm', 'ok', 1000, 300, 'stop'),
    (toStartOfHour(now()) - INTERVAL 3 DAY, 'chat', 't1', 'm', 'ok', 1000, 300, 'stop'),
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'search', 't2', 'm', 'ok', 100, 100, 'stop'),
    (toStartOfHour(now()) - INTERVAL 3 DAY, 'search', 't2', 'm', 'ok', 100, 50, 'stop'),
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'new', 't3', 'm', 'ok', 10, 5, 'stop');
SELECT * FROM spanhouse.v_completion_ratio;
