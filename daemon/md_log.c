/*
 * md_log.c — key=value lines on stderr.
 *
 * Called from every thread of medeld: the event loops (one line per
 * request), the writer (commit failures, map growth) and main (start,
 * stop). The only shared state is the level, set once before threads
 * start. Each line is assembled on the caller's stack and written with a
 * single write(2); POSIX makes a write of ≤ PIPE_BUF bytes to a pipe
 * atomic, and our lines are short, so concurrent lines do not mix.
 *
 * Quoting: a value made only of [A-Za-z0-9._:/@+,-] (with at least one
 * character) is written bare. Anything else is quoted; '"' and '\' are
 * escaped with a backslash and bytes below 0x20 or 0x7f as \xNN, so a
 * request path chosen by a client cannot forge a second line or a key.
 * Bytes ≥ 0x80 (UTF-8 of Swedish party names) are kept as they are.
 */
#include "md_log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ma_api.h"
#include "ml_assert.h"
#include "ml_buf.h"
#include "ml_date.h"
#include "ml_text.h"

static enum md_log_level md_level = MD_LOG_INFO;

static const char *const md_level_names[] = {"error", "warn", "info", "debug"};

int md_log_level_parse(const char *s, enum md_log_level *out)
{
	for (int i = 0; i <= MD_LOG_DEBUG; i++) {
		if (strcmp(s, md_level_names[i]) == 0) {
			*out = (enum md_log_level)i;
			return 0;
		}
	}
	return -1;
}

void md_log_set_level(enum md_log_level level)
{
	md_level = level;
}

bool md_log_enabled(enum md_log_level level)
{
	return level <= md_level;
}

/* Appends raw bytes; marks the line cut when they do not fit (room is
 * kept for "…\n"). */
static void md_put(struct md_logline *l, const char *s, size_t n)
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

static bool md_safe_byte(unsigned char c)
{
	switch (c) {
	case '.':
	case '_':
	case ':':
	case '/':
	case '@':
	case '+':
	case ',':
	case '-':
		return true;
	default:
		return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       (c >= '0' && c <= '9');
	}
}

static bool md_safe(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == '\0' || !md_safe_byte((unsigned char)s[i]))
			return false;
	return true;
}

static bool md_plain_byte(unsigned char c)
{
	return c != '"' && c != '\\' && c >= 0x20 && c != 0x7f;
}

/* Quoted: runs of bytes that need no escape go in one md_put each. */
static void md_put_quoted(struct md_logline *l, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	md_put(l, "\"", 1);
	for (size_t i = 0; i < n && !l->cut;) {
		size_t run = 0;
		while (i + run < n && md_plain_byte((unsigned char)s[i + run]))
			run++;
		md_put(l, s + i, run);
		i += run;
		if (i == n || l->cut)
			break;
		unsigned char c = (unsigned char)s[i++];
		if (c == '"' || c == '\\') {
			char esc[2] = {'\\', (char)c};
			md_put(l, esc, 2);
		} else {
			char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
			md_put(l, esc, 4);
		}
	}
	md_put(l, "\"", 1);
}

void md_logline_start(struct md_logline *l, enum md_log_level level,
                      const char *event)
{
	char ts[ML_TIME_TEXT_MAX];
	l->level = level;
	l->len = 0;
	l->cut = false;
	ml_time_format(ml_time_now_us(), ts, sizeof ts);
	md_put(l, "ts=", 3);
	md_put(l, ts, strlen(ts));
	md_logline_str(l, "level", md_level_names[level]);
	md_logline_str(l, "event", event);
}

void md_logline_mem(struct md_logline *l, const char *key, const char *value,
                    size_t len)
{
	md_put(l, " ", 1);
	md_put(l, key, strlen(key));
	md_put(l, "=", 1);
	if (value == NULL)
		md_put(l, "-", 1);
	else if (md_safe(value, len))
		md_put(l, value, len);
	else
		md_put_quoted(l, value, len);
}

void md_logline_str(struct md_logline *l, const char *key, const char *value)
{
	md_logline_mem(l, key, value, value != NULL ? strlen(value) : 0);
}

