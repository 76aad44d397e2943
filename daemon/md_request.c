/*
 * md_request.c — one HTTP request from evhttp to its answer.
 *
 * evhttp calls md_req_on_unix / md_req_on_tcp on a loop's thread with a
 * complete request. We copy what we need (path, query) into a struct
 * md_req, decide who is asking (the socket peer's user, or the bearer
 * token's name), and send the request to whoever answers its route:
 *
 *   the router (ma_api_handle)       reads, healthz, POST (→ the writer)
 *   a helper thread + the router     slow reads (verify)
 *   this file                        /metrics
 *   md_backup.c, md_export.c         /v1/backup, /v1/export (md_stream.c)
 *   md_ui.c                          / and /ui/… (the web view's files,
 *                                    GET and HEAD without a token: md_ui.h)
 *
 * Answers leave through md_req_reply, which adds X-Request-Id, counts the
 * request in /metrics and writes its log line, then frees the md_req: one
 * answer per request, one line per answer. Work finished on another thread
 * comes back through md_req_done_push → md_loop_on_done on the loop.
 *
 * Volumes: this is the hot path of the read benchmark (tens of thousands
 * of requests per second on one core), so nothing here allocates more
 * than the md_req and the answer, and peer names are cached.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>

#include "ml_assert.h"
#include "ml_date.h"

#include "md_listen.h"
#include "md_log.h"
#include "md_server_int.h"
#include "md_stream.h"
#include "md_ui.h"

static int64_t md_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A client's X-Request-Id is kept when it is 1 ..= 64 of [A-Za-z0-9._:-]. */
static bool md_id_valid(const char *s)
{
	size_t n = 0;
	for (; s[n] != '\0'; n++) {
		char c = s[n];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		          c == ':' || c == '-';
		if (!ok || n >= MD_REQUEST_ID_MAX)
			return false;
	}
	return n > 0;
}

void md_req_id_make(struct md_server *s, const char *given,
                    char out[MD_REQUEST_ID_MAX + 1])
{
	if (given != NULL && md_id_valid(given)) {
		snprintf(out, MD_REQUEST_ID_MAX + 1, "%s", given);
		return;
	}
	uint64_t n = atomic_fetch_add(&s->next_id, 1);
	snprintf(out, MD_REQUEST_ID_MAX + 1, "%08x%08llx", (unsigned)s->id_seed,
	         (unsigned long long)n);
}

static void md_req_set_id(struct md_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(r->evreq);
	md_req_id_make(r->loop->srv, evhttp_find_header(h, "X-Request-Id"),
	               r->id);
}

/* The method's name. evhttp is told to accept every method it knows
 * (md_server.c), so that a PUT or DELETE gets the router's JSON 405
 * rather than libevent's own text/html 501. */
static const char *md_method_name(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET:
		return "GET";
	case EVHTTP_REQ_POST:
		return "POST";
	case EVHTTP_REQ_HEAD:
		return "HEAD";
	case EVHTTP_REQ_PUT:
		return "PUT";
	case EVHTTP_REQ_DELETE:
		return "DELETE";
	case EVHTTP_REQ_OPTIONS:
		return "OPTIONS";
	case EVHTTP_REQ_TRACE:
		return "TRACE";
	case EVHTTP_REQ_CONNECT:
		return "CONNECT";
	case EVHTTP_REQ_PATCH:
		return "PATCH";
	default:
		return "UNKNOWN";
	}
}

/* The client's address as md_peer_text writes it, from the address
 * evhttp took at the accept (evhttp_connection_get_peer) instead of a
 * getpeername(2) per request (~3 % of a cached answer's CPU); through
 * md_peer_text when evhttp has none or one with a zone ("fe80::1%eth0"),
 * which md_peer_text's inet_ntop leaves out. */
static void md_req_peer(struct md_req *r, struct evhttp_connection *c)
{
	char *addr = NULL;
	ev_uint16_t port = 0;
	if (c != NULL && r->via == MD_VIA_TCP)
		evhttp_connection_get_peer(c, &addr, &port);
	if (addr != NULL && addr[0] != '\0' && strchr(addr, '%') == NULL) {
		bool v6 = strchr(addr, ':') != NULL;
		snprintf(r->peer, sizeof r->peer, v6 ? "[%s]:%u" : "%s:%u",
		         addr, (unsigned)port);
		return;
	}
	struct bufferevent *bev =
	    c ? evhttp_connection_get_bufferevent(c) : NULL;
	md_peer_text(bev ? bufferevent_getfd(bev) : -1, r->via == MD_VIA_TCP,
	             r->peer, sizeof r->peer);
}

