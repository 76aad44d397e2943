/*
 * md_door.c — the front door (md_door.h says what and why).
 *
 * One struct md_door per connection, the context of a bufferevent_filter
 * whose input function (md_door_in) libevent calls with the bytes read
 * from the socket (src: the socket bufferevent's input) and evhttp's
 * input (dst). The door moves bytes from src to dst only when it has
 * admitted them. Its phases:
 *
 *   HEAD   collecting a head in src; scanned once, byte by byte, for the
 *          empty line that ends it (scan_bytes, line_bytes); over
 *          MD_HEADERS_BYTES_MAX → refused;
 *   BODY   body_left_bytes of the admitted request still to pass;
 *   WAIT   the whole request is evhttp's; the next head waits until
 *          evhttp has taken it and its answer has left (md_door_idle);
 *          the socket's output callback kicks the door when answers leave,
 *          so a pipelined head already read is not forgotten;
 *   CHUNK_SIZE, CHUNK_DATA, CHUNK_END, CHUNK_LAST
 *          a chunked body, passed chunk by chunk: a size line of hex
 *          digits only, the data, CRLF; after the size 0 line only the
 *          CRLF that ends the body (no trailers, no extensions). Sizes
 *          add up to at most ML_BODY_BYTES_MAX; the chunk that would pass
 *          it is refused 413 before its data is read;
 *   SHUT   refused: the answer is in the socket's output, every byte read
 *          is dropped, and when the output is empty the socket is shut
 *          down; evhttp sees the end of the stream and frees the
 *          connection (and with it this door) as when a client leaves.
 *
 * Volumes: a head is copied once (into a 16 KiB stack buffer) when it is
 * complete; body bytes move between evbuffers without copying. A refused
 * connection costs what its head cost, and nothing for its body.
 */
#include "md_door.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/ssl.h>

#include "ml_assert.h"
#include "ml_error.h"

#include "md_log.h"
#include "md_server_int.h"
#include "md_tls.h"
#include "md_ui.h"

enum md_door_phase {
	MD_DOOR_HEAD,
	MD_DOOR_BODY,
	MD_DOOR_WAIT,
	MD_DOOR_CHUNK_SIZE,
	MD_DOOR_CHUNK_DATA,
	MD_DOOR_CHUNK_END,
	MD_DOOR_CHUNK_LAST,
	MD_DOOR_SHUT
};

struct md_door {
	const struct md_door_site *site;
	struct bufferevent *bev;  /* the filter; evhttp's */
	struct bufferevent *sock; /* the socket bufferevent under it */
	struct event *kick;       /* answers to move on, or a held head */
	struct evbuffer_cb_entry *out_cb;     /* on sock's output */
	struct evbuffer_cb_entry *bev_out_cb; /* on bev's output */
	enum md_door_phase phase;
	size_t scan_bytes;        /* HEAD: bytes of src looked at */
	size_t line_bytes;        /* HEAD: bytes of the current line */
	uint64_t body_left_bytes; /* BODY, CHUNK_DATA: still to pass */
	uint64_t chunked_bytes;   /* CHUNK_*: the sizes so far */
	bool moved; /* evhttp's bytes were moved to the socket's output */
	struct event *timer;   /* head, body-rate and idle timeouts */
	uint64_t window_bytes; /* body bytes passed in this body window */
	/* Counting (md_conns.h): opened by md_door_bev; admitted (or
	 * refused 503) at the first kick, once the descriptor is known. */
	bool opened, admit_done;
	bool proven; /* a head with a valid token passed (md_conns_proven) */
	struct md_conn conn;
};

/* A complete head, parsed in place in a copy (NUL-terminated pieces). */
struct md_head {
	char *method, *target, *query; /* query: NULL or after the '?' */
	const char *auth, *request_id, *te, *expect;
	unsigned cl_count;
	bool cl_bad;  /* a Content-Length that is not digits */
	bool cl_huge; /* one of more than 19 digits */
	uint64_t content_length;
};

/* Why a head is refused: status via the error code, and a sentence. */
struct md_refusal {
	int code; /* ML_E_*; 0 = admitted */
	const char *message;
	char who[ML_RECORDED_BY_MAX + 1];
	bool token_ok;            /* a valid token was shown */
	enum ma_role role;        /* token_ok: its role */
	uint64_t auth_generation; /* token_ok: of the table that matched */
};

static int64_t md_door_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* --- parsing a head ------------------------------------------------------ */

