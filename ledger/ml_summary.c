/*
 * ml_summary.c — the kept summaries of grants: slots, change stamps and
 * references (the design is in ml_summary.h).
 *
 * Called by the writer (ml_summaries_touch, from the state's apply, once
 * per grant a money event posts to and once per other event) and by the
 * deadlines and repayments answers on every thread that reads
 * (ml_summaries_get / _put / _release, from ml_answer_summary.c). Every
 * call takes the one mutex for a few loads and stores: no allocation,
 * no LMDB call and no summary is built under it; the only free under it
 * is a replaced summary's last reference.
 */
#include "ml_summary.h"

#include <stdlib.h>

#include "ml_assert.h"
#include "ml_error.h"

int ml_summaries_new(struct ml_summaries **out)
{
	struct ml_summaries *c = calloc(1, sizeof *c);
	*out = NULL;
	if (c == NULL)
		return ML_E_NOMEM;
	pthread_mutex_init(&c->lock, NULL);
	*out = c;
	return 0;
}

void ml_summary_free(struct ml_summary *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->id_count; i++)
		free(s->ids[i]);
	free(s->ids);
	free(s->claims);
	free(s->sums);
	free(s->reported);
	free(s->row_text);
	free(s->row_end);
	free(s->edges);
	free(s->conds);
	ml_sum_trace_free(s->trace);
	free(s);
}

void ml_sum_trace_free(struct ml_sum_trace *t)
{
	if (t == NULL)
		return;
	free(t->nodes);
	free(t->acts);
	free(t->flows);
	free(t->text);
	free(t);
}

/* Drops one reference, under c->lock when c is given. */
static void ml_summary_unref(struct ml_summary *s)
{
	ML_ASSERT(s->refs > 0);
	if (--s->refs == 0)
		ml_summary_free(s);
}

void ml_tree_kept_free(struct ml_tree_kept *k)
{
	if (k == NULL)
		return;
	free(k->parent);
	free(k->root);
	free(k->first);
	free(k->next);
	free(k->id);
	free(k->id_text);
	free(k);
}

void ml_grants_kept_free(struct ml_grants_kept *k)
{
	if (k == NULL)
		return;
	free(k->parent);
	free(k->by_id);
	free(k->id);
	free(k->text);
	free(k);
}

/* Drops one reference to the grants, under c->lock when kept. */
static void ml_grants_kept_unref(struct ml_grants_kept *k)
{
	ML_ASSERT(k->refs > 0);
	if (--k->refs == 0)
		ml_grants_kept_free(k);
}

/* Drops one reference to a tree, under c->lock when kept. */
static void ml_tree_kept_unref(struct ml_tree_kept *k)
{
	ML_ASSERT(k->refs > 0);
	if (--k->refs == 0)
		ml_tree_kept_free(k);
}

void ml_summaries_free(struct ml_summaries *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < ML_SUMMARY_GRANTS_MAX; i++)
		if (c->slot[i] != NULL)
			ml_summary_unref(c->slot[i]);
	if (c->tree != NULL)
		ml_tree_kept_unref(c->tree);
	if (c->grants != NULL)
		ml_grants_kept_unref(c->grants);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

void ml_summaries_touch(struct ml_summaries *c, uint32_t grant_no, uint64_t seq)
{
	pthread_mutex_lock(&c->lock);
	uint64_t *at = grant_no == 0
	                   ? &c->changed_all
	                   : &c->changed[grant_no % ML_SUMMARY_GRANTS_MAX];
	if (seq > *at)
		*at = seq;
	pthread_mutex_unlock(&c->lock);
}

/* The highest seq that changed grant_no's slot or everything (locked). */
static uint64_t ml_changed_at(const struct ml_summaries *c, uint32_t grant_no)
{
	uint64_t g = c->changed[grant_no % ML_SUMMARY_GRANTS_MAX];
	return g > c->changed_all ? g : c->changed_all;
}

