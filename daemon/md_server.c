/*
 * md_server.c — building the event loops, running them, stopping them.
 *
 * md_main calls md_server_new once the ledger is open and the sockets are
 * bound, then md_server_run, which returns after a SIGTERM/SIGINT once
 * every in-flight request was answered and the writer has committed what
 * it held. What each loop does with a request is md_request.c's business;
 * here are only the loops' plumbing and the glue between the router, the
 * writer and the loops:
 *
 *   md_server_append     the router's append function: queue with the
 *                        writer (MA_APPEND_QUEUED) or refuse with 503;
 *   md_server_done       the writer finished a batch: back to its loop;
 *   md_server_committed  the head moved: wake every loop's long-polls.
 *
 * Each evhttp gets its limits set explicitly (body, headers, timeout,
 * methods) and the loops run with EVLOOP_NO_EXIT_ON_EMPTY, so a loop
 * whose only pending work is a queued append does not return early; a
 * loop ends only through event_base_loopexit (idle while stopping, or the
 * grace timer).
 */
#include "md_server.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include <event2/listener.h>

#include "md_log.h"
#include "md_server_int.h"
#include "md_tls.h"

/* The one server of this process, for libevent callbacks that carry no
 * argument of ours (the listeners' error callback). */
static struct md_server *md_the_server;

/* --- glue between router, writer and loops ------------------------------ */

static enum ma_append_status md_server_append(void *arg, struct ma_append *a)
{
	struct md_server *s = arg;
	int rc = md_writer_submit(s->writer, a);
	if (rc == 0)
		return MA_APPEND_QUEUED;
	a->rc = rc;
	if (atomic_load(&s->stopping))
		ml_fail(&a->err, rc, -1, NULL, "medeld is shutting down");
	else
		ml_fail(&a->err, rc, -1, NULL,
		        "%d batches are waiting to be written; try again",
		        MD_WRITE_QUEUE_MAX);
	return MA_APPEND_DONE;
}

static void md_server_done(struct ma_append *a, void *arg)
{
	struct md_req *r = a->user;
	(void)arg;
	r->append = a;
	md_req_done_push(r);
}

static void md_server_committed(uint64_t head_seq, void *arg)
{
	struct md_server *s = arg;
	atomic_store(&s->head_seq, head_seq);
	for (unsigned i = 0; i < s->loop_count; i++)
		event_active(s->loops[i].commit_ev, EV_READ, 0);
}

/* --- loops -------------------------------------------------------------- */

static void md_loop_on_stop(evutil_socket_t fd, short what, void *arg)
{
	struct md_loop *l = arg;
	(void)fd;
	(void)what;
	l->stopping = true;
	evtimer_del(l->resume_ev);
	if (l->bound_unix != NULL)
		evhttp_del_accept_socket(l->http_unix, l->bound_unix);
	if (l->bound_tcp != NULL)
		evhttp_del_accept_socket(l->http_tcp, l->bound_tcp);
	l->bound_unix = l->bound_tcp = NULL;
	md_wait_flush(l);
	md_loop_check_idle(l);
}

/* The loop whose evhttp is http. */
static struct md_loop *md_loop_of(const void *http)
{
	struct md_server *s = md_the_server;
	for (unsigned i = 0; s != NULL && i < s->loop_count; i++)
		if (s->loops[i].http_unix == http ||
		    s->loops[i].http_tcp == http)
			return &s->loops[i];
	return NULL;
}

static void md_loop_listen(struct md_loop *l, bool on)
{
	struct evhttp_bound_socket *b[2] = {l->bound_unix, l->bound_tcp};
	for (int i = 0; i < 2; i++) {
		struct evconnlistener *lev =
		    b[i] ? evhttp_bound_socket_get_listener(b[i]) : NULL;
		if (lev != NULL && on)
			evconnlistener_enable(lev);
		else if (lev != NULL)
			evconnlistener_disable(lev);
	}
}

static void md_loop_on_resume(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	md_loop_listen(arg, true);
}

/* accept() failed (EMFILE, ENFILE, ENOBUFS, ENOMEM): pause this loop's
 * listeners for MD_ACCEPT_PAUSE_MS instead of spinning on the queued
 * connection; requests already accepted go on. */
