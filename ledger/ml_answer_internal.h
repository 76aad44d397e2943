/*
 * ml_answer_internal.h — what the answer files share (not public).
 *
 * An answer runs in one read transaction with one view (as_of, and the
 * known_at cutoff as a seq). struct ml_ans carries both, plus the error
 * info to fill. The helpers here resolve filter names, sort by id, add
 * strings to cJSON, and read the party tree and grant definitions as the
 * view sees them (ml_answer_view.c).
 */
#ifndef ML_ANSWER_INTERNAL_H
#define ML_ANSWER_INTERNAL_H

#include <cjson/cJSON.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_answer.h"
#include "ml_buf.h"
#include "ml_ledger_internal.h"
#include "ml_limits_internal.h"
#include "ml_state.h"
#include "ml_store.h"
#include "ml_summary.h"

/* One answer's context. Everything points into the caller's objects. */
struct ml_ans {
	struct ml_ledger *lg;
	struct ml_store *st;
	MDB_txn *txn;
	const struct ml_query *q;
	struct ml_view v;
	struct ml_errinfo *err;
	struct ml_log_head head; /* txn's last event, once head_read */
	bool head_read;
};

/* A party or grant number with its id (pointing into the LMDB page; lives
 * until the transaction ends). */
struct ml_named {
	uint32_t no;
	struct ml_str id;
};

/* --- ml_answer.c --- */

/* Fills a and the view: as_of from q; when q->has_known_at, known_seq =
 * the last seq recorded at or before known_at. */
int ml_ans_begin(struct ml_ledger *lg, MDB_txn *txn, const struct ml_query *q,
                 struct ml_ans *a, struct ml_errinfo *err);

/* *no = the number of the party or grant id named by query parameter
 * param; ML_E_NOT_FOUND ("grant: no grant 'x'") when it was never
 * defined. */
int ml_ans_find(struct ml_ans *a, enum ml_name_kind k, const char *id,
                const char *param, uint32_t *no);

/* Code point (byte) order of two ids; a prefix sorts first. */
int ml_str_cmp(struct ml_str x, struct ml_str y);
/* qsort comparator for struct ml_named by id. */
int ml_named_cmp(const void *x, const void *y);
/* *n = (no, its id). */
int ml_ans_named(struct ml_ans *a, enum ml_name_kind k, uint32_t no,
                 struct ml_named *n);

/* Adds a string member from a non-terminated ml_str (NULL on failure). */
cJSON *ml_json_add_str(cJSON *obj, const char *name, struct ml_str s);
/* A new object appended to array arr (owned by it), or NULL. */
cJSON *ml_json_push_object(cJSON *arr);
/* Adds "known_at": its RFC 3339 text when the query gave one; null too
 * when null_if_absent. Returns false on failure. */
bool ml_ans_add_known(const struct ml_ans *a, cJSON *obj, bool null_if_absent);
/* A new object with "as_of" first, or NULL. */
cJSON *ml_ans_doc_as_of(const struct ml_ans *a);
/* Failure of a cJSON allocation, named for the error info. */
int ml_ans_nomem(struct ml_ans *a);

/* Rows written as text. A hot row (a balances row, a trace's node or
 * edge) is written as JSON into an ml_buf (initialised with
 * ML_ANSWER_ROW_BYTES_MAX) and added to the tree as one raw item: the
 * bytes its cJSON members would print, without an allocation per member
 * (cJSON trees and malloc were most of a built answer's time). Readers
 * of the tree see the row as raw JSON; every format but JSON is rendered
 * from the printed document parsed back (ma_format.c). Keys are literals
 * that need no escape; strings go through ml_json_write_string. Each
 * appends "key":value, after a comma unless first; they return
 * ml_buf's codes (ML_E_NOMEM, ML_E_TOO_LARGE). */
int ml_ans_text_int(struct ml_buf *b, bool first, const char *key, int64_t v);
/* "key": alone, for a value written after it. */
int ml_ans_text_key(struct ml_buf *b, bool first, const char *key);
int ml_ans_text_str(struct ml_buf *b, bool first, const char *key,
                    struct ml_str s);