static bool md_is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* The methods evhttp knows; any other it would refuse with its page. */
static bool md_method_known(const char *m)
{
	static const char *const known[] = {"GET",   "POST",    "HEAD",
	                                    "PUT",   "DELETE",  "OPTIONS",
	                                    "TRACE", "CONNECT", "PATCH"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (strcmp(m, known[i]) == 0)
			return true;
	return false;
}

/* `METHOD SP TARGET SP HTTP/1.x`, visible ASCII only. 0 or ML_E_*. */
static int md_head_request_line(char *line, struct md_head *h, const char **why)
{
	char *sp1 = strchr(line, ' ');
	char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
	*why = "the request line is not METHOD TARGET HTTP/1.1";
	if (sp1 == NULL || sp2 == NULL || sp1 == line || sp2 == sp1 + 1)
		return ML_E_BAD_REQUEST;
	*sp1 = *sp2 = '\0';
	h->method = line;
	h->target = sp1 + 1;
	if (strcmp(sp2 + 1, "HTTP/1.1") != 0 && strcmp(sp2 + 1, "HTTP/1.0"))
		return ML_E_BAD_REQUEST;
	for (const char *p = h->method; *p != '\0'; p++)
		if (!md_is_tchar((unsigned char)*p))
			return ML_E_BAD_REQUEST;
	for (const unsigned char *p = (unsigned char *)h->target; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return ML_E_BAD_REQUEST;
	if (h->target[0] != '/') {
		*why = "the request target is not a path";
		return ML_E_BAD_REQUEST;
	}
	if (!md_method_known(h->method)) {
		*why = "medeld does not know this method";
		return ML_E_NOT_IMPLEMENTED;
	}
	h->query = strchr(h->target, '?');
	if (h->query != NULL)
		*h->query++ = '\0';
	return 0;
}

static void md_head_content_length(struct md_head *h, const char *v)
{
	size_t n = strlen(v);
	h->cl_count++;
	if (n == 0 || strspn(v, "0123456789") != n)
		h->cl_bad = true;
	else if (n > 19)
		h->cl_huge = true;
	else
		h->content_length = strtoull(v, NULL, 10);
}

/* `Name: value`; the value's spaces around it dropped. 0 or ML_E_*. */
static int md_head_field(char *line, struct md_head *h, const char **why)
{
	char *colon = strchr(line, ':');
	*why = "a header line is not Name: value";
	if (colon == NULL || colon == line)
		return ML_E_BAD_REQUEST;
	for (const char *p = line; p < colon; p++)
		if (!md_is_tchar((unsigned char)*p))
			return ML_E_BAD_REQUEST;
	*colon = '\0';
	char *v = colon + 1;
	v += strspn(v, " \t");
	size_t n = strlen(v);
	while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t'))
		v[--n] = '\0';
	for (const unsigned char *p = (unsigned char *)v; *p != '\0'; p++)
		if ((*p < 0x20 && *p != '\t') || *p == 0x7f)
			return ML_E_BAD_REQUEST;
	if (strcasecmp(line, "Content-Length") == 0)
		md_head_content_length(h, v);
	else if (strcasecmp(line, "Transfer-Encoding") == 0)
		h->te = h->te == NULL ? v : "twice";
	else if (strcasecmp(line, "Authorization") == 0)
		h->auth = h->auth == NULL ? v : "";
	else if (strcasecmp(line, "X-Request-Id") == 0)
		h->request_id = v;
	else if (strcasecmp(line, "Expect") == 0)
		h->expect = v;
	return 0;
}

/* Splits head[0..len) (ending in an empty line) into lines and parses
 * them. A NUL byte anywhere, a bare CR, or a folded line is refused. */
static int md_head_parse(char *head, size_t len, struct md_head *h,
                         const char **why)
{
	*h = (struct md_head){0};
	*why = "the request holds a NUL byte or a bare CR";
	if (memchr(head, '\0', len) != NULL)
		return ML_E_BAD_REQUEST;
	head[len] = '\0';
	char *line = head;
	for (unsigned n = 0;; n++) {
		char *nl = strchr(line, '\n');
		if (nl == NULL) /* the scan found the end: cannot happen */
			return ML_E_BAD_REQUEST;
		*nl = '\0';
		if (nl > line && nl[-1] == '\r')
			nl[-1] = '\0';
		*why = "the request holds a NUL byte or a bare CR";
		if (strchr(line, '\r') != NULL)
			return ML_E_BAD_REQUEST;
		if (n > 0 && line[0] == '\0')
			return 0; /* the empty line that ends the head */
		*why = "a header line is folded";
		if (n > 0 && (line[0] == ' ' || line[0] == '\t'))
			return ML_E_BAD_REQUEST;
		int rc = n == 0 ? md_head_request_line(line, h, why)
		                : md_head_field(line, h, why);
		if (rc != 0)
			return rc;
		line = nl + 1;
	}
}

/* --- deciding ------------------------------------------------------------ */

/* What makes evhttp (and any proxy in front) agree on where this request
 * ends, and how big its body is. 0 or ML_E_*. */
static int md_head_framing(const struct md_head *h, const char **why)
{
	*why = "more than one Content-Length header";
	if (h->cl_count > 1)
		return ML_E_BAD_REQUEST;
	*why = "Content-Length together with Transfer-Encoding";
	if (h->cl_count > 0 && h->te != NULL)
		return ML_E_BAD_REQUEST;
	*why = "Transfer-Encoding other than one chunked";
	if (h->te != NULL && strcasecmp(h->te, "chunked") != 0)
		return ML_E_BAD_REQUEST;
	*why = "Content-Length is not a number of bytes";
	if (h->cl_bad)
		return ML_E_BAD_REQUEST;
	*why = "Expect other than 100-continue";
	if (h->expect != NULL && strcasecmp(h->expect, "100-continue") != 0)
		return ML_E_BAD_REQUEST;
	*why = "the body is over 8 MiB (8388608 bytes)";
	if (h->cl_huge || h->content_length > ML_BODY_BYTES_MAX)
		return ML_E_TOO_LARGE;
	return 0;
}

/* Over TCP: a valid token, and for a request with a body a role the
 * route takes (the router checks again; this is only so that no body is
 * read for nothing). 0 or ML_E_*; the token's name into f->who. */
static int md_head_access(struct md_door *d, const struct md_head *h,
                          struct md_refusal *f)
{
	struct md_server *s = d->site->loop->srv;
	bool body = h->content_length > 0 || h->te != NULL;
	if (d->site->via != MD_VIA_TCP ||
	    (!body && md_ui_public(h->method, h->target)))
		return 0; /* the web view's files: md_ui.h */
	f->message = "this request needs Authorization: Bearer <token> "
	             "with a valid token";
	if (s->o.auth == NULL ||
	    md_auth_check(s->o.auth, h->auth, &f->role, f->who, sizeof f->who,
	                  &f->auth_generation) != 0)
		return ML_E_UNAUTHORIZED;
	f->token_ok = true;
	bool method_ok = false;
	uint64_t seq;
	enum ma_route route =
	    ma_api_route(h->method, h->target, &method_ok, &seq);
	f->message = "this token's role may not send this request";
	if (body && route != MA_ROUTE_NONE && method_ok &&
	    f->role < ma_route_info(route)->role)
		return ML_E_FORBIDDEN;
	return 0;
}

/* --- refusing ------------------------------------------------------------ */

/* The request log's line for a refusal, as md_req_finish writes one. */
static void md_door_log(struct md_door *d, const struct md_head *h, int status,
                        const char *id, const char *who, int64_t start_us)
{
	struct md_loop *l = d->site->loop;
	char peer[MD_PEER_TEXT_MAX];
	int64_t us = md_door_mono_us() - start_us;
	md_metrics_request(l->srv->o.metrics, MA_ROUTE_NONE, status, us);
	struct md_logline line;
	md_logline_start(&line, MD_LOG_INFO, "request");
	md_logline_str(&line, "method", h->method ? h->method : "-");
	md_logline_str(&line, "path", h->target ? h->target : "-");
	if (h->query != NULL)
		md_logline_query(&line, "query", h->query);
	md_logline_i64(&line, "status", status);
	md_logline_i64(&line, "us", us);
	md_logline_str(&line, "id", id);
	md_logline_str(&line, "who", who);
	md_logline_str(&line, "via",
	               d->site->via == MD_VIA_UNIX ? "unix" : "tcp");
	md_peer_text(d->sock ? bufferevent_getfd(d->sock) : -1,
	             d->site->via == MD_VIA_TCP, peer, sizeof peer);
	md_logline_str(&line, "peer", peer);
	md_logline_str(&line, "door", "refused");
	md_loop_log(l, &line);
}

static const char *md_reason(int status)
{
	switch (status) {
	case 400:
		return "Bad Request";
	case 401:
		return "Unauthorized";
	case 403:
		return "Forbidden";
	case 413:
		return "Payload Too Large";
	case 501:
		return "Not Implemented";
	case 503:
		return "Service Unavailable";
	default:
		return "Error";
	}
}

/* Writes the API's JSON error for code into the socket's output, and
 * turns the door to SHUT. Returns the status sent. */
static int md_door_answer(struct md_door *d, int code, const char *message,
                          const char *id)
{
	struct ma_response resp;
	ma_response_init(&resp);
	ma_response_error(&resp, code, -1, NULL, "%s", message);
	int status = resp.status ? resp.status : 500;
	struct evbuffer *out = bufferevent_get_output(d->sock);
	evbuffer_add_printf(out,
	                    "HTTP/1.1 %d %s\r\n"
	                    "Content-Type: application/json\r\n"
	                    "X-Request-Id: %s\r\n"
	                    "Connection: close\r\n"
	                    "Content-Length: %zu\r\n\r\n",
	                    status, md_reason(status), id, resp.body.len);
	evbuffer_add(out, resp.body.data, resp.body.len);
	ma_response_free(&resp);
	d->phase = MD_DOOR_SHUT;
	bufferevent_enable(d->sock, EV_WRITE);
	return status;
}

/* The socket's output changed: SHUT → shut the socket down once the
 * answer is out (evhttp then reads the end and frees the connection);
 * evhttp's bytes all written, or a head held in WAIT → kick. */
static void md_door_on_out(struct evbuffer *out,
                           const struct evbuffer_cb_info *info, void *arg)
{
	struct md_door *d = arg;
	(void)info;
	if (d->phase == MD_DOOR_SHUT && evbuffer_get_length(out) == 0)
		shutdown(bufferevent_getfd(d->sock), SHUT_RDWR);
	else if (d->phase == MD_DOOR_WAIT ||
	         (d->moved && evbuffer_get_length(out) == 0))
		event_active(d->kick, EV_WRITE, 0);
}

static bool md_door_idle(struct md_door *d);

/* --- timeouts ------------------------------------------------------------ */

static void md_door_arm(struct md_door *d, int seconds)
{
	struct timeval tv = {seconds, 0};
	evtimer_add(d->timer, &tv);
}

/* Too slow or idle too long: shut the socket down (evhttp reads the end
 * and frees the connection, as after a refusal) and drop what comes. */
static void md_door_close(struct md_door *d)
{
	d->phase = MD_DOOR_SHUT;
	evbuffer_drain(bufferevent_get_input(d->sock),
	               evbuffer_get_length(bufferevent_get_input(d->sock)));
	shutdown(bufferevent_getfd(d->sock), SHUT_RDWR);
}

/* Whether the body window that ended brought what the floor asks:
 * MD_BODY_BYTES_PER_S_MIN × MD_BODY_WINDOW_S, or the rest of the body
 * when that is less (a chunked body's rest is not known). */
static bool md_door_body_fast(const struct md_door *d)
{
	uint64_t floor_bytes =
	    (uint64_t)MD_BODY_BYTES_PER_S_MIN * MD_BODY_WINDOW_S;
	uint64_t rest = UINT64_MAX;
	if (d->phase == MD_DOOR_BODY)
		rest = d->body_left_bytes + d->window_bytes;
	return d->window_bytes >= (rest < floor_bytes ? rest : floor_bytes);
}

/* The timer ran out. HEAD: the head took MD_HEAD_TIMEOUT_S; a body phase:
 * a window ended, too slow or not; WAIT: idle MD_IDLE_TIMEOUT_S after an
 * answer, unless evhttp is still busy with the connection. */
static void md_door_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct md_door *d = arg;
	(void)fd;
	(void)what;
	switch (d->phase) {
	case MD_DOOR_SHUT:
		return;
	case MD_DOOR_WAIT:
		if (!md_door_idle(d)) {
			md_door_arm(d, MD_IDLE_TIMEOUT_S);
			return;
		}
		break;
	case MD_DOOR_BODY:
	case MD_DOOR_CHUNK_SIZE:
	case MD_DOOR_CHUNK_DATA:
	case MD_DOOR_CHUNK_END:
	case MD_DOOR_CHUNK_LAST:
		if (md_door_body_fast(d)) {
			d->window_bytes = 0;
			md_door_arm(d, MD_BODY_WINDOW_S);
			return;
		}
		break;
	case MD_DOOR_HEAD:
		break;
	}
	md_door_close(d);
}

/* --- the phases ---------------------------------------------------------- */

/* Looks at src's bytes not yet scanned for the empty line that ends the
 * head. Returns the head's length, or 0 while it is not complete. */
static size_t md_door_scan(struct md_door *d, struct evbuffer *src)
{
	size_t have = evbuffer_get_length(src);
	size_t upto = have < MD_HEADERS_BYTES_MAX ? have : MD_HEADERS_BYTES_MAX;
	char chunk[1024];
	while (d->scan_bytes < upto) {
		struct evbuffer_ptr at;
		size_t n = upto - d->scan_bytes;
		n = n < sizeof chunk ? n : sizeof chunk;
		evbuffer_ptr_set(src, &at, d->scan_bytes, EVBUFFER_PTR_SET);
		ev_ssize_t got = evbuffer_copyout_from(src, &at, chunk, n);
		ML_ASSERT(got == (ev_ssize_t)n);
		for (size_t i = 0; i < n; i++) {
			if (chunk[i] == '\n' && d->line_bytes == 0)
				return d->scan_bytes + i + 1;
			if (chunk[i] == '\n')
				d->line_bytes = 0;
			else if (chunk[i] != '\r')
				d->line_bytes++;
		}
		d->scan_bytes += n;
	}
	return 0;
}

static int md_door_prove(struct md_door *d, struct md_refusal *f);

/* Parses and judges a complete head of len bytes at the start of src. */
static int md_door_judge(struct md_door *d, struct evbuffer *src, size_t len,
                         struct md_head *h, struct md_refusal *f, char *copy)
{
	evbuffer_copyout(src, copy, len);
	int code = md_head_parse(copy, len, h, &f->message);
	if (code == 0)
		code = md_head_framing(h, &f->message);
	if (code == 0)
		code = md_head_access(d, h, f);
	if (code == 0)
		code = md_door_prove(d, f);
	return code;
}

/* Answers code (md_door_answer), logs it, drops what src holds. */
static enum bufferevent_filter_result
md_door_refuse(struct md_door *d, struct evbuffer *src, const struct md_head *h,
               int code, const struct md_refusal *f, int64_t start_us)
{
	char id[MD_REQUEST_ID_MAX + 1];
	md_req_id_make(d->site->loop->srv, h->request_id, id);
	int status = md_door_answer(d, code, f->message, id);
	md_door_log(d, h, status, id, f->who, start_us);
	evbuffer_drain(src, evbuffer_get_length(src));
	return BEV_NEED_MORE;
}

/* A TCP connection gets TCP_NODELAY: an answer leaves in more than one
 * write (head, body, chunks), and with Nagle's algorithm its last short
 * segment waits for the client's ACK of the one before, which a Linux
 * client delays by up to 40 ms on a kept-alive connection. Measured
 * (docs/performance.md, 2026-12-02 h-web): GET /v1/events?limit=200 of
 * the worked examples (66 KB) took 44 ms a request over one kept-alive
 * connection, 1 ms with a new connection each time. medeld writes whole
 * answers, so nothing is gained by holding a segment back. */
static void md_door_nodelay(int fd)
{
	int one = 1;
	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
		                 sizeof one);
}

