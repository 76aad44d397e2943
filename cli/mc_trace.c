/*
 * mc_trace.c — the tree of a trace (mc_trace.h), drawn from the API
 * layer's model (ma_trace.h).
 *
 * The tree starts at each root (the payer first) and follows payouts
 * down; under each party come, in this order, what came to it besides
 * payouts (carried in, got back), the parties it paid, what it spent by
 * activity, what it repaid and to whom, what it carried out and what it
 * still holds. Each line has its amount and its share of the grant's
 * pool, in a table so the amounts line up whatever the depth. A party
 * paid by two others is drawn in full under the first and named under
 * the second; depth is bounded by MC_TREE_DEPTH_MAX. Parties are named
 * by their labels (ma_names.h), the words are --lang's (mc_words.h); the
 * tree has no total line: its first line is the pool every share is of.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_money.h"

#include "mc_names.h"
#include "mc_table.h"
#include "mc_text.h"
#include "mc_trace.h"
#include "mc_words.h"

/* --- the tree --------------------------------------------------------------
 */

enum mc_item_kind {
	MC_I_CARRIED_IN,
	MC_I_RETURNED,
	MC_I_CHILD,
	MC_I_SPENT,
	MC_I_REPAID,
	MC_I_CARRIED_OUT,
	MC_I_HELD
};

struct mc_item {
	enum mc_item_kind kind;
	size_t ref; /* edge (child, repaid) or activity index */
	int64_t amount_ore;
};

struct mc_tree {
	struct mc_ctx *ctx;
	const struct ma_trace *t;
	struct mc_table *table;
	bool *shown; /* per node: drawn in full already */
	struct ml_buf prefix;
	struct ml_buf line, text; /* one line's label and item text, reused */
	int rc;
};

/* The lines under node n, in their order; *count of them. */
static struct mc_item *mc_tree_items(const struct ma_trace *t, size_t n,
                                     size_t *count)
{
	const struct ma_trace_node *node = &t->nodes[n];
	size_t k = 0, max = 5 + node->n_acts + t->n_edges;
	struct mc_item *it = calloc(max, sizeof *it);
	if (it == NULL)
		return NULL;
	if (node->fig[MA_N_CARRIED_IN])
		it[k++] = (struct mc_item){MC_I_CARRIED_IN, 0,
		                           node->fig[MA_N_CARRIED_IN]};
	if (node->fig[MA_N_RETURNED])
		it[k++] = (struct mc_item){MC_I_RETURNED, 0,
		                           node->fig[MA_N_RETURNED]};
	for (size_t e = 0; e < t->n_edges; e++)
		if (t->edges[e].from == n && !t->edges[e].repayment)
			it[k++] = (struct mc_item){MC_I_CHILD, e,
			                           t->edges[e].amount_ore};
	for (size_t a = 0; a < node->n_acts; a++)
		it[k++] =
		    (struct mc_item){MC_I_SPENT, a, node->acts[a].amount_ore};
	for (size_t e = 0; e < t->n_edges; e++)
		if (t->edges[e].from == n && t->edges[e].repayment)
			it[k++] = (struct mc_item){MC_I_REPAID, e,
			                           t->edges[e].amount_ore};
	if (node->fig[MA_N_CARRIED_OUT])
		it[k++] = (struct mc_item){MC_I_CARRIED_OUT, 0,
		                           node->fig[MA_N_CARRIED_OUT]};
	if (node->fig[MA_N_HELD])
		it[k++] = (struct mc_item){MC_I_HELD, 0, node->fig[MA_N_HELD]};
	*count = k;
	return it;
}

/* "12,3 %" of the pool, or "" without one. */
static const char *mc_share(const struct ma_trace *t, int64_t ore, char *buf,
                            size_t size)
{
	if (t->pool_ore <= 0) {
		buf[0] = '\0';
		return buf;
	}
	int64_t tenths = (ore * 2000 + t->pool_ore) / (2 * t->pool_ore);
	/* "%lld,%lld %%" of tenths / 10 and |tenths % 10|, without printf's
	 * parsing on each of a thousand lines */
	ML_ASSERT(size >= ML_INT_TEXT_MAX + 5);
	char *o = ml_put_i64(buf, tenths / 10);
	*o++ = ',';
	*o++ = (char)('0' + llabs(tenths % 10));
	memcpy(o, " %", 3);
	return buf;
}