/* Whether the parameter name name[0..len) (percent-encoded) carries a
 * credential. */
static bool md_secret_name(const char *name, size_t len)
{
	static const char *const secret[] = {"access_token", "token", "api_key",
	                                     "key", "password"};
	char plain[16];
	size_t n = 0;
	for (size_t i = 0; i < len; i++, n++) {
		if (n == sizeof plain)
			return false; /* longer than every secret name */
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

/* Appends s[0..n) to out (len of size bytes used); false when it does
 * not fit with a NUL after it (out then holds size − 1 bytes, cut). */
static bool md_query_put(char *out, size_t size, size_t *len, const char *s,
                         size_t n)
{
	size_t room = size - 1 - *len;
	bool fits = n <= room;
	memcpy(out + *len, s, fits ? n : room);
	*len += fits ? n : room;
	return fits;
}

void md_logline_query(struct md_logline *l, const char *key, const char *query)
{
	char out[MD_LOG_LINE_MAX];
	size_t len = 0;
	const char *p = query;
	bool fits = true;
	while (*p != '\0' && fits) {
		size_t pair = strcspn(p, "&"), name = strcspn(p, "=&");
		bool hide = name < pair && md_secret_name(p, name);
		fits = md_query_put(out, sizeof out, &len, p,
		                    hide ? name + 1 : pair);
		if (fits && hide)
			fits = md_query_put(out, sizeof out, &len, "[redacted]",
			                    10);
		if (fits && p[pair] == '&')
			fits = md_query_put(out, sizeof out, &len, "&", 1);
		p += pair + (p[pair] == '&');
	}
	md_logline_mem(l, key, out, len);
}

/* Numbers without printf (ml_put_u64): a request line has three. */
void md_logline_u64(struct md_logline *l, const char *key, uint64_t value)
{
	char num[ML_INT_TEXT_MAX];
	md_logline_mem(l, key, num, (size_t)(ml_put_u64(num, value) - num));
}

void md_logline_i64(struct md_logline *l, const char *key, int64_t value)
{
	char num[ML_INT_TEXT_MAX];
	md_logline_mem(l, key, num, (size_t)(ml_put_i64(num, value) - num));
}

/* Adds the "…" of a cut line and the newline. */
static void md_logline_close(struct md_logline *l)
{
	if (l->cut) {
		memcpy(l->buf + l->len, "\xe2\x80\xa6", 3); /* … */
		l->len += 3;
	}
	l->buf[l->len++] = '\n';
	ML_ASSERT(l->len <= sizeof l->buf);
}

void md_logline_end(struct md_logline *l)
{
	if (!md_log_enabled(l->level))
		return;
	md_logline_close(l);
	/* A failure means stderr is gone: there is nothing better to do. */
	(void)ma_write_all(STDERR_FILENO, l->buf, l->len);
}

void md_logbatch_flush(struct md_logbatch *b)
{
	if (b->len == 0)
		return;
	/* As md_logline_end: nothing better to do when stderr is gone. */
	(void)ma_write_all(STDERR_FILENO, b->buf, b->len);
	b->len = 0;
}

bool md_logline_end_batch(struct md_logline *l, struct md_logbatch *b)
{
	if (!md_log_enabled(l->level))
		return false;
	md_logline_close(l);
	if (l->len > sizeof b->buf - b->len)
		md_logbatch_flush(b);
	bool was_empty = b->len == 0;
	memcpy(b->buf + b->len, l->buf, l->len);
	b->len += l->len;
	ML_ASSERT(b->len <= sizeof b->buf);
	return was_empty;
}

void md_log(enum md_log_level level, const char *event, const char *fmt, ...)
{
	if (!md_log_enabled(level))
		return;
	char msg[MD_LOG_LINE_MAX / 2];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= sizeof msg)
		n = (int)sizeof msg - 1;
	struct md_logline l;
	md_logline_start(&l, level, event);
	md_logline_mem(&l, "msg", msg, (size_t)n);
	md_logline_end(&l);
}