/* The connection's first moment with a descriptor (evhttp sets it after
 * md_door_bev returns): a served slot (md_conns_admit), or 503 at once,
 * before its request is read. */
static void md_door_admit(struct md_door *d)
{
	struct md_conns *c = &d->site->loop->srv->conns;
	struct md_head none = {0};
	struct md_refusal f = {.who = "-", .message = "too many connections"};
	struct sockaddr_storage peer;
	socklen_t peer_len = sizeof peer;
	int fd = bufferevent_getfd(d->sock);
	int rc = -1;
	d->admit_done = true;
	if (d->site->via == MD_VIA_UNIX) {
		rc = md_conns_unix_ok(c) ? 0 : -1;
	} else {
		md_door_nodelay(fd);
		bool known =
		    fd >= 0 &&
		    getpeername(fd, (struct sockaddr *)&peer, &peer_len) == 0;
		rc = md_conns_admit(c, known ? (struct sockaddr *)&peer : NULL,
		                    &d->conn, &f.message);
	}
	if (rc != 0)
		md_door_refuse(d, bufferevent_get_input(d->sock), &none,
		               ML_E_UNAVAILABLE, &f, md_door_mono_us());
}

/* Another connection took this one's slot (md_conns.h: it had shown no
 * token, and was the oldest such): answered 503 unless it is answered
 * already. Runs on d's loop; activated from any. */