static struct md_req *md_req_new(struct md_loop *l,
                                 struct evhttp_request *evreq, enum md_via via)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(evreq);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	size_t plen = path ? strlen(path) : 0;
	/* evhttp parses a CONNECT's target as an authority (host:port),
	 * which has no path; the front door admits only a target that is a
	 * path (md_door.h), so the raw target is path and query as for any
	 * other method, and CONNECT /healthz meets the router's 405. */
	if (evhttp_request_get_command(evreq) == EVHTTP_REQ_CONNECT) {
		path = evhttp_request_get_uri(evreq);
		const char *q = path ? strchr(path, '?') : NULL;
		plen = path ? (q ? (size_t)(q - path) : strlen(path)) : 0;
		query = q ? q + 1 : NULL;
	}
	if (plen == 0) {
		path = "/";
		plen = 1;
	}
	size_t qlen = query ? strlen(query) + 1 : 0;
	struct md_req *r = calloc(1, sizeof *r + plen + 1 + qlen);
	if (r == NULL)
		return NULL;
	r->path = (char *)(r + 1);
	memcpy(r->path, path, plen);
	r->path[plen] = '\0';
	if (query != NULL) {
		r->query = r->path + plen + 1;
		memcpy(r->query, query, qlen);
	}
	r->loop = l;
	r->evreq = evreq;
	r->via = via;
	r->state = MD_REQ_NEW;
	r->start_us = md_mono_us();
	r->method = md_method_name(evhttp_request_get_command(evreq));
	memcpy(r->who, "-", 2);
	md_req_peer(r, evhttp_request_get_connection(evreq));
	uint64_t seq;
	r->route = ma_api_route(r->method, r->path, &r->method_ok, &seq);
	ma_response_init(&r->resp);
	md_req_set_id(r);
	l->inflight++;
	return r;
}

/* --- answering ----------------------------------------------------------- */

/* A connection answered while stopping has closed: its answer is out. */
static void md_loop_on_drained(struct evhttp_connection *c, void *arg)
{
	struct md_loop *l = arg;
	(void)c;
	l->draining--;
	md_loop_check_idle(l);
}

void md_req_headers(struct md_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->evreq);
	evhttp_add_header(h, "X-Request-Id", r->id);
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (r->loop->stopping)
		evhttp_add_header(h, "Connection", "close");
}

void md_req_drain(struct md_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->evreq);
	struct evhttp_connection *c = evhttp_request_get_connection(r->evreq);
	if (!r->loop->stopping || c == NULL)
		return;
	/* evhttp reads the output headers again when the answer is written
	 * (evhttp_send_done): with Connection: close there it closes the
	 * connection, even for a stream whose headers left before. */
	if (evhttp_find_header(h, "Connection") == NULL)
		evhttp_add_header(h, "Connection", "close");
	r->loop->draining++;
	evhttp_connection_set_closecb(c, md_loop_on_drained, r->loop);
}

void md_req_finish(struct md_req *r, int status, uint64_t bytes)
{
	struct md_loop *l = r->loop;
	int64_t us = md_mono_us() - r->start_us;
	md_metrics_request(l->srv->o.metrics, r->route, status, us);
	struct md_logline line;
	md_logline_start(&line, MD_LOG_INFO, "request");
	md_logline_str(&line, "method", r->method);
	md_logline_str(&line, "path", r->path);
	if (r->query != NULL)
		md_logline_query(&line, "query", r->query);
	md_logline_i64(&line, "status", status);
	md_logline_i64(&line, "us", us);
	md_logline_u64(&line, "bytes", bytes);
	md_logline_str(&line, "id", r->id);
	md_logline_str(&line, "who", r->who);
	md_logline_str(&line, "via", r->via == MD_VIA_UNIX ? "unix" : "tcp");
	md_logline_str(&line, "peer", r->peer);
	md_loop_log(l, &line);
	if (r->hit.slot != NULL)
		md_cache_unhold(r->hit.body, r->hit.len, r->hit.slot);
	ma_response_free(&r->resp);
	ma_append_free(r->append);
	free(r);
	l->inflight--;
	md_loop_check_idle(l);
}

