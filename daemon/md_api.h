/*
 * md_api.h — the request router that medeld and medel's embedded mode share.
 *
 * API.md is implemented once, here: given a request (method, path, raw
 * query string, body bytes and who is asking), md_api_handle produces the
 * HTTP status and the exact JSON body for every endpoint that answers with
 * one document. medeld feeds it requests from evhttp; medel --db feeds it
 * the requests its commands would have sent, so the embedded CLI and the
 * daemon cannot disagree on a shape, a status or an error code.
 *
 * What the router does NOT do, because it depends on who embeds it:
 *
 *   - transport, authentication (401) and X-Request-Id: the caller has
 *     already decided who is asking (struct md_caller) before it calls;
 *     the router checks only that the caller's role allows the route
 *     (403 forbidden);
 *   - streaming endpoints (GET /v1/backup, GET /v1/export) and /metrics:
 *     md_api_route classifies them (md_route_info()->router is false) so
 *     the caller can serve them its own way;
 *   - waiting: GET /v1/events?wait=S that finds nothing new returns
 *     MD_API_WAIT instead of an answer when the caller said it can hold a
 *     request (md_request.may_wait), and the caller asks again later;
 *   - writing: POST /v1/events is parsed, checked and turned into an
 *     md_append, which is handed to the caller's append function (below).
 *
 * Threads: md_api_handle may be called from any number of threads at once
 * (reads use their own LMDB read transaction, ml_ledger_read_begin, and
 * never wait for a writer). The append function runs on the thread that
 * called md_api_handle.
 *
 * ---------------------------------------------------------------------
 * The append interface (how a POST becomes stored events)
 * ---------------------------------------------------------------------
 *
 * For POST /v1/events the router decodes the body (ml_json_parse_batch),
 * checks roles (write; admin for a batch holding a `close` event) and the
 * query (dry_run, expected_head), fills a struct md_append and calls
 *
 *     enum md_append_status fn(void *arg, struct md_append *a);
 *
 * the function given to md_api_init. The function must store a->events
 * [0..a->count) as ONE atomic batch with a->opts (ml_ledger_append or
 * ml_ledger_append_batch), then set a->rc (0 or an ML_E_* code), a->err
 * when rc != 0, a->results (filled by the ledger) and a->head (the log's
 * head after the commit). Two ways to do it:
 *
 *   synchronously (medel --db): store it, set the outcome, return
 *   MD_APPEND_DONE. md_api_handle then builds the answer into *resp,
 *   frees `a` and returns MD_API_DONE. md_append_direct below is exactly
 *   this and is what the CLI should pass:
 *
 *       struct md_api api;
 *       md_api_init(&api, lg, md_append_direct, lg);
 *       md_response_init(&resp);
 *       struct md_request req = {.method = "POST", .path = "/v1/events",
 *           .query = "dry_run=1", .body = buf, .body_bytes = len,
 *           .caller = {.name = os_user, .role = MD_ROLE_ADMIN}};
 *       md_api_handle(&api, &req, &resp);   → MD_API_DONE
 *       … print resp.body.data (JSON), look at resp.status …
 *       md_response_free(&resp);
 *
 *   asynchronously (medeld's group commit): queue `a`, return
 *   MD_APPEND_QUEUED. md_api_handle returns MD_API_PENDING and leaves
 *   *resp empty; `a` now belongs to the caller, who, once the outcome is
 *   set (after the commit returned), calls md_api_append_answer(a, resp)
 *   on any one thread: that builds the answer and frees `a`. a->user is
 *   md_request.user, for the caller to find its request again; a->next is
 *   free for the caller's queue.
 *
 * Whatever the function does, the client gets 201 only because a->rc is 0
 * and a->results say stored: the function must not set rc = 0 before its
 * commit returned.
 *
 * Answers (API.md "Shapes"): 201 {"events":[{"seq","id"?,"recorded_at",
 * "hash","duplicate"}],"head":{"seq","hash"}} when anything new was
 * stored, 200 with the same shape when every event was an identical
 * re-send; with dry_run=1, 200 and "dry_run":true, the seqs and hashes the
 * events would have had, and the unchanged head. Errors are
 * {"error":{"code","message","index"?,"field"?}} with ml_error_status().
 */
