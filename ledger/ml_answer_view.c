/*
 * ml_answer_view.c — definitions as an answer's view sees them.
 *
 * rules.md "Redefinitions": rollups and legal entities use the latest
 * definition of the party tree, and answers the latest definition of a
 * grant; in a known-at view, the latest RECORDED by then. Without known_at
 * that is the current row the state keeps (ml_state_party/grant: it is
 * rewritten by every definition, so it is the latest recorded). With
 * known_at it is the current row when that was recorded by then, and
 * otherwise the definition with the highest seq ≤ known_seq. The defs
 * index is ordered by (date, seq), not by seq, so a back-dated
 * redefinition is not necessarily the last entry: ml_ans_def_latest walks
 * the definitions the view sees from the latest-dated back, one seek per
 * distinct definition date, keeping the highest seq (a party or grant has
 * a handful of definitions).
 *
 * A grant's payer and parent never change, and neither does the set of
 * grants below a grant, so grant trees are read from the current rows.
 *
 * The party tree is loaded whole for answers about legal entities: one
 * row (and in a known view perhaps a few log reads) per party, then every
 * party's legal entity found with path memoisation, O(parties).
 */
#include <stdlib.h>
#include <string.h>

#include "ml_answer_internal.h"
#include "ml_assert.h"
#include "ml_log.h"

static int ml_current_def_seq(struct ml_ans *a, enum ml_name_kind k,
                              uint32_t no, uint64_t *seq)
{
	if (k == ML_NAME_PARTY) {
		struct ml_party_row p;
		int rc = ml_state_party(a->st, a->txn, no, &p);
		*seq = rc == 0 ? p.def_seq : 0;
		return rc;
	}
	struct ml_grant_row g;
	int rc = ml_state_grant(a->st, a->txn, no, &g);
	*seq = rc == 0 ? g.def_seq : 0;
	return rc;
}

int ml_ans_def_latest(struct ml_ans *a, enum ml_name_kind k, uint32_t no,
                      uint64_t *seq)
{
	int rc = ml_current_def_seq(a, k, no, seq);
	if (rc != 0 || !a->v.known || *seq <= a->v.known_seq)
		return rc;
	struct ml_view v = {ML_DAY_MAX, true, a->v.known_seq};
	uint64_t best = 0;
	/* Each step moves to an earlier date: at most ML_DAY_MAX + 1. */
	for (ml_day steps = 0; rc == 0 && steps <= ML_DAY_MAX; steps++) {
		uint64_t s = 0;
		struct ml_event ev;
		rc = ml_state_def_at(a->st, a->txn, k, no, &v, &s);
		if (rc != 0 || s == 0)
			break;
		best = s > best ? s : best;
		rc = ml_log_get(a->st, a->txn, s, &ev);
		if (rc != 0 || ev.date <= 0)
			break;
		v.as_of = ev.date - 1;
	}
	*seq = best;
	return rc;
}

/* Grant no's own definition (not inherited) in the view. */
static int ml_grant_own(struct ml_ans *a, uint32_t no, struct ml_grant_row *row,
                        bool *known)
{
	int rc = ml_state_grant(a->st, a->txn, no, row);
	*known = rc == 0;
	if (rc != 0 || !a->v.known || row->def_seq <= a->v.known_seq)
		return rc;
	uint64_t seq = 0;
	struct ml_event ev;
	rc = ml_ans_def_latest(a, ML_NAME_GRANT, no, &seq);
	*known = rc == 0 && seq != 0;
	if (rc != 0 || seq == 0)
		return rc;
	rc = ml_log_get(a->st, a->txn, seq, &ev);
	if (rc == 0)
		ml_grant_row_from_event(&ev, row->payer_no, row->parent_no,
		                        row);
	return rc;
}

int ml_ans_grant(struct ml_ans *a, uint32_t no, struct ml_grant_row *row,
                 bool *known)
{
	int rc = ml_grant_own(a, no, row, known);
	uint32_t up = rc == 0 && *known ? row->parent_no : 0;
	for (uint32_t hops = 0; rc == 0 && *known && up != 0; hops++) {
		struct ml_grant_row p;
		bool p_known = false;
		if (hops >= ML_GRANTS_MAX)
			return ML_E_CORRUPT;
		rc = ml_grant_own(a, up, &p, &p_known);
		if (rc == 0 && p_known)
			ml_grant_inherit(row, &p);
		up = p_known ? p.parent_no : 0;
	}
	return rc;
}