static void md_door_on_evict(evutil_socket_t fd, short what, void *arg)
{
	struct md_door *d = arg;
	struct md_head none = {0};
	struct md_refusal f = {.who = "-",
	                       .message = "too many connections: this one "
	                                  "had shown no token, and another "
	                                  "needed its place"};
	(void)fd;
	(void)what;
	if (d->phase != MD_DOOR_HEAD)
		return; /* refused or shut already */
	md_door_refuse(d, bufferevent_get_input(d->sock), &none,
	               ML_E_UNAVAILABLE, &f, md_door_mono_us());
}

/* A head passed on TCP. With a valid token the connection keeps its
 * slot from now on; without one (the web view's public files) it stays
 * unproven. Either way, one that lost its slot before is answered 503. */
static int md_door_prove(struct md_door *d, struct md_refusal *f)
{
	if (d->site->via != MD_VIA_TCP || d->proven || !d->opened)
		return 0;
	d->proven = f->token_ok;
	if (md_conns_proven(&d->site->loop->srv->conns, &d->conn, f->token_ok))
		return 0;
	f->message = "too many connections: this one had shown no token, "
	             "and another needed its place";
	return ML_E_UNAVAILABLE;
}

/* Whether the head begun in src cannot be HTTP/1.x: its first byte
 * starts no method. A TLS client on a plain port (its ClientHello starts
 * 0x16) then learns it at once instead of at the head timeout; *why says
 * so. */
