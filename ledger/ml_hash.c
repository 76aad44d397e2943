/*
 * ml_hash.c — SHA-256 over prev_hash ‖ canonical JSON, through EVP.
 *
 * The EVP_MD is fetched once (OpenSSL 3 otherwise looks it up on every
 * EVP_DigestInit) and the context reused; on this machine's SHA-NI that
 * makes a 300-byte event cost well under a microsecond.
 *
 * Nothing of OpenSSL is touched before the first hash. A process that
 * only reads the ledger (`medel log`, `export`, `balance`: each opens a
 * log writer and never appends) hashes nothing, yet paid, per process:
 *   - ~0.6 ms CPU for EVP_MD_fetch (it loads the default provider and
 *     reads openssl.cnf): now made with the first hash, not with the
 *     hasher;
 *   - ~0.5 ms CPU to load libcrypto itself (Debian builds it BIND_NOW:
 *     thousands of symbols resolved at exec, for an empty main() 0.64 →
 *     1.12 ms): so the library is compiled against OpenSSL's headers but
 *     not linked, and the seven functions below are looked up with
 *     dlopen with the first hash, as cli/mc_curl.c does for libcurl.
 *     medeld links libssl for TLS, so there dlopen finds the libcrypto
 *     already loaded. Each pointer's type is checked against OpenSSL's
 *     own declaration at compile time (_Generic, which evaluates
 *     nothing, so nothing is linked).
 * The table is filled once per process (pthread_once: medeld hashes in
 * its writer thread and verifies in others); a hasher is used by one
 * thread, so its own fetch needs no lock. The library is never closed.
 */
#include "ml_hash.h"

#include <dlfcn.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_error.h"

/* The one libcrypto these headers describe (Debian's libssl3). */
static_assert(OPENSSL_VERSION_MAJOR == 3, "ml_hash loads libcrypto.so.3");
#define ML_CRYPTO_SONAME "libcrypto.so.3"

typedef EVP_MD *ml_md_fetch_fn(OSSL_LIB_CTX *, const char *, const char *);
typedef void ml_md_free_fn(EVP_MD *);
typedef EVP_MD_CTX *ml_ctx_new_fn(void);
typedef void ml_ctx_free_fn(EVP_MD_CTX *);
typedef int ml_init_fn(EVP_MD_CTX *, const EVP_MD *, ENGINE *);
typedef int ml_update_fn(EVP_MD_CTX *, const void *, size_t);
typedef int ml_final_fn(EVP_MD_CTX *, unsigned char *, unsigned int *);
typedef unsigned char *ml_sha256_fn(const unsigned char *, size_t,
                                    unsigned char *);

#define ML_SAME_TYPE(fn, type) _Generic(&(fn), type * : 1, default : 0)
static_assert(ML_SAME_TYPE(EVP_MD_fetch, ml_md_fetch_fn) &&
                  ML_SAME_TYPE(EVP_MD_free, ml_md_free_fn) &&
                  ML_SAME_TYPE(EVP_MD_CTX_new, ml_ctx_new_fn) &&
                  ML_SAME_TYPE(EVP_MD_CTX_free, ml_ctx_free_fn) &&
                  ML_SAME_TYPE(EVP_DigestInit_ex, ml_init_fn) &&
                  ML_SAME_TYPE(EVP_DigestUpdate, ml_update_fn) &&
                  ML_SAME_TYPE(EVP_DigestFinal_ex, ml_final_fn) &&
                  ML_SAME_TYPE(SHA256, ml_sha256_fn),
              "the table's types are OpenSSL's");

/* libcrypto's functions, filled once; all NULL when it could not be
 * loaded (every hash then fails with ML_E_NOMEM). */
static struct {
	ml_md_fetch_fn *md_fetch;
	ml_md_free_fn *md_free;
	ml_ctx_new_fn *ctx_new;
	ml_ctx_free_fn *ctx_free;
	ml_init_fn *init;
	ml_update_fn *update;
	ml_final_fn *final;
	ml_sha256_fn *sha256;
} ml_crypto;
static pthread_once_t ml_crypto_once = PTHREAD_ONCE_INIT;
/* Why it could not be loaded (the loader's words), once it was tried. */
static char ml_crypto_why[256];

/* dlsym of name into *slot (a function pointer); false when missing. */
static bool ml_crypto_sym(void *lib, const char *name, void *slot)
{
	void *p = dlsym(lib, name);
	memcpy(slot, &p, sizeof p); /* object → function pointer, POSIX */
	return p != NULL;
}

