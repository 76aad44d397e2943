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
 * A connection over tcp_conns_max, over per_addr_max from one address,
 * or over MD_UNIX_CONNS_MAX on the Unix socket is answered at once by
 * the front door (503 unavailable, "too many connections", Connection:
 * close) and closed. Counts are shared by all event loops (one mutex).
 */
#ifndef MD_CONNS_H
#define MD_CONNS_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "md_limits.h"

/* A client address: IPv4 as IPv4-mapped IPv6, 16 bytes. */
struct md_addr {
	uint8_t bytes[16];
};

struct md_addr_slot {
	struct md_addr addr;
	uint32_t conn_count; /* 0 = empty slot */
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
 * against the total only) into a served slot. Returns 0, or -1 with
 * *why saying which ceiling it is over; *addr is what md_conns_close
 * needs back. */
int md_conns_admit(struct md_conns *c, const struct sockaddr *peer,
                   struct md_addr *addr, bool *addr_counted, const char **why);
/* Whether one more Unix connection is within MD_UNIX_CONNS_MAX. */
bool md_conns_unix_ok(struct md_conns *c);
/* A connection on via closed; served/addr_counted as md_conns_admit
 * left them. */
void md_conns_close(struct md_conns *c, int via, bool served,
                    const struct md_addr *addr, bool addr_counted);

#endif /* MD_CONNS_H */
