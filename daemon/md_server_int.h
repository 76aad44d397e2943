/*
 * md_server_int.h — the structures md_server's files share (md_server.c,
 * md_request.c, md_wait.c, md_stream.c). Nothing outside the
 * daemon includes it; md_server.h is the public face.
 *
 * Ownership in one paragraph: a struct md_req is made for every request
 * evhttp hands us and freed by md_req_reply (or md_stream's end), the one
 * place that sends an answer. Between the two it is in exactly one state
 * (enum md_req_state) and, when waiting for another thread (the writer, an
 * offloaded read, a stream's producer), on its loop's `done` list, which
 * is the only structure other threads touch (under done_lock, followed by
 * event_active on done_ev). Everything else in a loop is used by that
 * loop's thread alone.
 */
#ifndef MD_SERVER_INT_H
#define MD_SERVER_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <event2/event.h>
#include <event2/http.h>

#include "ma_api.h"
#include "md_auth.h"
#include "md_cache.h"
#include "md_conns.h"
#include "md_door.h"
#include "md_limits.h"
#include "md_listen.h"
#include "md_log.h"
#include "md_metrics.h"
#include "md_server.h"
#include "md_writer.h"

struct md_loop;
struct md_stream;

enum md_via { MD_VIA_UNIX, MD_VIA_TCP };

enum md_req_state {
	MD_REQ_NEW,     /* being dispatched on its loop */
	MD_REQ_APPEND,  /* queued with the writer */
	MD_REQ_WAITING, /* a parked long-poll (md_wait.c) */
	MD_REQ_OFFLOAD, /* a slow read on a helper thread */
	MD_REQ_STREAM   /* answering with a stream (md_stream.c) */
};

struct md_req {
	struct md_loop *loop;
	struct evhttp_request *evreq;
	enum md_via via;
	enum md_req_state state;
	enum ma_route route;
	bool method_ok;   /* the route takes this method */
	int64_t start_us; /* monotonic, for the latency */
	char id[MD_REQUEST_ID_MAX + 1];
	char who[ML_RECORDED_BY_MAX + 1]; /* token name or peer user; "-" */
	char peer[MD_PEER_TEXT_MAX]; /* the client's address (md_peer_text) */
	enum ma_role role;
	const char *method;         /* "GET" / "POST" (static) */
	char *path;                 /* copies, in this allocation */
	char *query;                /* NULL when none */
	struct ma_request api_req;  /* what ma_api_handle is given */
	struct ma_response resp;    /* answer being built */
	struct ma_append *append;   /* MD_REQ_APPEND: the finished batch */
	struct event *timer;        /* MD_REQ_WAITING: the wait's end */
	struct event *gone;         /* MD_REQ_WAITING: the client hung up */
	struct md_stream *stream;   /* MD_REQ_STREAM */
	struct md_req *prev, *next; /* on the done list or the waiters */
	/* An offloaded cacheable read: the key its answer goes into the
	 * loop's cache under, read before it was built (md_cache.h). */
	bool cache_put;
	uint64_t cache_head_seq;
	int32_t cache_today;
	/* Answered from the loop's cache: the held answer (md_cache_hold),
	 * sent by reference instead of resp's body; slot NULL otherwise. */
	struct md_cache_hit hit;
};

struct md_loop {
	struct md_server *srv;
	unsigned index;
	pthread_t thread; /* loops 1 ..; loop 0 runs on main */
	struct event_base *base;
	struct evhttp *http_unix, *http_tcp;
	struct md_door_site door_unix, door_tcp; /* md_door_bev's args */
	struct evhttp_bound_socket *bound_unix, *bound_tcp;
	struct event *done_ev;   /* other threads finished something */
	struct event *commit_ev; /* the head moved: wake long-polls */
	struct event *stop_ev;   /* shutdown begins */
	struct event *resume_ev; /* accepting again after an accept error */
	struct event *trim_ev;   /* malloc_trim after connections closed */
	uint64_t accept_pauses;  /* how often accept() failed (logged 1/50) */
	pthread_mutex_t done_lock;
	struct md_req *done_head, *done_tail; /* guarded by done_lock */
	struct md_req *waiters; /* parked long-polls, a doubly linked list */
	size_t waiting;         /* ≤ MD_WAITERS_MAX */
	size_t inflight;        /* requests taken and not yet answered */
	size_t draining;        /* stopping: answered, connection not closed */
	bool stopping;
	struct md_peer_cache peers;     /* Unix socket peers' names */
	struct md_cache *cache;         /* recent answers (md_cache.h) */
	struct md_door_verdict verdict; /* the last token a door passed */
	struct md_logbatch log;         /* request lines not yet written */
	struct event *log_ev;           /* writes log at the end of a pass */
};

