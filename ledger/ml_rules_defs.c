/*
 * ml_rules_defs.c — definitions, closes, reports and corrections.
 *
 * Definitions intern a name on first use (names, nums) and record every
 * version in defs. A party may change its name, kind and parent, but not
 * into a cycle. A grant may change everything except its payer and its
 * parent (`exists` otherwise); a new total moves the difference into (or
 * out of) the payer's pool from the new definition's date, a tighter
 * use_by or a withdrawn carry_over is refused if money already moved
 * against it.
 *
 * A correction undoes a money event or a report: its postings leave the
 * running totals from its date on (every rule checked again), it is
 * marked in corr, and it can never be corrected twice.
 */
#include <stdio.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_limits_internal.h"
#include "ml_money.h"
#include "ml_rules_internal.h"

int ml_defs_put(struct ml_apply *a, enum ml_name_kind k, uint32_t no)
{
	unsigned char key[17];
	ml_key_num(key, k, no);
	ml_be32_put(key + 5, (uint32_t)a->ev->date);
	ml_be64_put(key + 9, a->ev->seq);
	MDB_val kv = {17, key}, val = {0, NULL};
	return ml_error_from_mdb(
	    mdb_put(a->txn, a->st->dbi[ML_DB_DEFS], &kv, &val, 0));
}

/* Writes the nums row (and, for a new number, the names entry). */
static int ml_num_put(struct ml_apply *a, enum ml_name_kind k, uint32_t no,
                      bool is_new, const void *row, size_t row_size,
                      struct ml_str id)
{
	unsigned char key[5],
	    buf[sizeof(struct ml_grant_row) + ML_GRANT_ID_MAX];
	/* Guards the file: a nums value is a whole row, then the id (its
	 * length validated by the decoder, ≤ ML_GRANT_ID_MAX). */
	ML_VERIFY(row_size == (k == ML_NAME_PARTY
	                           ? sizeof(struct ml_party_row)
	                           : sizeof(struct ml_grant_row)));
	ML_VERIFY(id.len >= 1 && row_size + id.len <= sizeof buf);
	ML_VERIFY(no >= 1);
	memcpy(buf, row, row_size);
	memcpy(buf + row_size, id.ptr, id.len);
	MDB_val kv = {ml_key_num(key, k, no), key};
	MDB_val val = {row_size + id.len, buf};
	int rc = mdb_put(a->txn, a->st->dbi[ML_DB_NUMS], &kv, &val, 0);
	if (rc == 0 && is_new) {
		unsigned char nk[1 + ML_GRANT_ID_MAX], nv[4];
		nk[0] = (unsigned char)k;
		memcpy(nk + 1, id.ptr, id.len);
		ml_be32_put(nv, no);
		MDB_val nkv = {1 + id.len, nk}, nvv = {4, nv};
		rc = mdb_put(a->txn, a->st->dbi[ML_DB_NAMES], &nkv, &nvv,
		             MDB_NOOVERWRITE);
	}
	return ml_error_from_mdb(rc);
}

/* The number for a definition: the existing one, or the next free. */
static int ml_number_for(struct ml_apply *a, enum ml_name_kind k,
                         struct ml_str id, uint32_t *no, bool *is_new)
{
	int rc = ml_state_lookup(a->st, a->txn, k, id, no);
	*is_new = rc == 0 && *no == 0;
	if (rc != 0 || !*is_new)
		return rc;
	uint32_t count;
	rc = ml_state_count(a->st, a->txn, k, &count);
	uint32_t max = k == ML_NAME_PARTY ? ml_limits_now.parties_max
	                                  : ml_limits_now.grants_max;
	if (rc == 0 && count >= max)
		return ml_fail(a->err, ML_E_TOO_LARGE, a->index, NULL,
		               "the ledger already has %u definitions of that "
		               "kind",
		               count);
	*no = count + 1;
	return rc;
}

/* --- parties --- */

/* Would making parent the parent of no close a cycle? */
static int ml_party_cycle(struct ml_apply *a, uint32_t no, uint32_t parent,
                          bool *cycle)
{
	*cycle = false;
	ML_ASSERT(no >= 1); /* an existing party's number */
	for (uint32_t up = parent, hops = 0; up != 0 && hops <= ML_PARTIES_MAX;
	     hops++) {
		if (up == no) {
			*cycle = true;
			return 0;
		}
		struct ml_party_row row;
		int rc = ml_state_party(a->st, a->txn, up, &row);
		if (rc != 0)
			return rc;
		up = row.parent_no;
	}
	return 0;
}

