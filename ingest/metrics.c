/* metrics: registry + libmicrohttpd endpoint (see metrics.h). Series are kept in one
 * open-addressing hash table keyed by name and labels, grouped into families for rendering;
 * families render in the order they were first seen. */
#include "metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "err.h"

enum { METRICS_COUNTER = 1, METRICS_GAUGE, METRICS_HISTOGRAM };

typedef struct metrics_series_s {
    char *labels; /* "" when none */
    uint64_t counter;
    double gauge;
    uint64_t *buckets; /* histogram: per-bucket (non-cumulative) counts, nb + 1 (+Inf) */
    double sum;
    uint64_t count;
    struct metrics_series_s *next; /* in its family */
} metrics_series_t;

typedef struct metrics_family_s {
    char *name;
    char *help; /* NULL until described */
    int type;
    const double *bounds;
    size_t nb;
    metrics_series_t *head, *tail;
    struct metrics_family_s *next;
} metrics_family_t;

typedef struct metrics_slot_s {
    metrics_family_t *fam;
    metrics_series_t *ser;
    uint64_t hash;
} metrics_slot_t;

struct metrics_s {
    pthread_mutex_t lock;
    metrics_family_t *fams, *fams_tail;
    metrics_slot_t *slots;
    size_t nslots, nused;
    struct MHD_Daemon *httpd;
    atomic_int ready;
    char *auth_user, *auth_pass; /* owned; NULL = /metrics is open */
};

static const double metrics_b_seconds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                           0.5,   1,      2.5,   5,    10,    30,   60};
static const double metrics_b_rows[] = {1,     10,    100,    1000,   5000,
                                        10000, 50000, 100000, 500000, 1000000};
static const double metrics_b_bytes[] = {1024,    4096,    16384,    65536,    262144,
                                         1048576, 4194304, 16777216, 67108864, 268435456};
static const double metrics_b_default[] = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

static int metrics_ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

static void metrics_pick_buckets(metrics_family_t *f) {
#define METRICS_B_(arr) (f->bounds = arr, f->nb = sizeof(arr) / sizeof(arr[0]))
    if (metrics_ends_with(f->name, "_seconds"))
        METRICS_B_(metrics_b_seconds);
    else if (metrics_ends_with(f->name, "_rows"))
        METRICS_B_(metrics_b_rows);
    else if (metrics_ends_with(f->name, "_bytes"))
        METRICS_B_(metrics_b_bytes);
    else
        METRICS_B_(metrics_b_default);
#undef METRICS_B_
}

