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
 * exits 1. The SSL_CTX is shared read-only by every event loop
 * (SSL_new on it is thread-safe in OpenSSL ≥ 1.1); each connection's SSL
 * is made by the front door (md_door.c) and freed with its bufferevent.
 *
 * Certificates are read once; SIGHUP does not reload them (restart
 * medeld to take a renewed certificate).
 */
#ifndef MD_TLS_H
#define MD_TLS_H

#include <stddef.h>

#include <openssl/ssl.h>

/* A server context for cert_path (PEM, a chain allowed) and key_path
 * (PEM). Returns it, or NULL with why (a sentence naming the file). The
 * caller frees it with md_tls_free. */
SSL_CTX *md_tls_new(const char *cert_path, const char *key_path, char *why,
                    size_t why_size);

/* Frees ctx (NULL is fine). Connections still open hold their own
 * reference. */
void md_tls_free(SSL_CTX *ctx);

#endif /* MD_TLS_H */