/* A date as "YYYY-MM-DD" (what ml_json_add_date prints). */
int ml_ans_text_date(struct ml_buf *b, bool first, const char *key, ml_day day);
/* Adds text b (a complete JSON value, rc == 0) to parent: to an array when
 * name is NULL, else as member name. rc != 0 is what writing b returned:
 * it becomes the error info (413 for ML_E_TOO_LARGE). Returns 0 or the
 * code; b is left to the caller to free. */
int ml_ans_add_text(struct ml_ans *a, cJSON *parent, const char *name,
                    const struct ml_buf *b, int rc);
/* The check ml_ans_add_text makes of a row row_bytes long, for rows
 * copied into a longer text (the repayments' rows array): 0, or the
 * error info filled (413 when the row is longer than the tunable limit
 * or rc is ML_E_TOO_LARGE, 500 for another rc != 0). */
int ml_ans_row_check(struct ml_ans *a, size_t row_bytes, int rc);
/* Adds text (a complete JSON value, NUL-terminated, copied) to parent
 * as ml_ans_add_text does, without checking its length. */
int ml_ans_add_raw(struct ml_ans *a, cJSON *parent, const char *name,
                   const char *text);
/* ml_grow for a list of the answer: at most max_items of what (a plural
 * noun for the message), else ML_E_TOO_LARGE (413) naming it. Fills the
 * error info on failure. */
int ml_ans_grow(struct ml_ans *a, void **items, size_t *cap, size_t need,
                size_t item_bytes, size_t max_items, const char *what);

/* One existing account of a grant as the view sees it. */
struct ml_acct_row {
	uint32_t party_no;
	struct ml_totals t; /* the view's buckets, öre */
};

/* --- ml_answer_conditions.c: conditional allocations still pending --- */

/* Called per pending conditional allocation with a decide_by. */
typedef int (*ml_cond_item_fn)(void *arg, uint32_t grant_no, uint32_t to_no,
                               ml_day decide_by, int64_t amount_ore);
/* Calls fn for each conditional allocation in grant g that the view sees
 * still pending (neither confirmed nor lapsed), in recipient order;
 * accts are g's accounts as ml_ans_grant_accounts read them (only those
 * with money pending are scanned). */
int ml_ans_conditions(struct ml_ans *a, uint32_t g,
                      const struct ml_acct_row *accts, size_t acct_count,
                      ml_cond_item_fn fn, void *arg);

/* --- ml_answer_view.c: definitions as the view sees them --- */

/* *seq = the definition of (k, no) that answers use: the latest recorded
 * (in a known view, the latest recorded ≤ known_seq); 0 when none. */
int ml_ans_def_latest(struct ml_ans *a, enum ml_name_kind k, uint32_t no,
                      uint64_t *seq);

/* Grant no's definition in the view with use_by, report_by, repay_by and
 * carry_over inherited from its parents. *known is false when the view
 * does not know the grant yet (then row is unspecified). */
int ml_ans_grant(struct ml_ans *a, uint32_t no, struct ml_grant_row *row,
                 bool *known);

/* Is grant no equal to top or a post somewhere below it? */
int ml_ans_grant_under(struct ml_ans *a, uint32_t no, uint32_t top,
                       bool *under);

/* The grants to answer for, sorted by id: every grant when top is 0,
 * else top and, when below, every post under it. *out is malloc'ed (free
 * it, even when *n is 0); its ids live until it is freed or the
 * transaction ends, whichever is first (medeld's are copies of the kept
 * grants' in *out's own memory, the CLI's point into the LMDB page). */
int ml_ans_grant_list(struct ml_ans *a, uint32_t top, bool below,
                      struct ml_named **out, size_t *n);

/* The parties with any entry in grant g (in any view), sorted by id.
 * *out is malloc'ed (free it, even when *n is 0). */
