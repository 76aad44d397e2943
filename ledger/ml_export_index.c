/*
 * ml_export_index.c — the one pass over the log an export makes at begin.
 *
 * JSON Lines and CSV of the whole log need no pass: they walk seq 1 ..=
 * head as they write. Everything else reads every event up to the head
 * once, in the begin transaction, and keeps only what the parts need
 * later (the parts read the events again, each in its own transaction):
 *
 *   items   (date, seq) of every exported event, 16 bytes each, given
 *           to the external sort of ml_export_sort.c, which holds at
 *           most ML_EXPORT_RUN_ITEMS of them in memory. A
 *           correction is placed at the date it changed what counts
 *           from (ml_state_correction_effect): the corrected event's,
 *           or its own when that date was closed; the journals reverse
 *           (or, undoing a correction, repeat) the event there. Journals sort them by
 *           (date, seq); the other formats keep seq order.
 *   deltas  for each grant definition, new total − previous total: the
 *           state posts this difference (rules.md "Redefinitions"), and
 *           "previous" means previous in the log, which a date-sorted
 *           journal cannot see when it gets there. Computed here from a
 *           running total per grant number, in log order, exactly as the
 *           state and verify compute it.
 *   accts   beancount only: every (grant, party) the exported events
 *           post to, with the buckets used, so each gets an `open`.
 *
 * The grant filter keeps an event when the grant or to_grant it names is
 * the filter's grant or a post below it (a definition of such a grant
 * included), and a correction when the event it corrects is kept. Party
 * definitions and closes of other grants are left out. Which grants are
 * below the filter is decided once, over grant numbers: a post's parent
 * is defined before it, so its number is smaller and one ascending walk
 * settles every grant.
 *
 * Memory: the sort's 16 MiB, one bit per event during the pass (which
 * events are kept, for their corrections), 24 bytes per grant
 * definition, 16 per account (beancount) and 9 per grant. The pass walks
 * the whole data file; every ML_EXPORT_RELEASE_EVENTS events it drops
 * this process's resident pages of the map (ml_store_map_release), or a
 * walk of a 3 GB file would count 3 GB of resident memory. Postings
 * come from ml_postings_of, the ledger's one statement of them.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_buf.h"
#include "ml_export_internal.h"
#include "ml_limits_internal.h"
#include "ml_log.h"

_Static_assert(sizeof(struct ml_export_item) == 16,
               "the index costs 16 bytes per event");

struct ex_pass {
	struct ml_export *x;
	MDB_txn *txn;
	struct ml_store *st;
	uint32_t grant_count;
	int64_t *totals; /* [grant_count + 1]: current total, -1 = undefined */
	bool *under;     /* [grant_count + 1]: at or below the filter grant */
};

static int ex_lookup(struct ml_store *st, MDB_txn *txn, enum ml_name_kind k,
                     struct ml_str id, uint32_t *no)
{
	*no = 0;
	if (id.ptr == NULL)
		return 0;
	int rc = ml_state_lookup(st, txn, k, id, no);
	/* A stored event names only what is defined at or before it. */
	if (rc == 0 && *no == 0)
		rc = ML_E_CORRUPT;
	return rc;
}

static int ex_shares(struct ml_store *st, MDB_txn *txn,
                     const struct ml_event *ev, struct ml_resolved *r);

/* A confirm or lapse: the names and amounts of its allocation (a
 * distribution's: its shares). */
static int ex_resolve_condition(const struct ml_export *x, MDB_txn *txn,
                                const struct ml_event *ev,
                                struct ml_resolved *r)
{
	struct ml_store *st = ml_ledger_store(x->lg);
	uint64_t seq = ev->settles_seq;
	struct ml_event al;
	int rc = seq == 0 ? ml_log_find_id(st, txn, ev->settles_id, &seq) : 0;
	if (rc == 0 && (seq == 0 || seq >= ev->seq))
		rc = ML_E_CORRUPT;
	if (rc == 0)
		rc = ml_ledger_event(x->lg, ml_read_of(txn), seq, &al);
	if (rc == 0 && !ml_is_conditional(&al))
		rc = ML_E_CORRUPT;
	if (rc == 0)
		rc = ex_lookup(st, txn, ML_NAME_GRANT, al.grant, &r->grant);
	if (rc == 0)
		rc = ex_lookup(st, txn, ML_NAME_PARTY, al.from, &r->from);
	if (rc == 0 && al.type == ML_TYPE_DISTRIBUTION)
		rc = ex_shares(st, txn, &al, r);
	else if (rc == 0)
		rc = ex_lookup(st, txn, ML_NAME_PARTY, al.to, &r->to);
	if (rc == 0)
		ml_resolved_condition(ev, &al, r);
	return rc;
}