static uint64_t metrics_hash(const char *name, const char *labels) {
    uint64_t h = 1469598103934665603ull;
    for (const char *p = name; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;
    for (const char *p = labels; *p; p++)
        h = (h ^ (uint8_t)*p) * 1099511628211ull;
    return h;
}

static metrics_family_t *metrics_family(metrics_t *m, const char *name, int type) {
    for (metrics_family_t *f = m->fams; f; f = f->next)
        if (!strcmp(f->name, name)) return f;
    metrics_family_t *f = calloc(1, sizeof(*f));
    if (!f || !(f->name = strdup(name))) {
        free(f);
        return NULL;
    }
    f->type = type;
    metrics_pick_buckets(f);
    if (m->fams_tail)
        m->fams_tail->next = f;
    else
        m->fams = f;
    m->fams_tail = f;
    return f;
}

static int metrics_grow(metrics_t *m) {
    size_t n = m->nslots ? m->nslots * 2 : 64;
    metrics_slot_t *s = calloc(n, sizeof(*s));
    if (!s) return -1;
    for (size_t i = 0; i < m->nslots; i++) {
        if (!m->slots[i].ser) continue;
        size_t j = m->slots[i].hash & (n - 1);
        while (s[j].ser)
            j = (j + 1) & (n - 1);
        s[j] = m->slots[i];
    }
    free(m->slots);
    m->slots = s;
    m->nslots = n;
    return 0;
}

/* Finds or creates the series; NULL on a type clash or out of memory. Lock held. */
static metrics_series_t *metrics_series(metrics_t *m, const char *name, const char *labels,
                                        int type) {
    if (!labels) labels = "";
    uint64_t h = metrics_hash(name, labels);
    if (m->nslots) {
        for (size_t j = h & (m->nslots - 1); m->slots[j].ser; j = (j + 1) & (m->nslots - 1)) {
            metrics_slot_t *s = &m->slots[j];
            if (s->hash == h && !strcmp(s->fam->name, name) && !strcmp(s->ser->labels, labels))
                return s->fam->type == type ? s->ser : NULL;
        }
    }
    if ((m->nused + 1) * 2 > m->nslots && metrics_grow(m) != 0) return NULL;
    metrics_family_t *f = metrics_family(m, name, type);
    if (!f || f->type != type) return NULL;
    metrics_series_t *s = calloc(1, sizeof(*s));
    if (!s) return NULL;
    s->labels = strdup(labels);
    if (type == METRICS_HISTOGRAM) s->buckets = calloc(f->nb + 1, sizeof(uint64_t));
    if (!s->labels || (type == METRICS_HISTOGRAM && !s->buckets)) {
        free(s->labels);
        free(s->buckets);
        free(s);
        return NULL;
    }
    if (f->tail)
        f->tail->next = s;
    else
        f->head = s;
    f->tail = s;
    size_t j = h & (m->nslots - 1);
    while (m->slots[j].ser)
        j = (j + 1) & (m->nslots - 1);
    m->slots[j] = (metrics_slot_t){f, s, h};
    m->nused++;
    return s;
}

void metrics_counter_add(metrics_t *m, const char *name, const char *labels, uint64_t v) {
    pthread_mutex_lock(&m->lock);
    metrics_series_t *s = metrics_series(m, name, labels, METRICS_COUNTER);
    if (s) s->counter += v;
    pthread_mutex_unlock(&m->lock);
}

void metrics_gauge_set(metrics_t *m, const char *name, const char *labels, double v) {
    pthread_mutex_lock(&m->lock);
    metrics_series_t *s = metrics_series(m, name, labels, METRICS_GAUGE);
    if (s) s->gauge = v;
    pthread_mutex_unlock(&m->lock);
}

void metrics_histogram_observe(metrics_t *m, const char *name, const char *labels, double v) {
    pthread_mutex_lock(&m->lock);
    metrics_series_t *s = metrics_series(m, name, labels, METRICS_HISTOGRAM);
    if (s) {
        metrics_family_t *f = m->fams;
        while (strcmp(f->name, name))
            f = f->next; /* exists: the series was found in it */
        size_t i = 0;
        while (i < f->nb && v > f->bounds[i])
            i++;
        s->buckets[i]++;
        s->sum += v;
        s->count++;
    }
    pthread_mutex_unlock(&m->lock);
}

void metrics_describe(metrics_t *m, const char *name, const char *type, const char *help) {
    int t = !strcmp(type, "counter")     ? METRICS_COUNTER
            : !strcmp(type, "gauge")     ? METRICS_GAUGE
            : !strcmp(type, "histogram") ? METRICS_HISTOGRAM
                                         : 0;
    if (!t) return;
    pthread_mutex_lock(&m->lock);
    metrics_family_t *f = metrics_family(m, name, t);
    if (f && f->type == t) {
        char *h = strdup(help ? help : "");
        if (h) {
            free(f->help);
            f->help = h;
        }
    }
    pthread_mutex_unlock(&m->lock);
}

static void metrics_put(buf_t *out, const char *s) { buf_append(out, s, strlen(s)); }

static void metrics_put_help(buf_t *out, const char *help) {
    for (const char *p = help; *p; p++) { /* HELP escapes only \ and newline */
        if (*p == '\\')
            metrics_put(out, "\\\\");
        else if (*p == '\n')
            metrics_put(out, "\\n");
        else
            buf_put(out, p, 1);
    }
}

/* Shortest of %.15g / %.17g that reads back as v (0.0025, not 0.0025000000000000001). */
static void metrics_fmt(char *t, size_t n, double v) {
    snprintf(t, n, "%.15g", v);
    if (strtod(t, NULL) != v) snprintf(t, n, "%.17g", v);
}

static void metrics_put_num(buf_t *out, double v) {
    char t[64];
    metrics_fmt(t, sizeof(t), v);
    metrics_put(out, t);
}

static void metrics_put_sample(buf_t *out, const char *name, const char *suffix, const char *labels,
                               const char *le) {
    metrics_put(out, name);
    metrics_put(out, suffix);
    if (*labels || le) {
        buf_put(out, "{", 1);
        metrics_put(out, labels);
        if (le) {
            if (*labels) buf_put(out, ",", 1);
            metrics_put(out, "le=\"");
            metrics_put(out, le);
            buf_put(out, "\"", 1);
        }
        buf_put(out, "}", 1);
    }
    buf_put(out, " ", 1);
}

void metrics_render(metrics_t *m, buf_t *out) {
    static const char *tn[] = {"", "counter", "gauge", "histogram"};
    char t[64];
    pthread_mutex_lock(&m->lock);
    for (metrics_family_t *f = m->fams; f; f = f->next) {
        if (f->help) {
            metrics_put(out, "# HELP ");
            metrics_put(out, f->name);
            buf_put(out, " ", 1);
            metrics_put_help(out, f->help);
            buf_put(out, "\n", 1);
        }
        metrics_put(out, "# TYPE ");
        metrics_put(out, f->name);
        buf_put(out, " ", 1);
        metrics_put(out, tn[f->type]);
        buf_put(out, "\n", 1);
        for (metrics_series_t *s = f->head; s; s = s->next) {
            if (f->type == METRICS_COUNTER) {
                metrics_put_sample(out, f->name, "", s->labels, NULL);
                snprintf(t, sizeof(t), "%llu\n", (unsigned long long)s->counter);
                metrics_put(out, t);
            } else if (f->type == METRICS_GAUGE) {
                metrics_put_sample(out, f->name, "", s->labels, NULL);
                metrics_put_num(out, s->gauge);
                buf_put(out, "\n", 1);
            } else {
                uint64_t cum = 0;
                for (size_t i = 0; i <= f->nb; i++) {
                    cum += s->buckets[i];
                    if (i < f->nb) metrics_fmt(t, sizeof(t), f->bounds[i]);
                    metrics_put_sample(out, f->name, "_bucket", s->labels, i < f->nb ? t : "+Inf");
                    snprintf(t, sizeof(t), "%llu\n", (unsigned long long)cum);
                    metrics_put(out, t);
                }
                metrics_put_sample(out, f->name, "_sum", s->labels, NULL);
                metrics_put_num(out, s->sum);
                buf_put(out, "\n", 1);
                metrics_put_sample(out, f->name, "_count", s->labels, NULL);
                snprintf(t, sizeof(t), "%llu\n", (unsigned long long)s->count);
                metrics_put(out, t);
            }
        }
    }
    pthread_mutex_unlock(&m->lock);
}

static enum MHD_Result metrics_reply(struct MHD_Connection *conn, unsigned status,
                                     const char *ctype, void *data, size_t len,
                                     enum MHD_ResponseMemoryMode mode) {
    struct MHD_Response *r = MHD_create_response_from_buffer(len, data, mode);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", ctype);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Equal without an early exit: the time taken does not tell how much of a guess was right. */
static int metrics_same(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < la; i++)
        d |= (unsigned char)(a[i] ^ b[i % (lb ? lb : 1)]);
    return d == 0;
}

static int metrics_authorized(const metrics_t *m, struct MHD_Connection *conn) {
    char *pass = NULL;
    char *user = MHD_basic_auth_get_username_password(conn, &pass);
    int ok = user && pass && metrics_same(user, m->auth_user) & metrics_same(pass, m->auth_pass);
    if (user) MHD_free(user);
    if (pass) MHD_free(pass);
    return ok;
}

int metrics_set_auth(metrics_t *m, const char *user_password) {
    free(m->auth_user);
    free(m->auth_pass);
    m->auth_user = m->auth_pass = NULL;
    if (!user_password || !*user_password) return ERR_OK;
    const char *colon = strchr(user_password, ':');
    size_t ul = colon ? (size_t)(colon - user_password) : strlen(user_password);
    m->auth_user = strndup(user_password, ul);
    m->auth_pass = strdup(colon ? colon + 1 : "");
    if (!m->auth_user || !m->auth_pass) {
        free(m->auth_user);
        free(m->auth_pass);
        m->auth_user = m->auth_pass = NULL;
        return ERR_NOMEM;
    }
    return ERR_OK;
}

static enum MHD_Result metrics_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                          const char *method, const char *version,
                                          const char *upload_data, size_t *upload_data_size,
                                          void **con_cls) {
    metrics_t *m = cls;
    static const char text[] = "text/plain; charset=utf-8";
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return metrics_reply(conn, 405, text, "method not allowed\n", 19, MHD_RESPMEM_PERSISTENT);
    if (!strcmp(url, "/metrics")) {
        if (m->auth_user && !metrics_authorized(m, conn)) {
            struct MHD_Response *r = MHD_create_response_from_buffer(13, (void *)"unauthorized\n",
                                                                     MHD_RESPMEM_PERSISTENT);
            if (!r) return MHD_NO;
            enum MHD_Result ret = MHD_queue_basic_auth_fail_response(conn, "spanhouse", r);
            MHD_destroy_response(r);
            return ret;
        }
        buf_t b;
        buf_init(&b, 64u << 20);
        metrics_render(m, &b);
        if (buf_error(&b)) {
            buf_deinit(&b);
            return metrics_reply(conn, 500, text, "out of memory\n", 14, MHD_RESPMEM_PERSISTENT);
        }
        void *data = b.data ? (void *)b.data : strdup("");
        return metrics_reply(conn, 200, "text/plain; version=0.0.4; charset=utf-8", data, b.len,
                             MHD_RESPMEM_MUST_FREE);
    }
    if (!strcmp(url, "/healthz"))
        return metrics_reply(conn, 200, text, "ok\n", 3, MHD_RESPMEM_PERSISTENT);
    if (!strcmp(url, "/readyz")) {
        if (atomic_load(&m->ready))
            return metrics_reply(conn, 200, text, "ready\n", 6, MHD_RESPMEM_PERSISTENT);
        return metrics_reply(conn, 503, text, "not ready\n", 10, MHD_RESPMEM_PERSISTENT);
    }
    return metrics_reply(conn, 404, text, "not found\n", 10, MHD_RESPMEM_PERSISTENT);
}

