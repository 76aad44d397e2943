/*
 * ma_api.h — the API layer: API.md as a function, shared by every host.
 *
 * API.md is implemented once, here: given a request (method, path, raw
 * query string, body bytes and who is asking), ma_api_handle produces the
 * HTTP status and the exact body of every endpoint. It knows no
 * transport: medeld feeds it requests from evhttp; medel --db feeds it
 * the requests its commands would have sent, so the embedded CLI, the
 * daemon and the web view cannot disagree on a shape, a status, an error
 * code or a byte of a streamed export.
 *
 * What the router does NOT do, because it depends on who embeds it:
 *
 *   - transport, authentication (401) and X-Request-Id: the caller has
 *     already decided who is asking (struct ma_caller) before it calls;
 *     the router checks only that the caller's role allows the route
 *     (403 forbidden);
 *   - /metrics, which only medeld has: the router admits it (role,
 *     query) and answers MA_API_HOST, and medeld renders it;
 *   - moving a streamed body: GET /v1/export and GET /v1/backup are
 *     checked here like any route (role, query, grant) and answered with
 *     MA_API_STREAM and resp->stream; the host then has the stream write
 *     itself to a file descriptor (ma_stream_write) wherever suits it —
 *     medeld on a producer thread into a pipe, medel --db straight into
 *     its output;
 *   - waiting: GET /v1/events?wait=S that finds nothing new returns
 *     MA_API_WAIT instead of an answer when the caller said it can hold a
 *     request (ma_request.may_wait), and the caller asks again later;
 *   - writing: POST /v1/events is parsed, checked and turned into an
 *     ma_append, which is handed to the caller's append function (below).
 *
 * Threads: ma_api_handle may be called from any number of threads at once
 * (reads use their own LMDB read transaction, ml_ledger_read_begin, and
 * never wait for a writer). The append function runs on the thread that
 * called ma_api_handle.
 *
 * ---------------------------------------------------------------------
 * The append interface (how a POST becomes stored events)
 * ---------------------------------------------------------------------
 *
 * For POST /v1/events the router decodes the body (ml_json_parse_batch),
 * checks roles (write; admin for a batch holding a `close` event) and the
 * query (dry_run, expected_head), fills a struct ma_append and calls
 *
 *     enum ma_append_status fn(void *arg, struct ma_append *a);
 *
 * the function given to ma_api_init. The function must store a->events
 * [0..a->count) as ONE atomic batch with a->opts (ml_ledger_append or
 * ml_ledger_append_batch), then set a->rc (0 or an ML_E_* code), a->err
 * when rc != 0, a->results (filled by the ledger) and a->head (the log's
 * head after the commit). Two ways to do it:
 *
 *   synchronously (medel --db): store it, set the outcome, return
 *   MA_APPEND_DONE. ma_api_handle then builds the answer into *resp,
 *   frees `a` and returns MA_API_DONE. ma_append_direct below is exactly
 *   this and is what the CLI should pass:
 *
 *       struct ma_api api;
 *       ma_api_init(&api, lg, ma_append_direct, lg);
 *       ma_response_init(&resp);
 *       struct ma_request req = {.method = "POST", .path = "/v1/events",
 *           .query = "dry_run=1", .body = buf, .body_bytes = len,
 *           .caller = {.name = os_user, .role = MA_ROLE_ADMIN}};
 *       ma_api_handle(&api, &req, &resp);   → MA_API_DONE
 *       … print resp.body.data (JSON), look at resp.status …
 *       ma_response_free(&resp);
 *
 *   asynchronously (medeld's group commit): queue `a`, return
 *   MA_APPEND_QUEUED. ma_api_handle returns MA_API_PENDING and leaves
 *   *resp empty; `a` now belongs to the caller, who, once the outcome is
 *   set (after the commit returned), calls ma_api_append_answer(a, resp)
 *   on any one thread: that builds the answer and frees `a`. a->user is
 *   ma_request.user, for the caller to find its request again; a->next is
 *   free for the caller's queue.
 *
 * Whatever the function does, the client gets 201 only because a->rc is 0
 * and a->results say stored: the function must not set rc = 0 before its
 * commit returned.
 *
 * Formats: a read answer is JSON unless its route takes `format` and the
 * query asks for another: format=csv on /v1/balances, /v1/trace,
 * /v1/repayments and /v1/deadlines (Content-Type text/csv;
 * charset=utf-8), format=svg on /v1/trace (image/svg+xml), with lang=sv
 * (the default) or en choosing the words a person reads. The host sends
 * resp->content_type as it is; the bytes are the same for every host.
 *
 * Answers (API.md "Shapes"): 201 {"events":[{"seq","id"?,"recorded_at",
 * "hash","duplicate"}],"head":{"seq","hash"}} when anything new was
 * stored, 200 with the same shape when every event was an identical
 * re-send; with dry_run=1, 200 and "dry_run":true, the seqs and hashes the
 * events would have had, and the unchanged head. Errors are
 * {"error":{"code","message","index"?,"field"?}} with ml_error_status().
 */