static void md_free_body(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)data);
}

/* Puts r's body into out: a held cache answer by reference (the
 * evbuffer ends the hold when it lets the bytes go), else resp's body,
 * whose memory libevent takes over. */
static void md_req_body(struct md_req *r, struct evbuffer *out)
{
	struct ml_buf *b = &r->resp.body;
	if (r->hit.slot != NULL) {
		if (evbuffer_add_reference(out, r->hit.body, r->hit.len,
		                           md_cache_unhold, r->hit.slot) == 0)
			r->hit.slot = NULL; /* the evbuffer's now */
		else
			evbuffer_add(out, r->hit.body, r->hit.len);
		return;
	}
	/* Hand the body's memory to libevent instead of copying it. */
	if (b->len > 0 && evbuffer_add_reference(out, b->data, b->len,
	                                         md_free_body, NULL) == 0)
		ml_buf_init(b, b->max_bytes);
	else if (b->len > 0)
		evbuffer_add(out, b->data, b->len);
}

/* The body goes straight into the request's own output buffer, which
 * evhttp_send_reply would copy a given buffer into anyway: no evbuffer
 * of our own per answer (its calloc and free were ~1.4 % of a built
 * answer's instructions, docs/performance.md 2026-12-03 h-req). */
void md_req_reply(struct md_req *r)
{
	struct evbuffer *out = evhttp_request_get_output_buffer(r->evreq);
	struct ml_buf *b = &r->resp.body;
	int status = r->resp.status ? r->resp.status : 500;
	uint64_t bytes = r->hit.slot != NULL ? r->hit.len : b->len;
	ML_ASSERT(out != NULL && evbuffer_get_length(out) == 0);
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->evreq);
	evhttp_add_header(h, "Content-Type", r->resp.content_type);
	if (r->resp.allow != NULL)
		evhttp_add_header(h, "Allow", r->resp.allow);
	md_req_headers(r);
	md_req_drain(r);
	md_req_body(r, out);
	evhttp_send_reply(r->evreq, status, NULL, NULL);
	md_req_finish(r, status, bytes);
}

