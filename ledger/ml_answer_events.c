/*
 * ml_answer_events.c — GET /v1/events: the log, filtered and paged.
 *
 * Writes {"events":[…],"next_after":N} straight into a buffer: each event
 * in its stored form (ml_json_write_event, ML_JSON_STORED), the bytes that
 * were hashed plus the two hashes, so a client can check the chain from
 * what it reads. At most q->limit events with seq > q->after, in seq
 * order; next_after is the last seq written, or q->after when none.
 *
 * Filters (all given ones must match):
 *   type   the event's own type;
 *   grant  an event whose grant or to_grant is it (a grant's definition
 *          included), the definition of a post directly below it (it
 *          takes money from its pool), and a close of it;
 *   party  an event whose party, from, to or payer is it (or whose
 *          key names it: a distribution), and the
 *          definition of a party whose parent it is.
 * A correction names neither grant nor party: it matches the grant and
 * party filters when the event it corrects does (the type filter still
 * applies to the correction itself). ml_event_matches alone cannot read
 * the corrected event, so for a correction it checks the type and
 * answers "may match" for the name filters; ml_answer_events reads the
 * target and decides exactly. A name that is not defined simply matches
 * nothing: the log is text, and a subscriber may wait for an id that
 * does not exist yet.
 *
 * On an error out may hold part of a document: the caller discards it.
 *
 * Cost: one log read per seq from after + 1 until limit events matched or
 * the head: without filters that is limit reads; a filter that matches
 * rarely reads on to the head (there is no per-name index of the log).
 */
#include <string.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_dist.h"
#include "ml_json.h"
#include "ml_log.h"

static bool ml_names_match(const struct ml_event *ev,
                           const struct ml_events_query *q)
{
	if (q->grant != NULL) {
		bool post = ev->type == ML_TYPE_GRANT &&
		            ml_str_eq_c(ev->parent, q->grant);
		if (!ml_str_eq_c(ev->grant, q->grant) &&
		    !ml_str_eq_c(ev->to_grant, q->grant) && !post)
			return false;
	}
	if (q->party != NULL) {
		bool child = ev->type == ML_TYPE_PARTY &&
		             ml_str_eq_c(ev->parent, q->party);
		if (!ml_str_eq_c(ev->party, q->party) &&
		    !ml_str_eq_c(ev->from, q->party) &&
		    !ml_str_eq_c(ev->to, q->party) &&
		    !ml_str_eq_c(ev->payer, q->party) && !child &&
		    !ml_key_names(ev->key, ml_str_c(q->party)))
			return false;
	}
	return true;
}

bool ml_event_matches(const struct ml_event *ev,
                      const struct ml_events_query *q)
{
	if (q->type != ML_TYPE_NONE && ev->type != q->type)
		return false;
	if (ev->type == ML_TYPE_CORRECTION)
		return true; /* may match: see the comment at the top */
	return ml_names_match(ev, q);
}

/* ml_event_matches, with a correction judged by the event it corrects. */
static int ml_event_matches_in(struct ml_store *st, MDB_txn *txn,
                               const struct ml_event *ev,
                               const struct ml_events_query *q, bool *match)
{
	*match = ml_event_matches(ev, q);
	bool names = q->grant != NULL || q->party != NULL;
	if (!*match || ev->type != ML_TYPE_CORRECTION || !names)
		return 0;
	struct ml_event target;
	int rc = ml_log_get(st, txn, ev->corrects, &target);
	if (rc != 0)
		return rc == ML_E_NOT_FOUND ? ML_E_CORRUPT : rc;
	*match = ml_names_match(&target, q);
	return 0;
}

int ml_answer_events(struct ml_ledger *lg, struct ml_read *rd,
                     const struct ml_events_query *q, struct ml_buf *out,
                     uint32_t *count_out)
{
	MDB_txn *txn = ml_read_txn(rd);
	struct ml_store *st = ml_ledger_store(lg);
	struct ml_log_head head;
	uint64_t last = q->after;
	uint32_t count = 0;
	*count_out = 0;
	if (q->limit == 0 || q->limit > ML_EVENTS_LIMIT_MAX)
		return ML_E_BAD_QUERY;
	int rc = ml_ledger_head(lg, ml_read_of(txn), &head);
	if (rc == 0)
		rc = ml_buf_add_str(out, "{\"events\":[");
	/* after may be anything a client sends: no wrap past UINT64_MAX. */
	uint64_t first = q->after < head.seq ? q->after + 1 : head.seq + 1;
	for (uint64_t seq = first;
	     rc == 0 && seq <= head.seq && count < q->limit; seq++) {
		struct ml_event ev;
		bool match = false;
		rc = ml_log_get(st, txn, seq, &ev);
		if (rc == 0)
			rc = ml_event_matches_in(st, txn, &ev, q, &match);
		if (rc != 0 || !match)
			continue;
		if (count > 0)
			rc = ml_buf_add_char(out, ',');
		if (rc == 0)
			rc = ml_json_write_event(&ev, ML_JSON_STORED, out);
		count++;
		last = seq;
	}
	ML_ASSERT(count <= q->limit && last >= q->after);
	if (rc == 0)
		rc = ml_buf_add_str(out, "],\"next_after\":");
	if (rc == 0)
		rc = ml_buf_add_u64(out, last);
	if (rc == 0)
		rc = ml_buf_add_char(out, '}');
	*count_out = rc == 0 ? count : 0;
	return rc;
}
