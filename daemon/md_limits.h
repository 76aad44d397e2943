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

/* Seconds a connection may take to take a response, or to send a request
 * between two reads, before evhttp drops it. The front door's shorter
 * timeouts (MD_HEAD_TIMEOUT_S, MD_BODY_*, MD_IDLE_TIMEOUT_S) end a slow or
 * idle client first; this one stays for the rest. */
#define MD_IO_TIMEOUT_S 120

/* --- connections (md_conns.h derives the ceilings from ulimit -n) --- */

/* Descriptors medeld keeps for itself whatever its clients do: stdio and
 * the log, LMDB's data and lock files, per event loop an epoll descriptor,
 * its notify descriptors and its dups of the two listening sockets (about
 * 5 × MD_THREADS_MAX = 80), a stream's pipe and file per MD_STREAMS_MAX,
 * /etc/passwd and the tokens file being read. 128 covers all of it with
 * room to spare. */
#define MD_FDS_RESERVED 128

/* Connections on the Unix socket (the admin's way in), kept out of what
 * TCP may use. medel holds one at a time; a script or two, a dashboard
 * proxy: 64 is many times that. One over it is answered 503. */
#define MD_UNIX_CONNS_MAX 64

/* Of the descriptors left to TCP (tcp_fds_max = nofile − MD_FDS_RESERVED −
 * MD_UNIX_CONNS_MAX, at most MD_TCP_FDS_MAX), the share that is served;
 * the other quarter is room to accept a connection over the ceiling and
 * answer it 503 at once instead of leaving it in the kernel's queue. At
 * tcp_fds_max the TCP listener pauses for MD_ACCEPT_PAUSE_MS, so accept(2)
 * never meets EMFILE. */
#define MD_TCP_SERVED_PERCENT 75

/* Below this many TCP descriptors the limit is too low to serve anyone:
 * medeld refuses to start and says to raise ulimit -n. */
#define MD_TCP_CONNS_MIN 16

/* TCP descriptors at most, whatever ulimit -n says: each connection holds
 * kernel socket buffers and a few KiB of libevent's, and 60 000 of them
 * is already far more than one ledger's clients. It also bounds the
 * per-address table (md_conns.c) to 2^17 slots of 20 bytes. */
#define MD_TCP_FDS_MAX 60000

/* TCP connections served per client address (IPv4, or IPv6 whole), so
 * that one address cannot take every TCP slot: a browser opens 6 per
 * host, a busy script a few dozen. Behind a reverse proxy every client
 * has the proxy's address; the hidden environment variable
 * MEDELD_CONNS_PER_ADDR_MAX sets another value (the tests use it too). */
#define MD_CONNS_PER_ADDR_MAX 64

/* Seconds from a connection's first byte (or its accept) to the end of
 * its request head. A client sends a head in one write; 10 s allows for a
 * slow network, and a half-open connection holds its slot no longer. */
#define MD_HEAD_TIMEOUT_S 10

/* A body must arrive at MD_BODY_BYTES_PER_S_MIN at least, measured over
 * windows of MD_BODY_WINDOW_S (a window must bring that rate × its length
 * or the rest of the body). 16 KiB/s is a 128 kbit/s link; at that floor
 * the largest body (8 MiB) holds its slot for 512 s at most, a typical
 * batch of a few KiB under one window. */
#define MD_BODY_BYTES_PER_S_MIN (16u * 1024u)
#define MD_BODY_WINDOW_S        10

/* Seconds a connection may sit idle between an answer and the next
 * request's first byte. Clients reuse a connection for requests that
 * follow each other; 30 s keeps that and frees an abandoned slot soon
 * (nginx keeps 75 s, with far more descriptors to spare). */
#define MD_IDLE_TIMEOUT_S 30

/* Requests parked in a long-poll at once, per event loop. Each holds a
 * connection and a small record; beyond this a new one is answered at
 * once with what there is (an empty page), never refused. */
#define MD_WAITERS_MAX 4096

/* Of those, parked by one caller (token name, or the Unix peer's user)
 * on one loop: a quarter, so one read token cannot take every place. */
#define MD_WAITERS_PER_CALLER_MAX (MD_WAITERS_MAX / 4)

/* Slow reads (GET /v1/verify) run on helper threads, at most this many
 * at once; another one is answered 503 unavailable. Verify re-reads the
 * whole log: four at once already keep both cores of a small server
 * busy. (A trace was one too until it became a seek per account, edge
 * and activity: it is answered on the event loop now.) */
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

/* Streams (backups, exports) running at once, over all event loops.
 * Each holds a producer thread and a pipe, a backup an LMDB read
 * snapshot too (which keeps the pages it sees from being reused, so the
 * file grows while it runs): a handful is what a server needs. */
#define MD_STREAMS_MAX 8

/* Streams of one caller (token name, or Unix user) at once: a client
 * downloads one export at a time, a script perhaps two. Without it one
 * read token could open every slot and stall them (issue 14, attack 4). */
#define MD_STREAMS_PER_CALLER_MAX 2

/* Streams of callers below admin (read and write tokens) together: half,
 * so many read tokens cannot take every slot either. */
#define MD_STREAMS_BELOW_ADMIN_MAX (MD_STREAMS_MAX / 2)

/* And the last slot is only ever taken by a backup (which only an admin
 * may ask for): whatever exports run, an admin can take a backup. */

/* Seconds a stream's client may take nothing of a chunk in flight (no
 * byte of it leaves medeld's buffers for the socket) before the stream
 * is cut: a stalled reader otherwise holds its slot, its producer thread
 * and its read snapshot until MD_IO_TIMEOUT_S, or forever if it reads a
 * byte now and then. 30 s is far beyond any pause of a client that
 * reads (a TCP window on a slow link drains in well under a second); the
 * hidden variable MEDELD_STREAM_STALL_S sets another (for the tests). */
#define MD_STREAM_STALL_S 30

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

/* After a connection closes, malloc_trim gives free memory back to the
 * system this much later (md_server.c): every connection that closes in
 * that time shares the one call, which walks glibc's arenas (well under a
 * millisecond for medeld's). */
#define MD_TRIM_DELAY_MS 500

/* glibc's thresholds, fixed at the start (md_main.c): an answer of
 * 50-200 KB (a trace, the repayments) is allocated and freed on every
 * request, and with the dynamic thresholds glibc gave the top of the
 * heap back to the kernel after most of them, so the next answer
 * faulted its pages in again (5 % of a built trace's CPU in page
 * faults, docs/performance.md 2026-12-04 h-mtr). Free heap up to
 * MD_HEAP_KEEP_BYTES stays until the malloc_trim above; a block of at
 * least MD_MMAP_BYTES gets its own mapping, as a 96 MiB answer should. */
#define MD_HEAP_KEEP_BYTES (32 * 1024 * 1024)
#define MD_MMAP_BYTES      (4 * 1024 * 1024)

/* listen(2) backlog. */
#define MD_LISTEN_BACKLOG_MAX 1024

/* One log line (a request line is ~200 bytes; messages are truncated). */
#define MD_LOG_LINE_MAX 2048

/* A loop's batch of request lines, written with one write(2)
 * (md_log.h's md_logbatch): PIPE_BUF, the most a write to a pipe keeps
 * whole, so lines from different threads never interleave; ~20 request
 * lines. At least one line. */
#define MD_LOG_BATCH_BYTES 4096

/* Paths: data directory, socket, tokens file. */
#define MD_PATH_MAX 4096

#endif /* MD_LIMITS_H */
