/*
 * md_auth.h — bearer tokens for medeld's TCP listener.
 *
 * Over TCP every request carries `Authorization: Bearer <token>` (API.md).
 * The tokens file (--tokens FILE) has one token per line:
 *
 *     ROLE NAME SHA256HEX        e.g.   write storsthlm-import 9f86d0…
 *
 * ROLE is read, write or admin; NAME (1 ..= 64 bytes of [A-Za-z0-9._@-])
 * is what the ledger records as recorded_by for that token's events;
 * SHA256HEX is the lower-case hex SHA-256 of the token
 * (`printf %s "$TOKEN" | sha256sum`). Blank lines and lines starting with
 * '#' are ignored. medeld never sees or stores a plain token: it hashes
 * what a client presents and compares the hash with every entry in
 * constant time (CRYPTO_memcmp), walking all entries whatever matches, so
 * neither the time nor the position of a match tells an attacker anything.
 *
 * A table is immutable once loaded. md_auth_reload (SIGHUP) loads the file
 * into a new table and swaps it in under a write lock; lookups hold the
 * read lock only while comparing. A file with any bad line is refused as a
 * whole: at start medeld exits 1, on reload the old table stays and the
 * error is logged.
 *
 * Every table a medeld loads gets the next generation number (1 for the
 * first): a verdict on a token is good only while the generation it was
 * reached under is current (md_door.h passes the door's verdict to the
 * request that way, so a reload between the two makes the request check
 * again, against the new table).
 *
 * Over the Unix socket there are no tokens: whoever can open the socket
 * (mode 0600) is admin, recorded as the peer's user name.
 */
#ifndef MD_AUTH_H
#define MD_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "ma_api.h"
#include "md_limits.h"

struct md_auth;

/* Loads path into a new authenticator. Returns 0, or -1 with a reason
 * (naming the line) in why. *out is the caller's: md_auth_free. */
int md_auth_open(const char *path, struct md_auth **out, char *why,
                 size_t why_size);

/* Reloads the file; on failure keeps the old tokens and returns -1 with
 * why. Safe while other threads call md_auth_check. */
int md_auth_reload(struct md_auth *a, char *why, size_t why_size);

/* Number of tokens loaded. */
size_t md_auth_count(struct md_auth *a);

/* Checks an Authorization header value (NULL when absent). On a match
 * returns 0 with *role and the token's name copied into name (≥
 * ML_RECORDED_BY_MAX + 1 bytes); otherwise -1, *role = MA_ROLE_NONE.
 * *generation (when not NULL) is the generation of the table the token
 * was compared with, match or not. */
int md_auth_check(struct md_auth *a, const char *authorization,
                  enum ma_role *role, char *name, size_t name_size,
                  uint64_t *generation);

/* The generation of the table loaded now (≥ 1). */
uint64_t md_auth_generation(struct md_auth *a);

/* NULL is fine. No md_auth_check may be running. */
void md_auth_free(struct md_auth *a);

#endif /* MD_AUTH_H */
