-- The runner's expected-error hints work and the schema refuses what it should (by error code):
-- an unknown column of a view is 47 (UNKNOWN_IDENTIFIER); inserting into a plain view is 48
-- (NOT_IMPLEMENTED); a statement after an expected error still runs.
SELECT no_such_column FROM spanhouse.v_slow_requests; -- { serverError 47 }
INSERT INTO spanhouse.v_slow_requests SELECT * FROM spanhouse.v_slow_requests; -- { serverError 48 }
SELECT 'still running after expected errors';