static bool md_door_not_http(const struct md_door *d, struct evbuffer *src,
                             const char **why)
{
	unsigned char first = 0;
	if (evbuffer_copyout(src, &first, 1) != 1 || md_is_tchar(first))
		return false;
	*why = d->site->tls != NULL || first != 0x16
	           ? "the request does not begin with an HTTP method"
	           : "a TLS handshake on a port that speaks plain HTTP";
	return true;
}

/* The verdict on a head about to pass (md_door.h): the loop's one, for
 * this connection when it showed a valid token, else none. */
static void md_door_verdict_give(struct md_door *d, const struct md_refusal *f)
{
	struct md_door_verdict *v = &d->site->loop->verdict;
	v->bev = f->token_ok ? d->bev : NULL;
	if (!f->token_ok)
		return;
	v->auth_generation = f->auth_generation;
	v->role = f->role;
	memcpy(v->who, f->who, sizeof v->who);
}

bool md_door_verdict_take(struct md_loop *l, const struct bufferevent *bev,
                          struct md_auth *auth, enum ma_role *role, char *who,
                          size_t who_size)
{
	struct md_door_verdict *v = &l->verdict;
	if (bev == NULL || v->bev != bev)
		return false;
	v->bev = NULL; /* one request per verdict */
	if (auth == NULL || v->auth_generation != md_auth_generation(auth))
		return false; /* reloaded since: check against the new table */
	ML_ASSERT(v->role != MA_ROLE_NONE);
	*role = v->role;
	snprintf(who, who_size, "%s", v->who);
	return true;
}

/* HEAD: admits a complete head (→ BODY, CHUNK_SIZE or WAIT) or refuses
 * it. */