static void md_on_accept_error(struct evconnlistener *lev, void *http)
{
	int err = EVUTIL_SOCKET_ERROR();
	struct md_loop *l = md_loop_of(http);
	struct timeval pause = {0, MD_ACCEPT_PAUSE_MS * 1000};
	(void)lev;
	if (l == NULL || evtimer_pending(l->resume_ev, NULL))
		return;
	if (l->accept_pauses++ % 50 == 0) /* a starved loop logs 1 line/5 s */
		md_log(MD_LOG_WARN, "accept",
		       "accept: %s; not accepting for %d ms (%llu times)",
		       evutil_socket_error_to_string(err), MD_ACCEPT_PAUSE_MS,
		       (unsigned long long)l->accept_pauses);
	md_loop_listen(l, false);
	evtimer_add(l->resume_ev, &pause);
}

/* Memory freed by closed connections goes back to the system: glibc
 * keeps what free() returns in its arenas, and after a burst of
 * connections (1 000 unauthenticated 8 MiB POSTs leave ~3.7 MiB) that
 * would stay medeld's for good. malloc_trim walks the arenas and gives
 * back every free page; it runs at most once per MD_TRIM_DELAY_MS per
 * loop, after connections closed, never per request. */
static void md_loop_on_trim(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	malloc_trim(0);
}

void md_loop_trim_soon(struct md_loop *l)
{
	struct timeval delay = {0, MD_TRIM_DELAY_MS * 1000};
	if (l->trim_ev != NULL && !evtimer_pending(l->trim_ev, NULL))
		evtimer_add(l->trim_ev, &delay);
}

static void md_loop_on_log(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	md_loop_log_flush(arg);
}

void md_loop_log(struct md_loop *l, struct md_logline *line)
{
	if (md_logline_end_batch(line, &l->log))
		event_active(l->log_ev, EV_WRITE, 0); /* after this pass's */
}

void md_loop_log_flush(struct md_loop *l)
{
	md_logbatch_flush(&l->log);
}

void md_loop_pause_tcp(struct md_loop *l)
{
	struct timeval pause = {0, MD_ACCEPT_PAUSE_MS * 1000};
	struct evconnlistener *lev =
	    l->bound_tcp ? evhttp_bound_socket_get_listener(l->bound_tcp)
	                 : NULL;
	if (lev == NULL || evtimer_pending(l->resume_ev, NULL))
		return;
	if (l->accept_pauses++ % 50 == 0) /* 1 line/5 s at most */
		md_log(MD_LOG_WARN, "accept",
		       "%u TCP connections, the most this descriptor limit "
		       "allows; not accepting for %d ms (%llu times)",
		       (unsigned)l->srv->conns.tcp_fds_max, MD_ACCEPT_PAUSE_MS,
		       (unsigned long long)l->accept_pauses);
	evconnlistener_disable(lev);
	evtimer_add(l->resume_ev, &pause);
}

/* An evhttp with medeld's limits, accepting on a dup of fd. */
static struct evhttp *md_loop_http(struct md_loop *l, int fd,
                                   void (*cb)(struct evhttp_request *, void *),
                                   struct md_door_site *door,
                                   struct evhttp_bound_socket **bound)
{
	struct evhttp *h = evhttp_new(l->base);
	if (h == NULL)
		return NULL;
	evhttp_set_max_body_size(h, ML_BODY_BYTES_MAX);
	evhttp_set_max_headers_size(h, MD_HEADERS_BYTES_MAX);
	evhttp_set_timeout(h, MD_IO_TIMEOUT_S);
	/* Every method evhttp knows reaches the router, which answers 405
	 * with API.md's JSON for all but each route's own. */
	evhttp_set_allowed_methods(
	    h, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD |
	           EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
	           EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h, cb, l);
	/* Every connection's bytes pass the front door first (md_door.h). */
	door->loop = l;
	evhttp_set_bevcb(h, md_door_bev, door);
	int copy = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	*bound = copy >= 0 ? evhttp_accept_socket_with_handle(h, copy) : NULL;
	if (*bound == NULL) {
		if (copy >= 0)
			close(copy);
		evhttp_free(h);
		return NULL;
	}
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(*bound),
	                            md_on_accept_error);
	return h;
}

/* An event base whose epoll changes are batched per loop iteration
 * (EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST): evhttp enables and disables
 * writing on a connection for every answer, and without the change list
 * each toggle is an epoll_ctl system call. The flag's caveat (two dup()ed
 * descriptors of one file in the same base) does not arise: each base
 * holds one dup of each listening socket. */
static struct event_base *md_loop_base(void)
{
	struct event_config *cfg = event_config_new();
	if (cfg == NULL)
		return NULL;
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	struct event_base *base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	return base;
}

