/*
 * ma_params.h — strict parsing of a request's query string.
 *
 * API.md: unknown query parameters are errors, not ignored. A query is
 * split into name=value pairs at '&' and each value decoded as a form
 * encodes it ('+' as space, %XX); names are taken as sent. Then every
 * name must be one this endpoint takes (the `allowed` mask), appear once,
 * and have a value of its exact form:
 *
 *   as_of          YYYY-MM-DD (ml_date_parse)     date_out_of_range outside
 *   known_at       RFC 3339 or a date (ml_time_parse)
 *   grant, party   DOMAIN.md id syntax
 *   posts, rollup, dry_run                        0 | 1
 *   year           1900 ..= 2199                  date_out_of_range outside
 *   after, expected_head                          decimal u64
 *   limit          1 ..= ML_EVENTS_LIMIT_MAX
 *   type           an event type name
 *   wait           0 ..= MA_WAIT_S_MAX seconds
 *   format         one of the route's own formats (the `formats` mask):
 *                  /v1/export jsonl | csv | ledger | beancount;
 *                  /v1/balances, /v1/repayments, /v1/deadlines json | csv;
 *                  /v1/trace json | csv | svg
 *   lang           sv | en (the words of csv and svg; default sv)
 *
 * Every failure is ML_E_BAD_QUERY (400) unless noted, with err->field the
 * parameter's name and a message naming the value (cut to 40 bytes and
 * shown as printable ASCII, so a hostile value cannot break the JSON
 * answer). A "%00" anywhere is refused before decoding: a NUL would cut
 * the decoded value short and turn it into a different, valid one.
 *
 * Rules between parameters (posts needs grant, …) belong to the endpoint
 * and are checked by the router (ma_api.c), not here.
 */
#ifndef MA_PARAMS_H
#define MA_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "ml_answer.h"
#include "ml_date.h"
#include "ml_error.h"
#include "ml_event.h"

#include "ma_limits.h"

enum ma_param {
	MA_P_AS_OF,
	MA_P_KNOWN_AT,
	MA_P_GRANT,
	MA_P_PARTY,
	MA_P_POSTS,
	MA_P_ROLLUP,
	MA_P_YEAR,
	MA_P_AFTER,
	MA_P_LIMIT,
	MA_P_TYPE,
	MA_P_WAIT,
	MA_P_DRY_RUN,
	MA_P_EXPECTED_HEAD,
	MA_P_FORMAT,
	MA_P_LANG,
	MA_P_COUNT
};

#define MA_PBIT(p) (1u << (p))

/* The formats a route may be asked for (API.md): GET /v1/export's
 * streams, and the formats of an answer a person reads (ma_format.c).
 * Which a route takes is its ma_route_info.formats (MA_FBIT mask). */
enum ma_format {
	MA_FORMAT_NONE, /* not given: the route's default (JSON) */
	MA_FORMAT_JSONL,
	MA_FORMAT_CSV,
	MA_FORMAT_LEDGER,
	MA_FORMAT_BEANCOUNT,
	MA_FORMAT_JSON,
	MA_FORMAT_SVG,
	MA_FORMAT_HTML,
	MA_FORMAT_COUNT
};

#define MA_FBIT(f) (1u << (f))

/* The words of csv, svg and html. sv is the default
 * (API.md); JSON keys never change. */
enum ma_lang { MA_LANG_SV, MA_LANG_EN, MA_LANG_COUNT };

/* A parsed query. Fields of parameters not given hold the defaults. */
struct ma_params {
	uint32_t given;                  /* MA_PBIT of each one present */
	ml_day as_of;                    /* default: today (UTC) */
	int64_t known_at_us;             /* valid when given */
	char grant[ML_GRANT_ID_MAX + 1]; /* "" when not given */
	char party[ML_PARTY_ID_MAX + 1]; /* "" when not given */
	bool posts, rollup, dry_run;     /* default false */
	int32_t year;                    /* 0 when not given */
	uint64_t after;                  /* seq, default 0 */
	uint32_t limit;                  /* default ML_EVENTS_LIMIT_DEFAULT */
	enum ml_type type;               /* ML_TYPE_NONE = any */
	uint32_t wait_s;                 /* 0 ..= MA_WAIT_S_MAX, default 0 */
	uint64_t expected_head;          /* valid when given */
	enum ma_format format;           /* MA_FORMAT_NONE when not given */
	enum ma_lang lang;               /* default MA_LANG_SV */
};

/* Parses query (the raw text after '?', NULL or "" for none) allowing the
 * parameters in `allowed` (MA_PBIT mask) and, for format, the values in
 * `formats` (MA_FBIT mask; a value outside it is bad_query naming the
 * ones allowed). Returns 0, or ML_E_BAD_QUERY / ML_E_DATE_RANGE /
 * ML_E_NOMEM with err filled. *p is fully set either way (defaults for
 * what was not parsed). */
int ma_params_parse(const char *query, uint32_t allowed, uint32_t formats,
                    struct ma_params *p, struct ml_errinfo *err);

/* A format's name in a query ("csv"). */
const char *ma_format_name(enum ma_format f);

/* Is parameter p present? */
static inline bool ma_params_has(const struct ma_params *p, enum ma_param q)
{
	return (p->given & MA_PBIT(q)) != 0;
}

/* The parameter's name in a query ("as_of"). */
const char *ma_param_name(enum ma_param p);

/* The ledger's query for the answers of ml_answer.h. Strings point into
 * *p, which must outlive q. */
void ma_params_to_query(const struct ma_params *p, struct ml_query *q);

/* The ledger's query for GET /v1/events. Strings point into *p. */
void ma_params_to_events(const struct ma_params *p, struct ml_events_query *q);

#endif /* MA_PARAMS_H */
