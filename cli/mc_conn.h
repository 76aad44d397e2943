/*
 * mc_conn.h — how medel reaches the ledger: embedded or through medeld.
 *
 * A connection answers API requests (method, path, query, body) with an
 * HTTP status and the body bytes, whichever way it reaches the ledger:
 *
 *   embedded (--db DIR, mc_embed.c): opens the LMDB directory itself,
 *     WITHOUT ML_OPEN_EXCLUSIVE, so a directory a running medeld holds is
 *     refused with ML_E_LOCKED and a message saying to use the daemon. A
 *     request is an ma_request handed to ma_api_handle with
 *     ma_append_direct, the daemon's own router: the answer is the one
 *     medeld would have sent, byte for byte. The routes the router leaves
 *     to its host (GET /v1/export, GET /v1/backup) are served here the way
 *     medeld serves them: the same parameter parsing (ma_params_parse),
 *     the same ledger calls (ml_export_*, ml_store_copy_fd), the same
 *     error documents. A long-poll (GET /v1/events?wait=S) that finds
 *     nothing new is asked again every MC_EMBED_POLL_MS until S is up,
 *     since no daemon is there to wake it.
 *
 *   through medeld (mc_http.c): libcurl over the Unix socket
 *     (CURLOPT_UNIX_SOCKET_PATH; libevent 2.1's client cannot connect to
 *     one) or to a URL with a bearer token. One curl handle per run, so
 *     the pages of `log` and a `--follow` reuse one connection. Streams
 *     (export, backup) go straight from curl's write callback to their
 *     file descriptor, never held whole in memory.
 *
 * Which one (CLI.md, first match wins): --db DIR, --url URL (token from
 * --token or MEDEL_TOKEN), --socket PATH, MEDEL_URL, MEDEL_SOCKET, then
 * ./medel-data/medeld.sock.
 *
 * An https:// URL is verified always (the certificate chain and the host
 * name, curl's checks): against the system's CA certificates, or against
 * the PEM file of --cacert FILE or MEDEL_CACERT instead (for a medeld
 * whose certificate a private CA signed, or a self-signed one). There is no way
 * to turn verification off.
 *
 * Failure to reach the ledger at all (no socket, connection refused, a
 * locked or foreign directory) is an answer too: status 0 (transport) or
 * the ledger's 5xx, with an API-shaped error document in the body, so a
 * command reports every failure the same way (mc_report).
 */
#ifndef MC_CONN_H
#define MC_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ma_api.h"
#include "ml_buf.h"
#include "ml_event.h"

#include "mc_limits.h"
#include "mc_progress.h"

enum mc_via {
	MC_VIA_EMBEDDED, /* --db DIR */
	MC_VIA_URL,      /* --url / MEDEL_URL */
	MC_VIA_SOCKET    /* --socket / MEDEL_SOCKET / the default socket */
};

struct mc_target {
	enum mc_via via;
	const char *db;          /* --db DIR */
	const char *url;         /* base URL, e.g. http://host:8080 */
	const char *token;       /* bearer token for a URL, or NULL */
	const char *socket;      /* Unix socket path */
	const char *cacert;      /* CA certificates (PEM) for https, or NULL */
	const char *cacert_from; /* "--cacert" or "MEDEL_CACERT" */
	const char *from;        /* what chose it, for messages: "--socket",
	                       "MEDEL_SOCKET", "the default socket", … */
	/* --db: the command seeks a few records (balance, trace):
	 * ML_OPEN_POINT_READS */
	bool point_reads;
	/* --db: ml_open_opts.trace_prefetch (trace: from
	 * MEDEL_TRACE_PREFETCH; every other command ML_PREFETCH_OFF) */
	int trace_prefetch;
};

/* Applies CLI.md's order to what the command line gave (NULL = not
 * given) and the environment; cacert from --cacert or MEDEL_CACERT. */
