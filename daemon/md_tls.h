/*
 * md_tls.h — TLS on medeld's TCP listener: the one OpenSSL context.
 *
 * With --tls-cert FILE --tls-key FILE every TCP connection speaks TLS.
 * Nothing of TLS is written here: OpenSSL (libssl) does the protocol and
 * libevent's OpenSSL bufferevent (libevent_openssl) drives it on the
 * event loop. This module only builds the SSL_CTX once at start, with
 * settings chosen for a service that its own clients reach:
 *
 *   - TLS 1.2 at least (SSL_CTX_set_min_proto_version); 1.3 preferred by
 *     OpenSSL's own negotiation;
 *   - OpenSSL's default cipher lists (its "DEFAULT" for 1.2 is forward
 *     secret AEAD first), the server's order preferred
 *     (SSL_OP_CIPHER_SERVER_PREFERENCE);
 *   - no compression (SSL_OP_NO_COMPRESSION: CRIME), no renegotiation
 *     (SSL_OP_NO_RENEGOTIATION: a client cannot make the server redo
 *     handshakes); OpenSSL's in-memory session cache, so a returning
 *     client resumes instead of a full handshake;
 *   - the certificate file may hold a chain (leaf first), as certbot
 *     writes fullchain.pem.
 *
 * A missing, unreadable or mismatched certificate or key is refused at
 * start with a sentence naming the file and what is wrong, and medeld
 * exits 1. Each connection's SSL is made by the front door (md_door.c,
 * md_tls_ssl_new) and freed with its bufferevent.
 *
 * SIGHUP reloads both files (md_tls_reload), as it reloads the tokens:
 * a new SSL_CTX is built from them off to the side and, only when it is
 * whole, put in the old one's place under a mutex, which the event loops
 * also take for the moment of each SSL_new. A connection keeps the
 * context it was made with (SSL_new holds a reference to it), so the old
 * one is freed when its last connection ends; new connections get the
 * new certificate. A reload that fails changes nothing and says why.
 */
#ifndef MD_TLS_H
#define MD_TLS_H

#include <pthread.h>
#include <stddef.h>

#include <openssl/ssl.h>

#include "md_limits.h"

struct md_tls {
	pthread_mutex_t lock; /* guards ctx: swapped by a reload */
	SSL_CTX *ctx;
	char cert_path[MD_PATH_MAX];
	char key_path[MD_PATH_MAX];
};

/* Reads cert_path (PEM, a chain allowed) and key_path (PEM) into a new
 * struct md_tls. Returns it, or NULL with why (a sentence naming the
 * file). The caller frees it with md_tls_free. */
struct md_tls *md_tls_open(const char *cert_path, const char *key_path,
                           char *why, size_t why_size);

/* Reads both files again; on success new connections use them. Returns
 * 0, or -1 with why (the old certificate stays in force). */
int md_tls_reload(struct md_tls *t, char *why, size_t why_size);

/* A new server SSL for one connection, on the current context; NULL when
 * out of memory. Thread-safe. */
SSL *md_tls_ssl_new(struct md_tls *t);

/* Frees t (NULL is fine). Connections still open hold their own
 * reference to their context. */
void md_tls_free(struct md_tls *t);

#endif /* MD_TLS_H */