#ifndef MA_API_H
#define MA_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_buf.h"
#include "ml_error.h"
#include "ml_event.h"
#include "ml_ledger.h"

#include "ma_limits.h"

/* What a caller may do (API.md "Listening and access"). Ordered: a role
 * may do everything a lower one may. */
enum ma_role {
	MA_ROLE_NONE = 0, /* not authenticated: every route answers 401 */
	MA_ROLE_READ,     /* every GET */
	MA_ROLE_WRITE,    /* also POST /v1/events */
	MA_ROLE_ADMIN     /* also close events and GET /v1/backup */
};

/* Every endpoint of API.md, for dispatch, metrics and logs. */
enum ma_route {
	MA_ROUTE_NONE, /* no such path (404) */
	MA_ROUTE_HEALTHZ,
	MA_ROUTE_METRICS,
	MA_ROUTE_APPEND, /* POST /v1/events */
	MA_ROUTE_EVENTS, /* GET /v1/events */
	MA_ROUTE_EVENT,  /* GET /v1/events/{seq} */
	MA_ROUTE_PARTIES,
	MA_ROUTE_GRANTS,
	MA_ROUTE_BALANCES,
	MA_ROUTE_TRACE,
	MA_ROUTE_REPAYMENTS,
	MA_ROUTE_DEADLINES,
	MA_ROUTE_VERIFY,
	MA_ROUTE_EXPORT,
	MA_ROUTE_BACKUP,
	MA_ROUTE_STATEMENT,    /* GET /v1/statement */
	MA_ROUTE_DISTRIBUTION, /* GET /v1/distributions/{seq} */
	MA_ROUTE_COUNT
};

struct ma_route_info {
	const char *name;   /* short name for metrics and logs: "balances" */
	const char *method; /* "GET" or "POST" */
	const char *path;   /* "/v1/balances"; "/v1/events/" + seq for EVENT */
	uint32_t params;    /* MA_PBIT mask of allowed query parameters */
	enum ma_role role;  /* the least role that may use it */
	bool router;        /* ma_api_handle answers it (else MA_API_HOST) */
	bool slow;          /* may take seconds: keep it off an event loop */
	uint32_t formats;   /* the values its `format` parameter takes: a
	                       mask of enum ma_format bits (0: none) */
};

/* The table row of r (MA_ROUTE_NONE has name "none"). Never NULL. */
const struct ma_route_info *ma_route_info(enum ma_route r);

/* Classifies a request. Returns the route whose path matches, or
 * MA_ROUTE_NONE; *method_ok says whether method is the route's (false →
 * 405). For /v1/events/{seq}, *seq_out gets the seq (a path whose seq is
 * not a decimal number 1 ..= 2^64-1 is MA_ROUTE_NONE). The path is
 * compared as sent, without percent-decoding. */
enum ma_route ma_api_route(const char *method, const char *path,
                           bool *method_ok, uint64_t *seq_out);

