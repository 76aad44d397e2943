/*
 * md_wait.c — long-polls: GET /v1/events?after=N&wait=S.
 *
 * When the router finds nothing newer than N and the caller may wait, it
 * returns MA_API_WAIT and the request is parked here, on its loop, with a
 * timer for S seconds. Two things end the wait:
 *
 *   a commit: the writer activates every loop's commit event; each parked
 *   request is asked again (ma_api_handle with may_wait) and answered as
 *   soon as the answer is not empty — so a filtered subscription keeps
 *   waiting through commits that bring nothing it asked for;
 *   the timer: the request is asked once more without may_wait and
 *   answered with whatever there is (usually an empty page).
 *
 * Shutdown answers every parked request at once (md_wait_flush).
 *
 * A re-ask costs one seek per parked request, whatever the ledger holds:
 * a filtered read is answered from the log's index (ml_evidx.h), so a
 * subscription to a party nobody writes about does not read the log.
 *
 * A client that hangs up is dropped at once. evhttp stops reading a
 * connection once its request is in, so it cannot notice; medeld watches
 * the socket itself for the peer's close (EV_CLOSED: epoll's EPOLLRDHUP,
 * which a pipelined next request does not trigger) and then frees the
 * connection and the request. Without the backend feature the request
 * stays until its timer, as before.
 *
 * No LMDB transaction is held while a request waits: each re-ask opens and
 * closes its own. A loop parks at most MD_WAITERS_MAX requests, and at
 * most waiters_per_caller_max of one caller (MD_WAITERS_PER_CALLER_MAX
 * unless the environment says otherwise); the next one is answered
 * at once, as if its wait were 0.
 */
#include <event2/bufferevent.h>
#include <stdlib.h>
#include <string.h>

#include "md_log.h"
#include "md_server_int.h"

static void md_wait_unlink(struct md_req *r)
{
	struct md_loop *l = r->loop;
	if (r->prev != NULL)
		r->prev->next = r->next;
	else
		l->waiters = r->next;
	if (r->next != NULL)
		r->next->prev = r->prev;
	r->prev = r->next = NULL;
	l->waiting--;
	atomic_fetch_sub(&l->srv->waiting, 1);
	if (r->timer != NULL) {
		event_free(r->timer);
		r->timer = NULL;
	}
	if (r->gone != NULL) {
		event_free(r->gone);
		r->gone = NULL;
	}
	r->state = MD_REQ_NEW;
}

/* Asks the router again; answers and returns true unless it still waits. */
static bool md_wait_ask(struct md_req *r, bool may_wait)
{
	struct md_server *s = r->loop->srv;
	r->api_req.may_wait = may_wait;
	enum ma_api_outcome out = ma_api_handle(&s->api, &r->api_req, &r->resp);
	if (out == MA_API_WAIT)
		return false;
	md_wait_unlink(r);
	md_req_reply(r);
	return true;
}

static void md_wait_on_timer(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	md_wait_ask(arg, false);
}

/* Answers r at once, without waiting (no room, or no timer). */
static void md_wait_now(struct md_req *r)
{
	struct md_server *s = r->loop->srv;
	r->api_req.may_wait = false;
	ma_api_handle(&s->api, &r->api_req, &r->resp);
	md_req_reply(r);
}

/* The client closed its end while r waited: nothing will read an
 * answer. Frees the connection (and with it r's evhttp request). */
static void md_wait_on_gone(evutil_socket_t fd, short what, void *arg)
{
	struct md_req *r = arg;
	struct evhttp_connection *c = evhttp_request_get_connection(r->evreq);
	(void)fd;
	(void)what;
	md_wait_unlink(r);
	if (c != NULL) {
		evhttp_connection_set_closecb(c, NULL, NULL);
		evhttp_connection_free(c);
	}
	md_req_finish(r, 499, 0); /* the client went away (nginx's code) */
}

/* Watches r's socket for the peer's close, where the backend can. */
static void md_wait_watch(struct md_req *r)
{
	struct md_loop *l = r->loop;
	struct evhttp_connection *c = evhttp_request_get_connection(r->evreq);
	if (c == NULL ||
	    !(event_base_get_features(l->base) & EV_FEATURE_EARLY_CLOSE))
		return;
	evutil_socket_t fd =
	    bufferevent_getfd(evhttp_connection_get_bufferevent(c));
	if (fd < 0)
		return;
	r->gone = event_new(l->base, fd, EV_CLOSED, md_wait_on_gone, r);
	if (r->gone != NULL && event_add(r->gone, NULL) != 0) {
		event_free(r->gone);
		r->gone = NULL;
	}
}

/* How many requests of r's caller wait on r's loop. */
static unsigned md_wait_of_caller(const struct md_req *r)
{
	unsigned n = 0;
	for (const struct md_req *w = r->loop->waiters; w != NULL; w = w->next)
		n += strcmp(w->who, r->who) == 0;
	return n;
}

void md_wait_park(struct md_req *r)
{
	struct md_loop *l = r->loop;
	struct timeval tv = {.tv_sec = r->resp.wait_s, .tv_usec = 0};
	if (l->waiting >= MD_WAITERS_MAX || l->stopping ||
	    md_wait_of_caller(r) >= l->srv->waiters_per_caller_max) {
		md_wait_now(r);
		return;
	}
	r->timer = evtimer_new(l->base, md_wait_on_timer, r);
	if (r->timer == NULL || evtimer_add(r->timer, &tv) != 0) {
		if (r->timer != NULL)
			event_free(r->timer);
		r->timer = NULL;
		md_wait_now(r);
		return;
	}
	md_wait_watch(r);
	r->state = MD_REQ_WAITING;
	r->prev = NULL;
	r->next = l->waiters;
	if (l->waiters != NULL)
		l->waiters->prev = r;
	l->waiters = r;
	l->waiting++;
	atomic_fetch_add(&l->srv->waiting, 1);
}

void md_loop_on_commit(evutil_socket_t fd, short what, void *arg)
{
	struct md_loop *l = arg;
	(void)fd;
	(void)what;
	/* Bounded by MD_WAITERS_MAX; `next` is taken before r may be freed. */
	for (struct md_req *r = l->waiters, *next; r != NULL; r = next) {
		next = r->next;
		md_wait_ask(r, true);
	}
}

void md_wait_flush(struct md_loop *l)
{
	for (struct md_req *r = l->waiters, *next; r != NULL; r = next) {
		next = r->next;
		md_wait_ask(r, false);
	}
}
