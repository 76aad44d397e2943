/*
 * md_server.h — medeld's HTTP server: event loops, dispatch, shutdown.
 *
 * Threads and who does what:
 *
 *   event loops (1 by default, --threads N)   libevent evhttp; accept,
 *       parse, authenticate, answer every read in an LMDB read
 *       transaction right there (reads never wait for the writer), park
 *       long-polls, move stream bytes. Loop 0 runs on the main thread and
 *       also owns the signals (SIGTERM/SIGINT: stop; SIGHUP: reload
 *       tokens and the TLS certificate). Every loop accepts on its own dup() of each listening
 *       socket.
 *   the writer (md_writer.h)   group commit; hands each finished batch
 *       back to the loop of its request.
 *   helpers   a thread per slow read (GET /v1/verify, at most
 *       MD_OFFLOADS_MAX) and per stream producer (at most MD_STREAMS_MAX).
 *
 * Handing results back: another thread never touches evhttp. It pushes
 * the finished struct md_req onto its loop's `done` list under a mutex and
 * calls event_active on the loop's done event (libevent is made
 * thread-safe with evthread_use_pthreads before any base exists); the
 * loop then sends the answer. A commit also activates every loop's commit
 * event, which re-runs the parked long-polls.
 *
 * Every request is answered exactly once, by md_req_reply (or, for a
 * stream, by evhttp_send_reply_end in md_stream.c), with an X-Request-Id
 * (the client's own when it sent a sane one) and one log line. The only
 * answers without one are those libevent itself sends before medeld sees
 * the request: a malformed request (400), a method other than GET/POST
 * (501), headers over MD_HEADERS_BYTES_MAX or a body over 8 MiB (413).
 *
 * Shutdown (SIGTERM/SIGINT): every loop stops accepting, answers its
 * parked long-polls with what there is, answers new requests on open
 * connections 503 "shutting down" with Connection: close, and exits once
 * its in-flight requests (queued appends, offloads, streams) are
 * answered; then the writer commits what is still queued and stops.
 * After MD_SHUTDOWN_GRACE_S the loops stop anyway.
 *
 * ---------------------------------------------------------------------
 * Streaming answers (GET /v1/backup, GET /v1/export)
 * ---------------------------------------------------------------------
 * md_stream.h turns any "producer" — a function that writes a whole body
 * to a file descriptor on its own thread — into a chunked HTTP answer
 * with back-pressure (one chunk in flight), a 200 sent only once the
 * first bytes exist (so a producer that fails at once still gets a proper
 * JSON error), and a cut connection (no final chunk) if it fails later.
 * md_backup.c (one LMDB copy) and md_export.c (ml_export parts, each in
 * a fresh read transaction) are its two producers.
 */
#ifndef MD_SERVER_H
#define MD_SERVER_H

#include <sys/types.h>

#include "ml_ledger.h"

#include "md_auth.h"
#include "md_metrics.h"

struct md_tls;

struct md_server_opts {
	struct ml_ledger *lg;
	const char *data_dir; /* the ledger's directory (disk-full checks) */
	struct md_auth *auth; /* tokens; NULL when there is no TCP */
	struct md_metrics *metrics;
	int unix_fd; /* listening Unix socket, or -1 */
	int tcp_fd;  /* listening TCP socket, or -1 */
	struct md_tls
	    *tls;         /* TLS on tcp_fd (md_tls.h), or NULL; the caller's */
	unsigned threads; /* event loops, 1 ..= MD_THREADS_MAX */
};

struct md_server;

/* Builds the loops, evhttps and the writer; listens nowhere yet. Returns
 * 0, or -1 with why. The fds stay the caller's. */
int md_server_new(const struct md_server_opts *opts, struct md_server **out,
                  char *why, size_t why_size);

/* Serves until SIGTERM/SIGINT and the shutdown above. Returns 0 when every
 * in-flight request was answered, 1 when the grace period cut some off
 * (the writer still committed everything it had accepted). */
int md_server_run(struct md_server *s);

/* Frees everything. NULL is fine. */
void md_server_free(struct md_server *s);

#endif /* MD_SERVER_H */