/* Who is asking. name is recorded as recorded_by on appended events (the
 * token's name over TCP, the peer's user over the socket, the OS user in
 * embedded mode); at most ML_RECORDED_BY_MAX bytes. */
struct ma_caller {
	const char *name;
	enum ma_role role;
};

/* Called every 65 536 events of a verify with (done, total). */
typedef void (*ma_progress_fn)(uint64_t done, uint64_t total, void *arg);

/* One event of a finished append and what the ledger said of it (seq,
 * hash, recorded_at, duplicate); both live until the call returns. */
typedef void (*ma_appended_fn)(void *arg, const struct ml_event *ev,
                               const struct ml_append_result *res);

struct ma_request {
	const char *method; /* "GET", "POST", … */
	const char *path;   /* without the query: "/v1/events/7" */
	const char *query;  /* raw, after '?'; NULL or "" = none */
	const char *body;   /* POST body; need not be NUL-terminated */
	size_t body_bytes;  /* ≤ MA_BODY_BYTES_MAX */
	struct ma_caller caller;
	bool may_wait; /* the caller can hold a long-poll (MA_API_WAIT) */
	void *user;    /* copied to ma_append.user */
	ma_progress_fn progress; /* GET /v1/verify's progress, or NULL */
	void *progress_arg;
	/* GET /v1/events in process (medel --db … log): each event of the
	 * page goes to on_event, decoded, and the body's "events" array is
	 * empty (ml_answer_events_to). NULL: the events are in the body. */
	ml_event_fn on_event;
	void *on_event_arg;
	/* POST /v1/events in process (medel --db … append): each event of
	 * a batch that was stored or checked goes to on_appended with its
	 * result, and the answer's "events" array is empty (its "head" and
	 * "warnings" are as always). NULL: the events are in the body. */
	ma_appended_fn on_appended;
	void *on_appended_arg;
	/* POST /v1/events: cJSON allocates from a region the host empties
	 * after the request (medel --db, one thread; never medeld), so the
	 * body's tree is left, not deleted node by node (ML_JSON_TREE_LEAVE). */
	bool json_region;
};

struct ma_stream;

struct ma_response {
	int status;          /* HTTP status; 0 until answered */
	enum ma_route route; /* what was asked (MA_ROUTE_NONE if unknown) */
	const char *content_type; /* static string */
	const char *allow;        /* for 405: the allowed method; else NULL */
	uint32_t wait_s;          /* MA_API_WAIT: seconds it may be held */
	struct ma_stream *stream; /* MA_API_STREAM: the body, to be written */
	struct ml_buf body; /* the document; ceiling MA_ANSWER_BYTES_MAX */
};

/* Prepares an empty response (status 0, empty body). */
void ma_response_init(struct ma_response *r);
/* Frees the body and any stream; r is empty and may be used again.
 * NULL is fine. */
void ma_response_free(struct ma_response *r);
/* Replaces r's body with the error document for code (status and wire
 * name from ml_error_status / ml_error_name). index < 0 and field NULL or
 * "" are left out. */
