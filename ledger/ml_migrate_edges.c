/*
 * ml_migrate_edges.c — format 2 → 3: the edge database rebuilt from the
 * log, so that every requisition and invoice has its record on the edge
 * from → to (the claim-edge rule, ml_postings.c), which format 2 did not
 * keep.
 *
 * A claim's record would have to go between records of later seqs on the
 * same edge and date, which appending never does; rebuilding the whole
 * edge database in log order keeps every chunk exactly as appending would
 * have built it. The log is read once, seq by seq: each money event's
 * edge postings are inserted with no rule checked (the events were
 * accepted under the rules of their time: a ledger holding a claim that
 * the claim-edge rule would refuse still opens, and later events on that
 * edge meet the rule, docs/operations.md), and each correction withdraws
 * its target's (in format 2 every correction withdrew its target's own
 * records). The account database and every index are untouched.
 *
 * Cost: one log read per event and one insert per edge posting, in the
 * one write transaction of the migration.
 */
#include "ml_migrate.h"

#include <string.h>

#include "ml_assert.h"
#include "ml_log.h"
#include "ml_state_internal.h"

struct ml_mig_edges {
	struct ml_store *st;
	MDB_txn *txn;
	MDB_cursor *cur;
};

static int ml_mig_accept(const struct ml_totals *t, ml_day day, void *ctx)
{
	(void)t;
	(void)day;
	(void)ctx;
	return 0;
}

static int ml_mig_resolve(struct ml_mig_edges *m, const struct ml_event *e,
                          struct ml_resolved *r)
{
	memset(r, 0, sizeof *r);
	int rc =
	    ml_state_lookup(m->st, m->txn, ML_NAME_GRANT, e->grant, &r->grant);
	if (rc == 0)
		rc = ml_state_lookup(m->st, m->txn, ML_NAME_PARTY, e->from,
		                     &r->from);
	if (rc == 0)
		rc = ml_state_lookup(m->st, m->txn, ML_NAME_PARTY, e->to,
		                     &r->to);
	return rc;
}

/* Inserts (by 0) or withdraws (by the correction) e's edge postings. */
static int ml_mig_event(struct ml_mig_edges *m, const struct ml_event *e,
                        uint64_t by)
{
	struct ml_resolved r;
	struct ml_postings ps;
	if (!ml_type_is_money(e->type) || e->type == ML_TYPE_EXPENSE ||
	    e->type == ML_TYPE_CARRYOVER)
		return 0;
	int rc = ml_mig_resolve(m, e, &r);
	if (rc != 0)
		return rc;
	ml_postings_of(e, &r, &ps);
	for (int i = 0; rc == 0 && i < ps.n; i++) {
		const struct ml_posting *p = &ps.p[i];
		struct ml_series s;
		if (!p->edge)
			continue;
		ml_series_edge(&s, m->st, m->txn, NULL, p->grant_no, p->a_no,
		               p->b_no);
		s.cur = m->cur;
		rc = by == 0 ? ml_entries_insert(&s, e->date, e->seq, &p->post,
		                                 ml_mig_accept, NULL)
		             : ml_entries_retract(&s, e->date, e->seq, by,
		                                  ml_mig_accept, NULL);
	}
	return rc;
}

static int ml_mig_edges_walk(struct ml_mig_edges *m, uint64_t head)
{
	int rc = 0;
	for (uint64_t seq = 1; rc == 0 && seq <= head; seq++) {
		struct ml_event e, t;
		rc = ml_log_get(m->st, m->txn, seq, &e);
		if (rc == 0 && e.type != ML_TYPE_CORRECTION)
			rc = ml_mig_event(m, &e, 0);
		else if (rc == 0 && e.corrects < seq)
			rc = ml_log_get(m->st, m->txn, e.corrects, &t);
		else if (rc == 0)
			rc = ML_E_CORRUPT;
		if (rc == 0 && e.type == ML_TYPE_CORRECTION)
			rc = ml_mig_event(m, &t, seq);
	}
	return rc == ML_E_NOT_FOUND ? ML_E_CORRUPT : rc;
}

int ml_migrate_edges(struct ml_store *st, MDB_txn *txn)
{
	struct ml_log_head head;
	struct ml_mig_edges m = {st, txn, NULL};
	int rc = ml_log_head_read(st, txn, &head);
	if (rc == 0)
		rc = ml_error_from_mdb(mdb_drop(txn, st->dbi[ML_DB_EDGE], 0));
	if (rc == 0)
		rc = ml_error_from_mdb(
		    mdb_cursor_open(txn, st->dbi[ML_DB_EDGE], &m.cur));
	if (rc == 0)
		rc = ml_mig_edges_walk(&m, head.seq);
	if (m.cur != NULL)
		mdb_cursor_close(m.cur);
	return rc;
}
