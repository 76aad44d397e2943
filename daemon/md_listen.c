/*
 * md_listen.c — creating the listening sockets and naming socket peers.
 *
 * Called once at start by md_main (before any thread exists: the Unix
 * socket is bound under umask 0177, and umask is per process) and, for
 * peers, by the event loops through md_server's small uid cache.
 */
#include "md_listen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <event2/util.h>

static int md_unix_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof *sa);
	sa->sun_family = AF_UNIX;
	size_t len = strlen(path);
	if (len == 0 || len >= sizeof sa->sun_path)
		return -1;
	memcpy(sa->sun_path, path, len + 1);
	return 0;
}

/* What is at path now: 0 nothing (or a stale socket, removed), -1 a
 * reason to refuse (why filled). */
static int md_unix_clear(const char *path, const struct sockaddr_un *sa,
                         char *why, size_t why_size)
{
	struct stat sb;
	if (lstat(path, &sb) != 0)
		return 0;
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(why, why_size, "%s exists and is not a socket", path);
		return -1;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(why, why_size, "socket: %s", strerror(errno));
		return -1;
	}
	int rc = connect(fd, (const struct sockaddr *)sa, sizeof *sa);
	int err = errno;
	close(fd);
	if (rc == 0) {
		snprintf(why, why_size,
		         "%s is in use: another server answers on it", path);
		return -1;
	}
	if (err != ECONNREFUSED) {
		snprintf(why, why_size, "cannot check %s: %s", path,
		         strerror(err));
		return -1;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(why, why_size, "cannot remove the stale %s: %s", path,
		         strerror(errno));
		return -1;
	}
	return 0;
}

int md_listen_unix(const char *path, ino_t *ino_out, char *why, size_t why_size)
{
	struct sockaddr_un sa;
	if (md_unix_addr(path, &sa) != 0) {
		snprintf(why, why_size,
		         "socket path '%s' is empty or longer "
		         "than %zu bytes",
		         path, sizeof sa.sun_path - 1);
		return -1;
	}
	if (md_unix_clear(path, &sa, why, why_size) != 0)
		return -1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(why, why_size, "socket: %s", strerror(errno));
		return -1;
	}
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sa, sizeof sa);
	int err = errno;
	umask(old);
	struct stat sb;
	if (rc == 0 && (chmod(path, 0600) != 0 || stat(path, &sb) != 0))
		err = errno, rc = -1;
	if (rc == 0 && listen(fd, MD_LISTEN_BACKLOG_MAX) != 0)
		err = errno, rc = -1;
	if (rc != 0) {
		snprintf(why, why_size, "cannot listen on %s: %s", path,
		         strerror(err));
		close(fd);
		return -1;
	}
	*ino_out = sb.st_ino;
	return fd;
}

void md_listen_unix_remove(const char *path, ino_t ino)
{
	struct stat sb;
	if (lstat(path, &sb) == 0 && S_ISSOCK(sb.st_mode) && sb.st_ino == ino)
		unlink(path);
}

static int md_tcp_bound(int fd, char *out, size_t size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char host[64];
	if (getsockname(fd, (struct sockaddr *)&ss, &len) != 0)
		return -1;
	int port = ss.ss_family == AF_INET6
	               ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
	               : ntohs(((struct sockaddr_in *)&ss)->sin_port);
	const void *addr =
	    ss.ss_family == AF_INET6
	        ? (const void *)&((struct sockaddr_in6 *)&ss)->sin6_addr
	        : (const void *)&((struct sockaddr_in *)&ss)->sin_addr;
	if (evutil_inet_ntop(ss.ss_family, addr, host, sizeof host) == NULL)
		return -1;
	snprintf(out, size, ss.ss_family == AF_INET6 ? "[%s]:%d" : "%s:%d",
	         host, port);
	return 0;
}

/* "HOST:PORT" → a socket address. libevent parses the host (and "[v6]");
 * the port is ours, so that 0 (any free port) is allowed. The one name
 * taken is "localhost", as 127.0.0.1 (no resolver: medeld never binds
 * what a name server says). */
