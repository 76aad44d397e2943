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
 */
#include "md_stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/keyvalq_struct.h>

#include "md_log.h"

struct md_stream {
	struct md_req *r;
	struct ma_stream *body; /* what the producer thread writes */
	int rfd, wfd;           /* the pipe; -1 once closed */
	struct event *readable;
	struct evbuffer *chunk;
	pthread_t thread;
	int produce_rc; /* written by the producer thread */
	bool produced, eof, started, gone, sending, cut;
	uint64_t bytes;
};

static void md_stream_free(struct md_stream *s)
{
	if (s->readable != NULL)
		event_free(s->readable);
	if (s->rfd >= 0)
		close(s->rfd);
	if (s->wfd >= 0)
		close(s->wfd);
	if (s->chunk != NULL)
		evbuffer_free(s->chunk);
	ma_stream_free(s->body);
	atomic_fetch_sub(&s->r->loop->srv->streams, 1);
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
	struct evhttp_connection *c = evhttp_request_get_connection(r->evreq);
	int rc = s->produce_rc, status = 200;
	uint64_t bytes = s->bytes;
	pthread_join(s->thread, NULL);
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
	md_stream_stop_reading(s);
	md_stream_maybe_end(s);
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
	if (s->chunk == NULL || s->readable == NULL ||
	    event_add(s->readable, NULL) != 0)
		return -1;
	return 0;
}

void md_stream_start(struct md_req *r, struct ma_stream *body)
{
	struct md_server *srv = r->loop->srv;
	struct md_stream *s = NULL;
	if (atomic_fetch_add(&srv->streams, 1) >= MD_STREAMS_MAX) {
		atomic_fetch_sub(&srv->streams, 1);
		ma_stream_free(body);
		md_req_fail(r, ML_E_UNAVAILABLE,
		            "%d streams (backups, exports) are running; try "
		            "again later",
		            MD_STREAMS_MAX);
		return;
	}
	s = calloc(1, sizeof *s);
	if (s == NULL) {
		atomic_fetch_sub(&srv->streams, 1);
		ma_stream_free(body);
		md_req_fail(r, ML_E_NOMEM, "out of memory");
		return;
	}
	s->r = r;
	s->body = body;
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
