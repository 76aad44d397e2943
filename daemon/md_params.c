/*
 * md_params.c — query strings into struct md_params, strictly.
 *
 * Called by the router (md_api.c) once per request, on whatever thread
 * serves it; it keeps no state. The work is: refuse what is too long or
 * holds %00, let libevent split and decode, then for each (name, value)
 * find the parameter, check it is allowed here and not repeated, and
 * parse its value with the one parser its form has. Volumes are tiny (a
 * handful of parameters of a few bytes); clarity wins over speed.
 *
 * Invariant on return 0: every bit in p->given is in `allowed`, and each
 * given field holds a value of its documented form and range.
 */
#include "md_params.h"

#include <stdio.h>
#include <string.h>
#include <sys/queue.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "ml_text.h"

static const char *const md_param_names[MD_P_COUNT] = {
    [MD_P_AS_OF] = "as_of",
    [MD_P_KNOWN_AT] = "known_at",
    [MD_P_GRANT] = "grant",
    [MD_P_PARTY] = "party",
    [MD_P_POSTS] = "posts",
    [MD_P_ROLLUP] = "rollup",
    [MD_P_YEAR] = "year",
    [MD_P_AFTER] = "after",
    [MD_P_LIMIT] = "limit",
    [MD_P_TYPE] = "type",
    [MD_P_WAIT] = "wait",
    [MD_P_DRY_RUN] = "dry_run",
    [MD_P_EXPECTED_HEAD] = "expected_head",
    [MD_P_FORMAT] = "format",
};

static const char *const md_format_names[] = {
    [MD_FORMAT_JSONL] = "jsonl",
    [MD_FORMAT_CSV] = "csv",
    [MD_FORMAT_LEDGER] = "ledger",
    [MD_FORMAT_BEANCOUNT] = "beancount",
};

const char *md_param_name(enum md_param p)
{
	return p < MD_P_COUNT ? md_param_names[p] : "?";
}

/* A value as it may appear in a message: at most 40 bytes, printable
 * ASCII, anything else as '?'. */
