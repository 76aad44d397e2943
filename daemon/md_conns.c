/*
 * md_conns.c — connection counts and ceilings (md_conns.h says why).
 *
 * Called by the front door (md_door.c) from every event loop: open when
 * evhttp makes a connection's bufferevent, admit once its descriptor and
 * peer are known, close when the door is freed. One mutex guards all of
 * it; a connection takes it three times in its life, which is nothing
 * beside the system calls of accepting and closing it.
 *
 * The per-address table: open addressing with linear probing over
 * slot_count slots (a power of two more than twice tcp_conns_max, so it
 * is never more than half full and a probe ends quickly); an address
 * whose count drops to 0 is removed with backward-shift deletion, so
 * there are no tombstones and the table never fills with the past.
 *
 * The unproven list (md_conns.h) is doubly linked through the doors'
 * struct md_conn: admit appends, a valid token or the close unlinks, an
 * eviction takes the head. All O(1).
 */
#include "md_conns.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "ml_assert.h"

#include "md_limits.h"
#include "md_server_int.h"

int md_conns_init(struct md_conns *c, uint32_t per_addr_max, char *why,
                  size_t why_size)
{
	struct rlimit rl;
	*c = (struct md_conns){0};
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY)
		rl.rlim_cur = 1u << 20;
	c->nofile = rl.rlim_cur;
	uint64_t fds = MD_TCP_CONNS_MIN; /* below the floor: low is true */
	c->low = c->nofile < MD_CONNS_NOFILE_MIN;
	if (!c->low)
		fds = c->nofile - MD_FDS_RESERVED - MD_UNIX_CONNS_MAX;
	if (fds > MD_TCP_FDS_MAX)
		fds = MD_TCP_FDS_MAX;
	c->tcp_fds_max = (uint32_t)fds;
	c->tcp_conns_max = (uint32_t)(fds * MD_TCP_SERVED_PERCENT / 100);
	c->per_addr_max = per_addr_max ? per_addr_max : MD_CONNS_PER_ADDR_MAX;
	c->slot_count = 16;
	while (c->slot_count <= 2 * (size_t)c->tcp_fds_max)
		c->slot_count *= 2;
	c->slots = calloc(c->slot_count, sizeof *c->slots);
	if (c->slots == NULL) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	pthread_mutex_init(&c->lock, NULL);
	return 0;
}

void md_conns_free(struct md_conns *c)
{
	if (c->slots == NULL)
		return;
	pthread_mutex_destroy(&c->lock);
	free(c->slots);
	c->slots = NULL;
}

static void md_addr_of(const struct sockaddr *sa, struct md_addr *a)
{
	memset(a, 0, sizeof *a);
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const void *)sa;
		memcpy(a->bytes, &s6->sin6_addr, 16);
	} else if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s4 = (const void *)sa;
		a->bytes[10] = a->bytes[11] = 0xff;
		memcpy(a->bytes + 12, &s4->sin_addr, 4);
	}
}

static size_t md_addr_hash(const struct md_addr *a, size_t mask)
{
	uint64_t h = 1469598103934665603u; /* FNV-1a */
	for (size_t i = 0; i < sizeof a->bytes; i++)
		h = (h ^ a->bytes[i]) * 1099511628211u;
	return (size_t)h & mask;
}

/* The slot holding a, or the empty slot where it would go. */
static size_t md_addr_find(const struct md_conns *c, const struct md_addr *a)
{
	size_t mask = c->slot_count - 1;
	size_t i = md_addr_hash(a, mask);
	for (size_t n = 0; n < c->slot_count; n++, i = (i + 1) & mask)
		if (c->slots[i].conn_count == 0 ||
		    memcmp(&c->slots[i].addr, a, sizeof *a) == 0)
			return i;
	ML_ASSERT(!"the address table is never full");
	return 0;
}

/* Empties slot i and shifts later members of its run back into it. */
static void md_addr_remove(struct md_conns *c, size_t i)
{
	size_t mask = c->slot_count - 1;
	size_t j = i;
	c->slots[i].conn_count = 0;
	for (size_t n = 0; n < c->slot_count; n++) {
		j = (j + 1) & mask;
		if (c->slots[j].conn_count == 0)
			return;
		size_t home = md_addr_hash(&c->slots[j].addr, mask);
		/* j may move to i unless its home lies cyclically in (i, j] */
		bool stays =
		    i <= j ? (home > i && home <= j) : (home > i || home <= j);
		if (stays)
			continue;
		c->slots[i] = c->slots[j];
		c->slots[j].conn_count = 0;
		i = j;
	}
}

