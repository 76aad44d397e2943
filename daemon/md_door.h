/*
 * md_door.h — the front door: every byte a client sends passes here
 * before evhttp sees it.
 *
 * libevent 2.1's evhttp reads a request's head and its whole body (up to
 * the 8 MiB limit) before it calls medeld, and has no hook between the
 * two; its own refusals are text/html pages. evhttp_set_bevcb lets us give
 * each accepted connection a bufferevent of our making, and
 * bufferevent_filter_new lets that bufferevent run a function over the
 * raw bytes before evhttp reads them. md_door_bev builds, per connection,
 * a socket bufferevent under such a filter (md_door.c), which:
 *
 *   - holds back each request's head (request line and headers, at most
 *     MD_HEADERS_BYTES_MAX bytes) until it is complete, and parses it
 *     strictly: one request line `METHOD SP TARGET SP HTTP/1.x` of a
 *     method evhttp knows, well-formed header lines, at most one
 *     Content-Length (digits only, ≤ ML_BODY_BYTES_MAX) and never one
 *     together with Transfer-Encoding, no Transfer-Encoding but chunked;
 *     a head whose first byte starts no method (a TLS ClientHello sent to
 *     a plain port, binary noise) is refused at that byte, not when the
 *     head timeout runs out;
 *   - over TCP, checks the bearer token, and the role against the route
 *     when the request carries a body;
 *   - passes an admitted head to evhttp and then exactly Content-Length
 *     body bytes, so evhttp and the door always agree where the next
 *     request starts;
 *   - answers a refused request itself (401, 403, 413, 400, 501: the
 *     API's JSON error, X-Request-Id, Connection: close), reads nothing
 *     more, and closes the connection once the answer is written. No body
 *     byte of a refused request is read into memory.
 *
 * Order of answers: a client may pipeline. After passing one request the
 * door waits until evhttp has answered it and reads again before it
 * looks at the next head, so its own refusal never overtakes an answer.
 *
 * A chunked body (Transfer-Encoding: chunked) is passed chunk by chunk:
 * sizes of hex digits only, no extensions, no trailers, at most
 * ML_BODY_BYTES_MAX together; the chunk that would pass the limit is
 * refused 413 before its data is read.
 *
 * TLS (--tls-cert, md_tls.h): on a TLS listener the socket bufferevent
 * under the door is libevent's OpenSSL one (bufferevent_openssl_socket_new
 * in the accepting state), so the door sees and writes plain HTTP and
 * everything above holds unchanged: the connection is counted and
 * admitted (or answered 503) as before; the head timeout runs from the
 * accept, so a client that never finishes its handshake is closed after
 * MD_HEAD_TIMEOUT_S like one that never finishes its head; the token is
 * checked on the decrypted head before any body byte reaches evhttp, and
 * a refused connection's decrypted bytes are dropped as they come, as on
 * a plain one. A handshake that fails (plain HTTP sent to the TLS
 * port, a client that does not trust the certificate) is an error event
 * of the OpenSSL bufferevent, which evhttp takes as a broken connection
 * and frees, as it does a reset.
 *
 * The token is hashed once per request. The door checks it when the head
 * arrives; the request evhttp then makes of that head asks the door's
 * verdict (md_door_verdict_take) instead of hashing the token again. One
 * verdict per loop (struct md_loop's `verdict`), for the last head a door
 * of that loop passed with a valid token, keyed by the connection's
 * bufferevent: a door passes a connection's next head only after the
 * request of the one before was answered, and every head it passes
 * overwrites the verdict, so a verdict found under a connection is the
 * one of the request asking. Usually that request comes at once (evhttp
 * parses a head without a body in the same call); when another head came
 * between (a body still on its way), the verdict is gone and the request
 * checks the token itself, as before. A verdict is good only under the
 * token table it was reached with (md_auth.h's generation): after a
 * reload (SIGHUP) the request checks against the new table, so a revoked
 * token is refused from the reload on, by the door and by the request.
 * The door frees the verdict of its connection when it is freed, before
 * the bufferevent's memory can be another's.
 *
 * Everything here runs on the connection's loop thread.
 */
#ifndef MD_DOOR_H
#define MD_DOOR_H

#include <event2/bufferevent.h>
#include <event2/event.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ma_api.h"

struct md_auth;
struct md_loop;
struct md_tls;

/* A door's verdict on a head's token (see above): one per loop. */
struct md_door_verdict {
	const struct bufferevent *bev; /* evhttp's, of the connection; NULL:
	                                  there is none */
	uint64_t auth_generation;      /* of the table that matched */
	enum ma_role role;
	char who[ML_RECORDED_BY_MAX + 1]; /* the token's name */
};

/* What evhttp_set_bevcb is given as its argument: one per evhttp. */
struct md_door_site {
	struct md_loop *loop;
	int via;            /* enum md_via */
	struct md_tls *tls; /* TLS on this listener (md_tls.h), or NULL */
};

/* evhttp_set_bevcb's callback: a new connection's filtered bufferevent
 * (fd -1; evhttp sets it), or NULL when out of memory (evhttp then makes
 * a plain one; md_door_bev logs that). */
struct bufferevent *md_door_bev(struct event_base *base, void *site);

/* The verdict of l's door on the head of the request on bev (evhttp's
 * bufferevent of its connection): true with the token's *role and name
 * (who, ≥ ML_RECORDED_BY_MAX + 1 bytes) when the door passed it with a
 * valid token of auth's current table; false when the request must check
 * the token itself. Used once: the verdict is gone after it. */
bool md_door_verdict_take(struct md_loop *l, const struct bufferevent *bev,
                          struct md_auth *auth, enum ma_role *role, char *who,
                          size_t who_size);

#endif /* MD_DOOR_H */
