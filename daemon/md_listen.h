/*
 * md_listen.h — the sockets medeld listens on, and who is on the other end.
 *
 * The Unix socket is always there (default <data>/medeld.sock, --socket
 * PATH to move it), created with mode 0600: only its owner (and root) can
 * connect, and whoever connects has full access (API.md). A socket file
 * left by a medeld that died is handled: if connecting to it is refused
 * (ECONNREFUSED) nobody is listening and it is replaced; if something
 * answers, another server owns it and medeld refuses to start; a path
 * that exists and is not a socket is never touched.
 *
 * TCP is only opened with --listen HOST:PORT ("127.0.0.1:8080",
 * "[::1]:8080", "localhost:8080"; port 0 picks a free port, reported by md_listen_tcp's
 * bound_out, which the tests use). Every TCP request then needs a token
 * (md_auth.h).
 *
 * Both return plain listening descriptors (non-blocking, close-on-exec);
 * md_server hands a dup() of each to every event loop's evhttp.
 */
#ifndef MD_LISTEN_H
#define MD_LISTEN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "md_limits.h"

/* Binds and listens on the Unix socket path (mode 0600). Returns the fd,
 * or -1 with the reason in why; *ino_out gets the socket file's inode. */
int md_listen_unix(const char *path, ino_t *ino_out, char *why,
                   size_t why_size);

/* Removes the socket file if it is still ours (the same inode): a second
 * medeld that replaced it keeps its own. */
void md_listen_unix_remove(const char *path, ino_t ino);

/* Whether "HOST:PORT" is a loopback address (127.0.0.0/8, ::1, an
 * IPv4-mapped 127.x, "localhost"): 1 yes, 0 no, -1 not HOST:PORT at all
 * (md_listen_tcp then says why). md_main refuses a non-loopback one
 * without TLS unless told --insecure-http: tokens would cross a network
 * in clear text. */
int md_listen_loopback(const char *host_port);

/* Binds and listens on "HOST:PORT". Returns the fd, or -1 with why.
 * bound_out (≥ 64 bytes) gets the address actually bound. */
int md_listen_tcp(const char *host_port, char *bound_out, size_t bound_size,
                  char *why, size_t why_size);

/* uid → user name lookups remembered (per event loop: getpwuid_r reads
 * /etc/passwd, too slow per request). Only a real name is remembered: a
 * failed lookup (after a descriptor shortage, say) is answered "uid:N"
 * that once and tried again the next time, so a passing failure is never
 * recorded as recorded_by until a restart. Zeroed memory is an empty
 * cache that looks names up with md_user_name. */
struct md_peer_cache {
	struct md_peer {
		uid_t uid;
		char name[ML_RECORDED_BY_MAX + 1];
	} peers[MD_PEER_CACHE_MAX];
	unsigned used, next; /* entries held; the one replaced next */
	/* NULL: md_user_name (tests put a failing one here) */
	int (*lookup)(uid_t uid, char *name, size_t name_size);
};

/* uid's user name into out (≥ ML_RECORDED_BY_MAX + 1 bytes). */
void md_peer_cache_name(struct md_peer_cache *c, uid_t uid, char *out,
                        size_t out_size);

/* The uid of a Unix socket peer (SO_PEERCRED). Returns 0 or -1. */
int md_peer_uid(int fd, uid_t *uid_out);
/* The client's address for the request log: "192.0.2.7:51234" or
 * "[2001:db8::7]:51234" for a TCP peer (getpeername), "unix" for the
 * Unix socket (whose peer user is the log's who), "-" when the
 * descriptor has no peer any more. out holds MD_PEER_TEXT_MAX bytes. */
#define MD_PEER_TEXT_MAX 64
void md_peer_text(int fd, bool tcp, char *out, size_t out_size);

/* uid's user name (getpwuid_r) into name. Returns 0 when it is the real
 * name; -1 when the lookup failed (no such user, or no descriptor or
 * memory to read /etc/passwd with), and name is then "uid:N": a name to
 * record now, never one to remember, for the next lookup may work. */
int md_user_name(uid_t uid, char *name, size_t name_size);

#endif /* MD_LISTEN_H */