/* One line: the prefix, a connector, the text (cut), amount, share. */
static void mc_tree_line(struct mc_tree *tr, const char *connector,
                         const char *text, int64_t ore, bool strong)
{
	char money[ML_MONEY_TEXT_MAX], share[ML_INT_TEXT_MAX + 5];
	struct ml_buf *label = &tr->line;
	ml_buf_reset(label);
	int rc = ml_buf_add(label, tr->prefix.data ? tr->prefix.data : "",
	                    tr->prefix.len);
	rc = rc ? rc : ml_buf_add_str(label, connector);
	rc = rc ? rc
	        : ma_text_add(label, text, MC_LABEL_COLS_MAX, tr->ctx->utf8);
	const char *cells[3] = {label->data,
	                        ml_money_format(ore, money, sizeof money),
	                        mc_share(tr->t, ore, share, sizeof share)};
	const char *styles[3] = {strong ? MC_STYLE_BOLD : NULL, NULL, NULL};
	if (rc == 0)
		rc = mc_table_row(tr->table, cells,
		                  tr->ctx->colour ? styles : NULL);
	if (rc != 0)
		tr->rc = rc;
}

static void mc_tree_node(struct mc_tree *tr, size_t n, int depth);

/* Appends a, b and c (a line's words, no format to parse). */
static void mc_buf_words(struct ml_buf *out, const char *a, const char *b,
                         const char *c)
{
	ml_buf_add_str(out, a);
	ml_buf_add_str(out, b);
	ml_buf_add_str(out, c);
}

/* The text of an item that is not a child. */
static void mc_item_text(const struct mc_tree *tr, size_t n,
                         const struct mc_item *it, struct ml_buf *out)
{
	const struct ma_trace *t = tr->t;
	const struct ma_trace_activity *a = &t->nodes[n].acts[it->ref];
	const struct mc_words *w = mc_words_of(tr->ctx->lang);
	const char *arrow = tr->ctx->utf8 ? "\xe2\x86\x92" : "->";
	switch (it->kind) {
	case MC_I_CARRIED_IN:
		ml_buf_add_str(out, w->carried_in);
		break;
	case MC_I_RETURNED:
		ml_buf_add_str(out, w->got_back);
		break;
	case MC_I_SPENT: /* "spent: ACTIVITY (UNIT)" */
		mc_buf_words(out, w->spent, ": ", a->activity);
		if (a->unit != NULL)
			mc_buf_words(out, " (", a->unit, ")");
		break;
	case MC_I_REPAID: /* "repaid → PARTY" */
		mc_buf_words(out, w->repaid, " ", arrow);
		mc_buf_words(out, " ", t->nodes[t->edges[it->ref].to].label,
		             "");
		break;
	case MC_I_CARRIED_OUT:
		ml_buf_add_str(out, w->carried_out);
		break;
	default:
		ml_buf_add_str(out, w->holds);
		break;
	}
}

/* The items under node n, with the prefix grown by one level. */
static void mc_tree_items_draw(struct mc_tree *tr, size_t n, int depth)
{
	bool utf8 = tr->ctx->utf8;
	size_t count = 0, keep = tr->prefix.len;
	struct mc_item *items = mc_tree_items(tr->t, n, &count);
	if (items == NULL) {
		tr->rc = ML_E_NOMEM;
		return;
	}
	for (size_t i = 0; i < count && tr->rc == 0; i++) {
		bool last = i + 1 == count;
		const char *conn = utf8 ? (last ? "\xe2\x94\x94\xe2\x94\x80 "
		                                : "\xe2\x94\x9c\xe2\x94\x80 ")
		                        : (last ? "`- " : "|- ");
		const char *more = utf8 ? (last ? "   " : "\xe2\x94\x82  ")
		                        : (last ? "   " : "|  ");
		if (items[i].kind == MC_I_CHILD) {
			size_t child = tr->t->edges[items[i].ref].to;
			mc_tree_line(tr, conn, tr->t->nodes[child].label,
			             items[i].amount_ore, true);
			ml_buf_add_str(&tr->prefix, more);
			mc_tree_node(tr, child, depth + 1);
			tr->prefix.len = keep;
			tr->prefix.data[keep] = '\0';
			continue;
		}
		ml_buf_reset(&tr->text);
		mc_item_text(tr, n, &items[i], &tr->text);
		mc_tree_line(tr, conn, tr->text.data ? tr->text.data : "",
		             items[i].amount_ore, false);
	}
	free(items);
}

