/*
 * md_limits.h — every limit of medeld in one place.
 *
 * Each MD_<THING>_MAX bounds one queue, buffer, count or wait of the
 * daemon, and says why it has that value. Limits of the contract that
 * hold for every host are the ledger's (ml_limits.h: a batch, a body) or
 * the API layer's (ma_limits.h: a query, a wait, an answer) and are used
 * here under their own names, never re-defined.
 */
#ifndef MD_LIMITS_H
#define MD_LIMITS_H

#include "ma_limits.h"

/* --- HTTP (set on every evhttp explicitly, STYLE.md) --- */

/* Request line and headers together. A client of this API sends a
 * handful of short headers; 16 KiB is what nginx allows by default for
 * large headers and leaves room for a long query string. The front door
 * (md_door.h) holds at most this much of a head before it judges it, so
 * it is also what an unauthenticated connection can make medeld hold. */
#define MD_HEADERS_BYTES_MAX (16 * 1024)

/* A chunk size line of a chunked body: 15 hex digits and CRLF fit (the
 * front door takes no chunk extensions). */
#define MD_CHUNK_LINE_BYTES_MAX 32

/* Seconds a connection may take to send a request or to take a response
 * before evhttp drops it. It also bounds how long a connection may sit
 * idle between requests. */
#define MD_IO_TIMEOUT_S 120

/* Requests parked in a long-poll at once, per event loop. Each holds a
 * connection and a small record; beyond this a new one is answered at
 * once with what there is (an empty page), never refused. */
#define MD_WAITERS_MAX 4096

/* Slow reads (GET /v1/verify, and GET /v1/trace when its answer is not
 * cached) run on helper threads, at most this many at once; another one
 * is answered 503 unavailable. Verify re-reads the whole log and a trace
 * every expense of its grant: four at once already keep both cores of a
 * small server busy. */
#define MD_OFFLOADS_MAX 4

/* X-Request-Id: a client's own id is kept when it is 1 ..= this many
 * bytes of [A-Za-z0-9._:-]; otherwise medeld makes one. */
#define MD_REQUEST_ID_MAX 64

/* --- answer cache (md_cache.h) --- */

/* Answers remembered per event loop, and their bytes together: a
 * dashboard's worth of distinct queries. Every commit empties it. */
#define MD_CACHE_ENTRIES_MAX 256
#define MD_CACHE_BYTES_MAX   (8u * 1024u * 1024u)
/* A bigger answer is not kept (building it dwarfs copying it anyway). */
#define MD_CACHE_ENTRY_BYTES_MAX (256u * 1024u)

/* --- group commit (md_writer.h) --- */

/* Batches waiting for the writer. A POST beyond this is answered 503
 * unavailable at once instead of queueing without end: at ~1 000 commits
 * per second this is seconds of backlog already. */
#define MD_WRITE_QUEUE_MAX 4096

/* Batches and events in one transaction. A group this large takes one
 * fsync for all of them; the event bound keeps one transaction's dirty
 * pages (and the time other writers wait for it) moderate. */
#define MD_GROUP_BATCHES_MAX 1024
#define MD_GROUP_EVENTS_MAX  100000

/* The disk is full when less than MD_DISK_FULL_BYTES plus
 * MD_DISK_EVENT_BYTES per event of the group would be left free: the
 * writer then answers 503 without writing (md_writer.c). Refusing before
 * the filesystem does matters on copy-on-write filesystems: on a btrfs
 * that LMDB fills, the next write to LMDB's memory-mapped lock file
 * cannot be given a block and medeld dies of SIGBUS. An event takes about
 * 300 bytes of data.mdb (a 2.3-million-event soak: 675 MiB); a commit on
 * a copy-on-write filesystem rewrites every page it touches, so 2 KiB an
 * event leaves a wide margin. The same floor tells a full disk from a
 * broken one when a commit fails with EIO (a short write). */
#define MD_DISK_FULL_BYTES  (1024u * 1024u)
#define MD_DISK_EVENT_BYTES 2048u

/* --- streaming (md_stream.h: backup, export) --- */

/* Bytes read from a producer's pipe and sent as one chunk. */
#define MD_STREAM_CHUNK_BYTES_MAX (256u * 1024u)

/* Streams (backups, exports) running at once, over all event loops. */
#define MD_STREAMS_MAX 4

/* Map growths the writer tries for one group (md_writer.c): growth
 * doubles the map, and from 64 MiB to any ceiling below 2^64 bytes takes
 * fewer than 40 steps. A group that still does not fit after this many
 * growths is treated like a full map. */
#define MD_GROW_ATTEMPTS_MAX 40

/* --- tokens (md_auth.h) --- */

/* Lines of a tokens file and bytes per line. A team's readers, writers
 * and admins fit many times over; a bigger file is a mistake. */
#define MD_TOKENS_MAX     1024
#define MD_TOKEN_LINE_MAX 512
/* A token's name is what the ledger records as recorded_by, so it is
 * bounded by ML_RECORDED_BY_MAX. */

/* --- Unix socket peers --- */

/* uid → user name lookups remembered per event loop: a workstation has
 * a few users; getpwuid_r reads /etc/passwd, too slow per request. */
#define MD_PEER_CACHE_MAX 8
/* A user name is recorded_by ("uid:4294967295" when it has none):
 * ML_RECORDED_BY_MAX bounds it. */

/* --- process --- */

/* Event-loop threads (--threads). Reads are CPU-bound LMDB lookups; more
 * loops than cores only adds switching. */
#define MD_THREADS_MAX 16

/* After SIGTERM, in-flight requests get this long to finish; then the
 * loops stop anyway (the writer still commits what it holds). */
#define MD_SHUTDOWN_GRACE_S 30

/* accept(2) failing for want of descriptors or memory leaves the
 * connection queued, and a level-triggered listener would spin on it:
 * the loop stops accepting for this long, then tries again. */
#define MD_ACCEPT_PAUSE_MS 100

/* listen(2) backlog. */
#define MD_LISTEN_BACKLOG_MAX 1024

/* One log line (a request line is ~200 bytes; messages are truncated). */
#define MD_LOG_LINE_MAX 2048

/* Paths: data directory, socket, tokens file. */
#define MD_PATH_MAX 4096

#endif /* MD_LIMITS_H */
