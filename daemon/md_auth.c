/*
 * md_auth.c — the tokens file, its reload and constant-time lookups.
 *
 * Called by the event loops for every TCP request (md_auth_check) and by
 * the main loop on SIGHUP (md_auth_reload). A table holds at most
 * MD_TOKENS_MAX entries of (SHA-256, role, name); a lookup hashes the
 * presented token once and compares it with every entry, so it costs one
 * SHA-256 and count × 32-byte CRYPTO_memcmp, about a microsecond for a
 * team's worth of tokens.
 *
 * Invariants: a table is never modified after it is built; the pointer in
 * struct md_auth changes only under the write lock; no plain token is kept
 * anywhere (the presented one lives on the caller's stack, in evhttp's
 * header list, and nowhere else).
 */
#include "md_auth.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ml_assert.h"
#include "ml_text.h"

struct md_token {
	uint8_t hash[32];
	enum ma_role role;
	char name[ML_RECORDED_BY_MAX + 1];
};

struct md_token_table {
	uint64_t generation; /* md_auth.h; set before the table is shared */
	size_t count;        /* ≤ MD_TOKENS_MAX */
	struct md_token tokens[];
};

struct md_auth {
	char *path;
	EVP_MD *sha256;
	pthread_rwlock_t lock; /* guards table */
	struct md_token_table *table;
	uint64_t generations; /* tables loaded; under lock after open */
};

/* The next space-separated field of a line: *start and *len; -1 if none. */
static int md_field(const char **p, const char **start, size_t *len)
{
	const char *s = *p;
	while (*s == ' ' || *s == '\t')
		s++;
	const char *e = s;
	while (*e != '\0' && *e != ' ' && *e != '\t' && *e != '\n' &&
	       *e != '\r')
		e++;
	if (e == s)
		return -1;
	*start = s;
	*len = (size_t)(e - s);
	*p = e;
	return 0;
}