struct ex_names {
	struct ml_store *st;
	MDB_txn *txn;
};

static int ex_party_no(void *arg, struct ml_str id, uint32_t *no)
{
	struct ex_names *n = arg;
	return ml_state_lookup(n->st, n->txn, ML_NAME_PARTY, id, no);
}

/* A distribution's shares (ml_resolved_free releases them). */
static int ex_shares(struct ml_store *st, MDB_txn *txn,
                     const struct ml_event *ev, struct ml_resolved *r)
{
	struct ex_names n = {st, txn};
	struct ml_str unknown;
	int rc = ml_resolve_shares(ev, ex_party_no, &n, r, &unknown);
	return rc == ML_E_UNKNOWN_PARTY ? ML_E_CORRUPT : rc;
}

int ml_export_resolve(const struct ml_export *x, MDB_txn *txn,
                      const struct ml_event *ev, struct ml_resolved *r)
{
	struct ml_store *st = ml_ledger_store(x->lg);
	memset(r, 0, sizeof *r);
	if (ev->type == ML_TYPE_PARTY || ev->type == ML_TYPE_CORRECTION)
		return 0;
	if (ev->type == ML_TYPE_CONFIRM || ev->type == ML_TYPE_LAPSE)
		return ex_resolve_condition(x, txn, ev, r);
	int rc = ex_lookup(st, txn, ML_NAME_GRANT, ev->grant, &r->grant);
	if (rc == 0)
		rc = ex_lookup(st, txn, ML_NAME_GRANT, ev->to_grant,
		               &r->to_grant);
	if (rc == 0)
		rc = ex_lookup(st, txn, ML_NAME_PARTY, ev->from, &r->from);
	if (rc == 0)
		rc = ex_lookup(st, txn, ML_NAME_PARTY, ev->to, &r->to);
	if (rc == 0)
		rc = ex_lookup(st, txn, ML_NAME_PARTY, ev->party, &r->party);
	if (rc == 0)
		rc = ex_lookup(st, txn, ML_NAME_PARTY, ev->payer, &r->payer);
	if (rc == 0 && ev->type == ML_TYPE_GRANT)
		rc = ex_lookup(st, txn, ML_NAME_GRANT, ev->parent, &r->parent);
	if (rc == 0 && ev->type == ML_TYPE_GRANT) {
		const struct ml_export_delta *d =
		    ml_export_delta_of(x, ev->seq);
		r->total_delta_ore = d != NULL ? d->delta_ore : 0;
	}
	if (rc == 0 && ev->type == ML_TYPE_DISTRIBUTION)
		rc = ex_shares(st, txn, ev, r);
	return rc;
}

const struct ml_export_delta *ml_export_delta_of(const struct ml_export *x,
                                                 uint64_t seq)
{
	uint64_t lo = 0, hi = x->delta_count;
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (x->deltas[mid].seq < seq)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < x->delta_count && x->deltas[lo].seq == seq)
		return &x->deltas[lo];
	return NULL;
}

/* Was the event at seq (≤ head_seq) put in the export? */
static bool ex_kept(const struct ml_export *x, uint64_t seq)
{
	ML_ASSERT(seq >= 1 && seq <= x->head_seq);
	return (x->kept[seq / 8] >> (seq % 8)) & 1u;
}

/* Drops the resident pages of the data file's map, every
 * ML_EXPORT_RELEASE_EVENTS events of a walk (see the top). */
void ml_export_release(struct ml_export *x, MDB_txn *txn, uint64_t walked)
{
	if (walked % ML_EXPORT_RELEASE_EVENTS != 0)
		return;
	/* Any value a read transaction returns points into the map (no
	 * MDB_WRITEMAP, no dirty pages); the log's first event is one. */
	struct ml_store *st = ml_ledger_store(x->lg);
	unsigned char k[8];
	ml_be64_put(k, 1);
	MDB_val key = {sizeof k, k}, val;
	if (mdb_get(txn, st->dbi[ML_DB_LOG], &key, &val) == 0)
		ml_store_map_release(val.mv_data);
}