static void ml_crypto_load(void)
{
	void *lib = dlopen(ML_CRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	bool ok = lib != NULL &&
	          ml_crypto_sym(lib, "EVP_MD_fetch", &ml_crypto.md_fetch) &&
	          ml_crypto_sym(lib, "EVP_MD_free", &ml_crypto.md_free) &&
	          ml_crypto_sym(lib, "EVP_MD_CTX_new", &ml_crypto.ctx_new) &&
	          ml_crypto_sym(lib, "EVP_MD_CTX_free", &ml_crypto.ctx_free) &&
	          ml_crypto_sym(lib, "EVP_DigestInit_ex", &ml_crypto.init) &&
	          ml_crypto_sym(lib, "EVP_DigestUpdate", &ml_crypto.update) &&
	          ml_crypto_sym(lib, "EVP_DigestFinal_ex", &ml_crypto.final) &&
	          ml_crypto_sym(lib, "SHA256", &ml_crypto.sha256);
	if (!ok) {
		const char *why = dlerror();
		snprintf(ml_crypto_why, sizeof ml_crypto_why, "%s",
		         why != NULL ? why : "a function is missing from it");
		memset(&ml_crypto, 0, sizeof ml_crypto);
	}
}

int ml_hash_load(struct ml_errinfo *err)
{
	if (pthread_once(&ml_crypto_once, ml_crypto_load) != 0)
		return ml_fail(err, ML_E_NOMEM, -1, NULL, "out of memory");
	if (ml_crypto.md_fetch != NULL)
		return 0;
	return ml_fail(err, ML_E_UNAVAILABLE, -1, NULL,
	               "cannot load %s, which medel needs to hash events "
	               "(install libssl3): %s",
	               ML_CRYPTO_SONAME, ml_crypto_why);
}

struct ml_hasher {
	EVP_MD *md;
	EVP_MD_CTX *ctx;
};

int ml_hasher_new(struct ml_hasher **out)
{
	struct ml_hasher *h = calloc(1, sizeof *h);
	if (h == NULL)
		return ML_E_NOMEM;
	*out = h;
	return 0;
}

/* libcrypto, the SHA-256 and the context, the first time they are
 * needed: 0, or ML_E_NOMEM with h as it was (the next hash tries again;
 * a libcrypto that could not be loaded stays so). */
static int ml_hasher_ready(struct ml_hasher *h)
{
	if (h->md != NULL && h->ctx != NULL)
		return 0;
	if (pthread_once(&ml_crypto_once, ml_crypto_load) != 0 ||
	    ml_crypto.md_fetch == NULL)
		return ML_E_NOMEM;
	if (h->md == NULL)
		h->md = ml_crypto.md_fetch(NULL, "SHA256", NULL);
	if (h->ctx == NULL)
		h->ctx = ml_crypto.ctx_new();
	return h->md != NULL && h->ctx != NULL ? 0 : ML_E_NOMEM;
}

void ml_hasher_free(struct ml_hasher *h)
{
	if (h == NULL)
		return;
	/* Either was made only through the loaded table. */
	ML_ASSERT((h->md == NULL && h->ctx == NULL) ||
	          ml_crypto.md_free != NULL);
	if (h->ctx != NULL)
		ml_crypto.ctx_free(h->ctx);
	if (h->md != NULL)
		ml_crypto.md_free(h->md);
	free(h);
}

int ml_hash_event(struct ml_hasher *h, const uint8_t prev[32],
                  const char *canonical, size_t len, uint8_t out[32])
{
	unsigned int out_len = 0;
	ML_ASSERT(h != NULL && (canonical != NULL || len == 0));
	ML_ASSERT(len <= ML_EVENT_JSON_MAX); /* the writer's buffer ceiling */
	if (ml_hasher_ready(h) != 0)
		return ML_E_NOMEM;
	ML_ASSERT(h->md != NULL && h->ctx != NULL);
	if (ml_crypto.init(h->ctx, h->md, NULL) != 1 ||
	    ml_crypto.update(h->ctx, prev, 32) != 1 ||
	    ml_crypto.update(h->ctx, canonical, len) != 1 ||
	    ml_crypto.final(h->ctx, out, &out_len) != 1 || out_len != 32)
		return ML_E_NOMEM;
	return 0;
}

int ml_sha256(const void *data, size_t len, uint8_t out[32])
{
	ML_ASSERT(data != NULL || len == 0);
	if (pthread_once(&ml_crypto_once, ml_crypto_load) != 0 ||
	    ml_crypto.sha256 == NULL)
		return ML_E_NOMEM;
	return ml_crypto.sha256(data, len, out) != NULL ? 0 : ML_E_NOMEM;
}