static int md_loop_init(struct md_server *s, struct md_loop *l, unsigned i)
{
	l->srv = s;
	l->index = i;
	l->door_unix.via = MD_VIA_UNIX;
	l->door_tcp.via = MD_VIA_TCP;
	l->door_tcp.tls = s->o.tls;
	pthread_mutex_init(&l->done_lock, NULL);
	l->base = md_loop_base();
	l->cache = md_cache_new();
	if (l->base == NULL || l->cache == NULL)
		return -1;
	l->done_ev = event_new(l->base, -1, 0, md_loop_on_done, l);
	l->commit_ev = event_new(l->base, -1, 0, md_loop_on_commit, l);
	l->stop_ev = event_new(l->base, -1, 0, md_loop_on_stop, l);
	l->resume_ev = evtimer_new(l->base, md_loop_on_resume, l);
	l->trim_ev = evtimer_new(l->base, md_loop_on_trim, l);
	l->log_ev = event_new(l->base, -1, 0, md_loop_on_log, l);
	if (l->done_ev == NULL || l->commit_ev == NULL || l->stop_ev == NULL ||
	    l->resume_ev == NULL || l->trim_ev == NULL || l->log_ev == NULL)
		return -1;
	if (s->o.unix_fd >= 0 && (l->http_unix = md_loop_http(
	                              l, s->o.unix_fd, md_req_on_unix,
	                              &l->door_unix, &l->bound_unix)) == NULL)
		return -1;
	if (s->o.tcp_fd >= 0 &&
	    (l->http_tcp = md_loop_http(l, s->o.tcp_fd, md_req_on_tcp,
	                                &l->door_tcp, &l->bound_tcp)) == NULL)
		return -1;
	return 0;
}

static void md_loop_free(struct md_loop *l)
{
	if (l->srv == NULL)
		return;
	if (l->http_unix != NULL)
		evhttp_free(l->http_unix);
	if (l->http_tcp != NULL)
		evhttp_free(l->http_tcp);
	/* Requests handed back after a forced stop: drop them. */
	for (struct md_req *r = l->done_head, *next; r != NULL; r = next) {
		next = r->next;
		ma_append_free(r->append);
		ma_response_free(&r->resp);
		free(r);
	}
	if (l->done_ev != NULL)
		event_free(l->done_ev);
	if (l->commit_ev != NULL)
		event_free(l->commit_ev);
	if (l->stop_ev != NULL)
		event_free(l->stop_ev);
	if (l->resume_ev != NULL)
		event_free(l->resume_ev);
	if (l->trim_ev != NULL)
		event_free(l->trim_ev);
	l->trim_ev = NULL;
	md_loop_log_flush(l);
	if (l->log_ev != NULL)
		event_free(l->log_ev);
	if (l->base != NULL)
		event_base_free(l->base);
	md_cache_free(l->cache);
	pthread_mutex_destroy(&l->done_lock);
}

static void *md_loop_main(void *arg)
{
	struct md_loop *l = arg;
	event_base_loop(l->base, EVLOOP_NO_EXIT_ON_EMPTY);
	md_loop_log_flush(l);
	return NULL;
}

/* --- signals and the stop ----------------------------------------------- */

static void md_server_on_grace(evutil_socket_t fd, short what, void *arg)
{
	struct md_server *s = arg;
	(void)fd;
	(void)what;
	atomic_store(&s->forced, true);
	md_log(MD_LOG_ERROR, "stop",
	       "requests still in flight after %d s; stopping anyway",
	       MD_SHUTDOWN_GRACE_S);
	for (unsigned i = 0; i < s->loop_count; i++)
		event_base_loopexit(s->loops[i].base, NULL);
}

/* SIGHUP: the certificate and key again (md_tls.h), logged either way. */
static void md_server_reload_tls(struct md_server *s)
{
	char why[512];
	if (s->o.tls == NULL)
		return;
	if (md_tls_reload(s->o.tls, why, sizeof why) != 0)
		md_log(MD_LOG_ERROR, "tls",
		       "reload failed, old certificate kept: %s", why);
	else
		md_log(MD_LOG_INFO, "tls", "reloaded the certificate and key");
}