/* What is under node n (its own line is already drawn). */
static void mc_tree_node(struct mc_tree *tr, size_t n, int depth)
{
	const struct mc_words *w = mc_words_of(tr->ctx->lang);
	const char *note = tr->ctx->utf8 ? "\xe2\x94\x94\xe2\x94\x80 " : "`- ";
	if (tr->shown[n]) {
		mc_tree_line(tr, note, w->shown_above, 0, false);
		return;
	}
	if (depth >= MC_TREE_DEPTH_MAX) {
		mc_tree_line(tr, note, w->too_deep, 0, false);
		return;
	}
	tr->shown[n] = true;
	mc_tree_items_draw(tr, n, depth);
}

/* Each root: the payer first, then the others in party order. */
static void mc_tree_roots(struct mc_tree *tr)
{
	const struct ma_trace *t = tr->t;
	for (size_t k = 0; k <= t->n_nodes && tr->rc == 0; k++) {
		size_t n = k == 0 ? t->payer : k - 1;
		if (n >= t->n_nodes || (k > 0 && n == t->payer) ||
		    !t->nodes[n].root)
			continue;
		mc_tree_line(tr, "", t->nodes[n].label, ma_trace_inflow(t, n),
		             true);
		mc_tree_node(tr, n, 0);
	}
}

int mc_trace_tree(struct mc_ctx *ctx, const struct ma_trace *t)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	struct mc_tree tr = {.ctx = ctx, .t = t};
	char pool[ML_MONEY_TEXT_MAX];
	static char title[MC_LINE_BYTES_MAX];
	tr.table = mc_table_new(3);
	tr.shown = calloc(t->n_nodes + 1, sizeof *tr.shown);
	ml_buf_init(&tr.prefix, 8 * MC_TREE_DEPTH_MAX);
	ml_buf_init(&tr.line, MC_LINE_BYTES_MAX);
	ml_buf_init(&tr.text, MC_LINE_BYTES_MAX);
	if (tr.table == NULL || tr.shown == NULL ||
	    ml_buf_add_str(&tr.prefix, "") != 0)
		tr.rc = ML_E_NOMEM;
	if (tr.rc == 0) {
		mc_table_column(tr.table, 0, "", MC_LEFT);
		mc_table_column(tr.table, 1, w->amount, MC_RIGHT);
		mc_table_column(tr.table, 2, w->of_pool, MC_RIGHT);
		mc_tree_roots(&tr);
	}
	if (tr.rc == 0) {
		printf("%s%s%s %s %s: %zu %s, %s %s\n",
		       mc_style(ctx, MC_STYLE_BOLD),
		       mc_whole(ctx, t->grant_label, title),
		       mc_style(ctx, MC_STYLE_RESET), w->as_of, t->as_of,
		       t->n_nodes, w->parties, w->pool,
		       ml_money_format(t->pool_ore, pool, sizeof pool));
		mc_table_print(tr.table, stdout, 0, 0,
		               mc_style(ctx, MC_STYLE_DIM));
	}
	mc_table_free(tr.table);
	free(tr.shown);
	ml_buf_free(&tr.prefix);
	ml_buf_free(&tr.line);
	ml_buf_free(&tr.text);
	return tr.rc == 0 ? MC_EXIT_OK
	                  : mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
	                            "the tree is too large to draw: use --csv");
}
