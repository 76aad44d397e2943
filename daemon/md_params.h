/*
 * md_params.h — strict parsing of a request's query string.
 *
 * API.md: unknown query parameters are errors, not ignored. A query is
 * split and percent-decoded by libevent (evhttp_parse_query_str: "a=b&c=d",
 * '+' as space, %XX), never by hand; then every name must be one this
 * endpoint takes (the `allowed` mask), appear once, and have a value of
 * its exact form:
 *
 *   as_of          YYYY-MM-DD (ml_date_parse)      bad_query /
 * date_out_of_range known_at       RFC 3339 or a date (ml_time_parse) grant,
 * party   DOMAIN.md id syntax posts, rollup, dry_run                         0
 * | 1 year           1900 ..= 2199                   date_out_of_range outside
 *   after, expected_head                           decimal u64
 *   limit          1 ..= ML_EVENTS_LIMIT_MAX
 *   type           an event type name
 *   wait           0 ..= MD_WAIT_S_MAX seconds
 *   format         jsonl | csv | ledger | beancount
 *
 * Every failure is ML_E_BAD_QUERY (400) unless noted, with err->field the
 * parameter's name and a message naming the value (cut to 40 bytes and
 * shown as printable ASCII, so a hostile value cannot break the JSON
 * answer). A "%00" anywhere is refused before decoding: a NUL would cut
 * the decoded value short and turn it into a different, valid one.
 *
 * Rules between parameters (posts needs grant, …) belong to the endpoint
 * and are checked by the router (md_api.c), not here.
 */
#ifndef MD_PARAMS_H
#define MD_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include "ml_answer.h"
#include "ml_date.h"
#include "ml_error.h"
#include "ml_event.h"

#include "md_limits.h"

enum md_param {
	MD_P_AS_OF,
	MD_P_KNOWN_AT,
	MD_P_GRANT,
	MD_P_PARTY,
	MD_P_POSTS,
	MD_P_ROLLUP,
	MD_P_YEAR,
	MD_P_AFTER,
	MD_P_LIMIT,
	MD_P_TYPE,
	MD_P_WAIT,
	MD_P_DRY_RUN,
	MD_P_EXPECTED_HEAD,
	MD_P_FORMAT,
	MD_P_COUNT
};

#define MD_PBIT(p) (1u << (p))

/* GET /v1/export's formats. */
enum md_format {
	MD_FORMAT_NONE,
	MD_FORMAT_JSONL,
	MD_FORMAT_CSV,
	MD_FORMAT_LEDGER,
	MD_FORMAT_BEANCOUNT
};

/* A parsed query. Fields of parameters not given hold the defaults. */
struct md_params {
	uint32_t given;                  /* MD_PBIT of each one present */
	ml_day as_of;                    /* default: today (UTC) */
	int64_t known_at_us;             /* valid when given */
	char grant[ML_GRANT_ID_MAX + 1]; /* "" when not given */
	char party[ML_PARTY_ID_MAX + 1]; /* "" when not given */
	bool posts, rollup, dry_run;     /* default false */
	int32_t year;                    /* 0 when not given */
	uint64_t after;                  /* seq, default 0 */
	uint32_t limit;                  /* default ML_EVENTS_LIMIT_DEFAULT */
	enum ml_type type;               /* ML_TYPE_NONE = any */
	uint32_t wait_s;                 /* 0 ..= MD_WAIT_S_MAX, default 0 */
	uint64_t expected_head;          /* valid when given */
	enum md_format format;           /* MD_FORMAT_NONE when not given */
};

/* Parses query (the raw text after '?', NULL or "" for none) allowing the
 * parameters in `allowed` (MD_PBIT mask). Returns 0, or ML_E_BAD_QUERY /
 * ML_E_DATE_RANGE / ML_E_NOMEM with err filled. *p is fully set either
 * way (defaults for what was not parsed). */
int md_params_parse(const char *query, uint32_t allowed, struct md_params *p,
                    struct ml_errinfo *err);

/* Is parameter p present? */
static inline bool md_params_has(const struct md_params *p, enum md_param q)
{
	return (p->given & MD_PBIT(q)) != 0;
}

/* The parameter's name in a query ("as_of"). */
const char *md_param_name(enum md_param p);

/* The ledger's query for the answers of ml_answer.h. Strings point into
 * *p, which must outlive q. */
void md_params_to_query(const struct md_params *p, struct ml_query *q);

/* The ledger's query for GET /v1/events. Strings point into *p. */
void md_params_to_events(const struct md_params *p, struct ml_events_query *q);

#endif /* MD_PARAMS_H */
