/*
 * md_tls.c — building medeld's one SSL_CTX (md_tls.h says why these
 * settings).
 *
 * Called by md_main before the ledger is opened, so a bad certificate
 * stops medeld before it touches anything, and again on SIGHUP by the
 * main loop's signal handler (md_server.c); the loops call
 * md_tls_ssl_new for each connection. The files are
 * opened with fopen first only to say in plain words when one is missing
 * or unreadable (OpenSSL's own queue would say "system lib"); what
 * OpenSSL then finds wrong in them (not PEM, a key that does not belong
 * to the certificate) is taken from its error queue.
 */
#include "md_tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>

/* 0 when path can be opened for reading; else -1 with why. */
static int md_tls_readable(const char *what, const char *path, char *why,
                           size_t why_size)
{
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		snprintf(why, why_size, "%s %s cannot be read: %s", what, path,
		         strerror(errno));
		return -1;
	}
	fclose(f);
	return 0;
}

/* "what path: sentence: OpenSSL's last reason" into why; empties the
 * error queue. */
static void md_tls_why(const char *what, const char *path, const char *sentence,
                       char *why, size_t why_size)
{
	char ssl[256] = "";
	unsigned long e = ERR_peek_last_error();
	if (e != 0)
		ERR_error_string_n(e, ssl, sizeof ssl);
	ERR_clear_error();
	if (ssl[0] != '\0')
		snprintf(why, why_size, "%s %s: %s (OpenSSL: %s)", what, path,
		         sentence, ssl);
	else
		snprintf(why, why_size, "%s %s: %s", what, path, sentence);
}

static void md_tls_settings(SSL_CTX *ctx)
{
	SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION |
	                             SSL_OP_CIPHER_SERVER_PREFERENCE |
	                             SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_SERVER);
}

/* A server context for the two files, or NULL with why. */
static SSL_CTX *md_tls_ctx(const char *cert_path, const char *key_path,
                           char *why, size_t why_size)
{
	if (md_tls_readable("--tls-cert", cert_path, why, why_size) != 0 ||
	    md_tls_readable("--tls-key", key_path, why, why_size) != 0)
		return NULL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	if (ctx == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
		md_tls_why("TLS", "context", "cannot be made", why, why_size);
		SSL_CTX_free(ctx);
		return NULL;
	}
	md_tls_settings(ctx);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert_path) != 1) {
		md_tls_why("--tls-cert", cert_path,
		           "is not a PEM certificate (chain)", why, why_size);
		goto fail;
	}
	if (SSL_CTX_use_PrivateKey_file(ctx, key_path, SSL_FILETYPE_PEM) != 1) {
		md_tls_why("--tls-key", key_path,
		           "is not a PEM private key, or not the one of "
		           "the certificate",
		           why, why_size);
		goto fail;
	}
	if (SSL_CTX_check_private_key(ctx) != 1) {
		md_tls_why("--tls-key", key_path,
		           "does not belong to the certificate in --tls-cert",
		           why, why_size);
		goto fail;
	}
	return ctx;
fail:
	SSL_CTX_free(ctx);
	return NULL;
}

struct md_tls *md_tls_open(const char *cert_path, const char *key_path,
                           char *why, size_t why_size)
{
	if (strlen(cert_path) >= MD_PATH_MAX ||
	    strlen(key_path) >= MD_PATH_MAX) {
		snprintf(why, why_size,
		         "--tls-cert or --tls-key: a path longer than %d "
		         "bytes",
		         MD_PATH_MAX - 1);
		return NULL;
	}
	struct md_tls *t = calloc(1, sizeof *t);
	if (t == NULL) {
		snprintf(why, why_size, "out of memory");
		return NULL;
	}
	snprintf(t->cert_path, sizeof t->cert_path, "%s", cert_path);
	snprintf(t->key_path, sizeof t->key_path, "%s", key_path);
	t->ctx = md_tls_ctx(cert_path, key_path, why, why_size);
	if (t->ctx == NULL) {
		free(t);
		return NULL;
	}
	pthread_mutex_init(&t->lock, NULL);
	return t;
}

int md_tls_reload(struct md_tls *t, char *why, size_t why_size)
{
	SSL_CTX *fresh = md_tls_ctx(t->cert_path, t->key_path, why, why_size);
	if (fresh == NULL)
		return -1;
	pthread_mutex_lock(&t->lock);
	SSL_CTX *old = t->ctx;
	t->ctx = fresh;
	pthread_mutex_unlock(&t->lock);
	SSL_CTX_free(old); /* open connections keep their reference */
	return 0;
}

SSL *md_tls_ssl_new(struct md_tls *t)
{
	pthread_mutex_lock(&t->lock);
	SSL *ssl = SSL_new(t->ctx);
	pthread_mutex_unlock(&t->lock);
	return ssl;
}

void md_tls_free(struct md_tls *t)
{
	if (t == NULL)
		return;
	SSL_CTX_free(t->ctx);
	pthread_mutex_destroy(&t->lock);
	free(t);
}