int ml_ans_grant_under(struct ml_ans *a, uint32_t no, uint32_t top, bool *under)
{
	*under = false;
	for (uint32_t hops = 0; no != 0; hops++) {
		struct ml_grant_row row;
		if (no == top) {
			*under = true;
			return 0;
		}
		if (hops >= ML_GRANTS_MAX)
			return ML_E_CORRUPT;
		int rc = ml_state_grant(a->st, a->txn, no, &row);
		if (rc != 0)
			return rc;
		no = row.parent_no;
	}
	return 0;
}

/* --- the party tree --- */

static int ml_party_parent(struct ml_ans *a, MDB_cursor *cur, uint32_t no,
                           uint32_t *parent)
{
	struct ml_party_row row;
	int rc = ml_state_party_at(cur, no, &row);
	*parent = rc == 0 ? row.parent_no : 0;
	if (rc != 0 || !a->v.known || row.def_seq <= a->v.known_seq)
		return rc;
	uint64_t seq = 0;
	struct ml_event ev;
	*parent = 0;
	rc = ml_ans_def_latest(a, ML_NAME_PARTY, no, &seq);
	if (rc != 0 || seq == 0)
		return rc;
	rc = ml_log_get(a->st, a->txn, seq, &ev);
	if (rc == 0 && ev.parent.ptr != NULL)
		rc = ml_state_lookup(a->st, a->txn, ML_NAME_PARTY, ev.parent,
		                     parent);
	return rc;
}

/* root[p] for every p, memoising along each path. */
static int ml_tree_roots(struct ml_tree *t)
{
	for (uint32_t p = 1; p <= t->count; p++) {
		uint32_t x = p, hops = 0;
		while (t->root[x] == 0 && t->parent[x] != 0) {
			x = t->parent[x];
			if (x > t->count || ++hops > t->count)
				return ML_E_CORRUPT;
		}
		uint32_t r = t->root[x] != 0 ? t->root[x] : x;
		for (x = p; t->root[x] == 0; x = t->parent[x]) {
			t->root[x] = r;
			if (t->parent[x] == 0)
				break;
		}
	}
	return 0;
}

int ml_tree_load(struct ml_ans *a, struct ml_tree *t)
{
	memset(t, 0, sizeof *t);
	int rc = ml_state_count(a->st, a->txn, ML_NAME_PARTY, &t->count);
	if (rc == 0 && t->count > ML_PARTIES_MAX)
		rc = ML_E_CORRUPT;
	size_t n = (size_t)t->count + 1;
	if (rc == 0) {
		t->parent = calloc(n, sizeof *t->parent);
		t->root = calloc(n, sizeof *t->root);
		t->first = calloc(n, sizeof *t->first);
		t->next = calloc(n, sizeof *t->next);
		if (!t->parent || !t->root || !t->first || !t->next)
			rc = ML_E_NOMEM;
	}
	MDB_cursor *cur = NULL; /* every party in order: one kept cursor */
	if (rc == 0)
		rc = ml_state_nums_open(a->st, a->txn, &cur);
	for (uint32_t p = 1; rc == 0 && p <= t->count; p++)
		rc = ml_party_parent(a, cur, p, &t->parent[p]);
	if (cur != NULL)
		mdb_cursor_close(cur);
	if (rc == 0)
		rc = ml_tree_roots(t);
	/* Members listed in ascending number: link from the highest. */
	for (uint32_t p = t->count; rc == 0 && p >= 1; p--) {
		t->next[p] = t->first[t->root[p]];
		t->first[t->root[p]] = p;
	}
	if (rc != 0) {
		ml_tree_free(t);
		return ml_fail(a->err, rc, -1, NULL,
		               "reading the party tree: %s", ml_strerror(rc));
	}
	t->loaded = true;
	return 0;
}

int ml_tree_need(struct ml_ans *a, struct ml_tree *t)
{
	return t->loaded ? 0 : ml_tree_load(a, t);
}

void ml_tree_free(struct ml_tree *t)
{
	if (t == NULL)
		return;
	free(t->parent);
	free(t->root);
	free(t->first);
	free(t->next);
	memset(t, 0, sizeof *t);
}

