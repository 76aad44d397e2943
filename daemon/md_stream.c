/*
 * md_stream.c — chunked answers fed by a producer thread through a pipe.
 *
 * See md_stream.h for the contract. The state of one stream lives on its
 * loop (struct md_stream) except produce_rc, which the producer writes
 * before it hands the request back through md_req_done_push (whose mutex
 * orders the write before the loop's read). The stream ends when both
 * have happened: the producer returned (`produced`) and the pipe is
 * drained or abandoned (`eof`), and no chunk is in flight (`sending`).
 *
 *   readable ─read─► chunk ─send─► (sending) ─on_sent─► readable …
 *   EOF / client gone ─► eof;  producer returned ─► produced;  both ─► end
 *
 * Slots (md_stream_take): the running streams are listed in the server's
 * stream_slots under one lock, with their caller and whether they are a
 * backup, so that a new one can be judged against every ceiling of
 * md_limits.h — in all, per caller, below admin, and the last slot kept
 * for a backup — by one scan of MD_STREAMS_MAX entries.
 *
 * Stalls: while a chunk is in flight a timer ticks each second and looks
 * at how many bytes of the connection's output (the filter's and the
 * socket bufferevent's under it) are still in medeld; when that has not
 * gone down for stream_stall_s, the client reads nothing, and the stream
 * is cut: the connection is freed at once (its slot of md_conns with
 * it), the pipe's read end closed so the producer returns with EPIPE, and
 * the stream ends when it has, logged with status 408.
 */
#include "md_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/keyvalq_struct.h>

#include "ml_assert.h"

#include "md_log.h"

struct md_stream {
	struct md_req *r;
	struct ma_stream *body; /* what the producer thread writes */
	int rfd, wfd;           /* the pipe; -1 once closed */
	struct event *readable;
	struct evbuffer *chunk;
	struct event *stall;  /* ticks each second while a chunk is in flight */
	int64_t progress_us;  /* when the client last took bytes */
	size_t pending_bytes; /* of the connection's output, at progress_us */
	int slot;             /* in srv->stream_slots; -1: none */
	pthread_t thread;
	int produce_rc; /* written by the producer thread */
	bool produced, eof, started, gone, sending, cut, stalled;
	uint64_t bytes;
};

static pthread_mutex_t md_stream_lock = PTHREAD_MUTEX_INITIALIZER;

/* Why a stream of r (a backup or not) may not start now, or NULL. Called
 * under md_stream_lock. */
static const char *md_stream_refusal(const struct md_server *srv,
                                     const struct md_req *r, bool backup)
{
	unsigned all = 0, below = 0, mine = 0;
	for (unsigned i = 0; i < MD_STREAMS_MAX; i++) {
		const struct md_stream_slot *t = &srv->stream_slots[i];
		if (!t->used)
			continue;
		all++;
		below += t->role < MA_ROLE_ADMIN;
		mine += t->via == r->via && strcmp(t->who, r->who) == 0;
	}
	if (all >= MD_STREAMS_MAX)
		return "every stream slot (backups, exports) is taken";
	if (mine >= MD_STREAMS_PER_CALLER_MAX)
		return "this caller already runs as many streams (backups, "
		       "exports) as one may";
	if (r->role < MA_ROLE_ADMIN && below >= MD_STREAMS_BELOW_ADMIN_MAX)
		return "the stream slots for read and write tokens are taken";
	if (!backup && all + 1 >= MD_STREAMS_MAX)
		return "the last stream slot is kept for an admin's backup";
	return NULL;
}

/* A slot for r's stream (its index), or -1 with *why. */
static int md_stream_take(struct md_req *r, bool backup, const char **why)
{
	struct md_server *srv = r->loop->srv;
	int slot = -1;
	pthread_mutex_lock(&md_stream_lock);
	*why = md_stream_refusal(srv, r, backup);
	for (int i = 0; *why == NULL && i < MD_STREAMS_MAX; i++) {
		struct md_stream_slot *t = &srv->stream_slots[i];
		if (t->used)
			continue;
		*t = (struct md_stream_slot){.used = true,
		                             .backup = backup,
		                             .via = r->via,
		                             .role = r->role};
		memcpy(t->who, r->who, sizeof t->who);
		slot = i;
		break;
	}
	pthread_mutex_unlock(&md_stream_lock);
	ML_ASSERT(slot >= 0 || *why != NULL);
	return slot;
}

static void md_stream_give(struct md_server *srv, int slot)
{
	if (slot < 0)
		return;
	pthread_mutex_lock(&md_stream_lock);
	ML_ASSERT(srv->stream_slots[slot].used);
	srv->stream_slots[slot].used = false;
	pthread_mutex_unlock(&md_stream_lock);
}