int ml_apply_party(struct ml_apply *a)
{
	struct ml_event *ev = a->ev;
	uint32_t parent = 0, no = 0;
	bool is_new = false, cycle = false;
	int rc = 0;
	if (ev->parent.ptr != NULL)
		rc = ml_need(a, ML_NAME_PARTY, ML_F_PARENT, &parent);
	if (rc == 0)
		rc = ml_number_for(a, ML_NAME_PARTY, ev->party, &no, &is_new);
	if (rc == 0 && !is_new)
		rc = ml_party_cycle(a, no, parent, &cycle);
	if (rc == 0 && cycle)
		return ml_fail(a->err, ML_E_PARENT_CYCLE, a->index, "parent",
		               "parent: %.*s under %.*s would make %.*s its "
		               "own ancestor",
		               (int)ev->party.len, ev->party.ptr,
		               (int)ev->parent.len, ev->parent.ptr,
		               (int)ev->party.len, ev->party.ptr);
	struct ml_party_row row;
	ml_party_row_from_event(ev, parent, &row);
	if (rc == 0)
		rc = ml_num_put(a, ML_NAME_PARTY, no, is_new, &row, sizeof row,
		                ev->party);
	if (rc == 0)
		rc = ml_defs_put(a, ML_NAME_PARTY, no);
	return rc;
}

/* --- grants --- */

static int ml_grant_same_tree(struct ml_apply *a, uint32_t no,
                              const struct ml_grant_row *old,
                              const struct ml_grant_row *row)
{
	if (old->payer_no == row->payer_no && old->parent_no == row->parent_no)
		return 0;
	struct ml_str payer = ml_name_of(a, ML_NAME_PARTY, old->payer_no);
	struct ml_str parent = ml_name_of(a, ML_NAME_GRANT, old->parent_no);
	struct ml_str id = ml_name_of(a, ML_NAME_GRANT, no);
	bool payer_changed = old->payer_no != row->payer_no;
	return ml_fail(
	    a->err, ML_E_EXISTS, a->index, payer_changed ? "payer" : "parent",
	    "%s: grant %.*s exists with payer %.*s and parent "
	    "%.*s; a new definition may not change them",
	    payer_changed ? "payer" : "parent", (int)id.len, id.ptr,
	    (int)payer.len, payer.ptr, old->parent_no ? (int)parent.len : 4,
	    old->parent_no ? parent.ptr : "none");
}

static int ml_post_payer(struct ml_apply *a, uint32_t parent, uint32_t payer)
{
	struct ml_grant_row p;
	int rc = ml_state_grant(a->st, a->txn, parent, &p);
	if (rc != 0 || p.payer_no == payer)
		return rc;
	struct ml_str want = ml_name_of(a, ML_NAME_PARTY, p.payer_no);
	return ml_fail(a->err, ML_E_INVALID_FIELD, a->index, "payer",
	               "payer: a post has its parent grant's payer (%.*s)",
	               (int)want.len, want.ptr);
}

/* Is grant h no (or a post below it) affected by a change of no? */
static int ml_grant_under(struct ml_apply *a, uint32_t h, uint32_t no,
                          bool *under)
{
	*under = false;
	for (uint32_t hops = 0; h != 0 && hops <= ML_GRANTS_MAX; hops++) {
		if (h == no) {
			*under = true;
			return 0;
		}
		struct ml_grant_row row;
		int rc = ml_state_grant(a->st, a->txn, h, &row);
		if (rc != 0)
			return rc;
		h = row.parent_no;
	}
	return 0;
}

/* The refusal of a redefinition that money already moved against. */
static int ml_tightening_error(struct ml_apply *a, uint32_t h, uint32_t party,
                               ml_day day, bool spent)
{
	char d[ML_DATE_TEXT_MAX];
	struct ml_str g = ml_name_of(a, ML_NAME_GRANT, h);
	struct ml_str p = ml_name_of(a, ML_NAME_PARTY, party);
	ml_date_format(day, d, sizeof d);
	if (spent)
		return ml_fail(a->err, ML_E_USE_BY_PASSED, a->index, "use_by",
		               "use_by: %.*s spent money of %.*s on %s, after "
		               "the new use_by",
		               (int)p.len, p.ptr, (int)g.len, g.ptr, d);
	return ml_fail(a->err, ML_E_CARRY_OVER_NOT_ALLOWED, a->index,
	               "carry_over",
	               "carry_over: %.*s carried money of %.*s over on %s; "
	               "carry_over cannot be withdrawn",
	               (int)p.len, p.ptr, (int)g.len, g.ptr, d);
}

/* One pass of the tightening check over no and its posts: use_by
 * (spent after it) or carry_over (carried out without it). */
static int ml_grant_tightening_pass(struct ml_apply *a, uint32_t no,
                                    uint32_t count, bool use_by)
{
	int rc = 0;
	for (uint32_t h = 1; rc == 0 && h <= count; h++) {
		bool under, found = false;
		uint32_t party = 0;
		ml_day day = 0;
		struct ml_grant_row eff;
		rc = ml_grant_under(a, h, no, &under);
		if (rc != 0 || !under)
			continue;
		rc = ml_state_grant_effective(a->st, a->txn, h, &eff);
		if (rc == 0 && use_by && eff.use_by != ML_DAY_NONE)
			rc = ml_find_bucket_after(a, h, ML_B_SPENT, eff.use_by,
			                          &found, &party, &day);
		if (rc == 0 && !use_by && eff.carry_over != 1)
			rc = ml_find_bucket_after(a, h, ML_B_CARRIED_OUT, -1,
			                          &found, &party, &day);
		if (rc == 0 && found)
			return ml_tightening_error(a, h, party, day, use_by);
	}
	return rc;
}

