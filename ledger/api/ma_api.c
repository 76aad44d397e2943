/*
 * ma_api.c — routing, error documents and every read endpoint.
 *
 * Called by medeld's event loops (and helper threads for slow routes) and
 * by medel's embedded mode, once per request; it keeps no state between
 * calls beyond the ledger handle in struct ma_api. A read opens one LMDB
 * read transaction (ml_ledger_read_begin), asks the ledger's answer
 * function for the document (ml_answer.h), prints it into resp->body and
 * ends the transaction before returning: no transaction outlives a call,
 * so the writer's map growth (which waits for readers) is never starved by
 * a parked request.
 *
 * The route table below is the one description of the API's surface:
 * method, path, allowed query parameters, least role, who answers. Adding
 * an endpoint is adding a row and, for a router route, a handler.
 *
 * A read answer is built as a cJSON document and printed by ma_format.c:
 * as JSON, or as the CSV or SVG the query's format asks for, from that
 * same document.
 *
 * Invariant: every path through ma_api_handle that returns MA_API_DONE
 * leaves resp->status set and resp->body holding a complete document of
 * resp->content_type (JSON for every error).
 */
#include "ma_api.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_assert.h"
#include "ml_json.h"

#include "ma_format.h"
#include "ma_internal.h"

#define P(x) MA_PBIT(MA_P_##x)
#define F(x) MA_FBIT(MA_FORMAT_##x)
#define VIEW (P(AS_OF) | P(KNOWN_AT))
/* The answers a person reads: JSON, or CSV in sv or en words (API.md);
 * the trace also as an SVG picture. */
#define READABLE       (P(FORMAT) | P(LANG))
#define CSV_FORMATS    (F(JSON) | F(CSV))
#define EXPORT_FORMATS (F(JSONL) | F(CSV) | F(LEDGER) | F(BEANCOUNT))

static const struct ma_route_info ma_routes[MA_ROUTE_COUNT] = {
    [MA_ROUTE_NONE] = {"none", "GET", NULL, 0, MA_ROLE_READ, true, false},
    [MA_ROUTE_HEALTHZ] = {"healthz", "GET", "/healthz", 0, MA_ROLE_READ, true,
                          false},
    [MA_ROUTE_METRICS] = {"metrics", "GET", "/metrics", 0, MA_ROLE_READ, false,
                          false},
    [MA_ROUTE_APPEND] = {"append", "POST", "/v1/events",
                         P(DRY_RUN) | P(EXPECTED_HEAD), MA_ROLE_WRITE, true,
                         false},
    [MA_ROUTE_EVENTS] = {"events", "GET", "/v1/events",
                         P(AFTER) | P(LIMIT) | P(GRANT) | P(PARTY) | P(TYPE) |
                             P(WAIT),
                         MA_ROLE_READ, true, false},
    [MA_ROUTE_EVENT] = {"event", "GET", "/v1/events/", 0, MA_ROLE_READ, true,
                        false},
    [MA_ROUTE_PARTIES] = {"parties", "GET", "/v1/parties", P(AS_OF),
                          MA_ROLE_READ, true, false},
    [MA_ROUTE_GRANTS] = {"grants", "GET", "/v1/grants", P(AS_OF), MA_ROLE_READ,
                         true, false},
    [MA_ROUTE_BALANCES] = {"balances", "GET", "/v1/balances",
                           VIEW | P(GRANT) | P(POSTS) | P(PARTY) | P(ROLLUP) |
                               READABLE,
                           MA_ROLE_READ, true, false, CSV_FORMATS},
    /* not slow: a trace is a seek per account, edge and activity of the
     * grant (ml_answer_trace.c), however many expenses it has, so it is
     * answered on the event loop like the repayments, deadlines and
     * statement, which also read every account of a grant. It holds the
     * loop for that long: ~0.5 ms on medeld_bench's ledger (~0.06 ms
     * when the grant's kept summary answers, ml_answer_trace.c), ~8 ms
     * for a grant of 100 parties, 8 activities and 1 000 000 expenses.
     * Sent to a helper thread it was one of MD_OFFLOADS_MAX at a time,
     * and 64 clients got mostly 503s. */
    [MA_ROUTE_TRACE] = {"trace", "GET", "/v1/trace",
                        VIEW | P(GRANT) | P(POSTS) | READABLE, MA_ROLE_READ,
                        true, false, CSV_FORMATS | F(SVG)},
    [MA_ROUTE_REPAYMENTS] = {"repayments", "GET", "/v1/repayments",
                             VIEW | P(GRANT) | P(YEAR) | READABLE, MA_ROLE_READ,
                             true, false, CSV_FORMATS},
    [MA_ROUTE_DEADLINES] = {"deadlines", "GET", "/v1/deadlines",
                            VIEW | READABLE, MA_ROLE_READ, true, false,
                            CSV_FORMATS},
    [MA_ROUTE_VERIFY] = {"verify", "GET", "/v1/verify", 0, MA_ROLE_READ, true,
                         true},
    /* streams: checked here, written by the host (ma_stream_write) */
    [MA_ROUTE_EXPORT] = {"export", "GET", "/v1/export", P(FORMAT) | P(GRANT),
                         MA_ROLE_READ, true, false, EXPORT_FORMATS},
    [MA_ROUTE_BACKUP] = {"backup", "GET", "/v1/backup", 0, MA_ROLE_ADMIN, true,
                         false},
    /* the återrapportering: JSON, Swedish Excel CSV, or a page that
     * prints on A4 (ma_statement.c) */
    [MA_ROUTE_STATEMENT] = {"statement", "GET", "/v1/statement",
                            VIEW | P(PARTY) | P(GRANT) | READABLE, MA_ROLE_READ,
                            true, false, CSV_FORMATS | F(HTML)},
    [MA_ROUTE_DISTRIBUTION] = {"distribution", "GET", "/v1/distributions/", 0,
                               MA_ROLE_READ, true, false},
};