static int64_t md_stream_mono_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void md_stream_free(struct md_stream *s)
{
	if (s->readable != NULL)
		event_free(s->readable);
	if (s->stall != NULL)
		event_free(s->stall);
	if (s->rfd >= 0)
		close(s->rfd);
	if (s->wfd >= 0)
		close(s->wfd);
	if (s->chunk != NULL)
		evbuffer_free(s->chunk);
	ma_stream_free(s->body);
	md_stream_give(s->r->loop->srv, s->slot);
	free(s);
}

/* Stops reading: the pipe's read end is closed, so a producer still
 * writing gets EPIPE and returns. */
static void md_stream_stop_reading(struct md_stream *s)
{
	event_del(s->readable);
	if (s->rfd >= 0)
		close(s->rfd);
	s->rfd = -1;
	s->eof = true;
}

static void md_stream_begin(struct md_stream *s)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(s->r->evreq);
	char disp[160];
	evhttp_add_header(h, "Content-Type", ma_stream_content_type(s->body));
	if (ma_stream_filename(s->body) != NULL) {
		snprintf(disp, sizeof disp, "attachment; filename=\"%s\"",
		         ma_stream_filename(s->body));
		evhttp_add_header(h, "Content-Disposition", disp);
	}
	md_req_headers(s->r);
	evhttp_send_reply_start(s->r->evreq, 200, "OK");
	s->started = true;
}

/* Closes the connection without the final chunk: the client sees a
 * truncated transfer. Frees the request (evhttp_connection_free). */
static void md_stream_cut(struct md_stream *s)
{
	struct evhttp_connection *c =
	    evhttp_request_get_connection(s->r->evreq);
	s->cut = true;
	if (c != NULL) {
		evhttp_connection_set_closecb(c, NULL, NULL);
		evhttp_connection_free(c);
	} else {
		evhttp_send_reply_end(s->r->evreq); /* frees a detached req */
	}
}

static void md_stream_end(struct md_stream *s)
{
	struct md_req *r = s->r;
	int rc = s->produce_rc, status = 200;
	uint64_t bytes = s->bytes;
	pthread_join(s->thread, NULL);
	if (s->stalled) { /* the connection and evreq are gone already */
		md_stream_free(s);
		r->stream = NULL;
		md_req_finish(r, 408, bytes);
		return;
	}
	struct evhttp_connection *c = evhttp_request_get_connection(r->evreq);
	if (!s->started && !s->gone && rc != 0) {
		md_stream_free(s);
		r->stream = NULL;
		md_req_fail(r, rc, "the stream could not be produced: %s",
		            ml_strerror(rc));
		return;
	}
	if (s->gone) {
		status = 499; /* the client went away (nginx's code) */
		evhttp_send_reply_end(r->evreq); /* frees the detached req */
	} else if (rc != 0) {
		status = ml_error_status(rc);
		md_log(MD_LOG_ERROR, "stream", "id=%s cut after %llu bytes: %s",
		       r->id, (unsigned long long)bytes, ml_strerror(rc));
		md_stream_cut(s);
	} else {
		if (!s->started)
			md_stream_begin(s);
		if (c != NULL)
			evhttp_connection_set_closecb(c, NULL, NULL);
		md_req_drain(r);
		evhttp_send_reply_end(r->evreq);
	}
	md_stream_free(s);
	r->stream = NULL;
	md_req_finish(r, status, bytes);
}

static void md_stream_maybe_end(struct md_stream *s)
{
	if (s->produced && s->eof && !s->sending)
		md_stream_end(s);
}

static void md_stream_on_sent(struct evhttp_connection *c, void *arg)
{
	struct md_stream *s = arg;
	(void)c;
	s->sending = false;
	event_del(s->stall);
	if (!s->eof)
		event_add(s->readable, NULL);
	md_stream_maybe_end(s);
}

static void md_stream_on_close(struct evhttp_connection *c, void *arg)
{
	struct md_stream *s = arg;
	(void)c;
	s->gone = true;
	s->sending = false;
	event_del(s->stall);
	md_stream_stop_reading(s);
	md_stream_maybe_end(s);
}

/* Bytes of r's answer still in medeld: in the connection's bufferevent
 * (the door's filter) and in the one under it (md_door.h). */
static size_t md_stream_pending(const struct md_stream *s)
{
	struct evhttp_connection *c =
	    evhttp_request_get_connection(s->r->evreq);
	if (c == NULL)
		return 0;
	struct bufferevent *b = evhttp_connection_get_bufferevent(c);
	struct bufferevent *under = bufferevent_get_underlying(b);
	size_t n = evbuffer_get_length(bufferevent_get_output(b));
	if (under != NULL)
		n += evbuffer_get_length(bufferevent_get_output(under));
	return n;
}

/* The client took nothing for stream_stall_s: free the connection now
 * (the closecb is not called) and stop reading, so the producer returns;
 * the stream ends when it has (md_stream_end, status 408). */
