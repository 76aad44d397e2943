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
 * applies to the correction itself); a correction of a correction, as
 * the event at the root of the chain does; a confirm or lapse, as the
 * allocation it resolves does. ml_event_matches alone cannot
 * read the corrected event, so for a correction it checks the type and
 * answers "may match" for the name filters; ml_answer_events reads the
 * chain and decides exactly. The names are ml_evidx_names', the same
 * function that fills the index. A name that is not defined simply matches
 * nothing: the log is text, and a subscriber may wait for an id that
 * does not exist yet.
 *
 * On an error out may hold part of a document: the caller discards it.
 *
 * ml_answer_events_to hands each event, decoded, to a function instead
 * (an in-process host such as `medel --db … log`, which prints straight
 * from the stored records): the same filters, paging and envelope, with
 * an empty events array.
 *
 * Cost: without filters, one step of a cursor over the log per event
 * written. With a filter,
 * the log's index (ml_evidx.h) drives: the grant's entries, else the
 * party's, else the type's, from after + 1 on; each entry is one log
 * read, checked against the other filters. A filter that matches nothing
 * costs one seek, however long the log.
 */
#include <string.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_evidx.h"
#include "ml_json.h"
#include "ml_log.h"
#include "ml_record.h"

static bool ml_names_match(const struct ml_evidx_names *names,
                           const struct ml_events_query *q)
{
	if (q->grant != NULL &&
	    !ml_evidx_names_have(names, ML_EVIDX_GRANT, q->grant))
		return false;
	return q->party == NULL ||
	       ml_evidx_names_have(names, ML_EVIDX_PARTY, q->party);
}

bool ml_event_matches(const struct ml_event *ev,
                      const struct ml_events_query *q)
{
	if (q->type != ML_TYPE_NONE && ev->type != q->type)
		return false;
	if (ev->type == ML_TYPE_CORRECTION || ev->type == ML_TYPE_CONFIRM ||
	    ev->type == ML_TYPE_LAPSE)
		return true; /* may match: see the comment at the top */
	struct ml_evidx_names names;
	ml_evidx_names_own(ev, &names);
	return ml_names_match(&names, q);
}

/* ml_event_matches, with a correction judged by the event at the root
 * of its chain (the money event or report it changes). */
static int ml_event_matches_in(struct ml_store *st, MDB_txn *txn,
                               const struct ml_event *ev,
                               const struct ml_events_query *q, bool *match)
{
	*match = q->type == ML_TYPE_NONE || ev->type == q->type;
	if (!*match || (q->grant == NULL && q->party == NULL))
		return 0;
	struct ml_evidx_names names;
	int rc = ml_evidx_names_in(st, txn, ev, &names);
	*match = rc == 0 && ml_names_match(&names, q);
	return rc;
}

/* The index key that drives a filtered read: the grant, else the party,
 * else the type. False when q has no filter (the log itself drives). */
static bool ml_events_driver(const struct ml_events_query *q,
                             enum ml_evidx_kind *kind, const void **name,
                             size_t *len, unsigned char *type_byte)
{
	if (q->grant != NULL) {
		*kind = ML_EVIDX_GRANT;
		*name = q->grant;
		*len = strlen(q->grant);
	} else if (q->party != NULL) {
		*kind = ML_EVIDX_PARTY;
		*name = q->party;
		*len = strlen(q->party);
	} else if (q->type != ML_TYPE_NONE) {
		*kind = ML_EVIDX_TYPE;
		*type_byte = (unsigned char)q->type;
		*name = type_byte;
		*len = 1;
	} else {
		return false;
	}
	return true;
}

/* The next seq to look at after *seq: from the index when a filter
 * drives, else the next in the log. ML_E_NOT_FOUND past the head. */
static int ml_events_next(struct ml_evidx_iter *it, bool indexed,
                          uint64_t head_seq, uint64_t *seq)
{
	if (!indexed) {
		if (*seq >= head_seq)
			return ML_E_NOT_FOUND;
		(*seq)++;
		return 0;
	}
	int rc = ml_evidx_iter_next(it, seq);
	/* A reader's snapshot holds no entry past its head unless the file
	 * was damaged: that is an error of the world, not an assertion. */
	if (rc == 0 && *seq > head_seq)
		rc = ML_E_CORRUPT;
	return rc;
}

/* Where the matching events go: written as JSON into out, or handed to
 * fn as decoded (ml_answer_events_to). */