static enum bufferevent_filter_result
md_door_head(struct md_door *d, struct evbuffer *src, struct evbuffer *dst)
{
	int64_t start_us = md_door_mono_us();
	char copy[MD_HEADERS_BYTES_MAX + 1];
	struct md_head h = {0};
	struct md_refusal f = {.message = "the request line and headers are "
	                                  "over 16384 bytes"};
	memcpy(f.who, "-", 2);
	size_t len = md_door_scan(d, src);
	int code = ML_E_BAD_REQUEST;
	/* Not HTTP: refused at its first byte, not at the head timeout. */
	bool now = len == 0 && md_door_not_http(d, src, &f.message);
	if (len == 0 && !now && evbuffer_get_length(src) < MD_HEADERS_BYTES_MAX)
		return BEV_NEED_MORE;
	if (len > 0)
		code = md_door_judge(d, src, len, &h, &f, copy);
	if (code != 0)
		return md_door_refuse(d, src, &h, code, &f, start_us);
	md_door_verdict_give(d, &f);
	evbuffer_remove_buffer(src, dst, len);
	d->scan_bytes = d->line_bytes = 0;
	bool no_body = strcmp(h.method, "HEAD") == 0 ||
	               strcmp(h.method, "TRACE") == 0; /* as evhttp reads */
	d->body_left_bytes = no_body ? 0 : h.content_length;
	d->chunked_bytes = 0;
	if (h.te != NULL && !no_body)
		d->phase = MD_DOOR_CHUNK_SIZE;
	else
		d->phase = d->body_left_bytes > 0 ? MD_DOOR_BODY : MD_DOOR_WAIT;
	d->window_bytes = 0;
	if (d->phase == MD_DOOR_WAIT)
		evtimer_del(d->timer); /* evhttp's now, until it answers */
	else
		md_door_arm(d, MD_BODY_WINDOW_S);
	return BEV_OK;
}

static enum bufferevent_filter_result
md_door_body(struct md_door *d, struct evbuffer *src, struct evbuffer *dst)
{
	size_t have = evbuffer_get_length(src);
	size_t n = have < d->body_left_bytes ? have : d->body_left_bytes;
	if (n == 0)
		return BEV_NEED_MORE;
	evbuffer_remove_buffer(src, dst, n);
	d->body_left_bytes -= n;
	d->window_bytes += n;
	if (d->body_left_bytes == 0)
		d->phase = d->phase == MD_DOOR_CHUNK_DATA ? MD_DOOR_CHUNK_END
		                                          : MD_DOOR_WAIT;
	if (d->phase == MD_DOOR_WAIT)
		evtimer_del(d->timer);
	return BEV_OK;
}

/* CHUNK_SIZE: a line of 1 ..= 15 hex digits and CRLF. Returns 0 with the
 * line's length in *line_bytes and the size in *size, 1 while the line
 * is not all there, or ML_E_* with why. */
static int md_door_chunk_line(struct evbuffer *src, size_t *line_bytes,
                              uint64_t *size, const char **why)
{
	char line[MD_CHUNK_LINE_BYTES_MAX + 1];
	ev_ssize_t got = evbuffer_copyout(src, line, sizeof line - 1);
	const char *nl = got > 0 ? memchr(line, '\n', (size_t)got) : NULL;
	*why = "a chunk size line is not 1 to 15 hex digits and CRLF";
	if (nl == NULL)
		return got < MD_CHUNK_LINE_BYTES_MAX ? 1 : ML_E_BAD_REQUEST;
	size_t digits = (size_t)(nl - line) - 1;
	if (nl == line || nl[-1] != '\r' || digits == 0 || digits > 15)
		return ML_E_BAD_REQUEST;
	line[digits] = '\0';
	if (strspn(line, "0123456789abcdefABCDEF") != digits)
		return ML_E_BAD_REQUEST;
	*size = strtoull(line, NULL, 16);
	*line_bytes = digits + 2;
	return 0;
}

/* The CHUNK_* phases. Only what is admitted reaches evhttp, which parses
 * the chunks again; a refusal comes from the door, as for a head. */
static enum bufferevent_filter_result
md_door_chunked(struct md_door *d, struct evbuffer *src, struct evbuffer *dst)
{
	struct md_head none = {0};
	struct md_refusal f = {.who = "-"};
	char crlf[2];
	size_t line_bytes = 0;
	uint64_t size = 0;
	int rc = 0;
	if (d->phase == MD_DOOR_CHUNK_DATA)
		return md_door_body(d, src, dst);
	if (d->phase == MD_DOOR_CHUNK_SIZE) {
		rc = md_door_chunk_line(src, &line_bytes, &size, &f.message);
		if (rc == 0 && size > ML_BODY_BYTES_MAX - d->chunked_bytes) {
			f.message = "the body is over 8 MiB (8388608 bytes)";
			rc = ML_E_TOO_LARGE;
		}
	} else if (evbuffer_copyout(src, crlf, 2) < 2) {
		rc = 1;
	} else if (memcmp(crlf, "\r\n", 2) != 0) {
		f.message = d->phase == MD_DOOR_CHUNK_LAST
		                ? "trailers after a chunked body"
		                : "a chunk's data does not end in CRLF";
		rc = ML_E_BAD_REQUEST;
	}
	if (rc == 1)
		return BEV_NEED_MORE;
	if (rc != 0)
		return md_door_refuse(d, src, &none, rc, &f, md_door_mono_us());
	if (d->phase == MD_DOOR_CHUNK_SIZE) {
		evbuffer_remove_buffer(src, dst, line_bytes);
		d->window_bytes += line_bytes;
		d->chunked_bytes += size;
		d->body_left_bytes = size;
		d->phase = size > 0 ? MD_DOOR_CHUNK_DATA : MD_DOOR_CHUNK_LAST;
		return BEV_OK;
	}
	evbuffer_remove_buffer(src, dst, 2);
	d->window_bytes += 2;
	d->phase =
	    d->phase == MD_DOOR_CHUNK_LAST ? MD_DOOR_WAIT : MD_DOOR_CHUNK_SIZE;
	if (d->phase == MD_DOOR_WAIT)
		evtimer_del(d->timer);
	return BEV_OK;
}