static void md_server_on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct md_server *s = arg;
	char why[256];
	struct timeval grace = {.tv_sec = MD_SHUTDOWN_GRACE_S, .tv_usec = 0};
	(void)what;
	if (sig == SIGHUP) {
		md_server_reload_tls(s);
		if (s->o.auth == NULL)
			md_log(MD_LOG_INFO, "tokens", "SIGHUP: no tokens file");
		else if (md_auth_reload(s->o.auth, why, sizeof why) != 0)
			md_log(MD_LOG_ERROR, "tokens",
			       "reload failed, old tokens kept: %s", why);
		else
			md_log(MD_LOG_INFO, "tokens", "reloaded %zu tokens",
			       md_auth_count(s->o.auth));
		return;
	}
	if (atomic_exchange(&s->stopping, true))
		return;
	md_log(MD_LOG_INFO, "stop", "%s: finishing in-flight requests",
	       sig == SIGTERM ? "SIGTERM" : "SIGINT");
	for (unsigned i = 0; i < s->loop_count; i++)
		event_active(s->loops[i].stop_ev, EV_READ, 0);
	evtimer_add(s->grace, &grace);
}

static int md_server_signals(struct md_server *s)
{
	struct event_base *b = s->loops[0].base;
	s->sig_term = evsignal_new(b, SIGTERM, md_server_on_signal, s);
	s->sig_int = evsignal_new(b, SIGINT, md_server_on_signal, s);
	s->sig_hup = evsignal_new(b, SIGHUP, md_server_on_signal, s);
	s->grace = evtimer_new(b, md_server_on_grace, s);
	if (s->sig_term == NULL || s->sig_int == NULL || s->sig_hup == NULL ||
	    s->grace == NULL || evsignal_add(s->sig_term, NULL) != 0 ||
	    evsignal_add(s->sig_int, NULL) != 0 ||
	    evsignal_add(s->sig_hup, NULL) != 0)
		return -1;
	return 0;
}

/* --- life cycle --------------------------------------------------------- */

/* Long-polls one caller may park per loop: MD_WAITERS_PER_CALLER_MAX,
 * or MEDELD_WAITERS_PER_CALLER_MAX (hidden, like the per-address one:
 * for many subscribers behind one token, and for the tests). */
static int md_server_waiters(struct md_server *s, char *why, size_t why_size)
{
	const char *env = getenv("MEDELD_WAITERS_PER_CALLER_MAX");
	char *end = NULL;
	unsigned long n = env ? strtoul(env, &end, 10) : 0;
	if (env != NULL &&
	    (*env == '\0' || *end != '\0' || n == 0 || n > MD_WAITERS_MAX)) {
		snprintf(why, why_size,
		         "MEDELD_WAITERS_PER_CALLER_MAX is not 1 ..= %d",
		         MD_WAITERS_MAX);
		return -1;
	}
	s->waiters_per_caller_max =
	    env != NULL ? (unsigned)n : MD_WAITERS_PER_CALLER_MAX;
	return 0;
}

/* Seconds a stream's client may read nothing: MD_STREAM_STALL_S, or
 * MEDELD_STREAM_STALL_S (hidden, for the tests, which cannot wait 30 s). */
static int md_server_stall(struct md_server *s, char *why, size_t why_size)
{
	const char *env = getenv("MEDELD_STREAM_STALL_S");
	char *end = NULL;
	unsigned long n = env ? strtoul(env, &end, 10) : 0;
	if (env != NULL &&
	    (*env == '\0' || *end != '\0' || n == 0 || n > MD_IO_TIMEOUT_S)) {
		snprintf(why, why_size, "MEDELD_STREAM_STALL_S is not 1 ..= %d",
		         MD_IO_TIMEOUT_S);
		return -1;
	}
	s->stream_stall_s = env != NULL ? (unsigned)n : MD_STREAM_STALL_S;
	return 0;
}

/* The connection ceilings (md_conns.h), logged once. The per-address one
 * may come from MEDELD_CONNS_PER_ADDR_MAX (hidden: for a reverse proxy in
 * front, and for the tests). */