/* After a new row for no is written: no expense or carry-over in no or
 * the posts inheriting from it may break the new use_by / carry_over.
 * use_by is checked over all of them first, then carry_over (rules.md). */
static int ml_grant_tightening(struct ml_apply *a, uint32_t no)
{
	uint32_t count;
	int rc = ml_state_count(a->st, a->txn, ML_NAME_GRANT, &count);
	if (rc == 0)
		rc = ml_grant_tightening_pass(a, no, count, true);
	if (rc == 0)
		rc = ml_grant_tightening_pass(a, no, count, false);
	return rc;
}

static int ml_grant_prepare(struct ml_apply *a, uint32_t *no, bool *is_new,
                            struct ml_grant_row *row, struct ml_grant_row *old)
{
	struct ml_event *ev = a->ev;
	uint32_t payer = 0, parent = 0;
	int rc = ml_need(a, ML_NAME_PARTY, ML_F_PAYER, &payer);
	if (rc == 0 && ev->parent.ptr != NULL)
		rc = ml_need(a, ML_NAME_GRANT, ML_F_PARENT, &parent);
	if (rc == 0)
		rc = ml_number_for(a, ML_NAME_GRANT, ev->grant, no, is_new);
	ml_grant_row_from_event(ev, payer, parent, row);
	memset(old, 0, sizeof *old);
	if (rc == 0 && !*is_new)
		rc = ml_state_grant(a->st, a->txn, *no, old);
	/* rules.md: existence, then closed periods, then the type's rules. */
	if (rc == 0)
		rc = ml_check_open(a, *is_new ? parent : *no, ev->date,
		                   ML_F_DATE);
	if (rc == 0 && !*is_new)
		rc = ml_grant_same_tree(a, *no, old, row);
	if (rc == 0 && parent != 0)
		rc = ml_post_payer(a, parent, payer);
	a->r.grant = *no;
	a->r.payer = payer;
	a->r.parent = parent;
	a->r.total_delta_ore = row->total_ore - old->total_ore;
	return rc;
}

int ml_apply_grant(struct ml_apply *a)
{
	uint32_t no = 0;
	bool is_new = false;
	struct ml_grant_row row, old;
	int rc = ml_grant_prepare(a, &no, &is_new, &row, &old);
	if (rc == 0)
		rc = ml_num_put(a, ML_NAME_GRANT, no, is_new, &row, sizeof row,
		                a->ev->grant);
	if (rc == 0)
		rc = ml_defs_put(a, ML_NAME_GRANT, no);
	bool tighter = !is_new && (row.use_by != old.use_by ||
	                           row.carry_over != old.carry_over);
	if (rc == 0 && tighter)
		rc = ml_grant_tightening(a, no);
	struct ml_postings ps;
	ml_postings_of(a->ev, &a->r, &ps);
	if (rc == 0)
		rc = ml_apply_postings(a, &ps, a->ev->date, a->ev->seq, +1);
	return rc;
}

/* --- closes and reports --- */

int ml_apply_close(struct ml_apply *a)
{
	uint32_t g = 0;
	int rc = 0;
	if (a->ev->grant.ptr != NULL)
		rc = ml_need(a, ML_NAME_GRANT, ML_F_GRANT, &g);
	if (rc == 0)
		rc = ml_check_open(a, g, a->ev->date, ML_F_DATE);
	unsigned char k[4], v[4];
	ml_be32_put(k, g);
	ml_be32_put(v, (uint32_t)a->ev->date);
	MDB_val kv = {4, k}, vv = {4, v};
	if (rc == 0)
		rc = ml_error_from_mdb(
		    mdb_put(a->txn, a->st->dbi[ML_DB_CLOSE], &kv, &vv, 0));
	return rc;
}

int ml_apply_report(struct ml_apply *a)
{
	int rc = ml_need(a, ML_NAME_GRANT, ML_F_GRANT, &a->r.grant);
	if (rc == 0)
		rc = ml_need(a, ML_NAME_PARTY, ML_F_PARTY, &a->r.party);
	if (rc == 0)
		rc = ml_check_open(a, a->r.grant, a->ev->date, ML_F_DATE);
	unsigned char k[16], v[4];
	ml_acct_prefix(k, a->r.grant, a->r.party);
	ml_be64_put(k + 8, a->ev->seq);
	ml_be32_put(v, (uint32_t)a->ev->date);
	MDB_val kv = {16, k}, vv = {4, v};
	if (rc == 0)
		rc = ml_error_from_mdb(
		    mdb_put(a->txn, a->st->dbi[ML_DB_REPORTS], &kv, &vv, 0));
	return rc;
}
