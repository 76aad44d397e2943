/*
 * md_tls.c — building medeld's one SSL_CTX (md_tls.h says why these
 * settings).
 *
 * Called once by md_main before the ledger is opened, so a bad
 * certificate stops medeld before it touches anything. The files are
 * opened with fopen first only to say in plain words when one is missing
 * or unreadable (OpenSSL's own queue would say "system lib"); what
 * OpenSSL then finds wrong in them (not PEM, a key that does not belong
 * to the certificate) is taken from its error queue.
 */
#include "md_tls.h"

#include <errno.h>
#include <stdio.h>
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

SSL_CTX *md_tls_new(const char *cert_path, const char *key_path, char *why,
                    size_t why_size)
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

void md_tls_free(SSL_CTX *ctx)
{
	SSL_CTX_free(ctx);
}