void mc_target_choose(struct mc_target *t, const char *db, const char *url,
                      const char *token, const char *socket,
                      const char *cacert);

/* An answer. body holds the document (or, for a stream whose status was
 * 200, nothing: the bytes went to the call's out_fd). */
struct mc_reply {
	int status;         /* HTTP status; 0: the ledger was not reached */
	struct ml_buf body; /* ceiling given to mc_reply_init */
	uint64_t streamed_bytes; /* bytes written to out_fd */
};

void mc_reply_init(struct mc_reply *r, size_t body_bytes_max);
void mc_reply_free(struct mc_reply *r);
/* Makes r an error answer of our own: status, {"error":{code,message}}. */
void mc_reply_error(struct mc_reply *r, int status, const char *code,
                    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* One request. */
struct mc_call {
	const char *method; /* "GET" or "POST" */
	const char *path;   /* "/v1/balances" */
	const char *query;  /* built with mc_query, or NULL */
	const char *body;   /* POST body, or NULL */
	size_t body_bytes;
	bool slow;      /* no total time limit (verify, a long-poll) */
	bool long_poll; /* GET /v1/events with wait: hold until new */
	int out_fd;     /* ≥ 0: a 200 answer's body is streamed here */
	struct mc_progress *progress; /* or NULL */
	/* GET /v1/events: embedded, each event of the page goes to
	 * on_event straight from its stored record and the body's events
	 * array is empty (ma_request.on_event); through medeld the events
	 * are in the body as always. The caller handles both. */
	ml_event_fn on_event;
	void *on_event_arg;
	/* POST /v1/events: embedded, each event of a stored or checked
	 * batch goes to on_appended with the ledger's result and the
	 * body's events array is empty (ma_request.on_appended); through
	 * medeld the events are in the body. The caller handles both. */
	ma_appended_fn on_appended;
	void *on_appended_arg;
};

struct mc_conn;

/* Opens the connection to t. Embedded: opens the ledger (creating it
 * only when may_create). On failure returns -1 with *failure set to the
 * error answer (status 0 or the ledger's), or -2 when t itself is wrong
 * (a URL or token that cannot be used: a usage error). */
int mc_conn_open(const struct mc_target *t, bool may_create,
                 struct mc_conn **out, struct mc_reply *failure);

/* Sends call and fills *r (status and body, or the stream's bytes).
 * Returns 0 when an answer came (any status), -1 when the ledger could
 * not be reached (r->status 0 and an error document in r->body). */
int mc_conn_call(struct mc_conn *c, const struct mc_call *call,
                 struct mc_reply *r);

/* Closes it. NULL is fine. */
void mc_conn_close(struct mc_conn *c);

/* The two ways, behind mc_conn_* (mc_embed.c, mc_http.c). */
struct mc_embed;
int mc_embed_open(const struct mc_target *t, bool may_create,
                  struct mc_embed **out, struct mc_reply *failure);
int mc_embed_call(struct mc_embed *e, const struct mc_call *call,
                  struct mc_reply *r);
void mc_embed_close(struct mc_embed *e);

struct mc_http;
int mc_http_open(const struct mc_target *t, struct mc_http **out,
                 struct mc_reply *failure);
int mc_http_call(struct mc_http *h, const struct mc_call *call,
                 struct mc_reply *r);
void mc_http_close(struct mc_http *h);

/* --- query strings -------------------------------------------------------- */

/* A query string being built: name=value pairs, values percent-encoded
 * (everything but RFC 3986's unreserved characters). */
struct mc_query {
	char text[MA_QUERY_BYTES_MAX];
	size_t len;
	bool overflow; /* longer than MA_QUERY_BYTES_MAX − 1: refuse it */
};

void mc_query_init(struct mc_query *q);
/* Adds name=value; value NULL adds nothing. */
void mc_query_add(struct mc_query *q, const char *name, const char *value);

#endif /* MC_CONN_H */