struct ml_summary *ml_summaries_get(struct ml_summaries *c, uint32_t grant_no,
                                    uint32_t payer_no, ml_day as_of,
                                    unsigned parts, uint64_t head_seq)
{
	struct ml_summary *found = NULL;
	pthread_mutex_lock(&c->lock);
	struct ml_summary *s = c->slot[grant_no % ML_SUMMARY_GRANTS_MAX];
	bool day_ok = s != NULL &&
	              (s->as_of == as_of || (s->settled && as_of > s->as_of));
	if (day_ok && s->grant_no == grant_no && s->payer_no == payer_no &&
	    (s->parts & parts) == parts) {
		uint64_t both = s->head_seq < head_seq ? s->head_seq : head_seq;
		if (ml_changed_at(c, grant_no) <= both) {
			s->refs++;
			found = s;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void ml_summaries_put(struct ml_summaries *c, struct ml_summary *s)
{
	ML_ASSERT(s->refs == 1 && s->grant_no != 0); /* the builder's */
	pthread_mutex_lock(&c->lock);
	struct ml_summary **at = &c->slot[s->grant_no % ML_SUMMARY_GRANTS_MAX];
	if (ml_changed_at(c, s->grant_no) <= s->head_seq) {
		if (*at != NULL)
			ml_summary_unref(*at);
		*at = s;
		s->refs++;
	}
	pthread_mutex_unlock(&c->lock);
}

void ml_summaries_release(struct ml_summaries *c, struct ml_summary *s)
{
	if (s == NULL)
		return;
	if (c == NULL) {
		ml_summary_unref(s);
		return;
	}
	pthread_mutex_lock(&c->lock);
	ml_summary_unref(s);
	pthread_mutex_unlock(&c->lock);
}

struct ml_tree_kept *ml_summaries_tree_get(struct ml_summaries *c,
                                           uint64_t head_seq)
{
	struct ml_tree_kept *found = NULL;
	pthread_mutex_lock(&c->lock);
	struct ml_tree_kept *k = c->tree;
	if (k != NULL) {
		uint64_t both = k->head_seq < head_seq ? k->head_seq : head_seq;
		if (c->changed_all <= both) {
			k->refs++;
			found = k;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void ml_summaries_tree_put(struct ml_summaries *c, struct ml_tree_kept *k)
{
	ML_ASSERT(k->refs == 1); /* the builder's */
	pthread_mutex_lock(&c->lock);
	if (c->changed_all <= k->head_seq) {
		if (c->tree != NULL)
			ml_tree_kept_unref(c->tree);
		c->tree = k;
		k->refs++;
	}
	pthread_mutex_unlock(&c->lock);
}

void ml_summaries_tree_release(struct ml_summaries *c, struct ml_tree_kept *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	ml_tree_kept_unref(k);
	pthread_mutex_unlock(&c->lock);
}

struct ml_grants_kept *ml_summaries_grants_get(struct ml_summaries *c,
                                               uint64_t head_seq)
{
	struct ml_grants_kept *found = NULL;
	pthread_mutex_lock(&c->lock);
	struct ml_grants_kept *k = c->grants;
	if (k != NULL) {
		uint64_t both = k->head_seq < head_seq ? k->head_seq : head_seq;
		if (c->changed_all <= both) {
			k->refs++;
			found = k;
		}
	}
	pthread_mutex_unlock(&c->lock);
	return found;
}

void ml_summaries_grants_put(struct ml_summaries *c, struct ml_grants_kept *k)
{
	ML_ASSERT(k->refs == 1); /* the builder's */
	pthread_mutex_lock(&c->lock);
	if (c->changed_all <= k->head_seq) {
		if (c->grants != NULL)
			ml_grants_kept_unref(c->grants);
		c->grants = k;
		k->refs++;
	}
	pthread_mutex_unlock(&c->lock);
}

void ml_summaries_grants_release(struct ml_summaries *c,
                                 struct ml_grants_kept *k)
{
	if (k == NULL)
		return;
	pthread_mutex_lock(&c->lock);
	ml_grants_kept_unref(k);
	pthread_mutex_unlock(&c->lock);
}
