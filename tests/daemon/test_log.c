/*
 * test_log.c — the request log's values (daemon/md_log.h) against the
 * plain way they were written before: a quoted value byte by byte, a
 * query string assembled with snprintf per parameter, numbers with
 * printf. Random values and queries (bytes that need quoting, escapes,
 * credentials by name, percent-encoded names, lines long enough to be
 * cut) must give the same bytes and the same cut, so a faster log line
 * is the same log line.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "md_log.h"
#include "ml_text.h"
#include "mt.h"

#define STEPS 20000

/* --- the model: md_log.c's way before ----------------------------------- */

static void ref_put(struct md_logline *l, const char *s, size_t n)
{
	size_t limit = sizeof l->buf - 8;
	size_t room = l->len < limit ? limit - l->len : 0;
	if (n > room) {
		n = room;
		l->cut = true;
	}
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static bool ref_safe(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		          (c >= '0' && c <= '9') ||
		          (c != '\0' && strchr("._:/@+,-", c) != NULL);
		if (!ok)
			return false;
	}
	return true;
}

static void ref_mem(struct md_logline *l, const char *key, const char *v,
                    size_t n)
{
	static const char hex[] = "0123456789abcdef";
	ref_put(l, " ", 1);
	ref_put(l, key, strlen(key));
	ref_put(l, "=", 1);
	if (ref_safe(v, n)) {
		ref_put(l, v, n);
		return;
	}
	ref_put(l, "\"", 1);
	for (size_t i = 0; i < n && !l->cut; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			ref_put(l, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
			ref_put(l, esc, 4);
		} else {
			ref_put(l, v + i, 1);
		}
	}
	ref_put(l, "\"", 1);
}

static bool ref_secret(const char *name, size_t len)
{
	static const char *const secret[] = {"access_token", "token", "api_key",
	                                     "key", "password"};
	char plain[16];
	size_t n = 0;
	for (size_t i = 0; i < len; i++, n++) {
		if (n == sizeof plain)
			return false;
		char c = name[i];
		if (c == '%' && i + 2 < len && ml_hex_digit(name[i + 1]) >= 0 &&
		    ml_hex_digit(name[i + 2]) >= 0) {
			c = (char)(ml_hex_digit(name[i + 1]) * 16 +
			           ml_hex_digit(name[i + 2]));
			i += 2;
		}
		plain[n] = c;
	}
	for (size_t i = 0; i < sizeof secret / sizeof secret[0]; i++)
		if (strlen(secret[i]) == n &&
		    strncasecmp(plain, secret[i], n) == 0)
			return true;
	return false;
}

static void ref_query(struct md_logline *l, const char *key, const char *q)
{
	char out[MD_LOG_LINE_MAX];
	size_t len = 0;
	const char *p = q;
	while (*p != '\0' && len < sizeof out) {
		size_t pair = strcspn(p, "&"), name = strcspn(p, "=&");
		bool hide = name < pair && ref_secret(p, name);
		size_t keep = hide ? name + 1 : pair;
		int n = snprintf(out + len, sizeof out - len, "%.*s%s%s",
		                 (int)keep, p, hide ? "[redacted]" : "",
		                 p[pair] == '&' ? "&" : "");
		if (n < 0 || (size_t)n >= sizeof out - len) {
			len = sizeof out - 1;
			break;
		}
		len += (size_t)n;
		p += pair + (p[pair] == '&');
	}
	ref_mem(l, key, out, len);
}

/* --- random input ------------------------------------------------------- */

static uint64_t rnd_state = 2463534242ull;

static uint64_t rnd(uint64_t n)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state % n;
}

/* A piece of a value: plain words, separators, escapes, credentials. */
static const char *const pieces[] = {
    "party", "malmo-asn", "=",     "&",          "as_of",    "2030-01-01",
    "token", "%74oken",   "KEY",   "api%5Fkey",  "password", "\"",
    "\\",    "\n",        "\x01",  "\x7f",       "\xc3\xa5", " ",
    "%",     "%4",        "a.b:c", "x_y/z@w+v,u"};

static size_t random_text(char *out, size_t size)
{
	size_t len = 0, parts = rnd(4) == 0 ? rnd(400) : rnd(12);
	for (size_t i = 0; i < parts; i++) {
		const char *p = pieces[rnd(sizeof pieces / sizeof pieces[0])];
		size_t n = strlen(p);
		if (len + n >= size)
			break;
		memcpy(out + len, p, n);
		len += n;
	}
	out[len] = '\0';
	return len;
}

static void line_reset(struct md_logline *l, size_t used)
{
	l->level = MD_LOG_INFO;
	l->cut = false;
	memset(l->buf, 'x', used);
	l->len = used; /* a line already this long: values get cut */
}

static void check_same(const struct md_logline *got,
                       const struct md_logline *want, const char *what)
{
	if (got->len != want->len || got->cut != want->cut ||
	    memcmp(got->buf, want->buf, got->len) != 0)
		MT_FAIL_AT("%s: %zu bytes (cut %d), expected %zu (cut %d)",
		           what, got->len, got->cut, want->len, want->cut);
}

static void test_values_and_queries(void)
{
	static struct md_logline got, want;
	char text[3 * MD_LOG_LINE_MAX];
	for (int s = 0; s < STEPS && mt_failures == 0; s++) {
		size_t n = random_text(text, sizeof text);
		size_t used = rnd(3) == 0 ? rnd(sizeof got.buf) : rnd(64);
		line_reset(&got, used);
		line_reset(&want, used);
		md_logline_mem(&got, "path", text, n);
		ref_mem(&want, "path", text, n);
		check_same(&got, &want, "md_logline_mem");
		line_reset(&got, used);
		line_reset(&want, used);
		md_logline_query(&got, "query", text);
		ref_query(&want, "query", text);
		check_same(&got, &want, "md_logline_query");
	}
}

static void test_numbers(void)
{
	static const int64_t some[] = {
	    0,   1,         -1,         9,         10,        99,
	    100, 123456789, -987654321, INT64_MAX, INT64_MIN, 4503599627370496};
	static struct md_logline got;
	char want[64];
	for (size_t i = 0; i < sizeof some / sizeof some[0]; i++) {
		line_reset(&got, 0);
		md_logline_i64(&got, "us", some[i]);
		snprintf(want, sizeof want, " us=%lld", (long long)some[i]);
		MT_CHECK_INT(got.len, strlen(want));
		MT_CHECK(memcmp(got.buf, want, got.len) == 0);
		line_reset(&got, 0);
		md_logline_u64(&got, "bytes", (uint64_t)some[i]);
		snprintf(want, sizeof want, " bytes=%llu",
		         (unsigned long long)(uint64_t)some[i]);
		MT_CHECK_INT(got.len, strlen(want));
		MT_CHECK(memcmp(got.buf, want, got.len) == 0);
	}
}

int main(void)
{
	MT_RUN(test_values_and_queries);
	MT_RUN(test_numbers);
	return MT_EXIT();
}
