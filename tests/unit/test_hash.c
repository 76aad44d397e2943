/*
 * test_hash.c — ml_hash.c, which loads libcrypto itself (dlopen, at the
 * first hash): the chain's formula and the keys' SHA-256 must be exactly
 * OpenSSL's SHA-256, here computed independently through the libcrypto
 * this test links (EVP_Digest), and FIPS 180-2's "abc" vector. A hasher
 * gives the same hash again and again (its fetched SHA-256 and context
 * reused), and several hashers agree.
 */
#include <openssl/evp.h>
#include <stdint.h>
#include <string.h>

#include "ml_hash.h"
#include "mt.h"

/* SHA-256(a ‖ b) through EVP_Digest, not through ml_hash.c. */
static void test_sha256_of(const void *a, size_t a_len, const void *b,
                           size_t b_len, uint8_t out[32])
{
	unsigned char both[512];
	unsigned int len = 0;
	MT_REQUIRE(a_len + b_len <= sizeof both);
	memcpy(both, a, a_len);
	memcpy(both + a_len, b, b_len);
	MT_CHECK(EVP_Digest(both, a_len + b_len, out, &len, EVP_sha256(),
	                    NULL) == 1);
	MT_CHECK(len == 32);
}

static void test_fips_vector(void)
{
	/* FIPS 180-2, appendix B.1: SHA-256("abc"). */
	static const uint8_t abc[32] = {
	    0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
	    0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
	    0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
	uint8_t out[32];
	MT_CHECK(ml_sha256("abc", 3, out) == 0);
	MT_CHECK(memcmp(out, abc, 32) == 0);
}

static void test_chain_formula(void)
{
	static const char *const canon[] = {
	    "{\"date\":\"2020-01-01\",\"type\":\"party\"}", "", "{}",
	    "{\"note\":\"r\xc3\xa4ttas\"}"};
	struct ml_hasher *h = NULL, *other = NULL;
	uint8_t prev[32], got[32], again[32], want[32];
	MT_CHECK(ml_hasher_new(&h) == 0 && ml_hasher_new(&other) == 0);
	memset(prev, 0, sizeof prev);
	for (size_t i = 0; i < sizeof canon / sizeof canon[0]; i++) {
		size_t len = strlen(canon[i]);
		test_sha256_of(prev, 32, canon[i], len, want);
		MT_CHECK(ml_hash_event(h, prev, canon[i], len, got) == 0);
		MT_CHECK(memcmp(got, want, 32) == 0);
		MT_CHECK(ml_hash_event(h, prev, canon[i], len, again) == 0);
		MT_CHECK(ml_hash_event(other, prev, canon[i], len, want) == 0);
		MT_CHECK(memcmp(again, got, 32) == 0);
		MT_CHECK(memcmp(want, got, 32) == 0);
		test_sha256_of(canon[i], len, "", 0, want);
		MT_CHECK(ml_sha256(canon[i], len, again) == 0);
		MT_CHECK(memcmp(again, want, 32) == 0);
		memcpy(prev, got, 32); /* the chain goes on */
	}
	ml_hasher_free(h);
	ml_hasher_free(other);
	ml_hasher_free(NULL);
}

static void test_unused_hasher(void)
{
	struct ml_hasher *h = NULL;
	MT_CHECK(ml_hasher_new(&h) == 0 && h != NULL);
	ml_hasher_free(h); /* never hashed: nothing of OpenSSL to free */
}

int main(void)
{
	MT_RUN(test_unused_hasher);
	MT_RUN(test_fips_vector);
	MT_RUN(test_chain_formula);
	return MT_EXIT();
}