static int md_tcp_addr(const char *host_port, struct sockaddr_storage *ss,
                       int *len)
{
	const char *colon = strrchr(host_port, ':');
	char with_port[128];
	unsigned long port = 0;
	if (colon == NULL || colon[1] == '\0' || strlen(colon + 1) > 5)
		return -1;
	for (const char *p = colon + 1; *p != '\0'; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	int host_len = (int)(colon - host_port);
	bool localhost = host_len == 9 && !strncmp(host_port, "localhost", 9);
	int n = localhost ? snprintf(with_port, sizeof with_port, "127.0.0.1:1")
	                  : snprintf(with_port, sizeof with_port, "%.*s:1",
	                             host_len, host_port);
	if (port > 65535 || n < 0 || (size_t)n >= sizeof with_port)
		return -1;
	*len = (int)sizeof *ss;
	memset(ss, 0, sizeof *ss);
	if (evutil_parse_sockaddr_port(with_port, (struct sockaddr *)ss, len))
		return -1;
	if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	else
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	return 0;
}

int md_listen_loopback(const char *host_port)
{
	struct sockaddr_storage ss;
	int len = 0;
	if (md_tcp_addr(host_port, &ss, &len) != 0)
		return -1;
	if (ss.ss_family == AF_INET) {
		uint32_t a =
		    ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr);
		return (a >> 24) == 127;
	}
	const struct in6_addr *a6 = &((struct sockaddr_in6 *)&ss)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6))
		return a6->s6_addr[12] == 127;
	return IN6_IS_ADDR_LOOPBACK(a6);
}

int md_listen_tcp(const char *host_port, char *bound_out, size_t bound_size,
                  char *why, size_t why_size)
{
	struct sockaddr_storage ss;
	int len = 0, one = 1;
	if (md_tcp_addr(host_port, &ss, &len) != 0) {
		snprintf(why, why_size,
		         "--listen '%s' is not HOST:PORT (e.g. 127.0.0.1:8080)",
		         host_port);
		return -1;
	}
	int fd =
	    socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(why, why_size, "socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(fd, (struct sockaddr *)&ss, (socklen_t)len) != 0 ||
	    listen(fd, MD_LISTEN_BACKLOG_MAX) != 0 ||
	    md_tcp_bound(fd, bound_out, bound_size) != 0) {
		snprintf(why, why_size, "cannot listen on %s: %s", host_port,
		         strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int md_peer_uid(int fd, uid_t *uid_out)
{
	struct ucred cred;
	socklen_t len = sizeof cred;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0)
		return -1;
	*uid_out = cred.uid;
	return 0;
}

void md_peer_text(int fd, bool tcp, char *out, size_t out_size)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof ss;
	char ip[INET6_ADDRSTRLEN];
	snprintf(out, out_size, "%s", tcp ? "-" : "unix");
	if (!tcp || fd < 0 ||
	    getpeername(fd, (struct sockaddr *)&ss, &len) != 0)
		return;
	if (ss.ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;
		if (inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip) != NULL)
			snprintf(out, out_size, "%s:%u", ip,
			         (unsigned)ntohs(a->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;
		if (inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip) != NULL)
			snprintf(out, out_size, "[%s]:%u", ip,
			         (unsigned)ntohs(a->sin6_port));
	}
}

int md_user_name(uid_t uid, char *name, size_t name_size)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 &&
	    found != NULL && strlen(pw.pw_name) < name_size &&
	    strlen(pw.pw_name) <= ML_RECORDED_BY_MAX) {
		snprintf(name, name_size, "%s", pw.pw_name);
		return 0;
	}
	snprintf(name, name_size, "uid:%u", (unsigned)uid);
	return -1;
}

void md_peer_cache_name(struct md_peer_cache *c, uid_t uid, char *out,
                        size_t out_size)
{
	for (unsigned i = 0; i < c->used; i++) {
		if (c->peers[i].uid == uid) {
			snprintf(out, out_size, "%s", c->peers[i].name);
			return;
		}
	}
	char name[ML_RECORDED_BY_MAX + 1];
	int rc = (c->lookup ? c->lookup : md_user_name)(uid, name, sizeof name);
	snprintf(out, out_size, "%s", name);
	if (rc != 0)
		return; /* a fallback: never remembered */
	struct md_peer *p = &c->peers[c->next];
	c->next = (c->next + 1) % MD_PEER_CACHE_MAX;
	if (c->used < MD_PEER_CACHE_MAX)
		c->used++;
	p->uid = uid;
	memcpy(p->name, name, sizeof name);
}