bool md_conns_open(struct md_conns *c, int via)
{
	pthread_mutex_lock(&c->lock);
	bool full = false;
	if (via == MD_VIA_TCP)
		full = ++c->tcp_count >= c->tcp_fds_max;
	else
		c->unix_count++;
	pthread_mutex_unlock(&c->lock);
	return full;
}

bool md_conns_unix_ok(struct md_conns *c)
{
	pthread_mutex_lock(&c->lock);
	bool ok = c->unix_count <= MD_UNIX_CONNS_MAX;
	pthread_mutex_unlock(&c->lock);
	return ok;
}

static void md_conns_unlink(struct md_conns *c, struct md_conn *n)
{
	ML_ASSERT(n->unproven);
	if (n->prev != NULL)
		n->prev->next = n->next;
	else
		c->unproven_head = n->next;
	if (n->next != NULL)
		n->next->prev = n->prev;
	else
		c->unproven_tail = n->prev;
	n->prev = n->next = NULL;
	n->unproven = false;
}

static void md_conns_append(struct md_conns *c, struct md_conn *n)
{
	n->prev = c->unproven_tail;
	n->next = NULL;
	if (c->unproven_tail != NULL)
		c->unproven_tail->next = n;
	else
		c->unproven_head = n;
	c->unproven_tail = n;
	n->unproven = true;
}

/* Full: the oldest unproven connection gives its slot up (its door
 * answers it 503 when its evict event runs). false when there is none. */
static bool md_conns_evict(struct md_conns *c)
{
	struct md_conn *victim = c->unproven_head;
	if (victim == NULL)
		return false;
	md_conns_unlink(c, victim);
	victim->served = false;
	c->tcp_served--;
	c->evicted++;
	event_active(victim->evict, EV_READ, 0);
	return true;
}

int md_conns_admit(struct md_conns *c, const struct sockaddr *peer,
                   struct md_conn *conn, const char **why)
{
	int rc = 0;
	conn->addr_counted = false;
	pthread_mutex_lock(&c->lock);
	size_t i = 0;
	if (peer != NULL) {
		md_addr_of(peer, &conn->addr);
		i = md_addr_find(c, &conn->addr);
	}
	if (peer != NULL && c->slots[i].conn_count >= c->per_addr_max) {
		*why = "too many connections from this address";
		rc = -1;
	} else if (c->tcp_served >= c->tcp_conns_max && !md_conns_evict(c)) {
		*why = "too many connections";
		rc = -1;
	} else {
		c->tcp_served++;
		conn->served = true;
		md_conns_append(c, conn);
		if (peer != NULL) {
			i = md_addr_find(c, &conn->addr); /* no removal since */
			c->slots[i].addr = conn->addr;
			c->slots[i].conn_count++;
			conn->addr_counted = true;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return rc;
}

void md_conns_stats(struct md_conns *c, uint64_t *tcp, uint64_t *evicted)
{
	pthread_mutex_lock(&c->lock);
	*tcp = c->tcp_count;
	*evicted = c->evicted;
	pthread_mutex_unlock(&c->lock);
}

bool md_conns_proven(struct md_conns *c, struct md_conn *conn, bool proven)
{
	pthread_mutex_lock(&c->lock);
	bool served = conn->served;
	if (proven && conn->unproven)
		md_conns_unlink(c, conn);
	pthread_mutex_unlock(&c->lock);
	return served;
}

void md_conns_close(struct md_conns *c, int via, struct md_conn *conn)
{
	pthread_mutex_lock(&c->lock);
	if (via != MD_VIA_TCP) {
		c->unix_count--;
	} else {
		c->tcp_count--;
		if (conn->served)
			c->tcp_served--;
		if (conn->unproven)
			md_conns_unlink(c, conn);
		conn->served = false;
	}
	if (conn != NULL && conn->addr_counted) {
		size_t i = md_addr_find(c, &conn->addr);
		ML_ASSERT(c->slots[i].conn_count > 0);
		if (--c->slots[i].conn_count == 0)
			md_addr_remove(c, i);
		conn->addr_counted = false;
	}
	pthread_mutex_unlock(&c->lock);
}