/* under[h] for every grant number h: h is the filter grant or a post
 * (at any depth) below it. */
static int ex_mark_under(struct ex_pass *p)
{
	for (uint32_t h = 1; h <= p->grant_count; h++) {
		struct ml_grant_row row;
		int rc = ml_state_grant(p->st, p->txn, h, &row);
		if (rc != 0)
			return rc;
		if (row.parent_no >= h)
			return ML_E_CORRUPT;
		p->under[h] = h == p->x->grant_no ||
		              (row.parent_no != 0 && p->under[row.parent_no]);
	}
	return 0;
}

static bool ex_is_under(const struct ex_pass *p, uint32_t grant_no)
{
	return grant_no != 0 && grant_no <= p->grant_count &&
	       p->under[grant_no];
}

static int ex_delta_add(struct ml_export *x, uint64_t seq, int64_t delta,
                        bool is_new)
{
	size_t cap = x->delta_cap;
	int rc = ml_grow((void **)&x->deltas, &cap, x->delta_count + 1,
	                 sizeof *x->deltas, ML_PASS_ITEMS_MAX);
	if (rc != 0)
		return rc;
	x->delta_cap = cap;
	x->deltas[x->delta_count++] =
	    (struct ml_export_delta){seq, delta, is_new};
	return 0;
}

static int ex_acct_cmp(const void *a, const void *b)
{
	const struct ml_export_acct *p = a, *q = b;
	if (p->grant_no != q->grant_no)
		return p->grant_no < q->grant_no ? -1 : 1;
	if (p->party_no != q->party_no)
		return p->party_no < q->party_no ? -1 : 1;
	return 0;
}

/* Sorts accts and merges duplicates (their bucket masks or-ed). */
static void ex_accts_compact(struct ml_export *x)
{
	if (x->acct_count == 0)
		return;
	qsort(x->accts, x->acct_count, sizeof *x->accts, ex_acct_cmp);
	uint64_t w = 0;
	for (uint64_t i = 1; i < x->acct_count; i++) {
		if (ex_acct_cmp(&x->accts[w], &x->accts[i]) == 0)
			x->accts[w].bucket_mask |= x->accts[i].bucket_mask;
		else
			x->accts[++w] = x->accts[i];
	}
	x->acct_count = w + 1;
}

static int ex_acct_add(struct ml_export *x, uint32_t g, uint32_t p,
                       uint32_t mask)
{
	if (x->acct_count == x->acct_cap) {
		ex_accts_compact(x);
		/* Grow only when compacting freed less than half. */
		size_t cap = x->acct_cap;
		int rc = 0;
		if (x->acct_count * 2 >= x->acct_cap)
			rc = ml_grow((void **)&x->accts, &cap, x->acct_cap + 1,
			             sizeof *x->accts, ML_PASS_ITEMS_MAX);
		if (rc != 0)
			return rc;
		x->acct_cap = cap;
	}
	ML_ASSERT(x->acct_count < x->acct_cap);
	x->accts[x->acct_count++] = (struct ml_export_acct){g, p, mask, 0};
	return 0;
}

/* Notes every account ev posts to, with the buckets it uses. */
static int ex_accts_of(struct ml_export *x, const struct ml_event *ev,
                       const struct ml_resolved *r)
{
	struct ml_export_line *lines = x->lines;
	int n = ml_export_lines(ev, r, 1, lines);
	int rc = 0;
	ML_ASSERT(n >= 0 && n <= ML_EXPORT_LINES_MAX);
	for (int i = 0; rc == 0 && i < n; i++)
		rc = ex_acct_add(x, lines[i].grant_no, lines[i].party_no,
		                 1u << lines[i].bucket);
	return rc;
}

