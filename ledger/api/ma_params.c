/*
 * ma_params.c — query strings into struct ma_params, strictly.
 *
 * Called by the router (ma_api.c) once per request, on whatever thread
 * serves it; it keeps no state. The work is: refuse what is too long or
 * holds %00, let libevent split and decode, then for each (name, value)
 * find the parameter, check it is allowed here and not repeated, and
 * parse its value with the one parser its form has. Volumes are tiny (a
 * handful of parameters of a few bytes); clarity wins over speed.
 *
 * Invariant on return 0: every bit in p->given is in `allowed`, and each
 * given field holds a value of its documented form and range.
 */
#include "ma_params.h"

#include <stdio.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "ml_assert.h"
#include "ml_text.h"

static const char *const ma_param_names[MA_P_COUNT] = {
    [MA_P_AS_OF] = "as_of",
    [MA_P_KNOWN_AT] = "known_at",
    [MA_P_GRANT] = "grant",
    [MA_P_PARTY] = "party",
    [MA_P_POSTS] = "posts",
    [MA_P_ROLLUP] = "rollup",
    [MA_P_YEAR] = "year",
    [MA_P_AFTER] = "after",
    [MA_P_LIMIT] = "limit",
    [MA_P_TYPE] = "type",
    [MA_P_WAIT] = "wait",
    [MA_P_DRY_RUN] = "dry_run",
    [MA_P_EXPECTED_HEAD] = "expected_head",
    [MA_P_FORMAT] = "format",
    [MA_P_LANG] = "lang",
};

static const char *const ma_format_names[MA_FORMAT_COUNT] = {
    [MA_FORMAT_NONE] = "",
    [MA_FORMAT_JSONL] = "jsonl",
    [MA_FORMAT_CSV] = "csv",
    [MA_FORMAT_LEDGER] = "ledger",
    [MA_FORMAT_BEANCOUNT] = "beancount",
    [MA_FORMAT_JSON] = "json",
    [MA_FORMAT_SVG] = "svg",
    [MA_FORMAT_HTML] = "html",
};

static const char *const ma_lang_names[MA_LANG_COUNT] = {
    [MA_LANG_SV] = "sv",
    [MA_LANG_EN] = "en",
};

const char *ma_format_name(enum ma_format f)
{
	return f < MA_FORMAT_COUNT ? ma_format_names[f] : "?";
}

const char *ma_param_name(enum ma_param p)
{
	return p < MA_P_COUNT ? ma_param_names[p] : "?";
}

/* A value as it may appear in a message: at most 40 bytes, printable
 * ASCII, anything else as '?'. */