const struct ma_route_info *ma_route_info(enum ma_route r)
{
	return &ma_routes[r < MA_ROUTE_COUNT ? r : MA_ROUTE_NONE];
}

/* "/v1/events/123" → 123; -1 unless 1 ..= 20 digits, value ≥ 1. */
static int ma_path_seq(const char *s, uint64_t *out)
{
	uint64_t n = 0;
	size_t len = strlen(s);
	if (len == 0 || len > 20)
		return -1;
	for (size_t i = 0; i < len; i++) {
		uint64_t d = (uint64_t)(s[i] - '0');
		if (s[i] < '0' || s[i] > '9' || n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	if (n == 0)
		return -1;
	*out = n;
	return 0;
}

enum ma_route ma_api_route(const char *method, const char *path,
                           bool *method_ok, uint64_t *seq_out)
{
	*method_ok = false;
	static const enum ma_route by_seq[] = {MA_ROUTE_EVENT,
	                                       MA_ROUTE_DISTRIBUTION};
	for (size_t i = 0; i < sizeof by_seq / sizeof by_seq[0]; i++) {
		const char *prefix = ma_routes[by_seq[i]].path;
		if (strncmp(path, prefix, strlen(prefix)) != 0)
			continue;
		if (ma_path_seq(path + strlen(prefix), seq_out) != 0)
			return MA_ROUTE_NONE;
		*method_ok = strcmp(method, "GET") == 0;
		return by_seq[i];
	}
	enum ma_route found = MA_ROUTE_NONE;
	for (int r = MA_ROUTE_HEALTHZ; r < MA_ROUTE_COUNT; r++) {
		if (r == MA_ROUTE_EVENT || r == MA_ROUTE_DISTRIBUTION ||
		    strcmp(path, ma_routes[r].path) != 0)
			continue;
		found = (enum ma_route)r;
		if (strcmp(method, ma_routes[r].method) == 0) {
			*method_ok = true;
			return found;
		}
	}
	return found;
}

/* --- responses --------------------------------------------------------- */

struct ma_limits_tunable ma_limits_now = {
    .answer_bytes_max = MA_ANSWER_BYTES_MAX,
    .warnings_bytes_max = MA_WARNINGS_BYTES_MAX,
};

void ma_response_init(struct ma_response *r)
{
	memset(r, 0, sizeof *r);
	r->content_type = "application/json";
	ml_buf_init(&r->body, ma_limits_now.answer_bytes_max);
}

void ma_response_free(struct ma_response *r)
{
	if (r == NULL)
		return;
	ml_buf_free(&r->body);
	ma_stream_free(r->stream);
	r->stream = NULL;
}

/* Writes the error document; falls back to a fixed one if memory fails. */
static void ma_error_doc(struct ma_response *r, int status, const char *name,
                         int32_t index, const char *field, const char *message)
{
	struct ml_buf *b = &r->body;
	ml_buf_reset(b);
	r->status = status;
	r->content_type = "application/json";
	int rc = ml_buf_add_str(b, "{\"error\":{\"code\":");
	rc = rc ? rc : ml_json_write_string(b, name, strlen(name));
	rc = rc ? rc : ml_buf_add_str(b, ",\"message\":");
	rc = rc ? rc : ml_json_write_string(b, message, strlen(message));
	if (index >= 0) {
		rc = rc ? rc : ml_buf_add_str(b, ",\"index\":");
		rc = rc ? rc : ml_buf_add_i64(b, index);
	}
	if (field != NULL && field[0] != '\0') {
		rc = rc ? rc : ml_buf_add_str(b, ",\"field\":");
		rc = rc ? rc : ml_json_write_string(b, field, strlen(field));
	}
	rc = rc ? rc : ml_buf_add_str(b, "}}");
	if (rc != 0) {
		ml_buf_free(b);
		r->status = 500;
		ml_buf_add_str(b, "{\"error\":{\"code\":\"internal\","
		                  "\"message\":\"out of memory\"}}");
	}
}

void ma_response_error(struct ma_response *r, int code, int32_t index,
                       const char *field, const char *fmt, ...)
{
	char message[ML_MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	ma_error_doc(r, ml_error_status(code), ml_error_name(code), index,
	             field, message);
}

void ma_response_errinfo(struct ma_response *r, int code,
                         const struct ml_errinfo *err)
{
	int status = ml_error_status(code);
	const char *name = ml_error_name(code);
	if (err != NULL && err->code == code && err->message[0] != '\0')
		ma_error_doc(r, status, name, err->index, err->field,
		             err->message);
	else
		ma_error_doc(r, status, name, -1, NULL, ml_strerror(code));
}

/* A client's path as it may appear in a message: printable ASCII, cut. */
static const char *ma_shown_path(const char *path, char *buf, size_t size)
{
	size_t n = 0;
	for (; path[n] != '\0' && n + 1 < size; n++) {
		unsigned char c = (unsigned char)path[n];
		buf[n] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
	return buf;
}

void ma_api_init(struct ma_api *api, struct ml_ledger *lg, ma_append_fn fn,
                 void *arg)
{
	api->lg = lg;
	api->append = fn;
	api->append_arg = arg;
}

/* --- reads ------------------------------------------------------------- */

/* Maps a failure to build an answer: too big is 413, the rest as coded. */
static void ma_answer_failed(struct ma_response *r, int rc,
                             const struct ml_errinfo *err)
{
	bool said = err != NULL && err->code == rc && err->message[0] != '\0';
	if (rc == ML_E_TOO_LARGE && !said)
		ma_response_error(r, rc, -1, NULL,
		                  "the answer is larger than %u bytes: ask for "
		                  "less (limit, grant, party)",
		                  (unsigned)ma_limits_now.answer_bytes_max);
	else
		ma_response_errinfo(r, rc, err);
}

static void ma_get_healthz(struct ma_api *api, struct ml_read *rd,
                           struct ma_response *r)
{
	struct ml_log_head head;
	char hex[65];
	int rc = ml_ledger_head(api->lg, rd, &head);
	if (rc != 0) {
		ma_response_errinfo(r, rc, NULL);
		return;
	}
	ml_hex32(head.hash, hex);
	rc = ml_buf_addf(&r->body,
	                 "{\"status\":\"ok\",\"head_seq\":%llu,\"head_hash\":"
	                 "\"%s\"}",
	                 (unsigned long long)head.seq, hex);
	if (rc != 0)
		ma_answer_failed(r, rc, NULL);
	else
		r->status = 200;
}

static void ma_get_event(struct ma_api *api, struct ml_read *rd, uint64_t seq,
                         struct ma_response *r)
{
	struct ml_event ev;
	int rc = ml_ledger_event(api->lg, rd, seq, &ev);
	if (rc == ML_E_NOT_FOUND) {
		ma_response_error(r, rc, -1, NULL, "no event with seq %llu",
		                  (unsigned long long)seq);
		return;
	}
	if (rc == 0)
		rc = ml_json_write_event(&ev, ML_JSON_STORED, &r->body);
	if (rc != 0)
		ma_answer_failed(r, rc, NULL);
	else
		r->status = 200;
}

/* GET /v1/distributions/{seq}: 404 unless seq is a distribution. */
static void ma_get_distribution(struct ma_api *api, struct ml_read *rd,
                                uint64_t seq, struct ma_response *r)
{
	struct ml_errinfo err;
	cJSON *doc = NULL;
	ml_errinfo_clear(&err);
	int rc = ml_answer_distribution(api->lg, rd, seq, &doc, &err);
	if (rc == 0)
		rc = ml_json_print(doc, &r->body);
	cJSON_Delete(doc);
	if (rc != 0)
		ma_answer_failed(r, rc, &err);
	else
		r->status = 200;
}

/* GET /v1/events, possibly long-polling: MA_API_WAIT when the caller may
 * hold it, asked to wait, and there is nothing to show. */
static enum ma_api_outcome ma_get_events(struct ma_api *api, struct ml_read *rd,
                                         const struct ma_request *req,
                                         const struct ma_params *p,
                                         struct ma_response *r)
{
	bool may_wait = req->may_wait && p->wait_s > 0;
	struct ml_log_head head;
	int rc = ml_ledger_head(api->lg, rd, &head);
	if (rc == 0 && may_wait && head.seq <= p->after) {
		r->wait_s = p->wait_s;
		return MA_API_WAIT;
	}
	struct ml_events_query q;
	uint32_t count = 0;
	ma_params_to_events(p, &q);
	if (rc == 0 && req->on_event != NULL)
		rc = ml_answer_events_to(api->lg, rd, &q, req->on_event,
		                         req->on_event_arg, &r->body, &count);
	else if (rc == 0)
		rc = ml_answer_events(api->lg, rd, &q, &r->body, &count);
	if (rc != 0) {
		ma_answer_failed(r, rc, NULL);
		return MA_API_DONE;
	}
	if (count == 0 && may_wait) {
		ml_buf_reset(&r->body);
		r->wait_s = p->wait_s;
		return MA_API_WAIT;
	}
	r->status = 200;
	return MA_API_DONE;
}

typedef int (*ma_answer_fn)(struct ml_ledger *lg, struct ml_read *rd,
                            const struct ml_query *q, cJSON **out,
                            struct ml_errinfo *err);

static ma_answer_fn ma_answer_for(enum ma_route route)
{
	switch (route) {
	case MA_ROUTE_PARTIES:
		return ml_answer_parties;
	case MA_ROUTE_GRANTS:
		return ml_answer_grants;
	case MA_ROUTE_BALANCES:
		return ml_answer_balances;
	case MA_ROUTE_TRACE:
		return ml_answer_trace;
	case MA_ROUTE_REPAYMENTS:
		return ml_answer_repayments;
	case MA_ROUTE_STATEMENT:
		return ml_answer_statement;
	default:
		return ml_answer_deadlines;
	}
}

/* The endpoint's rules between parameters (API.md, docs/rules.md). */
static int ma_check_combination(enum ma_route route, const struct ma_params *p,
                                struct ml_errinfo *err)
{
	bool grant = ma_params_has(p, MA_P_GRANT);
	bool year = ma_params_has(p, MA_P_YEAR);
	bool party = ma_params_has(p, MA_P_PARTY);
	if (p->posts && !grant)
		return ml_fail(err, ML_E_BAD_QUERY, -1, "posts",
		               "posts=1 needs a grant");
	if (p->rollup && !ma_params_has(p, MA_P_PARTY))
		return ml_fail(err, ML_E_BAD_QUERY, -1, "rollup",
		               "rollup=1 needs a party");
	if (route == MA_ROUTE_TRACE && !grant)
		return ml_fail(err, ML_E_BAD_QUERY, -1, "grant",
		               "trace needs a grant");
	if (route == MA_ROUTE_STATEMENT && (!grant || !party))
		return ml_fail(err, ML_E_BAD_QUERY, -1,
		               grant ? "party" : "grant",
		               "a statement needs a party (a legal entity) and "
		               "a grant");
	if (route == MA_ROUTE_REPAYMENTS && grant == year)
		return ml_fail(err, ML_E_BAD_QUERY, -1,
		               grant ? "year" : "grant",
		               "repayments needs either a grant or a year");
	return 0;
}

/* Every answer built as a cJSON document by ml_answer.h, printed in the
 * format asked for (ma_format.c). */
static void ma_get_doc(struct ma_api *api, struct ml_read *rd,
                       const struct ma_request *req, enum ma_route route,
                       const struct ma_params *p, struct ma_response *r)
{
	struct ml_query q;
	struct ml_errinfo err;
	cJSON *doc = NULL;
	ma_params_to_query(p, &q);
	ml_errinfo_clear(&err);
	int rc = route == MA_ROUTE_VERIFY
	             ? ml_answer_verify(api->lg, rd, &doc, req->progress,
	                                req->progress_arg, &err)
	             : ma_answer_for(route)(api->lg, rd, &q, &doc, &err);
	if (rc == 0)
		rc = ma_format_answer(api, rd, route, p, doc, r, &err);
	cJSON_Delete(doc);
	if (rc != 0)
		ma_answer_failed(r, rc, &err);
	else
		r->status = 200;
}

/* A read route, inside one read transaction. */
static enum ma_api_outcome
ma_get(struct ma_api *api, const struct ma_request *req, enum ma_route route,
       uint64_t seq, const struct ma_params *p, struct ma_response *r)
{
	struct ml_read *rd = NULL;
	enum ma_api_outcome out = MA_API_DONE;
	int rc = ml_ledger_read_begin(api->lg, &rd);
	if (rc != 0) {
		ma_response_errinfo(r, rc, NULL);
		return MA_API_DONE;
	}
	if (route == MA_ROUTE_HEALTHZ)
		ma_get_healthz(api, rd, r);
	else if (route == MA_ROUTE_DISTRIBUTION)
		ma_get_distribution(api, rd, seq, r);
	else if (route == MA_ROUTE_EVENT)
		ma_get_event(api, rd, seq, r);
	else if (route == MA_ROUTE_EVENTS)
		out = ma_get_events(api, rd, req, p, r);
	else
		ma_get_doc(api, rd, req, route, p, r);
	ml_ledger_read_end(api->lg, rd);
	return out;
}

/* --- dispatch ---------------------------------------------------------- */

/* The methods route's path takes, for a 405's Allow (RFC 9110: every
 * method the resource supports): /v1/events is two routes, GET and
 * POST; every other path one. */
static const char *ma_route_allow(enum ma_route route)
{
	const char *path = ma_routes[route].path;
	bool get = false, post = false;
	for (int r = MA_ROUTE_HEALTHZ; r < MA_ROUTE_COUNT; r++) {
		if (strcmp(ma_routes[r].path, path) != 0)
			continue;
		get = get || strcmp(ma_routes[r].method, "GET") == 0;
		post = post || strcmp(ma_routes[r].method, "POST") == 0;
	}
	ML_ASSERT(get || post);
	return get && post ? "GET, POST" : get ? "GET" : "POST";
}

/* 404, 405, 401 and 403: what stops a request before its handler. */
static int ma_admit(const struct ma_request *req, enum ma_route route,
                    bool method_ok, struct ma_response *r)
{
	const struct ma_route_info *info = ma_route_info(route);
	char shown[160], message[ML_MESSAGE_MAX];
	if (route == MA_ROUTE_NONE) {
		ma_response_error(
		    r, ML_E_NOT_FOUND, -1, NULL, "no such endpoint: %s",
		    ma_shown_path(req->path, shown, sizeof shown));
		return -1;
	}
	/* A known path with another method is 405, even for the route the
	 * embedding program serves itself (metrics). */
	if (!method_ok) {
		r->allow = ma_route_allow(route);
		snprintf(message, sizeof message, "%s takes %s only",
		         info->path,
		         strchr(r->allow, ',') ? "GET or POST" : r->allow);
		ma_error_doc(r, 405, "method_not_allowed", -1, NULL, message);
		return -1;
	}
	if (req->caller.role == MA_ROLE_NONE) {
		ma_response_error(r, ML_E_UNAUTHORIZED, -1, NULL,
		                  "no valid bearer token");
		return -1;
	}
	if (req->caller.role < info->role) {
		ma_response_error(r, ML_E_FORBIDDEN, -1, NULL,
		                  "%s may not use %s %s", req->caller.name,
		                  info->method, info->path);
		return -1;
	}
	return 0;
}

enum ma_api_outcome ma_api_handle(struct ma_api *api,
                                  const struct ma_request *req,
                                  struct ma_response *resp)
{
	bool method_ok = false;
	uint64_t seq = 0;
	enum ma_route route =
	    ma_api_route(req->method, req->path, &method_ok, &seq);
	resp->route = route;
	resp->wait_s = 0;
	ML_ASSERT(resp->stream == NULL); /* a response is answered once */
	ml_buf_reset(&resp->body);
	if (ma_admit(req, route, method_ok, resp) != 0)
		return MA_API_DONE;
	if (route == MA_ROUTE_APPEND)
		return ma_api_post_events(api, req, resp);
	struct ma_params p;
	struct ml_errinfo err;
	const struct ma_route_info *info = ma_route_info(route);
	int rc =
	    ma_params_parse(req->query, info->params, info->formats, &p, &err);
	if (rc == 0)
		rc = ma_check_combination(route, &p, &err);
	if (rc != 0) {
		ma_response_errinfo(resp, rc, &err);
		return MA_API_DONE;
	}
	if (route == MA_ROUTE_EXPORT || route == MA_ROUTE_BACKUP)
		return ma_stream_open(api, route, &p, resp);
	if (!info->router)
		return MA_API_HOST; /* admitted; the host answers it */
	return ma_get(api, req, route, seq, &p, resp);
}