/* Is ev in the export? A correction: when its target is (at *date). */
static bool ex_keeps(const struct ex_pass *p, const struct ml_event *ev,
                     const struct ml_resolved *r, ml_day *date)
{
	*date = ev->date;
	if (ev->type == ML_TYPE_CORRECTION) {
		/* Kept with the event at the root of its chain, at the date
		 * it changed what counts from. */
		uint64_t root = 0;
		int sign;
		if (ml_state_correction_effect(p->st, p->txn, ev->seq, &root,
		                               date, &sign) != 0)
			return false;
		return root >= 1 && root < ev->seq && ex_kept(p->x, root);
	}
	if (!p->x->filtered)
		return true;
	if (ev->type == ML_TYPE_PARTY)
		return false;
	return ex_is_under(p, r->grant) || ex_is_under(p, r->to_grant);
}

/* The grant definition's change of total, in log order. */
static int ex_grant_delta(struct ex_pass *p, const struct ml_event *ev,
                          struct ml_resolved *r, bool *is_new)
{
	if (r->grant == 0 || r->grant > p->grant_count)
		return ML_E_CORRUPT;
	int64_t *cur = &p->totals[r->grant];
	*is_new = *cur < 0;
	r->total_delta_ore = ev->total_ore - (*is_new ? 0 : *cur);
	*cur = ev->total_ore;
	return 0;
}

static int ex_pass_event(struct ex_pass *p, uint64_t seq)
{
	struct ml_export *x = p->x;
	struct ml_event ev;
	struct ml_resolved r = {0};
	bool is_new = false;
	ml_day date;
	int rc = ml_ledger_event(x->lg, ml_read_of(p->txn), seq, &ev);
	if (rc == ML_E_NOT_FOUND)
		rc = ML_E_CORRUPT;
	if (rc == 0)
		rc = ml_export_resolve(x, p->txn, &ev, &r);
	if (rc == 0 && ev.type == ML_TYPE_GRANT)
		rc = ex_grant_delta(p, &ev, &r, &is_new);
	if (rc != 0 || !ex_keeps(p, &ev, &r, &date)) {
		ml_resolved_free(&r);
		return rc;
	}
	ML_ASSERT(seq >= 1 && seq <= x->head_seq);
	x->kept[seq / 8] |= (uint8_t)(1u << (seq % 8));
	/* The other formats keep seq order: one date sorts them by seq. */
	bool journal =
	    x->format == ML_EXPORT_LEDGER || x->format == ML_EXPORT_BEANCOUNT;
	rc = ml_export_sort_add(
	    &x->sort, (struct ml_export_item){journal ? date : 0, 0, seq});
	if (rc == 0 && ev.type == ML_TYPE_GRANT)
		rc = ex_delta_add(x, seq, r.total_delta_ore, is_new);
	if (rc == 0 && x->format == ML_EXPORT_BEANCOUNT)
		rc = ex_accts_of(x, &ev, &r);
	ml_resolved_free(&r);
	return rc;
}

static int ex_pass_alloc(struct ex_pass *p)
{
	struct ml_export *x = p->x;
	int rc = ml_state_count(p->st, p->txn, ML_NAME_GRANT, &p->grant_count);
	if (rc != 0)
		return rc;
	if (x->head_seq > ML_PASS_ITEMS_MAX)
		return ML_E_TOO_LARGE;
	rc = ml_export_sort_init(&x->sort, ml_export_run_items_now);
	x->kept = calloc(x->head_seq / 8 + 1, 1);
	p->totals = malloc((p->grant_count + 1u) * sizeof *p->totals);
	p->under = calloc(p->grant_count + 1u, sizeof *p->under);
	if (rc != 0 || x->kept == NULL || p->totals == NULL || p->under == NULL)
		return ML_E_NOMEM;
	for (uint32_t h = 0; h <= p->grant_count; h++)
		p->totals[h] = -1;
	return x->filtered ? ex_mark_under(p) : 0;
}

int ml_export_index(struct ml_export *x, MDB_txn *txn)
{
	struct ex_pass p = {x, txn, ml_ledger_store(x->lg), 0, NULL, NULL};
	int rc = ex_pass_alloc(&p);
	x->indexed = true;
	for (uint64_t seq = 1; rc == 0 && seq <= x->head_seq; seq++) {
		rc = ex_pass_event(&p, seq);
		ml_export_release(x, txn, seq);
	}
	free(p.totals);
	free(p.under);
	free(x->kept);
	x->kept = NULL;
	if (rc == 0)
		rc = ml_export_sort_finish(&x->sort);
	if (rc == 0)
		ex_accts_compact(x);
	return rc;
}