void ma_response_error(struct ma_response *r, int code, int32_t index,
                       const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* The same from a filled ml_errinfo (its message, or ml_strerror). */
void ma_response_errinfo(struct ma_response *r, int code,
                         const struct ml_errinfo *err);

/* One POST's batch on its way to the ledger. See the file comment. */
struct ma_append {
	/* set by the router */
	struct ml_event *events;          /* count decoded events */
	size_t count;                     /* 1 ..= ML_BATCH_EVENTS_MAX */
	struct ml_append_opts opts;       /* recorded_by, dry_run, head check */
	struct ml_append_result *results; /* count slots, for the ledger */
	/* the answer's "warnings" entries as JSON, comma-separated, without
	 * the brackets; empty (no memory) when there are none. Computed by
	 * the router before the append function runs (ml_warn.h). */
	struct ml_buf warnings;
	void *user;                 /* ma_request.user */
	ma_appended_fn on_appended; /* ma_request.on_appended */
	void *on_appended_arg;
	struct ma_append *next; /* free for the caller's queue */
	/* set by the append function */
	int rc;                  /* 0 or ML_E_*: the batch's outcome */
	struct ml_errinfo err;   /* when rc != 0 */
	struct ml_log_head head; /* the log's head after the commit */
	/* the router's: events, strings and results live in arena */
	struct ml_arena arena;
	char recorded_by[ML_RECORDED_BY_MAX + 1];
};

enum ma_append_status {
	MA_APPEND_DONE,  /* outcome set; the router answers and frees */
	MA_APPEND_QUEUED /* the caller answers later: ma_api_append_answer */
};

typedef enum ma_append_status (*ma_append_fn)(void *arg, struct ma_append *a);

/* The synchronous append function for embedded use: arg is the struct
 * ml_ledger *. One transaction per batch (ml_ledger_append_batch, which
 * grows the map when it fills), then the head read in a read transaction.
 * Always MA_APPEND_DONE. */
enum ma_append_status ma_append_direct(void *arg, struct ma_append *a);

/* Builds the answer for a finished append into resp and frees a. */
void ma_api_append_answer(struct ma_append *a, struct ma_response *resp);

/* Frees an append without answering (a caller that drops the request,
 * e.g. at shutdown after the grace period). NULL is fine. */
void ma_append_free(struct ma_append *a);

struct ma_api {
	struct ml_ledger *lg;
	ma_append_fn append;
	void *append_arg;
};

/* Binds the router to an open ledger and an append function. */
void ma_api_init(struct ma_api *api, struct ml_ledger *lg, ma_append_fn fn,
                 void *arg);

enum ma_api_outcome {
	MA_API_DONE = 0, /* resp holds the answer (status and body) */
	MA_API_PENDING,  /* the append was queued: see the file comment */
	MA_API_WAIT,     /* nothing new for GET /v1/events?wait: hold it */
	MA_API_STREAM,   /* status 200 and resp->stream: see ma_stream_write */
	MA_API_HOST      /* admitted, and answered by the host (/metrics) */
};

/* Answers req into resp (which ma_response_init prepared). Every route
 * with ma_route_info()->router answers here; a route without it
 * (/metrics) is admitted and answered MA_API_HOST. Any failure
 * becomes an error document in resp: the return value is never an error.
 * On MA_API_WAIT resp->wait_s says how long the request may be held; the
 * caller asks again (same request) when the log's head moves past it, and
 * once more with may_wait false when the time is up. */
enum ma_api_outcome ma_api_handle(struct ma_api *api,
                                  const struct ma_request *req,
                                  struct ma_response *resp);

/* --- streamed answers (GET /v1/export, GET /v1/backup) --------------- */

/* The stream's Content-Type and the file name a client should save it
 * under ("medel.journal", "data.mdb"). Static strings. */
const char *ma_stream_content_type(const struct ma_stream *s);
const char *ma_stream_filename(const struct ma_stream *s);

/* Where a stream is written: a file descriptor, and optionally a
 * function told the bytes written so far after each part (progress). */
struct ma_sink {
	int fd;
	void (*wrote)(uint64_t total_bytes, void *arg); /* or NULL */
	void *arg;
};

/* Writes the whole body to sink->fd, on any one thread, blocking as the
 * descriptor does.
 * Each part of an export is read in a read snapshot of its own, closed
 * before the part is written, so a slow reader never pins an old
 * snapshot; a backup holds one snapshot for the whole copy. Returns 0,
 * ML_E_IO when fd fails (EPIPE: the reader went away) or the ledger's
 * ML_E_* code. What was written before a failure stays written: the host
 * must make a failure visible (medeld cuts the chunked transfer). */
int ma_stream_write(struct ma_stream *s, const struct ma_sink *sink);

/* Frees s. NULL is fine. */
void ma_stream_free(struct ma_stream *s);

/* Writes len bytes to fd, going on after EINTR and short writes: 0, or
 * ML_E_IO (errno says why). */
int ma_write_all(int fd, const void *buf, size_t len);

#endif /* MA_API_H */