void md_req_fail(struct md_req *r, int code, const char *fmt, ...)
{
	char message[ML_MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	ma_response_error(&r->resp, code, -1, NULL, "%s", message);
	md_req_reply(r);
}

/* --- work finished elsewhere -------------------------------------------- */

void md_req_done_push(struct md_req *r)
{
	struct md_loop *l = r->loop;
	pthread_mutex_lock(&l->done_lock);
	r->next = NULL;
	if (l->done_tail != NULL)
		l->done_tail->next = r;
	else
		l->done_head = r;
	l->done_tail = r;
	pthread_mutex_unlock(&l->done_lock);
	event_active(l->done_ev, EV_READ, 0);
}

void md_loop_on_done(evutil_socket_t fd, short what, void *arg)
{
	struct md_loop *l = arg;
	(void)fd;
	(void)what;
	pthread_mutex_lock(&l->done_lock);
	struct md_req *r = l->done_head;
	l->done_head = l->done_tail = NULL;
	pthread_mutex_unlock(&l->done_lock);
	while (r != NULL) {
		struct md_req *next = r->next;
		r->next = NULL;
		if (r->state == MD_REQ_APPEND) {
			ma_api_append_answer(r->append, &r->resp);
			r->append = NULL;
			md_req_reply(r);
		} else if (r->state == MD_REQ_OFFLOAD) {
			atomic_fetch_sub(&l->srv->offloads, 1);
			if (r->cache_put && r->resp.status == 200)
				md_cache_put(l->cache, r->cache_head_seq,
				             r->cache_today, r->path, r->query,
				             r->resp.body.data,
				             r->resp.body.len);
			md_req_reply(r);
		} else {
			md_stream_produced(r);
		}
		r = next;
	}
}

void md_loop_check_idle(struct md_loop *l)
{
	if (l->stopping && l->inflight == 0 && l->draining == 0)
		event_base_loopexit(l->base, NULL);
}

/* --- who is asking ------------------------------------------------------ */

/* Sets r->who and r->role. Returns -1 when a TCP request has no valid
 * token. */
static int md_req_identify(struct md_req *r)
{
	struct md_loop *l = r->loop;
	if (r->via == MD_VIA_UNIX) {
		struct evhttp_connection *c =
		    evhttp_request_get_connection(r->evreq);
		struct bufferevent *bev =
		    c ? evhttp_connection_get_bufferevent(c) : NULL;
		uid_t uid;
		r->role = MA_ROLE_ADMIN;
		if (bev != NULL &&
		    md_peer_uid(bufferevent_getfd(bev), &uid) == 0)
			md_peer_cache_name(&l->peers, uid, r->who,
			                   sizeof r->who);
		else
			snprintf(r->who, sizeof r->who, "unknown");
		return 0;
	}
	struct evhttp_connection *c = evhttp_request_get_connection(r->evreq);
	if (c != NULL && md_door_verdict_take(
	                     l, evhttp_connection_get_bufferevent(c),
	                     l->srv->o.auth, &r->role, r->who, sizeof r->who))
		return 0; /* the door checked this head's token (md_door.h) */
	struct evkeyvalq *h = evhttp_request_get_input_headers(r->evreq);
	const char *auth = evhttp_find_header(h, "Authorization");
	if (l->srv->o.auth == NULL ||
	    md_auth_check(l->srv->o.auth, auth, &r->role, r->who, sizeof r->who,
	                  NULL) != 0)
		return -1;
	return 0;
}

/* --- dispatch ----------------------------------------------------------- */

static void md_req_fill_api(struct md_req *r, bool may_wait)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(r->evreq);
	size_t len = in ? evbuffer_get_length(in) : 0;
	r->api_req.method = r->method;
	r->api_req.path = r->path;
	r->api_req.query = r->query;
	r->api_req.body = len ? (const char *)evbuffer_pullup(in, -1) : NULL;
	r->api_req.body_bytes = r->api_req.body ? len : 0;
	r->api_req.caller.name = r->who;
	r->api_req.caller.role = r->role;
	r->api_req.may_wait = may_wait;
	r->api_req.user = r;
}

static void md_req_metrics(struct md_req *r)
{
	struct md_server *s = r->loop->srv;
	struct md_gauges g = {0};
	struct ml_usage u;
	g.head_seq = atomic_load(&s->head_seq);
	g.waiting_requests = atomic_load(&s->waiting);
	g.write_queue_batches = md_writer_queued(s->writer);
	md_conns_stats(&s->conns, &g.tcp_connections, &g.connections_evicted);
	if (ml_ledger_usage(s->o.lg, &u) == 0) {
		g.map_used_bytes = u.map_used_bytes;
		g.map_size_bytes = u.map_bytes;
	}
	g.map_max_bytes = u.map_bytes_max;
	int rc = md_metrics_render(s->o.metrics, &g, &r->resp.body);
	if (rc != 0) {
		md_req_fail(r, rc, "cannot render the metrics: %s",
		            ml_strerror(rc));
		return;
	}
	r->resp.status = 200;
	r->resp.content_type = "text/plain; version=0.0.4; charset=utf-8";
	md_req_reply(r);
}

static void *md_offload_main(void *arg)
{
	struct md_req *r = arg;
	struct md_server *s = r->loop->srv;
	ma_api_handle(&s->api, &r->api_req, &r->resp);
	atomic_fetch_sub(&s->busy_threads, 1);
	md_req_done_push(r);
	return NULL;
}

/* A slow read (verify) on a helper thread, so the loop keeps serving. */
static void md_req_offload(struct md_req *r)
{
	struct md_server *s = r->loop->srv;
	pthread_t t;
	pthread_attr_t attr;
	if (atomic_fetch_add(&s->offloads, 1) >= MD_OFFLOADS_MAX) {
		atomic_fetch_sub(&s->offloads, 1);
		md_req_fail(r, ML_E_UNAVAILABLE,
		            "%d slow requests (verify) are running "
		            "already; try again when they are done",
		            MD_OFFLOADS_MAX);
		return;
	}
	md_req_fill_api(r, false);
	r->state = MD_REQ_OFFLOAD;
	atomic_fetch_add(&s->busy_threads, 1);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int rc = pthread_create(&t, &attr, md_offload_main, r);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		atomic_fetch_sub(&s->busy_threads, 1);
		atomic_fetch_sub(&s->offloads, 1);
		r->state = MD_REQ_NEW;
		md_req_fail(r, ML_E_NOMEM, "cannot start a thread: %s",
		            strerror(rc));
	}
}

