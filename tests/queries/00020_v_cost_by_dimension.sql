-- v_cost_by_dimension. Fixture, 2 hours ago (total 5.0 USD in the window):
--   team a / chat / /chat / gpt-4o      / user u1: 3.0
--   team a / chat / /chat / gpt-4o-mini / user u2: 1.0
--   team b / search / /search / gpt-4o-mini / user u2: 0.5 + 0.5
--   8 days ago team c / old / /old / m-old / user u9: 100 -> outside the 7-day window
-- Expected: team a 4.0 (80%) b 1.0 (20%); feature chat 4.0 / search 1.0; endpoint same;
-- model gpt-4o 3.0 (60%, 1 req), gpt-4o-mini 2.0 (40%, 3 req); user u1 3.0 (60%), u2 2.0 (40%, 3 req).
SET insert_deduplicate = 0;
INSERT INTO spanhouse.llm_spans (timestamp, team_id, feature, endpoint, model, user_id, status, cost_usd) VALUES
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'a', 'chat', '/chat', 'gpt-4o', 'u1', 'ok', 3.0),
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'a', 'chat', '/chat', 'gpt-4o-mini', 'u2', 'ok', 1.0),
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'b', 'search', '/search', 'gpt-4o-mini', 'u2', 'ok', 0.5),
    (toStartOfHour(now()) - INTERVAL 2 HOUR, 'b', 'search', '/search', 'gpt-4o-mini', 'u2', 'ok', 0.5),
    (toStartOfHour(now()) - INTERVAL 8 DAY, 'c', 'old', '/old', 'm-old', 'u9', 'ok', 100);
SELECT * FROM spanhouse.v_cost_by_dimension;
