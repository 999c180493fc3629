-- 001_database: the spanhouse database.
-- Every object lives in `spanhouse`. To use another name, `spanhouse schema apply --database X`
-- rewrites the bare identifier `spanhouse` (outside quotes and comments) in every statement;
-- by hand: sed 's/\bspanhouse\./X./g; s/EXISTS spanhouse\b/EXISTS X/'.
-- Minimum ClickHouse version: 24.3 (tested on 26.5 through libchdb).
CREATE DATABASE IF NOT EXISTS spanhouse;
