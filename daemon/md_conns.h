/*
 * md_conns.h — how many connections medeld holds, per listener and per
 * client address, and the ceilings derived from the descriptor limit.
 *
 * Every connection is one descriptor. Without ceilings of its own medeld
 * accepts until accept(2) fails with EMFILE, and then nobody gets in: not
 * a client with a token, not the admin on the Unix socket. So at start
 * (md_conns_init) the ceilings are derived from getrlimit(RLIMIT_NOFILE):
 *
 *   nofile − MD_FDS_RESERVED            descriptors connections may use;
 *     − MD_UNIX_CONNS_MAX               kept for the Unix socket alone;
 *     = tcp_fds_max                     TCP descriptors at most: at this
 *                                       many the TCP listener pauses;
 *   tcp_fds_max × MD_TCP_SERVED_PERCENT / 100
 *     = tcp_conns_max                   TCP connections served; the rest
 *                                       up to tcp_fds_max is room to
 *                                       answer the ones over it.
 *
 * A connection over per_addr_max from one address, or over
 * MD_UNIX_CONNS_MAX on the Unix socket, is answered at once by the front
 * door (503 unavailable, "too many connections", Connection: close) and
 * closed.
 *
 * Fairness between addresses, for a client with a token: a served TCP
 * connection that has not yet shown a valid token is on the `unproven`
 * list, oldest first. A new connection over tcp_conns_max takes the slot
 * of the oldest unproven one, which is told (its evict event) and
 * answered 503 by its door; only when every served connection has shown
 * a token is the new one refused. So an attacker with many addresses who
 * holds every slot half-open only pushes out his own oldest connections,
 * and a client that sends its head with a token at once keeps its slot
 * (md_conns_proven) — it would have to be the oldest unproven of
 * tcp_conns_max connections to lose it.
 *
 * Counts and the list are shared by all event loops (one mutex); a
 * connection is unlinked under it when it closes, so an evict event is
 * never activated after its connection is freed.
 */
#ifndef MD_CONNS_H
#define MD_CONNS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <event2/event.h>

#include "md_limits.h"

/* A client address: IPv4 as IPv4-mapped IPv6, 16 bytes. */
struct md_addr {
	uint8_t bytes[16];
};

struct md_addr_slot {
	struct md_addr addr;
	uint32_t conn_count; /* 0 = empty slot */
};

/* One TCP connection's place in the counts, inside its door. Its fields
 * are read and written under md_conns' lock only. */
struct md_conn {
	struct md_conn *prev, *next; /* on the unproven list */
	struct event *evict;         /* activated when its slot is taken */
	bool served;                 /* holds a served slot */
	bool unproven;               /* on the list */
	bool addr_counted;           /* counted for addr */
	struct md_addr addr;
};

struct md_conns {
	pthread_mutex_t lock;
	uint64_t nofile; /* RLIMIT_NOFILE's soft limit at start */
	bool low; /* nofile < MD_CONNS_NOFILE_MIN: the reserves do not fit */
	uint32_t tcp_fds_max;       /* TCP descriptors; the listener pauses */
	uint32_t tcp_conns_max;     /* TCP connections served */
	uint32_t per_addr_max;      /* TCP connections served per address */
	uint32_t tcp_count;         /* open TCP connections, refused included */
	uint32_t tcp_served;        /* of those, admitted (≤ tcp_conns_max) */
	uint32_t unix_count;        /* open Unix connections */
	struct md_addr_slot *slots; /* open addressing, linear probing */
	size_t slot_count;          /* a power of two > 2 × tcp_conns_max */
	struct md_conn *unproven_head, *unproven_tail; /* oldest first */
	uint64_t evicted; /* connections that lost their slot, in all */
};

/* The descriptor limit below which the reserves do not fit. medeld still
 * starts (with MD_TCP_CONNS_MIN TCP descriptors, and c->low set so that
 * the caller warns): accept(2) may then meet EMFILE, which the listeners
 * survive by pausing (md_server.c). */
#define MD_CONNS_NOFILE_MIN                                                    \
	(MD_FDS_RESERVED + MD_UNIX_CONNS_MAX + MD_TCP_CONNS_MIN)

/* Reads RLIMIT_NOFILE and sets the ceilings. per_addr_max 0 means
 * MD_CONNS_PER_ADDR_MAX. Returns 0, or -1 with why (out of memory). */
int md_conns_init(struct md_conns *c, uint32_t per_addr_max, char *why,
                  size_t why_size);
void md_conns_free(struct md_conns *c);

/* A connection was accepted on via (enum md_via). Returns true when the
 * TCP descriptors reached tcp_fds_max: the caller pauses accepting. */
bool md_conns_open(struct md_conns *c, int via);
/* Admits an open TCP connection from peer (NULL when unknown: counted
 * against the total only) into a served slot, as an unproven one; over
 * tcp_conns_max it takes the oldest unproven connection's slot (whose
 * evict event it activates). Returns 0, or -1 with *why saying which
 * ceiling it is over. */
int md_conns_admit(struct md_conns *c, const struct sockaddr *peer,
                   struct md_conn *conn, const char **why);
/* Whether conn still holds its slot (false: it lost it; its evict event
 * is on its way); when proven (it showed a valid token) it also leaves
 * the unproven list for good. */
bool md_conns_proven(struct md_conns *c, struct md_conn *conn, bool proven);
/* Open TCP connections, and how many lost their slot so far. */
void md_conns_stats(struct md_conns *c, uint64_t *tcp, uint64_t *evicted);
/* Whether one more Unix connection is within MD_UNIX_CONNS_MAX. */
bool md_conns_unix_ok(struct md_conns *c);
/* A connection on via closed (conn: NULL for a Unix one). After it,
 * conn->evict is never activated. */
void md_conns_close(struct md_conns *c, int via, struct md_conn *conn);

#endif /* MD_CONNS_H */