static void md_stream_cut_stalled(struct md_stream *s)
{
	struct evhttp_connection *c =
	    evhttp_request_get_connection(s->r->evreq);
	md_log(MD_LOG_WARN, "stream",
	       "id=%s cut after %llu bytes: its client read nothing for %u s",
	       s->r->id, (unsigned long long)s->bytes,
	       s->r->loop->srv->stream_stall_s);
	s->stalled = s->cut = true;
	s->sending = false;
	event_del(s->stall);
	if (c != NULL) {
		evhttp_connection_set_closecb(c, NULL, NULL);
		evhttp_connection_free(c); /* and s->r->evreq with it */
	}
	md_stream_stop_reading(s);
	md_stream_maybe_end(s);
}

static void md_stream_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct md_stream *s = arg;
	(void)fd;
	(void)what;
	int64_t now_us = md_stream_mono_us();
	size_t pending = md_stream_pending(s);
	if (pending < s->pending_bytes) {
		s->pending_bytes = pending;
		s->progress_us = now_us;
	} else if (now_us - s->progress_us >=
	           (int64_t)s->r->loop->srv->stream_stall_s * 1000000) {
		md_stream_cut_stalled(s);
	}
}

static void md_stream_on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct md_stream *s = arg;
	(void)what;
	int n = evbuffer_read(s->chunk, fd, MD_STREAM_CHUNK_BYTES_MAX);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		md_stream_stop_reading(s);
		md_stream_maybe_end(s);
		return;
	}
	if (!s->started)
		md_stream_begin(s);
	s->bytes += (uint64_t)n;
	s->sending = true;
	event_del(s->readable);
	evhttp_send_reply_chunk_with_cb(s->r->evreq, s->chunk,
	                                md_stream_on_sent, s);
	if (s->sending) { /* not sent at once: watch the client take it */
		struct timeval tick = {.tv_sec = 1, .tv_usec = 0};
		s->progress_us = md_stream_mono_us();
		s->pending_bytes = md_stream_pending(s);
		event_add(s->stall, &tick);
	}
}

void md_stream_produced(struct md_req *r)
{
	struct md_stream *s = r->stream;
	s->produced = true;
	md_stream_maybe_end(s);
}

static void *md_stream_main(void *arg)
{
	struct md_stream *s = arg;
	struct md_req *r = s->r;
	struct ma_sink sink = {.fd = s->wfd};
	s->produce_rc = ma_stream_write(s->body, &sink);
	close(s->wfd);
	s->wfd = -1;
	atomic_fetch_sub(&r->loop->srv->busy_threads, 1);
	md_req_done_push(r);
	return NULL;
}

/* The pipe, the event, the buffer; 0 or -1. */
static int md_stream_prepare(struct md_stream *s, struct event_base *base)
{
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	s->rfd = fds[0];
	s->wfd = fds[1];
	if (fcntl(s->rfd, F_SETFL, O_NONBLOCK) != 0)
		return -1;
	s->chunk = evbuffer_new();
	s->readable = event_new(base, s->rfd, EV_READ | EV_PERSIST,
	                        md_stream_on_readable, s);
	s->stall = event_new(base, -1, EV_PERSIST, md_stream_on_tick, s);
	if (s->chunk == NULL || s->readable == NULL || s->stall == NULL ||
	    event_add(s->readable, NULL) != 0)
		return -1;
	return 0;
}

void md_stream_start(struct md_req *r, struct ma_stream *body)
{
	struct md_server *srv = r->loop->srv;
	struct md_stream *s = NULL;
	const char *why = NULL;
	int slot = md_stream_take(r, r->route == MA_ROUTE_BACKUP, &why);
	if (slot < 0) {
		ma_stream_free(body);
		md_req_fail(r, ML_E_UNAVAILABLE, "%s; try again later", why);
		return;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		md_stream_give(srv, slot);
		ma_stream_free(body);
		md_req_fail(r, ML_E_NOMEM, "out of memory");
		return;
	}
	s->r = r;
	s->body = body;
	s->slot = slot;
	s->rfd = s->wfd = -1;
	if (md_stream_prepare(s, r->loop->base) != 0)
		goto fail;
	atomic_fetch_add(&srv->busy_threads, 1);
	if (pthread_create(&s->thread, NULL, md_stream_main, s) != 0) {
		atomic_fetch_sub(&srv->busy_threads, 1);
		goto fail;
	}
	r->stream = s;
	r->state = MD_REQ_STREAM;
	evhttp_connection_set_closecb(evhttp_request_get_connection(r->evreq),
	                              md_stream_on_close, s);
	return;
fail:;
	int err = errno;
	md_stream_free(s);
	md_req_fail(r, ML_E_IO, "cannot start the stream: %s", strerror(err));
}