bool ml_tree_under(const struct ml_tree *t, uint32_t p, uint32_t top)
{
	for (uint32_t hops = 0; p != 0 && p <= t->count && hops <= t->count;
	     hops++) {
		if (p == top)
			return true;
		p = t->parent[p];
	}
	return false;
}

/* --- choosing grants --- */

/* Is grant no equal to top or a post below it, by k's parents? */
static int ml_kept_under(const struct ml_grants_kept *k, uint32_t no,
                         uint32_t top, bool *under)
{
	*under = false;
	for (uint32_t hops = 0; no != 0; hops++) {
		if (no == top) {
			*under = true;
			return 0;
		}
		if (hops >= ML_GRANTS_MAX || no > k->count)
			return ML_E_CORRUPT;
		no = k->parent[no];
	}
	return 0;
}

/* ml_ans_grant_list from the kept grants: the list and its ids' bytes
 * in one allocation (the ids outlive the kept grants), already in id
 * order. */
static int ml_grant_list_kept(const struct ml_grants_kept *k, uint32_t top,
                              bool below, struct ml_named **out, size_t *n)
{
	size_t bytes = 0;
	for (uint32_t g = 1; g <= k->count; g++)
		bytes += k->id[g].len;
	struct ml_named *list =
	    k->count > 0 ? malloc(k->count * sizeof *list + bytes) : NULL;
	if (k->count > 0 && list == NULL)
		return ML_E_NOMEM;
	char *text = (char *)(list + k->count);
	size_t used = 0;
	int rc = 0;
	for (uint32_t i = 0; rc == 0 && i < k->count; i++) {
		uint32_t g = k->by_id[i];
		bool take = top == 0 || g == top;
		if (!take && below)
			rc = ml_kept_under(k, g, top, &take);
		if (rc != 0 || !take)
			continue;
		ML_ASSERT(used < k->count); /* one entry per grant at most */
		struct ml_str id = k->id[g];
		if (id.len > 0)
			memcpy(text, id.ptr, id.len);
		list[used++] = (struct ml_named){g, {text, id.len}};
		text += id.len;
	}
	if (rc != 0) {
		free(list);
		return rc;
	}
	*out = list;
	*n = used;
	return 0;
}

/* ml_ans_grant_list reading as it goes: a name per grant taken, a row
 * per hop up the posts. */
static int ml_grant_list_read(struct ml_ans *a, uint32_t top, bool below,
                              struct ml_named **out, size_t *n)
{
	uint32_t count = 0;
	int rc = ml_state_count(a->st, a->txn, ML_NAME_GRANT, &count);
	if (rc == 0 && count > ML_GRANTS_MAX)
		rc = ML_E_CORRUPT;
	struct ml_named *list = NULL;
	if (rc == 0 && count > 0) {
		list = calloc(count, sizeof *list);
		rc = list == NULL ? ML_E_NOMEM : 0;
	}
	size_t used = 0;
	for (uint32_t g = 1; rc == 0 && g <= count; g++) {
		bool take = top == 0 || g == top;
		if (!take && below)
			rc = ml_ans_grant_under(a, g, top, &take);
		ML_ASSERT(used < g); /* one entry per grant at most */
		if (rc == 0 && take)
			rc = ml_ans_named(a, ML_NAME_GRANT, g, &list[used++]);
	}
	if (rc != 0) {
		free(list);
		return rc;
	}
	if (used > 1)
		qsort(list, used, sizeof *list, ml_named_cmp);
	*out = list;
	*n = used;
	return 0;
}

int ml_ans_grant_list(struct ml_ans *a, uint32_t top, bool below,
                      struct ml_named **out, size_t *n)
{
	struct ml_grants_kept *k = NULL;
	*out = NULL;
	*n = 0;
	int rc = ml_ans_grants(a, &k);
	if (rc != 0)
		return rc;
	if (k != NULL)
		rc = ml_grant_list_kept(k, top, below, out, n);
	else
		rc = ml_grant_list_read(a, top, below, out, n);
	ml_ans_grants_done(a, k);
	if (rc != 0 && a->err->code == 0)
		return ml_fail(a->err, rc, -1, NULL, "listing grants: %s",
		               ml_strerror(rc));
	return rc;
}