static int md_server_conns(struct md_server *s, char *why, size_t why_size)
{
	const char *env = getenv("MEDELD_CONNS_PER_ADDR_MAX");
	char *end = NULL;
	unsigned long per_addr = env ? strtoul(env, &end, 10) : 0;
	if (env != NULL && (*env == '\0' || *end != '\0' || per_addr == 0 ||
	                    per_addr > MD_TCP_FDS_MAX)) {
		snprintf(why, why_size,
		         "MEDELD_CONNS_PER_ADDR_MAX is not 1 ..= %d",
		         MD_TCP_FDS_MAX);
		return -1;
	}
	if (md_conns_init(&s->conns, (uint32_t)per_addr, why, why_size) != 0)
		return -1;
	if (s->conns.low)
		md_log(MD_LOG_WARN, "limits",
		       "the descriptor limit (ulimit -n) is %llu, below the %d "
		       "medeld keeps in reserve: raise it, or connections may "
		       "find no descriptor",
		       (unsigned long long)s->conns.nofile,
		       MD_CONNS_NOFILE_MIN);
	if (md_server_waiters(s, why, why_size) != 0 ||
	    md_server_stall(s, why, why_size) != 0)
		return -1;
	md_log(MD_LOG_INFO, "limits",
	       "nofile=%llu tcp_conns_max=%u tcp_fds_max=%u "
	       "conns_per_addr_max=%u unix_conns_max=%d waiters_max=%d "
	       "waiters_per_caller=%u streams_max=%d streams_per_caller=%d "
	       "stream_stall_s=%u",
	       (unsigned long long)s->conns.nofile, s->conns.tcp_conns_max,
	       s->conns.tcp_fds_max, s->conns.per_addr_max, MD_UNIX_CONNS_MAX,
	       MD_WAITERS_MAX, s->waiters_per_caller_max, MD_STREAMS_MAX,
	       MD_STREAMS_PER_CALLER_MAX, s->stream_stall_s);
	return 0;
}

int md_server_new(const struct md_server_opts *opts, struct md_server **out,
                  char *why, size_t why_size)
{
	struct md_server *s = calloc(1, sizeof *s);
	if (s == NULL) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	s->o = *opts;
	s->loop_count = opts->threads;
	md_the_server = s;
	ma_api_init(&s->api, opts->lg, md_server_append, s);
	if (getrandom(&s->id_seed, sizeof s->id_seed, 0) < 0)
		s->id_seed = (uint64_t)getpid() * 2654435761u;
	if (md_server_conns(s, why, why_size) != 0)
		goto fail;
	for (unsigned i = 0; i < s->loop_count; i++) {
		if (md_loop_init(s, &s->loops[i], i) != 0) {
			snprintf(why, why_size,
			         "cannot set up event loop %u: %s", i,
			         strerror(errno));
			goto fail;
		}
	}
	if (md_server_signals(s) != 0) {
		snprintf(why, why_size, "cannot set up the signal handlers");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	md_server_free(s);
	return -1;
}

/* The writer and loops 1 ..: started with the stop signals blocked, so
 * that only the main thread (loop 0, which owns them) receives them. */
static int md_server_threads(struct md_server *s)
{
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &block, &old);
	struct md_writer_opts w = {
	    .lg = s->o.lg,
	    .data_dir = s->o.data_dir,
	    .metrics = s->o.metrics,
	    .done = md_server_done,
	    .done_arg = s,
	    .committed = md_server_committed,
	    .committed_arg = s,
	};
	int rc = md_writer_start(&w, &s->writer);
	for (unsigned i = 1; rc == 0 && i < s->loop_count; i++)
		if (pthread_create(&s->loops[i].thread, NULL, md_loop_main,
		                   &s->loops[i]) != 0)
			rc = -1;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int md_server_run(struct md_server *s)
{
	struct ml_read *rd = NULL;
	struct ml_log_head head = {0};
	if (ml_ledger_read_begin(s->o.lg, &rd) == 0) {
		ml_ledger_head(s->o.lg, rd, &head);
		ml_ledger_read_end(s->o.lg, rd);
	}
	atomic_store(&s->head_seq, head.seq);
	if (md_server_threads(s) != 0) {
		md_log(MD_LOG_ERROR, "start", "cannot start the threads");
		return 1;
	}
	event_base_loop(s->loops[0].base, EVLOOP_NO_EXIT_ON_EMPTY);
	md_loop_log_flush(&s->loops[0]);
	for (unsigned i = 1; i < s->loop_count; i++)
		pthread_join(s->loops[i].thread, NULL);
	md_writer_stop(s->writer); /* commits whatever is still queued */
	s->writer = NULL;
	if (atomic_load(&s->forced) || atomic_load(&s->busy_threads) > 0)
		return 1;
	return 0;
}

void md_server_free(struct md_server *s)
{
	if (s == NULL)
		return;
	md_writer_stop(s->writer);
	if (s->sig_term != NULL)
		event_free(s->sig_term);
	if (s->sig_int != NULL)
		event_free(s->sig_int);
	if (s->sig_hup != NULL)
		event_free(s->sig_hup);
	if (s->grace != NULL)
		event_free(s->grace);
	for (unsigned i = 0; i < s->loop_count; i++)
		md_loop_free(&s->loops[i]);
	md_conns_free(&s->conns); /* after the loops: doors count down */
	if (md_the_server == s)
		md_the_server = NULL;
	free(s);
}
