-- cluster/001_database.sql: the ClickHouse-cluster variant of schema/001_database.sql (read that file for the meaning).
-- Replicated tables named <table>_local on every node (ON CLUSTER '{cluster}'), and a
-- Distributed table under the single-node name, so the worker, the views and analysts use
-- the same names. Macros {cluster}, {shard}, {replica} come from the server config.
CREATE DATABASE IF NOT EXISTS spanhouse ON CLUSTER '{cluster}';