/* WAIT is over when evhttp has taken the whole request (its input is
 * empty), reads again, and the answer has left the socket's output. */
static bool md_door_idle(struct md_door *d)
{
	return evbuffer_get_length(bufferevent_get_input(d->bev)) == 0 &&
	       (bufferevent_get_enabled(d->bev) & EV_READ) &&
	       evbuffer_get_length(bufferevent_get_output(d->sock)) == 0 &&
	       evbuffer_get_length(bufferevent_get_output(d->bev)) == 0;
}

static enum bufferevent_filter_result
md_door_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
           enum bufferevent_flush_mode mode, void *arg)
{
	struct md_door *d = arg;
	(void)limit; /* evhttp sets no read watermark */
	(void)mode;
	if (!d->admit_done)
		md_door_admit(d);
	switch (d->phase) {
	case MD_DOOR_SHUT:
		evbuffer_drain(src, evbuffer_get_length(src));
		return BEV_NEED_MORE;
	case MD_DOOR_CHUNK_SIZE:
	case MD_DOOR_CHUNK_DATA:
	case MD_DOOR_CHUNK_END:
	case MD_DOOR_CHUNK_LAST:
		return md_door_chunked(d, src, dst);
	case MD_DOOR_BODY:
		return md_door_body(d, src, dst);
	case MD_DOOR_WAIT:
		if (!md_door_idle(d))
			return BEV_NEED_MORE;
		d->phase = MD_DOOR_HEAD;
		md_door_arm(d, MD_HEAD_TIMEOUT_S); /* from its first byte */
		return md_door_head(d, src, dst);
	case MD_DOOR_HEAD:
		return md_door_head(d, src, dst);
	}
	return BEV_ERROR;
}

/* On a plain connection (TCP or the Unix socket), evhttp's bytes are
 * written to the socket at once, as nginx writes an answer as soon as it
 * has it; only what the kernel does not take now goes to the socket
 * bufferevent's output, which writes it when the socket is writable
 * again. Handing every answer to the socket bufferevent instead cost,
 * per answer, an EV_WRITE turned on and off (two epoll_ctl) and one more
 * pass of the loop for the writev (docs/performance.md, 2026-12-03
 * h-md). Only when that output is empty, so bytes never overtake each
 * other; not over TLS, whose bufferevent encrypts. A failed write is left
 * for the socket bufferevent to meet on its own write (the rest of the
 * answer goes there), as before. The loop's batch of log lines is
 * written first (md_log.h). */
static void md_door_write_now(struct md_door *d, struct evbuffer *src,
                              const struct evbuffer *dst)
{
	int fd = bufferevent_getfd(d->sock);
	md_loop_log_flush(d->site->loop);
	if (d->site->tls != NULL || fd < 0 || evbuffer_get_length(dst) > 0)
		return;
	(void)evbuffer_write(src, fd);
}

/* The output side. evhttp's bytes go to the socket unchanged, but evhttp
 * must learn that they are written only when the socket has taken them:
 * a filter would call its write callback as soon as they are in the
 * socket bufferevent's output, and evhttp, answering with Connection:
 * close, would free the connection, and the answer with it. So this
 * function writes or moves the bytes (md_door_write_now) and says
 * BEV_NEED_MORE (no callback), and the kick calls evhttp's write callback
 * once the socket's output is empty (kicked from here when all was
 * written, since the socket's output then never changed). */
static enum bufferevent_filter_result
md_door_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t limit,
            enum bufferevent_flush_mode mode, void *arg)
{
	struct md_door *d = arg;
	(void)limit; /* the socket bufferevent has no write watermark */
	(void)mode;
	if (evbuffer_get_length(src) > 0) {
		md_door_write_now(d, src, dst);
		evbuffer_add_buffer(dst, src);
		d->moved = true;
		if (evbuffer_get_length(dst) == 0) /* all written: no cb */
			event_active(d->kick, EV_WRITE, 0);
	}
	return BEV_NEED_MORE;
}

/* evhttp wrote to the filter's output. evhttp 2.1 writes an answer
 * before it enables writing, and enabling a filter moves nothing, so the
 * answer would sit there: the kick moves it on. */
static void md_door_on_bev_out(struct evbuffer *out,
                               const struct evbuffer_cb_info *info, void *arg)
{
	struct md_door *d = arg;
	if (info->n_added > 0 && evbuffer_get_length(out) > 0)
		event_active(d->kick, EV_WRITE, 0);
}

/* A pipelined head held in WAIT, once evhttp is idle: run the filter
 * over it and tell evhttp when something passed. */
static void md_door_resume(struct md_door *d)
{
	if (d->phase != MD_DOOR_WAIT || !md_door_idle(d) ||
	    evbuffer_get_length(bufferevent_get_input(d->sock)) == 0)
		return;
	bufferevent_flush(d->bev, EV_READ, BEV_NORMAL);
	if (evbuffer_get_length(bufferevent_get_input(d->bev)) > 0)
		bufferevent_trigger(d->bev, EV_READ, 0);
}