struct md_server {
	struct md_server_opts o;
	struct ma_api api;
	struct md_writer *writer;
	unsigned loop_count;
	struct md_loop loops[MD_THREADS_MAX];
	struct event *sig_term, *sig_int, *sig_hup, *grace;
	atomic_bool stopping;
	atomic_bool forced;        /* the grace period ran out */
	_Atomic uint64_t head_seq; /* the last committed head */
	_Atomic uint64_t waiting;  /* over all loops, for /metrics */
	/* Running streams, guarded by md_stream.c's lock (md_stream.h). */
	struct md_stream_slot {
		bool used, backup;
		enum md_via via;
		enum ma_role role;
		char who[ML_RECORDED_BY_MAX + 1];
	} stream_slots[MD_STREAMS_MAX];
	unsigned stream_stall_s;  /* MD_STREAM_STALL_S or the environment's */
	atomic_int offloads;      /* ≤ MD_OFFLOADS_MAX */
	atomic_int busy_threads;  /* producers and offloads still running */
	_Atomic uint64_t next_id; /* request id counter */
	uint64_t id_seed;         /* random per process */
	struct md_conns conns;    /* connection counts (md_conns.h) */
	unsigned waiters_per_caller_max; /* long-polls per caller, per loop */
};

/* md_server.c */
/* TCP descriptors reached their ceiling: l's TCP listener stops accepting
 * for MD_ACCEPT_PAUSE_MS (the connections wait in the kernel's queue). */
void md_loop_pause_tcp(struct md_loop *l);
/* A connection closed: free memory goes back to the system within
 * MD_TRIM_DELAY_MS (one malloc_trim for all that close meanwhile). */
void md_loop_trim_soon(struct md_loop *l);

/* A request line of l (md_log.h's md_logbatch): into l's batch, which
 * is written before l's next answer goes to the kernel, at the end of
 * this pass of the loop, or when full. */
void md_loop_log(struct md_loop *l, struct md_logline *line);
/* Writes l's batch now (before an answer's bytes go to the kernel). */
void md_loop_log_flush(struct md_loop *l);

/* md_request.c */
/* The request id: given when it is 1 ..= MD_REQUEST_ID_MAX bytes of
 * [A-Za-z0-9._:-] (NULL: none), else a new one unique in this process. */
void md_req_id_make(struct md_server *s, const char *given,
                    char out[MD_REQUEST_ID_MAX + 1]);
void md_req_on_unix(struct evhttp_request *evreq, void *loop);
void md_req_on_tcp(struct evhttp_request *evreq, void *loop);
/* Sends r's answer (resp, or body_override when not NULL), logs, counts
 * and frees r. The one place medeld calls evhttp_send_reply. */
void md_req_reply(struct md_req *r);
/* Fills r->resp with an error and replies. */
void md_req_fail(struct md_req *r, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Another thread finished r: queue it for its loop (thread-safe). */
void md_req_done_push(struct md_req *r);
/* done_ev's callback: finishes everything other threads handed back. */
void md_loop_on_done(evutil_socket_t fd, short what, void *loop);
/* Called after each answer during shutdown: exits the loop when idle. */
void md_loop_check_idle(struct md_loop *l);
/* The common headers: X-Request-Id, and Connection: close when stopping. */
void md_req_headers(struct md_req *r);
/* Call right before the answer's last bytes go to evhttp (send_reply or
 * send_reply_end). While stopping it makes evhttp close the connection
 * once they are written, and keeps the loop running until then: exiting
 * earlier would lose the answer. Takes over the connection's closecb. */
void md_req_drain(struct md_req *r);
/* Counts and logs an answered request; frees r. */
void md_req_finish(struct md_req *r, int status, uint64_t bytes);

/* md_wait.c */
void md_wait_park(struct md_req *r);
void md_loop_on_commit(evutil_socket_t fd, short what, void *loop);
/* Answers every parked long-poll now (shutdown). */
void md_wait_flush(struct md_loop *l);

#endif /* MD_SERVER_INT_H */
