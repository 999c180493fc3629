/* sink_chdb: the embedded sink — the same RowBinary bytes as the HTTP sink, inserted into the
 * in-process ClickHouse engine (libchdb, ingest/chdb.h) for the demo and the dedup tests.
 * It does not own or open the engine: libchdb allows one connection per process, so the
 * caller opens it once and lends it. Errors are classified by the "Code: N." in the message
 * with the same table as the HTTP sink (sink.c). */
#ifndef SPANHOUSE_SINK_CHDB_H
#define SPANHOUSE_SINK_CHDB_H

#include <stddef.h>

#include "chdb.h"
#include "sink.h"

/* db is borrowed: it must outlive the sink, and only the sink's caller thread may use it
 * while a sink call runs. database (may be NULL) prefixes bare table names in sink_insert.
 * Returns NULL with errstr filled on failure. */
sink_t *sink_chdb_new(chdb_t *db, const char *database, char *errstr, size_t errstr_size);

#endif