int ml_ans_grant_parties(struct ml_ans *a, uint32_t g, struct ml_named **out,
                         size_t *n);

/* Every account of grant g that exists in the view, in party-number
 * order, each read once: in a view that is not known one walk, a seek
 * per account (ml_walk); in a known view each account found and its
 * entries scanned. The trace's nodes, the deadlines and the repayments
 * read their accounts here. *out is malloc'ed (free it, even when *n is
 * 0); at most ML_PARTIES_MAX rows. */
int ml_ans_grant_accounts(struct ml_ans *a, uint32_t g,
                          struct ml_acct_row **out, size_t *n);
/* The same, and *later: may an account of g read otherwise at a later
 * date? False when no account of g has a record dated on or after the
 * view's as_of (a view that is not known), so every later date reads
 * the same totals; true otherwise, and always in a known view. */
int ml_ans_grant_accounts_later(struct ml_ans *a, uint32_t g,
                                struct ml_acct_row **out, size_t *n,
                                bool *later);

/* The party tree as the view sees it (latest definitions). Arrays are
 * indexed by party number 1 ..= count (index 0 unused). */
struct ml_tree {
	uint32_t count;
	uint32_t *parent; /* 0 = a legal entity */
	uint32_t *root;   /* the party's legal entity (itself for a root) */
	uint32_t *first;  /* [r]: first member of r's subtree, 0 = none */
	uint32_t *next;   /* [p]: next member of p's subtree, 0 = last */
	bool loaded;      /* ml_tree_load filled it */
};

int ml_tree_load(struct ml_ans *a, struct ml_tree *t);
/* ml_tree_load unless t (zeroed, or loaded) is loaded already: for an
 * answer that needs the tree only to build a summary, which a kept one
 * spares (a deadlines answer's tree was two thirds of its time). */
int ml_tree_need(struct ml_ans *a, struct ml_tree *t);
void ml_tree_free(struct ml_tree *t);
/* The deadlines answer's items of grants[0..n) only whose party keep()
 * takes, in its order, as JSON text (the items, comma-separated, the
 * bytes its array would print) appended to b (ml_answer_deadlines.c):
 * what the statement asks for, without the cost of every other grant
 * nor a cJSON item per member. t is the party tree. Errors: ml_buf's
 * and the summaries'. */
int ml_ans_deadlines_text(struct ml_ans *a, struct ml_tree *t,
                          const struct ml_named *grants, size_t n,
                          bool (*keep)(struct ml_str party, void *arg),
                          void *arg, struct ml_buf *b);
/* Is p equal to top or below it in t? */
bool ml_tree_under(const struct ml_tree *t, uint32_t p, uint32_t top);

/* --- ml_answer_consol.c: a subtree as one (DOMAIN.md "consolidated") --- */

/* Takes out of sum what edge (two members of one subtree) moved between
 * them: allocated and allocated_out − ALLOCATED, claimed − CLAIMED (when
 * edges carry claims), received and paid_out − PAID_OUT, returned and
 * repaid − REPAID. */
void ml_consol_cancel(struct ml_totals *sum, const struct ml_totals *edge);
/* sum += t bucket by bucket; false (sum unspecified) on overflow. */
bool ml_totals_add(struct ml_totals *sum, const struct ml_totals *t);
/* *out = the consolidated totals of members[0..n) in grant g: Σ their
 * accounts less every edge between two of them. in[p] (p ≤ count) says
 * whether party p is a member. *exists when any member's account exists
 * in the view. Errors filled into a->err. */
int ml_consol_members(struct ml_ans *a, uint32_t g, const uint32_t *members,
                      size_t n, const bool *in, uint32_t count,
                      struct ml_totals *out, bool *exists);

/* --- ml_answer_trace.c: activities --- */

/* Adds "activities" to obj: the counting expenses of parties[0..np) in
 * grants[0..n) dated ≤ as_of in the view, summed per (activity, unit)
 * and sorted as the trace sorts them; *total_ore = their sum. Reads each
 * account's entries and each expense from the log (a report's cost). */