static const char *md_shown(const char *v, char *buf, size_t size)
{
	size_t n = 0;
	for (; v[n] != '\0' && n + 1 < size && n < 40; n++) {
		unsigned char c = (unsigned char)v[n];
		buf[n] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	buf[n] = '\0';
	return buf;
}

static int md_bad(struct ml_errinfo *err, const char *name, const char *value,
                  const char *want)
{
	char shown[48];
	return ml_fail(err, ML_E_BAD_QUERY, -1, name, "%s: '%s' is not %s",
	               name, md_shown(value, shown, sizeof shown), want);
}

/* Decimal digits only, 1 ..= 20 of them, value ≤ max. */
static int md_parse_u64(const char *v, uint64_t max, uint64_t *out)
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

static int md_parse_flag(const char *v, bool *out)
{
	if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
		return -1;
	*out = v[0] == '1';
	return 0;
}

static int md_parse_date(const char *name, const char *v, ml_day *out,
                         struct ml_errinfo *err)
{
	char why[128] = "";
	char shown[48];
	int rc = ml_date_parse(v, strlen(v), out, why, sizeof why);
	if (rc == ML_E_DATE_RANGE)
		return ml_fail(err, ML_E_DATE_RANGE, -1, name,
		               "%s: %s is outside 1900-01-01 ..= 2199-12-31",
		               name, md_shown(v, shown, sizeof shown));
	if (rc != 0)
		return ml_fail(err, ML_E_BAD_QUERY, -1, name,
		               "%s: '%s' is not a date YYYY-MM-DD%s%s", name,
		               md_shown(v, shown, sizeof shown),
		               why[0] ? ": " : "", why);
	return 0;
}

static int md_parse_time(const char *name, const char *v, int64_t *out,
                         struct ml_errinfo *err)
{
	char why[128] = "";
	char shown[48];
	if (ml_time_parse(v, strlen(v), out, why, sizeof why) != 0)
		return ml_fail(err, ML_E_BAD_QUERY, -1, name,
		               "%s: '%s' is not an RFC 3339 time or a date%s%s",
		               name, md_shown(v, shown, sizeof shown),
		               why[0] ? ": " : "", why);
	return 0;
}

static int md_parse_id(const char *name, const char *v, bool grant, char *out,
                       size_t size, struct ml_errinfo *err)
{
	size_t len = strlen(v);
	bool ok = grant ? ml_grant_id_valid(v, len) : ml_party_id_valid(v, len);
	if (!ok || len >= size)
		return md_bad(err, name, v,
		              grant ? "a grant id" : "a party id");
	memcpy(out, v, len + 1);
	return 0;
}

static int md_parse_year(const char *name, const char *v, int32_t *out,
                         struct ml_errinfo *err)
{
	uint64_t y;
	char shown[48];
	if (strlen(v) != 4 || md_parse_u64(v, 9999, &y) != 0)
		return md_bad(err, name, v, "a year YYYY");
	if (y < ML_YEAR_MIN || y > ML_YEAR_MAX)
		return ml_fail(err, ML_E_DATE_RANGE, -1, name,
		               "%s: %s is outside %d ..= %d", name,
		               md_shown(v, shown, sizeof shown), ML_YEAR_MIN,
		               ML_YEAR_MAX);
	*out = (int32_t)y;
	return 0;
}

static int md_parse_format(const char *name, const char *v, enum md_format *out,
                           struct ml_errinfo *err)
{
	for (int f = MD_FORMAT_JSONL; f <= MD_FORMAT_BEANCOUNT; f++) {
		if (strcmp(v, md_format_names[f]) == 0) {
			*out = (enum md_format)f;
			return 0;
		}
	}
	return md_bad(err, name, v, "jsonl, csv, ledger or beancount");
}

static int md_parse_type(const char *name, const char *v, enum ml_type *out,
                         struct ml_errinfo *err)
{
	*out = ml_type_from_name(v, strlen(v));
	return *out == ML_TYPE_NONE ? md_bad(err, name, v, "an event type") : 0;
}

/* A number parameter: after, limit, wait, expected_head. */
static int md_parse_number(enum md_param which, const char *v,
                           struct md_params *p, struct ml_errinfo *err)
{
	const char *name = md_param_names[which];
	uint64_t n = 0;
	switch (which) {
	case MD_P_AFTER:
		if (md_parse_u64(v, UINT64_MAX, &p->after) != 0)
			return md_bad(err, name, v, "a seq (0 or more)");
		return 0;
	case MD_P_EXPECTED_HEAD:
		if (md_parse_u64(v, UINT64_MAX, &p->expected_head) != 0)
			return md_bad(err, name, v, "a seq (0 or more)");
		return 0;
	case MD_P_LIMIT:
		if (md_parse_u64(v, ML_EVENTS_LIMIT_MAX, &n) != 0 || n == 0)
			return md_bad(err, name, v, "1 ..= 10000");
		p->limit = (uint32_t)n;
		return 0;
	default: /* MD_P_WAIT */
		if (md_parse_u64(v, MD_WAIT_S_MAX, &n) != 0)
			return md_bad(err, name, v, "0 ..= 60 seconds");
		p->wait_s = (uint32_t)n;
		return 0;
	}
}

/* Parses one parameter's value into *p. */
static int md_parse_value(enum md_param which, const char *v,
                          struct md_params *p, struct ml_errinfo *err)
{
	const char *name = md_param_names[which];
	bool *flag = which == MD_P_POSTS    ? &p->posts
	             : which == MD_P_ROLLUP ? &p->rollup
	                                    : &p->dry_run;
	switch (which) {
	case MD_P_AS_OF:
		return md_parse_date(name, v, &p->as_of, err);
	case MD_P_KNOWN_AT:
		return md_parse_time(name, v, &p->known_at_us, err);
	case MD_P_GRANT:
		return md_parse_id(name, v, true, p->grant, sizeof p->grant,
		                   err);
	case MD_P_PARTY:
		return md_parse_id(name, v, false, p->party, sizeof p->party,
		                   err);
	case MD_P_POSTS:
	case MD_P_ROLLUP:
	case MD_P_DRY_RUN:
		return md_parse_flag(v, flag) == 0
		           ? 0
		           : md_bad(err, name, v, "0 or 1");
	case MD_P_YEAR:
		return md_parse_year(name, v, &p->year, err);
	case MD_P_TYPE:
		return md_parse_type(name, v, &p->type, err);
	case MD_P_FORMAT:
		return md_parse_format(name, v, &p->format, err);
	default:
		return md_parse_number(which, v, p, err);
	}
}

static void md_params_defaults(struct md_params *p)
{
	memset(p, 0, sizeof *p);
	p->as_of = ml_date_today();
	p->limit = ML_EVENTS_LIMIT_DEFAULT;
	p->type = ML_TYPE_NONE;
	p->format = MD_FORMAT_NONE;
}

static int md_param_find(const char *name, enum md_param *out)
{
	for (int i = 0; i < MD_P_COUNT; i++) {
		if (strcmp(name, md_param_names[i]) == 0) {
			*out = (enum md_param)i;
			return 0;
		}
	}
	return -1;
}

/* Checks one (name, value) pair and parses it. */
static int md_param_one(const char *name, const char *value, uint32_t allowed,
                        struct md_params *p, struct ml_errinfo *err)
{
	char shown[48];
	enum md_param which;
	if (md_param_find(name, &which) != 0 || (allowed & MD_PBIT(which)) == 0)
		return ml_fail(err, ML_E_BAD_QUERY, -1,
		               md_shown(name, shown, sizeof shown),
		               "unknown query parameter '%s' for this endpoint",
		               md_shown(name, shown, sizeof shown));
	if (p->given & MD_PBIT(which))
		return ml_fail(err, ML_E_BAD_QUERY, -1, name,
		               "query parameter '%s' is given twice", name);
	if (value[0] == '\0')
		return ml_fail(err, ML_E_BAD_QUERY, -1, name,
		               "query parameter '%s' has no value", name);
	p->given |= MD_PBIT(which);
	return md_parse_value(which, value, p, err);
}

/* Refusals on the raw text, before libevent decodes it. */
static int md_query_raw_check(const char *query, struct ml_errinfo *err)
{
	size_t len = strlen(query);
	if (len > MD_QUERY_BYTES_MAX)
		return ml_fail(err, ML_E_BAD_QUERY, -1, NULL,
		               "the query string is %zu bytes, more than %d",
		               len, MD_QUERY_BYTES_MAX);
	for (const char *s = query; (s = strchr(s, '%')) != NULL; s++) {
		if (s[1] == '0' && s[2] == '0')
			return ml_fail(err, ML_E_BAD_QUERY, -1, NULL,
			               "the query string holds %%00 (a NUL "
			               "byte)");
	}
	return 0;
}

int md_params_parse(const char *query, uint32_t allowed, struct md_params *p,
                    struct ml_errinfo *err)
{
	md_params_defaults(p);
	ml_errinfo_clear(err);
	if (query == NULL || query[0] == '\0')
		return 0;
	int rc = md_query_raw_check(query, err);
	if (rc != 0)
		return rc;
	struct evkeyvalq kv;
	TAILQ_INIT(&kv);
	if (evhttp_parse_query_str(query, &kv) != 0) {
		evhttp_clear_headers(&kv);
		return ml_fail(err, ML_E_BAD_QUERY, -1, NULL,
		               "the query string is not name=value pairs "
		               "joined by '&'");
	}
	int count = 0;
	struct evkeyval *e;
	TAILQ_FOREACH(e, &kv, next)
	{
		if (++count > MD_QUERY_PARAMS_MAX)
			rc = ml_fail(err, ML_E_BAD_QUERY, -1, NULL,
			             "more than %d query parameters",
			             MD_QUERY_PARAMS_MAX);
		if (rc == 0)
			rc = md_param_one(e->key, e->value, allowed, p, err);
		if (rc != 0)
			break;
	}
	evhttp_clear_headers(&kv);
	return rc;
}

void md_params_to_query(const struct md_params *p, struct ml_query *q)
{
	memset(q, 0, sizeof *q);
	q->as_of = p->as_of;
	q->has_known_at = md_params_has(p, MD_P_KNOWN_AT);
	q->known_at_us = p->known_at_us;
	q->grant = p->grant[0] ? p->grant : NULL;
	q->posts = p->posts;
	q->party = p->party[0] ? p->party : NULL;
	q->rollup = p->rollup;
	q->year = p->year;
}

void md_params_to_events(const struct md_params *p, struct ml_events_query *q)
{
	memset(q, 0, sizeof *q);
	q->after = p->after;
	q->limit = p->limit;
	q->grant = p->grant[0] ? p->grant : NULL;
	q->party = p->party[0] ? p->party : NULL;
	q->type = p->type;
}
