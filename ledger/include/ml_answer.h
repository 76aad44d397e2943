/*
 * ml_answer.h — the ledger's answers, as the API's JSON documents.
 *
 * Each function reads one consistent snapshot (a read transaction the
 * caller opened with ml_ledger_read_begin) and builds the JSON body that
 * API.md specifies for its endpoint. medeld sends these bodies; medel
 * prints them with --json and formats them for people otherwise, so the
 * embedded CLI and the daemon can never disagree.
 *
 * Money in every answer is integer öre. cJSON is used to build the
 * documents; integers are added with ml_json_add_int, which keeps them
 * exact (cJSON alone prints numbers ≥ 2^31 through a double).
 *
 * Ownership: a returned cJSON tree belongs to the caller (cJSON_Delete).
 * Errors: ML_E_* codes with err filled (unknown grant or party in a
 * filter → ML_E_NOT_FOUND naming the parameter).
 */
#ifndef ML_ANSWER_H
#define ML_ANSWER_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "ml_buf.h"
#include "ml_date.h"
#include "ml_event.h"
#include "ml_ledger.h"

/* A query's parameters, validated (daemon/md_params.h builds it from a
 * query string). Strings are NUL-terminated and owned by the caller. */
struct ml_query {
	ml_day as_of;        /* default: today */
	bool has_known_at;   /* known_at given */
	int64_t known_at_us; /* only events recorded ≤ this */
	const char *grant;   /* NULL = every grant */
	bool posts;          /* include the grant's posts */
	const char *party;   /* NULL = every party */
	bool rollup;         /* sum the party's descendants */
	int32_t year;        /* repayments: grants whose use_by is in it */
};

/* Sets the defaults: as_of today, nothing else. */
void ml_query_init(struct ml_query *q);

/* GET /v1/balances. */
int ml_answer_balances(struct ml_ledger *lg, struct ml_read *rd,
                       const struct ml_query *q, cJSON **out,
                       struct ml_errinfo *err);

/* GET /v1/trace (q->grant required). */
int ml_answer_trace(struct ml_ledger *lg, struct ml_read *rd,
                    const struct ml_query *q, cJSON **out,
                    struct ml_errinfo *err);

/* GET /v1/repayments (q->grant or q->year). */
int ml_answer_repayments(struct ml_ledger *lg, struct ml_read *rd,
                         const struct ml_query *q, cJSON **out,
                         struct ml_errinfo *err);

/* GET /v1/statement (q->party, a legal entity, and q->grant required):
 * the återrapportering of the party's subtree for the grant and its
 * posts (ml_answer_statement.c, docs/api.md). */
int ml_answer_statement(struct ml_ledger *lg, struct ml_read *rd,
                        const struct ml_query *q, cJSON **out,
                        struct ml_errinfo *err);

/* GET /v1/deadlines. */
int ml_answer_deadlines(struct ml_ledger *lg, struct ml_read *rd,
                        const struct ml_query *q, cJSON **out,
                        struct ml_errinfo *err);

/* GET /v1/parties and /v1/grants: definitions as of q->as_of. */
int ml_answer_parties(struct ml_ledger *lg, struct ml_read *rd,
                      const struct ml_query *q, cJSON **out,
                      struct ml_errinfo *err);
int ml_answer_grants(struct ml_ledger *lg, struct ml_read *rd,
                     const struct ml_query *q, cJSON **out,
                     struct ml_errinfo *err);

/* GET /v1/events: filters and paging. */
struct ml_events_query {
	uint64_t after;    /* seq; events after it */
	uint32_t limit;    /* 1 ..= ML_EVENTS_LIMIT_MAX */
	const char *grant; /* NULL = any */
	const char *party; /* NULL = any */
	enum ml_type type; /* ML_TYPE_NONE = any */
};

/* Appends {"events":[…],"next_after":N} to out; *count_out = events
 * written. Streams stored events in their canonical stored form. */
int ml_answer_events(struct ml_ledger *lg, struct ml_read *rd,
                     const struct ml_events_query *q, struct ml_buf *out,
                     uint32_t *count_out);

/* ml_answer_events, but each event goes to fn (in seq order) instead of
 * into out, which gets {"events":[],"next_after":N}: an in-process
 * reader's page with no JSON written or parsed per event. */
int ml_answer_events_to(struct ml_ledger *lg, struct ml_read *rd,
                        const struct ml_events_query *q, ml_event_fn fn,
                        void *arg, struct ml_buf *out, uint32_t *count_out);

/* Does event ev match the grant / party / type filters of q? */
bool ml_event_matches(const struct ml_event *ev,
                      const struct ml_events_query *q);

/* GET /v1/distributions/{seq}: the shares the distribution at seq gave
 * (ml_dist.h), every party of its key in code-point order, shares of 0
 * included. ML_E_NOT_FOUND when seq is not in the log or is not a
 * distribution. */
int ml_answer_distribution(struct ml_ledger *lg, struct ml_read *rd,
                           uint64_t seq, cJSON **out, struct ml_errinfo *err);

/* GET /v1/verify: re-hashes the chain and rebuilds every projection from
 * the log alone, in memory, comparing with what is stored. Returns 0 with
 * {"ok":true,…} or {"ok":false,"difference":{…}}; a non-zero return is a
 * failure to run, not a difference. progress, when not NULL, is called
 * every 65 536 events with (done, total). */
typedef void (*ml_progress_fn)(uint64_t done, uint64_t total, void *arg);
int ml_answer_verify(struct ml_ledger *lg, struct ml_read *rd, cJSON **out,
                     ml_progress_fn progress, void *progress_arg,
                     struct ml_errinfo *err);

/* Adds an exact integer member (cJSON prints large doubles lossily).
 * name is not copied: it must be a string literal or live as long as
 * obj (a static table entry). */
cJSON *ml_json_add_int(cJSON *obj, const char *name, int64_t v);
/* Adds a date member "YYYY-MM-DD". */
cJSON *ml_json_add_date(cJSON *obj, const char *name, ml_day day);

/* Prints doc compactly into out (appending). */
int ml_json_print(const cJSON *doc, struct ml_buf *out);

#endif /* ML_ANSWER_H */
