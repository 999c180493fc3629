/* sink_http: the ClickHouse HTTP sink (libcurl). One easy handle per sink, kept alive so the
 * TCP (and TLS) connection is reused across inserts; request bodies optionally compressed
 * (gzip works on every server incl. 18.16; zstd/lz4 need a modern server).
 * It sends bytes and classifies answers; it does not retry, batch or split: the worker does. */
#ifndef SPANHOUSE_SINK_HTTP_H
#define SPANHOUSE_SINK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <signal.h>

#include "sink.h"

typedef struct sink_http_conf_s {
    const char *url;         /* "http://host:8123" (a trailing / or ?params are kept) */
    const char *database;    /* sent as ?database=; NULL = server default */
    const char *user;        /* NULL = "default"; sent with HTTP basic auth */
    const char *password;    /* NULL = empty */
    long connect_timeout_ms; /* 0 → 5000 */
    long timeout_ms;         /* whole request; 0 → 60000 */
    const char *compression; /* none|gzip|zstd|lz4 (NULL = none); zstd/lz4 need ClickHouse >= 20 */
    int tls_verify;          /* 1 verify peer and host (https only) */
    const char *ca_file;     /* NULL = system bundle */
    const char *ca_dir;      /* directory of hashed CA certificates; NULL = none */
    const char *cert_file;   /* client certificate (PEM); NULL = none */
    const char *key_file;    /* its private key (PEM); NULL = none */
    const char *connect_to;  /* "host[:port]": connect there instead of the URL's host, whose
                                name TLS still verifies and sends as SNI; NULL = the URL's */
    int legacy;              /* 0 modern, 1 server without dedup-token settings (18.16),
                                -1 probe SELECT version() before the first token insert */
    /* May be NULL. Borrowed, must outlive the sink: once *cancel is non-zero a request in
     * flight is abandoned within about a second (ERR_NETWORK, "cancelled"): how a stopping
     * worker bounds its shutdown whatever the server does. */
    const volatile sig_atomic_t *cancel;
} sink_http_conf_t;

/* Copies every string of c. Does not connect (the first request does).
 * Returns NULL with errstr filled on a bad value (unknown compression, missing url). */
sink_t *sink_http_new(const sink_http_conf_t *c, char *errstr, size_t errstr_size);

typedef struct sink_http_stats_s {
    uint64_t requests;   /* HTTP requests sent (inserts, execs, probes) */
    uint64_t connects;   /* new TCP connections opened: requests - connects = reuses */
    uint64_t bytes_raw;  /* RowBinary bytes handed to sink_insert */
    uint64_t bytes_sent; /* request body bytes after compression */
} sink_http_stats_t;

/* Counters since sink_http_new. sk must be an HTTP sink (sink_kind() == "http"). */
void sink_http_stats(const sink_t *sk, sink_http_stats_t *st);

/* 1 when the server is known to lack insert_deduplication_token (legacy), 0 when modern,
 * -1 while still unknown (not probed yet). */
int sink_http_legacy(const sink_t *sk);

#endif