static int md_parse_hash(const char *s, size_t len, uint8_t out[32])
{
	if (len != 64)
		return -1;
	for (size_t i = 0; i < 32; i++) {
		int hi = ml_hex_digit(s[2 * i]),
		    lo = ml_hex_digit(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static int md_parse_role(const char *s, size_t len, enum ma_role *out)
{
	static const char *const names[] = {"read", "write", "admin"};
	for (int i = 0; i < 3; i++) {
		if (len == strlen(names[i]) && memcmp(s, names[i], len) == 0) {
			*out = (enum ma_role)(MA_ROLE_READ + i);
			return 0;
		}
	}
	return -1;
}

static bool md_name_valid(const char *s, size_t len)
{
	if (len == 0 || len > ML_RECORDED_BY_MAX)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') || c == '.' || c == '_' ||
		          c == '@' || c == '-';
		if (!ok)
			return false;
	}
	return true;
}

/* Parses one non-blank, non-comment line into *t. */
static int md_parse_line(const char *line, struct md_token *t, const char **why)
{
	const char *p = line, *f[4];
	size_t n[4];
	int fields = 0;
	while (fields < 4 && md_field(&p, &f[fields], &n[fields]) == 0)
		fields++;
	if (fields != 3) {
		*why = "expected ROLE NAME SHA256HEX";
		return -1;
	}
	if (md_parse_role(f[0], n[0], &t->role) != 0) {
		*why = "ROLE must be read, write or admin";
		return -1;
	}
	if (!md_name_valid(f[1], n[1])) {
		*why = "NAME must be 1..64 bytes of [A-Za-z0-9._@-]";
		return -1;
	}
	memcpy(t->name, f[1], n[1]);
	t->name[n[1]] = '\0';
	if (md_parse_hash(f[2], n[2], t->hash) != 0) {
		*why =
		    "SHA256HEX must be 64 hex digits (sha256sum of the token)";
		return -1;
	}
	return 0;
}

static bool md_line_skipped(const char *line)
{
	const char *s = line;
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '#' || *s == '\n' || *s == '\r' || *s == '\0';
}

/* Adds the token of one line to tab, refusing a repeated hash. */
static int md_table_add(struct md_token_table *tab, const char *line,
                        const char **why)
{
	struct md_token *t = &tab->tokens[tab->count];
	if (tab->count >= MD_TOKENS_MAX) {
		*why = "more tokens than MD_TOKENS_MAX (1024)";
		return -1;
	}
	if (md_parse_line(line, t, why) != 0)
		return -1;
	for (size_t i = 0; i < tab->count; i++) {
		if (memcmp(tab->tokens[i].hash, t->hash, 32) == 0) {
			*why = "the same token hash appears twice";
			return -1;
		}
	}
	tab->count++;
	return 0;
}

static int md_table_load(const char *path, struct md_token_table **out,
                         char *why, size_t why_size)
{
	char line[MD_TOKEN_LINE_MAX + 2];
	const char *reason = NULL;
	unsigned lineno = 0;
	struct md_token_table *tab = NULL;
	FILE *f = fopen(path, "re");
	if (f == NULL) {
		snprintf(why, why_size, "cannot open %s: %s", path,
		         strerror(errno));
		goto fail;
	}
	tab = calloc(1, sizeof *tab + MD_TOKENS_MAX * sizeof tab->tokens[0]);
	if (tab == NULL) {
		snprintf(why, why_size, "out of memory");
		goto fail;
	}
	while (fgets(line, sizeof line, f) != NULL) {
		lineno++;
		if (strlen(line) > MD_TOKEN_LINE_MAX)
			reason = "line longer than 512 bytes";
		else if (!md_line_skipped(line))
			md_table_add(tab, line, &reason);
		if (reason != NULL) {
			snprintf(why, why_size, "%s line %u: %s", path, lineno,
			         reason);
			goto fail;
		}
	}
	if (ferror(f)) {
		snprintf(why, why_size, "cannot read %s", path);
		goto fail;
	}
	fclose(f);
	*out = tab;
	return 0;
fail:
	free(tab);
	if (f != NULL)
		fclose(f);
	return -1;
}

int md_auth_open(const char *path, struct md_auth **out, char *why,
                 size_t why_size)
{
	struct md_auth *a = calloc(1, sizeof *a);
	if (a == NULL || (a->path = strdup(path)) == NULL) {
		snprintf(why, why_size, "out of memory");
		free(a);
		return -1;
	}
	pthread_rwlock_init(&a->lock, NULL);
	a->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	if (a->sha256 == NULL) {
		snprintf(why, why_size, "OpenSSL has no SHA-256");
		goto fail;
	}
	if (md_table_load(path, &a->table, why, why_size) != 0)
		goto fail;
	a->table->generation = a->generations = 1;
	*out = a;
	return 0;
fail:
	md_auth_free(a);
	return -1;
}

int md_auth_reload(struct md_auth *a, char *why, size_t why_size)
{
	struct md_token_table *fresh = NULL, *old;
	if (md_table_load(a->path, &fresh, why, why_size) != 0)
		return -1;
	pthread_rwlock_wrlock(&a->lock);
	old = a->table;
	fresh->generation = ++a->generations;
	a->table = fresh;
	pthread_rwlock_unlock(&a->lock);
	free(old);
	return 0;
}

uint64_t md_auth_generation(struct md_auth *a)
{
	pthread_rwlock_rdlock(&a->lock);
	uint64_t g = a->table->generation;
	pthread_rwlock_unlock(&a->lock);
	ML_ASSERT(g >= 1);
	return g;
}

size_t md_auth_count(struct md_auth *a)
{
	pthread_rwlock_rdlock(&a->lock);
	size_t n = a->table->count;
	pthread_rwlock_unlock(&a->lock);
	return n;
}

/* The token of "Bearer <token>": *start, *len; -1 if the form is wrong. */
static int md_bearer(const char *h, const char **start, size_t *len)
{
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return -1;
	const char *s = h + 7;
	while (*s == ' ')
		s++;
	size_t n = 0;
	while (s[n] > 0x20 && s[n] < 0x7f)
		n++;
	if (n == 0 || n > MA_TOKEN_BYTES_MAX || s[n] != '\0')
		return -1;
	*start = s;
	*len = n;
	return 0;
}

int md_auth_check(struct md_auth *a, const char *authorization,
                  enum ma_role *role, char *name, size_t name_size,
                  uint64_t *generation)
{
	const char *tok;
	size_t len;
	uint8_t hash[32];
	unsigned int hash_len = 0;
	*role = MA_ROLE_NONE;
	if (generation != NULL)
		*generation = md_auth_generation(a);
	if (md_bearer(authorization, &tok, &len) != 0 ||
	    EVP_Digest(tok, len, hash, &hash_len, a->sha256, NULL) != 1)
		return -1;
	int found = -1;
	pthread_rwlock_rdlock(&a->lock);
	const struct md_token_table *tab = a->table;
	if (generation != NULL)
		*generation = tab->generation;
	for (size_t i = 0; i < tab->count; i++) {
		bool same = CRYPTO_memcmp(tab->tokens[i].hash, hash, 32) == 0;
		if (same)
			found = (int)i; /* no early exit: time ∝ count only */
	}
	if (found >= 0) {
		*role = tab->tokens[found].role;
		snprintf(name, name_size, "%s", tab->tokens[found].name);
	}
	pthread_rwlock_unlock(&a->lock);
	OPENSSL_cleanse(hash, sizeof hash);
	return found >= 0 ? 0 : -1;
}

void md_auth_free(struct md_auth *a)
{
	if (a == NULL)
		return;
	free(a->table);
	EVP_MD_free(a->sha256);
	pthread_rwlock_destroy(&a->lock);
	free(a->path);
	free(a);
}