/* Answers r from its loop's cache (md_cache.h); false on a miss. */
static bool md_req_from_cache(struct md_req *r, uint64_t head_seq,
                              int32_t today)
{
	if (!md_cache_hold(r->loop->cache, head_seq, today, r->path, r->query,
	                   &r->hit))
		return false;
	r->resp.status = 200;
	md_req_reply(r);
	return true;
}

/* What the router answers (reads, through the cache where the route
 * allows; POSTs, to the writer). */
static void md_req_api(struct md_req *r)
{
	struct md_server *s = r->loop->srv;
	bool cached = r->method_ok && md_cache_route(r->route);
	/* The head is read BEFORE the answer is built: see md_cache.h. */
	uint64_t head_seq = atomic_load(&s->head_seq);
	int32_t today = ml_date_today();
	if (cached && md_req_from_cache(r, head_seq, today))
		return;
	md_req_fill_api(r, !r->loop->stopping);
	switch (ma_api_handle(&s->api, &r->api_req, &r->resp)) {
	case MA_API_DONE:
		if (cached && r->resp.status == 200)
			md_cache_put(r->loop->cache, head_seq, today, r->path,
			             r->query, r->resp.body.data,
			             r->resp.body.len);
		md_req_reply(r);
		break;
	case MA_API_PENDING:
		r->state = MD_REQ_APPEND; /* the writer answers */
		break;
	case MA_API_WAIT:
		md_wait_park(r);
		break;
	case MA_API_HOST:
		ML_ASSERT(r->route == MA_ROUTE_METRICS);
		md_req_metrics(r);
		break;
	case MA_API_STREAM: {
		/* md_stream owns it now; taken out first, since a refusal
		 * answers (and frees) r at once */
		struct ma_stream *body = r->resp.stream;
		r->resp.stream = NULL;
		md_stream_start(r, body);
		break;
	}
	}
}

static void md_req_route(struct md_req *r)
{
	const struct ma_route_info *info = ma_route_info(r->route);
	bool known = r->route != MA_ROUTE_NONE && r->method_ok;
	if (known && info->slow) {
		/* A slow read that is cacheable is answered from the cache
		 * when it can be; otherwise its answer is cached when the
		 * helper thread hands it back. (None is today: verify is not
		 * cached, and the trace is answered on the loop.) */
		r->cache_put = md_cache_route(r->route);
		r->cache_head_seq = atomic_load(&r->loop->srv->head_seq);
		r->cache_today = ml_date_today();
		if (r->cache_put &&
		    md_req_from_cache(r, r->cache_head_seq, r->cache_today))
			return;
		md_req_offload(r);
		return;
	}
	md_req_api(r);
}

static void md_req_start(struct evhttp_request *evreq, struct md_loop *l,
                         enum md_via via)
{
	struct md_req *r = md_req_new(l, evreq, via);
	if (r == NULL) {
		evhttp_send_error(evreq, 500, NULL);
		return;
	}
	if (atomic_load(&l->srv->stopping)) {
		md_req_fail(r, ML_E_UNAVAILABLE, "medeld is shutting down");
		return;
	}
	/* The page's files need no token (md_ui.h); who asks is still
	 * logged when a token or the socket's peer says. */
	bool open = md_ui_public(r->method, r->path);
	if (md_req_identify(r) != 0 && !open) {
		md_req_fail(r, ML_E_UNAUTHORIZED,
		            "this request needs Authorization: Bearer <token> "
		            "with a valid token");
		return;
	}
	if (md_ui_path(r->path))
		md_ui_serve(r);
	else
		md_req_route(r);
}

void md_req_on_unix(struct evhttp_request *evreq, void *loop)
{
	md_req_start(evreq, loop, MD_VIA_UNIX);
}

void md_req_on_tcp(struct evhttp_request *evreq, void *loop)
{
	md_req_start(evreq, loop, MD_VIA_TCP);
}