int ml_ans_grant_parties(struct ml_ans *a, uint32_t g, struct ml_named **out,
                         size_t *n)
{
	struct ml_named *v = NULL;
	size_t cap = 0;
	uint32_t p = 0;
	*n = 0;
	int rc = ml_state_next_account(a->st, a->txn, g, &p);
	while (rc == 0 && p != 0) {
		rc = ml_ans_grow(a, (void **)&v, &cap, *n + 1, sizeof *v,
		                 ML_PARTIES_MAX, "parties");
		if (rc != 0)
			break;
		rc = ml_ans_named(a, ML_NAME_PARTY, p, &v[(*n)++]);
		if (rc == 0)
			rc = ml_state_next_account(a->st, a->txn, g, &p);
	}
	if (rc == 0 && *n > 1)
		qsort(v, *n, sizeof *v, ml_named_cmp);
	*out = v;
	if (rc != 0 && a->err->code == 0)
		return ml_fail(a->err, rc, -1, NULL, "walking accounts: %s",
		               ml_strerror(rc));
	return rc;
}

/* Appends account p's totals t to v, in the walk's (party-number) order. */
static int ml_ans_account_add(struct ml_ans *a, uint32_t p,
                              const struct ml_totals *t, struct ml_acct_row **v,
                              size_t *cap, size_t *n)
{
	int rc = ml_ans_grow(a, (void **)v, cap, *n + 1, sizeof **v,
	                     ML_PARTIES_MAX, "accounts");
	if (rc != 0)
		return rc;
	(*v)[*n].party_no = p;
	(*v)[*n].t = *t;
	ML_ASSERT(*n == 0 || (*v)[*n - 1].party_no < p); /* the walk's order */
	(*n)++;
	return 0;
}

/* g's accounts in a view that is not known: one walk, a seek per
 * account that also finds the next (ml_walk). */
static int ml_ans_accounts_walked(struct ml_ans *a, uint32_t g,
                                  struct ml_acct_row **v, size_t *cap,
                                  size_t *n, bool *later)
{
	struct ml_walk w;
	uint32_t p = 0;
	int rc = ml_state_walk_accounts(a->st, a->txn, g, &w);
	do {
		struct ml_totals t;
		bool exists = false;
		if (rc == 0)
			rc = ml_state_walk_next(a->st, a->txn, &a->v, &w, &p,
			                        &t, &exists);
		if (rc == 0 && exists)
			rc = ml_ans_account_add(a, p, &t, v, cap, n);
	} while (rc == 0 && p != 0);
	*later = w.later;
	ml_state_walk_end(&w);
	return rc;
}

/* g's accounts in a known view: each found and then scanned up to the
 * view, with one cursor for both (ml_state_account_at). */
static int ml_ans_accounts_scanned(struct ml_ans *a, uint32_t g,
                                   struct ml_acct_row **v, size_t *cap,
                                   size_t *n)
{
	uint32_t p = 0;
	MDB_cursor *cur = NULL;
	int rc = ml_state_accounts_open(a->st, a->txn, &cur);
	if (rc == 0)
		rc = ml_state_next_account_at(cur, g, &p);
	while (rc == 0 && p != 0) {
		struct ml_totals t;
		bool exists = false;
		rc = ml_state_account_at(a->st, a->txn, cur, &a->v, g, p, &t,
		                         &exists);
		if (rc == 0 && exists)
			rc = ml_ans_account_add(a, p, &t, v, cap, n);
		if (rc == 0)
			rc = ml_state_next_account_at(cur, g, &p);
	}
	if (cur != NULL)
		mdb_cursor_close(cur);
	return rc;
}

int ml_ans_grant_accounts(struct ml_ans *a, uint32_t g,
                          struct ml_acct_row **out, size_t *n)
{
	bool later;
	return ml_ans_grant_accounts_later(a, g, out, n, &later);
}

int ml_ans_grant_accounts_later(struct ml_ans *a, uint32_t g,
                                struct ml_acct_row **out, size_t *n,
                                bool *later)
{
	struct ml_acct_row *v = NULL;
	size_t cap = 0;
	*n = 0;
	*later = true; /* a known view is never said to be the last */
	int rc = a->v.known ? ml_ans_accounts_scanned(a, g, &v, &cap, n)
	                    : ml_ans_accounts_walked(a, g, &v, &cap, n, later);
	*out = v;
	if (rc != 0 && a->err->code == 0)
		return ml_fail(a->err, rc, -1, NULL, "reading accounts: %s",
		               ml_strerror(rc));
	return rc;
}
