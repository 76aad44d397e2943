/*
 * md_stream.h — answers too big to build in memory, streamed from a
 * producer thread: GET /v1/backup and GET /v1/export.
 *
 * The router checks the request and hands back the body as a struct
 * ma_stream (ma_api.h); a producer thread writes it, with
 * ma_stream_write, into the write end of a pipe whose read end the
 * request's event loop watches. The loop reads up to
 * MD_STREAM_CHUNK_BYTES_MAX at a time and sends it as an HTTP chunk
 * (evhttp_send_reply_chunk_with_cb); it reads the next only when that
 * chunk has left, so a slow client slows the producer (its write blocks
 * on a full pipe) instead of filling memory.
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
 * The producer touches neither the request nor evhttp; ma_stream_write
 * opens its own read snapshots.
 *
 * At most MD_STREAMS_MAX streams run at once, MD_STREAMS_PER_CALLER_MAX
 * of one caller, MD_STREAMS_BELOW_ADMIN_MAX of read and write tokens, and
 * the last slot only for a backup (503 beyond: md_stream.c). A stream
 * whose client takes nothing for MD_STREAM_STALL_S is cut.
 */
#ifndef MD_STREAM_H
#define MD_STREAM_H

#include "md_server_int.h"

/* Takes over r and body and answers r by streaming body (or with an
 * error when it cannot start the producer). */
void md_stream_start(struct md_req *r, struct ma_stream *body);

/* md_loop_on_done's hook: r's producer has returned. */
void md_stream_produced(struct md_req *r);

#endif /* MD_STREAM_H */
