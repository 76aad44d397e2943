/*
 * ml_rules_internal.h — shared by the rule checkers (ml_rules*.c).
 *
 * struct ml_apply is one event being checked and applied: the event, its
 * position in the batch, where to report, and the numbers its names
 * resolve to. Messages are built from numbers (looked up at the moment of
 * failure) rather than from strings held across writes: LMDB may move a
 * page that an earlier mdb_get pointed into once the transaction writes.
 */
#ifndef ML_RULES_INTERNAL_H
#define ML_RULES_INTERNAL_H

#include "ml_log.h"
#include "ml_state_internal.h"

struct ml_apply {
	struct ml_state *s;
	struct ml_store *st;
	MDB_txn *txn;
	struct ml_event *ev;
	int32_t index;
	struct ml_errinfo *err;
	struct ml_resolved r;
};

/* Resolves the id in field f to a number; unknown_party/unknown_grant
 * naming the field when it is not defined. */
int ml_need(struct ml_apply *a, enum ml_name_kind k, enum ml_field f,
            uint32_t *no);

/* period_closed unless date is after the closed period of grant g (0 =
 * only the global close). field is reported. */
int ml_check_open(struct ml_apply *a, uint32_t g, ml_day date,
                  enum ml_field field);

/* Inserts (sign > 0) or retracts (sign < 0, by a->ev->seq) the postings
 * of event seq dated date, checking every rule on every later date. */
int ml_apply_postings(struct ml_apply *a, const struct ml_postings *ps,
                      ml_day date, uint64_t seq, int sign);

/* Id text of a number, for messages ("?" when unknown). */
struct ml_str ml_name_of(struct ml_apply *a, enum ml_name_kind k, uint32_t no);

/* Puts kind ‖ no ‖ date ‖ seq into defs. */
int ml_defs_put(struct ml_apply *a, enum ml_name_kind k, uint32_t no);

int ml_apply_party(struct ml_apply *a);
int ml_apply_grant(struct ml_apply *a);
int ml_apply_close(struct ml_apply *a);
int ml_apply_report(struct ml_apply *a);
int ml_apply_correction(struct ml_apply *a);

/* Conditional allocations (ml_rules_cond.c). A confirm or lapse: checked
 * and applied. */
int ml_apply_condition(struct ml_apply *a);
/* A conditional distribution al's shares into r (r->to: the first
 * share's party, on whose edge its resolutions are found). */
int ml_cond_shares(struct ml_apply *a, const struct ml_event *al,
                   struct ml_resolved *r);
/* The numbers of conditional allocation al's grant, from and to (a
 * distribution's: grant, from and its shares). */
int ml_cond_names(struct ml_apply *a, const struct ml_event *al,
                  struct ml_resolved *r);
/* The last link of seq's correction chain (seq itself when none) and
 * the number of links: seq counts exactly when *links is even. */
int ml_cond_chain(struct ml_apply *a, uint64_t seq, uint64_t *last, int *links);
/* *by = the confirm or lapse whose records still take allocation
 * al_seq's pending away (dated al_date, names r), or 0: the records of
 * each resolution and of every correction that posted them again are
 * summed, so a resolution withdrawn and brought back counts again. */
int ml_cond_resolved_by(struct ml_apply *a, const struct ml_resolved *r,
                        ml_day al_date, uint64_t al_seq, uint64_t *by);
/* Before correcting e (names resolved in r): a conditional allocation
 * must not be resolved (invalid_field); a confirm or lapse gets r from
 * its allocation. 0 for any other event. */
int ml_correct_cond(struct ml_apply *a, const struct ml_event *e,
                    struct ml_resolved *r);
/* A correction makes confirm or lapse e count again (names in r, as
 * ml_correct_cond gave them): the allocation it names must still count
 * (invalid_field) and no other confirm or lapse may resolve it
 * (already_resolved), both on field corrects. */
int ml_recount_cond(struct ml_apply *a, const struct ml_event *e,
                    const struct ml_resolved *r);

/* First counting entry of grant g (any party) in bucket dated after
 * after_day: *found, and its party and date. */
int ml_find_bucket_after(struct ml_apply *a, uint32_t g, int bucket,
                         ml_day after_day, bool *found, uint32_t *party_no,
                         ml_day *day);

/* Is the repayment from → to in grant g on day allowed (to is the payer
 * or paid from in g on or before day)? */
int ml_repayment_target_ok(struct ml_apply *a, uint32_t g, uint32_t from,
                           uint32_t to, ml_day day, bool *ok);

#endif /* ML_RULES_INTERNAL_H */