#ifndef MD_API_H
#define MD_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_buf.h"
#include "ml_error.h"
#include "ml_event.h"
#include "ml_ledger.h"

#include "md_limits.h"

/* What a caller may do (API.md "Listening and access"). Ordered: a role
 * may do everything a lower one may. */
enum md_role {
	MD_ROLE_NONE = 0, /* not authenticated: every route answers 401 */
	MD_ROLE_READ,     /* every GET */
	MD_ROLE_WRITE,    /* also POST /v1/events */
	MD_ROLE_ADMIN     /* also close events and GET /v1/backup */
};

/* Every endpoint of API.md, for dispatch, metrics and logs. */
enum md_route {
	MD_ROUTE_NONE, /* no such path (404) */
	MD_ROUTE_HEALTHZ,
	MD_ROUTE_METRICS,
	MD_ROUTE_APPEND, /* POST /v1/events */
	MD_ROUTE_EVENTS, /* GET /v1/events */
	MD_ROUTE_EVENT,  /* GET /v1/events/{seq} */
	MD_ROUTE_PARTIES,
	MD_ROUTE_GRANTS,
	MD_ROUTE_BALANCES,
	MD_ROUTE_TRACE,
	MD_ROUTE_REPAYMENTS,
	MD_ROUTE_DEADLINES,
	MD_ROUTE_VERIFY,
	MD_ROUTE_EXPORT,
	MD_ROUTE_BACKUP,
	MD_ROUTE_COUNT
};

struct md_route_info {
	const char *name;   /* short name for metrics and logs: "balances" */
	const char *method; /* "GET" or "POST" */
	const char *path;   /* "/v1/balances"; "/v1/events/" + seq for EVENT */
	uint32_t params;    /* MD_PBIT mask of allowed query parameters */
	enum md_role role;  /* the least role that may use it */
	bool router;        /* md_api_handle answers it */
	bool slow;          /* may take seconds: keep it off an event loop */
};

/* The table row of r (MD_ROUTE_NONE has name "none"). Never NULL. */
const struct md_route_info *md_route_info(enum md_route r);

/* Classifies a request. Returns the route whose path matches, or
 * MD_ROUTE_NONE; *method_ok says whether method is the route's (false →
 * 405). For /v1/events/{seq}, *seq_out gets the seq (a path whose seq is
 * not a decimal number 1 ..= 2^64-1 is MD_ROUTE_NONE). The path is
 * compared as sent, without percent-decoding. */
enum md_route md_api_route(const char *method, const char *path,
                           bool *method_ok, uint64_t *seq_out);

/* Who is asking. name is recorded as recorded_by on appended events (the
 * token's name over TCP, the peer's user over the socket, the OS user in
 * embedded mode); at most ML_RECORDED_BY_MAX bytes. */
struct md_caller {
	const char *name;
	enum md_role role;
};

struct md_request {
	const char *method; /* "GET", "POST", … */
	const char *path;   /* without the query: "/v1/events/7" */
	const char *query;  /* raw, after '?'; NULL or "" = none */
	const char *body;   /* POST body; need not be NUL-terminated */
	size_t body_bytes;  /* ≤ MD_BODY_BYTES_MAX */
	struct md_caller caller;
	bool may_wait; /* the caller can hold a long-poll (MD_API_WAIT) */
	void *user;    /* copied to md_append.user */
};

