/*
 * md_stream.h — answers too big to build in memory, streamed from a
 * producer thread: GET /v1/backup and GET /v1/export.
 *
 * A producer is a function that writes the whole body to a file
 * descriptor, on its own thread, and returns 0 or an ML_E_* code:
 *
 *     int produce(int fd, void *arg);
 *
 * fd is the write end of a pipe whose read end the request's event loop
 * watches. The loop reads up to MD_STREAM_CHUNK_BYTES_MAX at a time and
 * sends it as an HTTP chunk (evhttp_send_reply_chunk_with_cb); it reads
 * the next only when that chunk has left, so a slow client slows the
 * producer (its write blocks on a full pipe) instead of filling memory.
 *
 *   - Headers go out with the first bytes, so a producer that fails
 *     before writing anything still gets a real error answer (JSON, with
 *     the status of its ML_E_* code).
 *   - A producer that fails after that cannot change the 200 already
 *     sent: the connection is closed without the final chunk, and the
 *     client sees a truncated transfer (curl: exit 18), never a short file
 *     that looks complete.
 *   - A client that goes away closes the pipe's read end: the producer's
 *     next write fails with EPIPE (SIGPIPE is ignored) and it returns.
 *
 * The producer must not touch the request or evhttp. It may use the
 * ledger: it opens its own read transaction (ml_ledger_read_begin), which
 * also keeps the map from being resized under it for as long as it runs
 * (a writer that needs to grow the map waits for it; other writes and all
 * reads go on).
 *
 * At most MD_STREAMS_MAX streams run at once (503 beyond).
 */
#ifndef MD_STREAM_H
#define MD_STREAM_H

#include "md_server_int.h"

typedef int (*md_produce_fn)(int fd, void *arg);

struct md_stream_spec {
	const char *content_type; /* "application/octet-stream" */
	const char *filename;     /* Content-Disposition, or NULL */
	md_produce_fn produce;
	void *arg;
	void (*arg_free)(void *arg); /* called on the loop when done; or NULL */
};

/* Takes over r and answers it by streaming spec's producer (or with an
 * error when it cannot start one). */
void md_stream_start(struct md_req *r, const struct md_stream_spec *spec);

/* md_loop_on_done's hook: r's producer has returned. */
void md_stream_produced(struct md_req *r);

#endif /* MD_STREAM_H */
