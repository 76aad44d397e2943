/*
 * ml_hash.h — the hash chain's one formula.
 *
 * hash = SHA-256(prev_hash_bytes ‖ canonical) (DOMAIN.md), with OpenSSL's
 * EVP interface. A hasher keeps its fetched SHA-256 implementation and a
 * digest context so that hashing a million events allocates nothing per
 * event. One hasher per thread.
 */
#ifndef ML_HASH_H
#define ML_HASH_H

#include <stddef.h>
#include <stdint.h>

struct ml_hasher;
struct ml_errinfo;

/* Loads libcrypto, once per process, and says why it could not:
 * 0, or ML_E_UNAVAILABLE with err naming the library and the loader's
 * reason (it is libssl3's, which libssl-dev and medeld's TLS bring).
 * Whatever hashes first (an append, verify) asks this before it starts,
 * so a missing library is told as such and not as "out of memory",
 * which is what the hashing calls below return when they cannot. */
int ml_hash_load(struct ml_errinfo *err);

/* Returns 0 or ML_E_NOMEM. Cheap: OpenSSL's SHA-256 is fetched with the
 * first ml_hash_event, so a process that never hashes never loads it. */
int ml_hasher_new(struct ml_hasher **out);
/* NULL is fine. */
void ml_hasher_free(struct ml_hasher *h);

/* out = SHA-256(prev ‖ canonical[0..len)). Returns 0 or ML_E_NOMEM
 * (no memory, or OpenSSL could not give a SHA-256: the first call
 * fetches it). */
int ml_hash_event(struct ml_hasher *h, const uint8_t prev[32],
                  const char *canonical, size_t len, uint8_t out[32]);

/* out = SHA-256(data[0..len)): the same SHA-256, for keys that name a
 * long text (ml_acts.c). Returns 0 or ML_E_NOMEM (OpenSSL could not give
 * a SHA-256). Any thread. */
int ml_sha256(const void *data, size_t len, uint8_t out[32]);

#endif /* ML_HASH_H */