struct md_response {
	int status;          /* HTTP status; 0 until answered */
	enum md_route route; /* what was asked (MD_ROUTE_NONE if unknown) */
	const char *content_type; /* static string */
	const char *allow;        /* for 405: the allowed method; else NULL */
	uint32_t wait_s;          /* MD_API_WAIT: seconds it may be held */
	struct ml_buf body; /* the document; ceiling MD_ANSWER_BYTES_MAX */
};

/* Prepares an empty response (status 0, empty body). */
void md_response_init(struct md_response *r);
/* Frees the body; r is empty and may be used again. NULL is fine. */
void md_response_free(struct md_response *r);
/* Replaces r's body with the error document for code (status and wire
 * name from ml_error_status / ml_error_name). index < 0 and field NULL or
 * "" are left out. */
void md_response_error(struct md_response *r, int code, int32_t index,
                       const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The same from a filled ml_errinfo (its message, or ml_strerror). */
void md_response_errinfo(struct md_response *r, int code,
                         const struct ml_errinfo *err);

/* One POST's batch on its way to the ledger. See the file comment. */
struct md_append {
	/* set by the router */
	struct ml_event *events;          /* count decoded events */
	size_t count;                     /* 1 ..= ML_BATCH_EVENTS_MAX */
	struct ml_append_opts opts;       /* recorded_by, dry_run, head check */
	struct ml_append_result *results; /* count slots, for the ledger */
	void *user;                       /* md_request.user */
	struct md_append *next;           /* free for the caller's queue */
	/* set by the append function */
	int rc;                  /* 0 or ML_E_*: the batch's outcome */
	struct ml_errinfo err;   /* when rc != 0 */
	struct ml_log_head head; /* the log's head after the commit */
	/* the router's: events, strings and results live in arena */
	struct ml_arena arena;
	char recorded_by[ML_RECORDED_BY_MAX + 1];
};

enum md_append_status {
	MD_APPEND_DONE,  /* outcome set; the router answers and frees */
	MD_APPEND_QUEUED /* the caller answers later: md_api_append_answer */
};

typedef enum md_append_status (*md_append_fn)(void *arg, struct md_append *a);

/* The synchronous append function for embedded use: arg is the struct
 * ml_ledger *. One transaction per batch (ml_ledger_append_batch, which
 * grows the map when it fills), then the head read in a read transaction.
 * Always MD_APPEND_DONE. */
enum md_append_status md_append_direct(void *arg, struct md_append *a);

/* Builds the answer for a finished append into resp and frees a. */
void md_api_append_answer(struct md_append *a, struct md_response *resp);

/* Frees an append without answering (a caller that drops the request,
 * e.g. at shutdown after the grace period). NULL is fine. */
void md_append_free(struct md_append *a);

struct md_api {
	struct ml_ledger *lg;
	md_append_fn append;
	void *append_arg;
};

/* Binds the router to an open ledger and an append function. */
void md_api_init(struct md_api *api, struct ml_ledger *lg, md_append_fn fn,
                 void *arg);

enum md_api_outcome {
	MD_API_DONE = 0, /* resp holds the answer (status and body) */
	MD_API_PENDING,  /* the append was queued: see the file comment */
	MD_API_WAIT      /* nothing new for GET /v1/events?wait: hold it */
};

/* Answers req into resp (which md_response_init prepared). Every route
 * with md_route_info()->router answers here; the others (backup, export,
 * metrics) answer 404 — the embedding program serves them. Any failure
 * becomes an error document in resp: the return value is never an error.
 * On MD_API_WAIT resp->wait_s says how long the request may be held; the
 * caller asks again (same request) when the log's head moves past it, and
 * once more with may_wait false when the time is up. */
enum md_api_outcome md_api_handle(struct md_api *api,
                                  const struct md_request *req,
                                  struct md_response *resp);

/* Internal to the router (md_api_write.c): POST /v1/events. */
enum md_api_outcome md_api_post_events(struct md_api *api,
                                       const struct md_request *req,
                                       struct md_response *resp);

#endif /* MD_API_H */