/* Moves evhttp's bytes on; tells evhttp when they are written; resumes a
 * held head. Each of the first two may end in evhttp freeing the
 * connection and this door with it: d is not touched after them. */
static void md_door_on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct md_door *d = arg;
	(void)fd;
	(void)what;
	if (!d->admit_done) {
		md_door_admit(d);
		return;
	}
	bool writing = bufferevent_get_enabled(d->bev) & EV_WRITE;
	struct evbuffer *bev_out = bufferevent_get_output(d->bev);
	if (writing && evbuffer_get_length(bev_out) > 0) {
		bufferevent_flush(d->bev, EV_WRITE, BEV_NORMAL);
		return; /* the socket's output empties and kicks again */
	}
	if (writing && d->moved && evbuffer_get_length(bev_out) == 0 &&
	    evbuffer_get_length(bufferevent_get_output(d->sock)) == 0) {
		d->moved = false;
		if (d->phase == MD_DOOR_WAIT) { /* after evhttp reads again */
			event_active(d->kick, EV_WRITE, 0);
			md_door_arm(d, MD_IDLE_TIMEOUT_S);
		}
		bufferevent_enable(d->bev, EV_WRITE); /* restarts its timeout */
		bufferevent_trigger(d->bev, EV_WRITE, 0);
		return;
	}
	md_door_resume(d);
}

/* --- life cycle ---------------------------------------------------------- */

static void md_door_free(void *arg)
{
	struct md_door *d = arg;
	if (d == NULL)
		return;
	if (d->site->loop->verdict.bev == d->bev)
		d->site->loop->verdict.bev =
		    NULL; /* its memory may be reused */
	/* First: from then on no other loop activates d's evict event. */
	if (d->opened) {
		md_conns_close(&d->site->loop->srv->conns, d->site->via,
		               &d->conn);
		md_loop_trim_soon(d->site->loop);
	}
	if (d->conn.evict != NULL)
		event_free(d->conn.evict);
	if (d->bev_out_cb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(d->bev),
		                         d->bev_out_cb);
	if (d->out_cb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(d->sock),
		                         d->out_cb);
	if (d->kick != NULL)
		event_free(d->kick);
	if (d->timer != NULL)
		event_free(d->timer);
	free(d);
}

/* The socket's bufferevent: a plain one, or on a TLS listener an
 * OpenSSL one that will accept a handshake once evhttp gives it the
 * descriptor (it then owns and frees the SSL). NULL when out of memory. */
static struct bufferevent *md_door_socket(struct event_base *base,
                                          const struct md_door_site *site)
{
	if (site->tls == NULL)
		return bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
	SSL *ssl = md_tls_ssl_new(site->tls);
	if (ssl == NULL)
		return NULL;
	struct bufferevent *b = bufferevent_openssl_socket_new(
	    base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (b == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* A client that closes without close_notify (curl, most browsers)
	 * ends the stream like a plain one does, not with an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(b, 1);
	return b;
}

/* The socket bufferevent and the filter over it; from then on the filter
 * owns d (md_door_free) and the socket. */
static struct bufferevent *md_door_build(struct event_base *base,
                                         struct md_door *d)
{
	d->kick = event_new(base, -1, 0, md_door_on_kick, d);
	d->timer = evtimer_new(base, md_door_on_timer, d);
	d->conn.evict = event_new(base, -1, 0, md_door_on_evict, d);
	d->sock = md_door_socket(base, d->site);
	if (d->kick == NULL || d->timer == NULL || d->conn.evict == NULL ||
	    d->sock == NULL)
		goto fail;
	d->bev = bufferevent_filter_new(d->sock, md_door_in, md_door_out,
	                                BEV_OPT_CLOSE_ON_FREE, md_door_free, d);
	if (d->bev == NULL)
		goto fail;
	d->out_cb =
	    evbuffer_add_cb(bufferevent_get_output(d->sock), md_door_on_out, d);
	d->bev_out_cb = evbuffer_add_cb(bufferevent_get_output(d->bev),
	                                md_door_on_bev_out, d);
	if (d->out_cb == NULL || d->bev_out_cb == NULL) {
		bufferevent_free(d->bev); /* frees d and the socket */
		return NULL;
	}
	return d->bev;
fail:
	if (d->sock != NULL)
		bufferevent_free(d->sock);
	md_door_free(d);
	return NULL;
}

struct bufferevent *md_door_bev(struct event_base *base, void *arg)
{
	struct md_door *d = calloc(1, sizeof *d);
	struct bufferevent *bev = NULL;
	if (d != NULL) {
		d->site = arg;
		d->phase = MD_DOOR_HEAD;
		bev = md_door_build(base, d);
	}
	if (bev == NULL) {
		md_log(MD_LOG_ERROR, "door",
		       "out of memory for a connection's front door");
		return NULL;
	}
	struct md_loop *l = d->site->loop;
	d->opened = true;
	if (md_conns_open(&l->srv->conns, d->site->via))
		md_loop_pause_tcp(l);
	md_door_arm(d, MD_HEAD_TIMEOUT_S);
	event_active(d->kick, EV_WRITE, 0); /* admits, once evhttp set fd */
	return bev;
}