int metrics_serve(metrics_t *m, const char *addr, int *bound_port, char *errstr,
                  size_t errstr_size) {
    if (m->httpd) {
        snprintf(errstr, errstr_size, "metrics server already running");
        return ERR_INVAL;
    }
    char host[256] = "";
    const char *colon = strrchr(addr, ':');
    const char *port_s = colon ? colon + 1 : addr;
    if (colon) {
        size_t hl = (size_t)(colon - addr);
        if (hl >= sizeof(host)) hl = sizeof(host) - 1;
        memcpy(host, addr, hl);
        host[hl] = 0;
    }
    char *end = NULL;
    long port = strtol(port_s, &end, 10);
    if (!*port_s || *end || port < 0 || port > 65535) {
        snprintf(errstr, errstr_size, "bad metrics address '%s' (want host:port or :port)", addr);
        return ERR_CONFIG;
    }
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    /* ":port" is loopback: the endpoint has no authentication, so exposing it on every
     * interface must be asked for (0.0.0.0:port or *:port). */
    if (!*host) {
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    } else if (!strcmp(host, "0.0.0.0") || !strcmp(host, "*")) {
        sa.sin_addr.s_addr = htonl(INADDR_ANY);
    } else if (inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        struct addrinfo hints, *res = NULL;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_INET;
        if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res) {
            snprintf(errstr, errstr_size, "cannot resolve metrics host '%s'", host);
            return ERR_CONFIG;
        }
        sa.sin_addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
        freeaddrinfo(res);
    }
    m->httpd = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL,
                                metrics_on_request, m, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)10, MHD_OPTION_END);
    if (!m->httpd) {
        snprintf(errstr, errstr_size, "cannot listen on %s (port in use or no permission)", addr);
        return ERR_IO;
    }
    if (bound_port) {
        const union MHD_DaemonInfo *di = MHD_get_daemon_info(m->httpd, MHD_DAEMON_INFO_BIND_PORT);
        *bound_port = di ? (int)di->port : (int)port;
    }
    return ERR_OK;
}

void metrics_set_ready(metrics_t *m, int ready) { atomic_store(&m->ready, ready ? 1 : 0); }

metrics_t *metrics_new(char *errstr, size_t errstr_size) {
    metrics_t *m = calloc(1, sizeof(*m));
    if (!m) {
        snprintf(errstr, errstr_size, "out of memory");
        return NULL;
    }
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        snprintf(errstr, errstr_size, "pthread_mutex_init failed");
        return NULL;
    }
    atomic_init(&m->ready, 0);
    return m;
}

void metrics_destroy(metrics_t *m) {
    if (!m) return;
    if (m->httpd) MHD_stop_daemon(m->httpd);
    free(m->auth_user);
    free(m->auth_pass);
    metrics_family_t *f = m->fams;
    while (f) {
        metrics_series_t *s = f->head;
        while (s) {
            metrics_series_t *n = s->next;
            free(s->labels);
            free(s->buckets);
            free(s);
            s = n;
        }
        metrics_family_t *n = f->next;
        free(f->name);
        free(f->help);
        free(f);
        f = n;
    }
    free(m->slots);
    pthread_mutex_destroy(&m->lock);
    free(m);
}