static const char *ma_shown(const char *v, char *buf, size_t size)
{
	size_t n = 0;
	for (; v[n] != '\0' && n + 1 < size && n < 40; n++) {
		unsigned char c = (unsigned char)v[n];
		buf[n] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
	return buf;
}

static int ma_bad(struct ml_errinfo *err, const char *name, const char *value,
                  const char *want)
{
	char shown[48];
	return ml_fail(err, ML_E_BAD_QUERY, -1, name, "%s: '%s' is not %s",
	               name, ma_shown(value, shown, sizeof shown), want);
}

/* Decimal digits only, 1 ..= 20 of them, value ≤ max. */
static int ma_parse_u64(const char *v, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	size_t len = strlen(v);
	if (len == 0 || len > 20)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		uint64_t d = (uint64_t)(v[i] - '0');
		if (n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	if (n > max)
		return -1;
	*out = n;
	return 0;
}

static int ma_parse_flag(const char *v, bool *out)
{
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return -1;
	*out = v[0] == '1';
	return 0;
}

static int ma_parse_date(const char *name, const char *v, ml_day *out,
                         struct ml_errinfo *err)
{
	char why[128] = "";
	char shown[48];
	int rc = ml_date_parse(v, strlen(v), out, why, sizeof why);
	if (rc == ML_E_DATE_RANGE)
		return ml_fail(
		    err, ML_E_DATE_RANGE, -1, name,
		    "%s: %s is not between 1900-01-01 and 2199-12-31", name,
		    ma_shown(v, shown, sizeof shown));
	if (rc != 0)
		return ml_fail(err, ML_E_BAD_QUERY, -1, name,
		               "%s: '%s' is not a date YYYY-MM-DD%s%s", name,
		               ma_shown(v, shown, sizeof shown),
		               why[0] ? ": " : "", why);
	return 0;
}

static int ma_parse_time(const char *name, const char *v, int64_t *out,
                         struct ml_errinfo *err)
{
	char why[128] = "";
	char shown[48];
	if (ml_time_parse(v, strlen(v), out, why, sizeof why) != 0)
		return ml_fail(err, ML_E_BAD_QUERY, -1, name,
		               "%s: '%s' is not an RFC 3339 time or a date%s%s",
		               name, ma_shown(v, shown, sizeof shown),
		               why[0] ? ": " : "", why);
	return 0;
}

static int ma_parse_id(const char *name, const char *v, bool grant, char *out,
                       size_t size, struct ml_errinfo *err)
{
	size_t len = strlen(v);
	bool ok = grant ? ml_grant_id_valid(v, len) : ml_party_id_valid(v, len);
	if (!ok || len >= size)
		return ma_bad(err, name, v,
		              grant ? "a grant id" : "a party id");
	memcpy(out, v, len + 1);
	return 0;
}

static int ma_parse_year(const char *name, const char *v, int32_t *out,
                         struct ml_errinfo *err)
{
	uint64_t y;
	char shown[48];
	if (strlen(v) != 4 || ma_parse_u64(v, 9999, &y) != 0)
		return ma_bad(err, name, v, "a year YYYY");
	if (y < ML_YEAR_MIN || y > ML_YEAR_MAX)
		return ml_fail(err, ML_E_DATE_RANGE, -1, name,
		               "%s: %s is not a year from %d to %d", name,
		               ma_shown(v, shown, sizeof shown), ML_YEAR_MIN,
		               ML_YEAR_MAX);
	*out = (int32_t)y;
	return 0;
}

/* "json, csv or svg": the formats in the mask, in the route's order
 * (the table's for an answer; export's as API.md lists them). */
static void ma_format_list(uint32_t formats, char *buf, size_t size)
{
	static const enum ma_format order[] = {
	    MA_FORMAT_JSON,   MA_FORMAT_JSONL,     MA_FORMAT_CSV,
	    MA_FORMAT_LEDGER, MA_FORMAT_BEANCOUNT, MA_FORMAT_SVG,
	    MA_FORMAT_HTML};
	size_t n = 0, total = 0, used = 0;
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
		total += (formats & MA_FBIT(order[i])) != 0;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
		if ((formats & MA_FBIT(order[i])) == 0)
			continue;
		const char *sep = n == 0 ? "" : n + 1 == total ? " or " : ", ";
		int w = snprintf(buf + used, size - used, "%s%s", sep,
		                 ma_format_names[order[i]]);
		used += w > 0 && (size_t)w < size - used ? (size_t)w : 0;
		n++;
	}
}

static int ma_parse_format(const char *name, const char *v, uint32_t formats,
                           enum ma_format *out, struct ml_errinfo *err)
{
	char allowed[64];
	for (int f = MA_FORMAT_JSONL; f < MA_FORMAT_COUNT; f++) {
		if ((formats & MA_FBIT(f)) != 0 &&
		    strcmp(v, ma_format_names[f]) == 0) {
			*out = (enum ma_format)f;
			return 0;
		}
	}
	ma_format_list(formats, allowed, sizeof allowed);
	return ma_bad(err, name, v, allowed);
}

static int ma_parse_lang(const char *name, const char *v, enum ma_lang *out,
                         struct ml_errinfo *err)
{
	for (int l = 0; l < MA_LANG_COUNT; l++) {
		if (strcmp(v, ma_lang_names[l]) == 0) {
			*out = (enum ma_lang)l;
			return 0;
		}
	}
	return ma_bad(err, name, v, "sv or en");
}

static int ma_parse_type(const char *name, const char *v, enum ml_type *out,
                         struct ml_errinfo *err)
{
	*out = ml_type_from_name(v, strlen(v));
	return *out == ML_TYPE_NONE ? ma_bad(err, name, v, "an event type") : 0;
}

/* A number parameter: after, limit, wait, expected_head. */
static int ma_parse_number(enum ma_param which, const char *v,
                           struct ma_params *p, struct ml_errinfo *err)
{
	const char *name = ma_param_names[which];
	uint64_t n = 0;
	switch (which) {
	case MA_P_AFTER:
		if (ma_parse_u64(v, UINT64_MAX, &p->after) != 0)
			return ma_bad(err, name, v, "a seq (0 or more)");
		return 0;
	case MA_P_EXPECTED_HEAD:
		if (ma_parse_u64(v, UINT64_MAX, &p->expected_head) != 0)
			return ma_bad(err, name, v, "a seq (0 or more)");
		return 0;
	case MA_P_LIMIT:
		if (ma_parse_u64(v, ML_EVENTS_LIMIT_MAX, &n) != 0 || n == 0)
			return ma_bad(err, name, v, "a number from 1 to 10000");
		p->limit = (uint32_t)n;
		return 0;
	default: /* MA_P_WAIT */
		if (ma_parse_u64(v, MA_WAIT_S_MAX, &n) != 0)
			return ma_bad(err, name, v,
			              "a number of seconds from 0 to 60");
		p->wait_s = (uint32_t)n;
		return 0;
	}
}

/* Parses one parameter's value into *p. */
static int ma_parse_value(enum ma_param which, const char *v, uint32_t formats,
                          struct ma_params *p, struct ml_errinfo *err)
{
	const char *name = ma_param_names[which];
	bool *flag = which == MA_P_POSTS    ? &p->posts
	             : which == MA_P_ROLLUP ? &p->rollup
	                                    : &p->dry_run;
	switch (which) {
	case MA_P_AS_OF:
		return ma_parse_date(name, v, &p->as_of, err);
	case MA_P_KNOWN_AT:
		return ma_parse_time(name, v, &p->known_at_us, err);
	case MA_P_GRANT:
		return ma_parse_id(name, v, true, p->grant, sizeof p->grant,
		                   err);
	case MA_P_PARTY:
		return ma_parse_id(name, v, false, p->party, sizeof p->party,
		                   err);
	case MA_P_POSTS:
	case MA_P_ROLLUP:
	case MA_P_DRY_RUN:
		return ma_parse_flag(v, flag) == 0
		           ? 0
		           : ma_bad(err, name, v, "0 or 1");
	case MA_P_YEAR:
		return ma_parse_year(name, v, &p->year, err);
	case MA_P_TYPE:
		return ma_parse_type(name, v, &p->type, err);
	case MA_P_FORMAT:
		return ma_parse_format(name, v, formats, &p->format, err);
	case MA_P_LANG:
		return ma_parse_lang(name, v, &p->lang, err);
	default:
		return ma_parse_number(which, v, p, err);
	}
}

static void ma_params_defaults(struct ma_params *p)
{
	memset(p, 0, sizeof *p);
	p->as_of = ml_date_today();
	p->limit = ML_EVENTS_LIMIT_DEFAULT;
	p->type = ML_TYPE_NONE;
	p->format = MA_FORMAT_NONE;
	p->lang = MA_LANG_SV;
}

static int ma_param_find(const char *name, enum ma_param *out)
{
	for (int i = 0; i < MA_P_COUNT; i++) {
		if (strcmp(name, ma_param_names[i]) == 0) {
			*out = (enum ma_param)i;
			return 0;
		}
	}
	return -1;
}

/* Checks one (name, value) pair and parses it. */
static int ma_param_one(const char *name, const char *value, uint32_t allowed,
                        uint32_t formats, struct ma_params *p,
                        struct ml_errinfo *err)
{
	char shown[48];
	enum ma_param which;
	if (ma_param_find(name, &which) != 0 || (allowed & MA_PBIT(which)) == 0)
		return ml_fail(err, ML_E_BAD_QUERY, -1,
		               ma_shown(name, shown, sizeof shown),
		               "unknown query parameter '%s' for this endpoint",
		               ma_shown(name, shown, sizeof shown));
	if (p->given & MA_PBIT(which))
		return ml_fail(err, ML_E_BAD_QUERY, -1, name,
		               "query parameter '%s' is given twice", name);
	if (value[0] == '\0')
		return ml_fail(err, ML_E_BAD_QUERY, -1, name,
		               "query parameter '%s' has no value", name);
	p->given |= MA_PBIT(which);
	return ma_parse_value(which, value, formats, p, err);
}

/* Refusals on the raw text, before it is split and decoded. */
static int ma_query_raw_check(const char *query, struct ml_errinfo *err)
{
	size_t len = strlen(query);
	if (len > MA_QUERY_BYTES_MAX)
		return ml_fail(err, ML_E_BAD_QUERY, -1, NULL,
		               "the query string is %zu bytes, more than %d",
		               len, MA_QUERY_BYTES_MAX);
	for (const char *s = query; (s = strchr(s, '%')) != NULL; s++) {
		if (s[1] == '0' && s[2] == '0')
			return ml_fail(err, ML_E_BAD_QUERY, -1, NULL,
			               "the query string holds %%00 (a NUL "
			               "byte)");
	}
	return 0;
}

/* Decodes a query value of len bytes into out (room for len + 1) as an
 * HTML form encodes it: '+' is a space, %XX the byte XX, and a '%' not
 * followed by two hex digits stands for itself. */
static void ma_query_decode(const char *s, size_t len, char *out)
{
	size_t n = 0;
	for (size_t i = 0; i < len; i++) {
		int hi = i + 2 < len ? ml_hex_digit(s[i + 1]) : -1;
		int lo = i + 2 < len ? ml_hex_digit(s[i + 2]) : -1;
		if (s[i] == '%' && hi >= 0 && lo >= 0) {
			out[n++] = (char)(hi * 16 + lo);
			i += 2;
		} else {
			out[n++] = s[i] == '+' ? ' ' : s[i];
		}
	}
	out[n] = '\0';
}

/* One "name=value" of len bytes: the name as sent, the value decoded.
 * A pair without '=' or with an empty name is not a query parameter. */
static int ma_query_pair(const char *s, size_t len, uint32_t allowed,
                         uint32_t formats, struct ma_params *p,
                         struct ml_errinfo *err)
{
	char name[MA_QUERY_BYTES_MAX + 1], value[MA_QUERY_BYTES_MAX + 1];
	const char *eq = memchr(s, '=', len);
	if (eq == NULL || eq == s)
		return ml_fail(err, ML_E_BAD_QUERY, -1, NULL,
		               "the query string is not name=value pairs "
		               "joined by '&'");
	size_t name_len = (size_t)(eq - s);
	ML_ASSERT(len <= MA_QUERY_BYTES_MAX);
	memcpy(name, s, name_len);
	name[name_len] = '\0';
	ma_query_decode(eq + 1, len - name_len - 1, value);
	return ma_param_one(name, value, allowed, formats, p, err);
}

int ma_params_parse(const char *query, uint32_t allowed, uint32_t formats,
                    struct ma_params *p, struct ml_errinfo *err)
{
	ma_params_defaults(p);
	ml_errinfo_clear(err);
	if (query == NULL || query[0] == '\0')
		return 0;
	int rc = ma_query_raw_check(query, err);
	int count = 0;
	/* Pairs are joined by '&'; a trailing '&' ends the query. */
	for (const char *s = query; rc == 0 && *s != '\0';) {
		size_t len = strcspn(s, "&");
		if (++count > MA_QUERY_PARAMS_MAX)
			return ml_fail(err, ML_E_BAD_QUERY, -1, NULL,
			               "more than %d query parameters",
			               MA_QUERY_PARAMS_MAX);
		rc = ma_query_pair(s, len, allowed, formats, p, err);
		s += len + (s[len] == '&');
	}
	return rc;
}

void ma_params_to_query(const struct ma_params *p, struct ml_query *q)
{
	memset(q, 0, sizeof *q);
	q->as_of = p->as_of;
	q->has_known_at = ma_params_has(p, MA_P_KNOWN_AT);
	q->known_at_us = p->known_at_us;
	q->grant = p->grant[0] ? p->grant : NULL;
	q->posts = p->posts;
	q->party = p->party[0] ? p->party : NULL;
	q->rollup = p->rollup;
	q->year = p->year;
}

void ma_params_to_events(const struct ma_params *p, struct ml_events_query *q)
{
	memset(q, 0, sizeof *q);
	q->after = p->after;
	q->limit = p->limit;
	q->grant = p->grant[0] ? p->grant : NULL;
	q->party = p->party[0] ? p->party : NULL;
	q->type = p->type;
}