int ml_activities_add(struct ml_ans *a, const struct ml_named *grants, size_t n,
                      const uint32_t *parties, size_t np, cJSON *obj,
                      int64_t *total_ore);

/* --- ml_answer_repayments.c: legal entities' sums in one grant --- */

/* struct ml_entity_sum (one legal entity's consolidated sums) is in
 * ml_summary.h. */

/* The sums of every legal entity other than the payer's whose subtree
 * has an existing account in grant_no, sorted by the entity's id, from
 * grant_no's accounts already read (ml_ans_grant_accounts). *out is
 * malloc'ed (free it); *n its length; entity ids live until the
 * transaction ends. */
int ml_entity_sums_of(struct ml_ans *a, const struct ml_tree *t,
                      uint32_t grant_no, uint32_t payer_no,
                      const struct ml_acct_row *accts, size_t acct_count,
                      struct ml_entity_sum **out, size_t *n);

/* Writes s->row_text and s->row_end from s->sums (ML_SUM_ROWS): each
 * repayments row up to its status. Errors: ML_E_NOMEM, ML_E_TOO_LARGE
 * (the rows' text past ML_ANSWER_ROW_BYTES_MAX, which no answer could
 * be sent beyond), filled into a->err. */
int ml_repay_rows_text(struct ml_ans *a, struct ml_summary *s);

/* Fills s->trace (ML_SUM_TRACE, ml_answer_trace.c) from accts[0..n),
 * the grant's accounts in the view: the trace's nodes, their activities
 * and the flows, named and sorted. Errors: those of the reads, and the
 * trace's limits, filled into a->err. */
int ml_trace_part_build(struct ml_ans *a, struct ml_summary *s,
                        const struct ml_acct_row *accts, size_t n);

/* --- ml_answer_summary.c: a grant's summary (ml_summary.h) --- */

/* *out = grant g's summary for the view and payer_no (the grant's
 * effective payer), with at least parts (ML_SUM_*): a kept one
 * (ML_OPEN_SUMMARIES, a view without known_at, nothing changed the
 * grant since) or one built now from its accounts (t loaded first if it
 * is not: ml_tree_need), and kept, with every part, when allowed. Give
 * it back with ml_ans_summary_done. Errors: those of the reads, filled
 * into a->err. */
int ml_ans_summary(struct ml_ans *a, struct ml_tree *t, uint32_t g,
                   uint32_t payer_no, unsigned parts, struct ml_summary **out);
void ml_ans_summary_done(struct ml_ans *a, struct ml_summary *s);
/* The read transaction's head (its last event), read once per answer.
 * Errors: ml_log_head_read's. */
int ml_ans_head(struct ml_ans *a, struct ml_log_head *out);
/* The kept grants (ml_summary.h struct ml_grants_kept) a reader may use:
 * kept, or read now and kept; *kept NULL when the ledger keeps none
 * (the CLI: ml_ans_grant_list reads them as it goes). Give it back with
 * ml_ans_grants_done. Errors: the reads', filled into a->err. */
int ml_ans_grants(struct ml_ans *a, struct ml_grants_kept **kept);
void ml_ans_grants_done(struct ml_ans *a, struct ml_grants_kept *kept);
/* t = the party tree for the view: the kept one (ML_OPEN_SUMMARIES, no
 * known_at, no change since: *kept is set and t borrows its arrays) or
 * ml_tree_load's, then kept when allowed (*kept NULL, t owns its
 * arrays). Give it back with ml_ans_tree_done, never ml_tree_free.
 * Errors: ml_tree_load's, or the head's read, filled into a->err. */
int ml_ans_tree(struct ml_ans *a, struct ml_tree *t,
                struct ml_tree_kept **kept);
void ml_ans_tree_done(struct ml_ans *a, struct ml_tree *t,
                      struct ml_tree_kept *kept);

#endif /* ML_ANSWER_INTERNAL_H */