struct ml_events_sink {
	struct ml_buf *out;
	ml_event_fn fn;
	void *arg;
};

static int ml_events_put(const struct ml_events_sink *s,
                         const struct ml_event *ev, uint32_t count)
{
	if (s->fn != NULL)
		return s->fn(s->arg, ev);
	int rc = count > 0 ? ml_buf_add_char(s->out, ',') : 0;
	return rc == 0 ? ml_json_write_event(ev, ML_JSON_STORED, s->out) : rc;
}

/* The event at seq: looked up when the index drives; read with the
 * log's cursor when the log itself does (one step to the next record,
 * not a descent of the B-tree per event). The log is dense (1 ..= head):
 * a cursor that lands on any other key is damage. */
static int ml_events_read(struct ml_store *st, MDB_txn *txn, MDB_cursor *cur,
                          uint64_t seq, bool *first, struct ml_event *ev)
{
	if (cur == NULL)
		return ml_log_get(st, txn, seq, ev);
	unsigned char k[8];
	ml_be64_put(k, seq);
	MDB_val key = {8, k}, val;
	int rc =
	    mdb_cursor_get(cur, &key, &val, *first ? MDB_SET_KEY : MDB_NEXT);
	*first = false;
	if (rc == MDB_NOTFOUND)
		return ML_E_NOT_FOUND;
	if (rc != 0)
		return ml_error_from_mdb(rc);
	if (key.mv_size != 8 || ml_be64_get(key.mv_data) != seq)
		return ML_E_CORRUPT;
	return ml_record_decode(val.mv_data, val.mv_size, seq, ev);
}

/* Hands the matching events after q->after to s, advancing *count and
 * *last. */
static int ml_events_write(struct ml_store *st, MDB_txn *txn,
                           const struct ml_events_query *q, uint64_t head_seq,
                           const struct ml_events_sink *s, uint32_t *count,
                           uint64_t *last)
{
	struct ml_evidx_iter it = {0};
	enum ml_evidx_kind kind;
	const void *name;
	size_t len;
	unsigned char type_byte;
	bool indexed = ml_events_driver(q, &kind, &name, &len, &type_byte);
	MDB_cursor *cur = NULL;
	bool first = true;
	int rc = indexed ? ml_evidx_iter_open(st, txn, kind, name, len,
	                                      q->after, &it)
	                 : ml_error_from_mdb(
	                       mdb_cursor_open(txn, st->dbi[ML_DB_LOG], &cur));
	uint64_t seq = q->after < head_seq ? q->after : head_seq;
	while (rc == 0 && *count < q->limit) {
		struct ml_event ev;
		bool match = false;
		rc = ml_events_next(&it, indexed, head_seq, &seq);
		if (rc == ML_E_NOT_FOUND) {
			rc = 0;
			break;
		}
		if (rc == 0)
			rc = ml_events_read(st, txn, cur, seq, &first, &ev);
		if (rc == ML_E_NOT_FOUND)
			rc = ML_E_CORRUPT; /* the index names a seq it lacks */
		if (rc == 0)
			rc = ml_event_matches_in(st, txn, &ev, q, &match);
		if (rc != 0 || !match)
			continue;
		rc = ml_events_put(s, &ev, *count);
		(*count)++;
		*last = seq;
	}
	ml_evidx_iter_close(&it);
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

static int ml_answer_events_sink(struct ml_ledger *lg, struct ml_read *rd,
                                 const struct ml_events_query *q,
                                 const struct ml_events_sink *s,
                                 uint32_t *count_out)
{
	struct ml_buf *out = s->out;
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
	if (rc == 0)
		rc = ml_events_write(st, txn, q, head.seq, s, &count, &last);
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

int ml_answer_events(struct ml_ledger *lg, struct ml_read *rd,
                     const struct ml_events_query *q, struct ml_buf *out,
                     uint32_t *count_out)
{
	struct ml_events_sink s = {out, NULL, NULL};
	return ml_answer_events_sink(lg, rd, q, &s, count_out);
}

int ml_answer_events_to(struct ml_ledger *lg, struct ml_read *rd,
                        const struct ml_events_query *q, ml_event_fn fn,
                        void *arg, struct ml_buf *out, uint32_t *count_out)
{
	ML_ASSERT(fn != NULL);
	struct ml_events_sink s = {out, fn, arg};
	return ml_answer_events_sink(lg, rd, q, &s, count_out);
}
