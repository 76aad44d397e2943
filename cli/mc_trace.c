/*
 * mc_trace.c — reading a trace answer, and the tree and CSV of it
 * (mc_trace.h).
 *
 * The tree starts at each root (the payer first) and follows payouts
 * down; under each party come, in this order, what came to it besides
 * payouts (carried in, got back), the parties it paid, what it spent by
 * activity, what it repaid and to whom, what it carried out and what it
 * still holds. Each line has its amount and its share of the grant's
 * pool, in a table so the amounts line up whatever the depth. A party
 * paid by two others is drawn in full under the first and named under
 * the second; depth is bounded by MC_TREE_DEPTH_MAX.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_money.h"

#include "mc_csv.h"
#include "mc_table.h"
#include "mc_text.h"
#include "mc_trace.h"

static const char *const mc_node_figures[MC_N_FIGURES] = {
    "received", "returned", "carried_in",  "paid_out",
    "spent",    "repaid",   "carried_out", "held"};

/* --- loading -------------------------------------------------------------- */

static int mc_load_node(const cJSON *j, struct mc_trace_node *n)
{
	const cJSON *a;
	size_t k = 0;
	n->party = mc_json_str(j, "party");
	if (n->party == NULL ||
	    mc_json_ints(j, mc_node_figures, MC_N_FIGURES, n->fig) != 0)
		return -1;
	const cJSON *acts = mc_json_array(j, "activities");
	int count = acts ? cJSON_GetArraySize(acts) : 0;
	if (count > MC_TRACE_ACTIVITIES_MAX)
		return -1;
	n->acts = calloc((size_t)count + 1, sizeof *n->acts);
	if (n->acts == NULL)
		return -1;
	cJSON_ArrayForEach(a, acts)
	{
		struct mc_trace_activity *x = &n->acts[k++];
		x->activity = mc_json_str(a, "activity");
		x->unit = mc_json_str(a, "unit");
		if (x->activity == NULL ||
		    mc_json_int(a, "amount", &x->amount_ore) != 0)
			return -1;
	}
	n->n_acts = k;
	return 0;
}

static int mc_cmp_party(const void *a, const void *b, void *arg)
{
	const struct mc_trace_node *n = arg;
	return strcmp(n[*(const size_t *)a].party, n[*(const size_t *)b].party);
}

/* The node named party, by binary search over sorted indices. */
static size_t mc_find_node(const struct mc_trace *t, const size_t *sorted,
                           const char *party)
{
	size_t lo = 0, hi = t->n_nodes;
	while (party != NULL && lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(t->nodes[sorted[mid]].party, party);
		if (c == 0)
			return sorted[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return t->n_nodes;
}

static int mc_load_edges(struct mc_trace *t, const cJSON *edges)
{
	size_t *sorted = malloc((t->n_nodes + 1) * sizeof *sorted);
	const cJSON *e;
	int rc = sorted ? 0 : -1;
	for (size_t i = 0; sorted && i < t->n_nodes; i++)
		sorted[i] = i;
	if (sorted)
		qsort_r(sorted, t->n_nodes, sizeof *sorted, mc_cmp_party,
		        t->nodes);
	cJSON_ArrayForEach(e, edges)
	{
		if (rc != 0)
			break;
		struct mc_trace_edge *x = &t->edges[t->n_edges];
		const char *kind = mc_json_str(e, "kind");
		x->from = mc_find_node(t, sorted, mc_json_str(e, "from"));
		x->to = mc_find_node(t, sorted, mc_json_str(e, "to"));
		x->repayment = kind != NULL && strcmp(kind, "repayment") == 0;
		if (x->from == t->n_nodes || x->to == t->n_nodes ||
		    kind == NULL || mc_json_int(e, "amount", &x->amount_ore))
			rc = -1;
		else
			t->n_edges++;
	}
	free(sorted);
	return rc;
}

/* Payouts in, the payer, the roots and each node's depth. */
static void mc_trace_derive(struct mc_trace *t)
{
	int64_t best = 0;
	for (size_t i = 0; i < t->n_edges; i++)
		if (!t->edges[i].repayment)
			t->nodes[t->edges[i].to].paid_in_ore +=
			    t->edges[i].amount_ore;
	t->payer = t->n_nodes;
	for (size_t i = 0; i < t->n_nodes; i++) {
		struct mc_trace_node *n = &t->nodes[i];
		int64_t own = n->fig[MC_N_RECEIVED] - n->paid_in_ore;
		n->root = n->paid_in_ore == 0;
		if (own > best) {
			best = own;
			t->payer = i;
		}
	}
	t->pool_ore =
	    t->payer < t->n_nodes ? t->nodes[t->payer].fig[MC_N_RECEIVED] : 0;
	int cap = MC_SVG_COLUMNS_MAX - 2;
	bool moved = true;
	for (int round = 0; moved && round <= cap; round++) {
		moved = false;
		for (size_t i = 0; i < t->n_edges; i++) {
			const struct mc_trace_edge *e = &t->edges[i];
			int d = t->nodes[e->from].depth + 1;
			if (e->repayment || d > cap ||
			    t->nodes[e->to].depth >= d)
				continue;
			t->nodes[e->to].depth = d;
			moved = true;
		}
	}
	for (size_t i = 0; i < t->n_nodes; i++)
		if (t->nodes[i].depth > t->max_depth)
			t->max_depth = t->nodes[i].depth;
}

int mc_trace_load(const struct mc_reply *r, struct mc_trace *t, char *why,
                  size_t why_size)
{
	memset(t, 0, sizeof *t);
	t->doc = mc_json_parse(r);
	const cJSON *nodes = mc_json_array(t->doc, "nodes");
	const cJSON *edges = mc_json_array(t->doc, "edges");
	const cJSON *j;
	t->grant = mc_json_str(t->doc, "grant");
	t->as_of = mc_json_str(t->doc, "as_of");
	if (nodes == NULL || edges == NULL || !t->grant || !t->as_of) {
		snprintf(why, why_size, "no nodes or edges");
		return -1;
	}
	int n = cJSON_GetArraySize(nodes), m = cJSON_GetArraySize(edges);
	if (n > MC_TRACE_NODES_MAX || m > MC_TRACE_EDGES_MAX) {
		snprintf(why, why_size, "more than %d parties or %d flows",
		         MC_TRACE_NODES_MAX, MC_TRACE_EDGES_MAX);
		return -1;
	}
	t->nodes = calloc((size_t)n + 1, sizeof *t->nodes);
	t->edges = calloc((size_t)m + 1, sizeof *t->edges);
	int rc = t->nodes && t->edges ? 0 : -1;
	cJSON_ArrayForEach(j, nodes)
	{
		if (rc == 0)
			rc = mc_load_node(j, &t->nodes[t->n_nodes++]);
	}
	if (rc == 0)
		rc = mc_load_edges(t, edges);
	if (rc != 0) {
		snprintf(why, why_size, "a node or an edge");
		return -1;
	}
	mc_trace_derive(t);
	return 0;
}

void mc_trace_free(struct mc_trace *t)
{
	for (size_t i = 0; t->nodes && i < t->n_nodes; i++)
		free(t->nodes[i].acts);
	free(t->nodes);
	free(t->edges);
	cJSON_Delete(t->doc);
	memset(t, 0, sizeof *t);
}

int64_t mc_trace_inflow(const struct mc_trace *t, size_t node)
{
	if (node == t->payer)
		return t->pool_ore;
	return t->nodes[node].paid_in_ore;
}

/* --- CSV --------------------------------------------------------------------
 */

static void mc_csv_flow(struct mc_csv_out *w, const char *grant,
                        const char *from, const char *to, const char *kind,
                        const struct mc_trace_activity *a, int64_t ore)
{
	mc_csv_cell(w, grant);
	mc_csv_cell(w, from);
	mc_csv_cell(w, to);
	mc_csv_cell(w, kind);
	mc_csv_cell(w, a ? a->activity : NULL);
	mc_csv_cell(w, a ? a->unit : NULL);
	mc_csv_amount(w, ore);
	mc_csv_end_row(w);
}

void mc_trace_csv(const struct mc_trace *t)
{
	static const char *const header[] = {
	    "grant", "from", "to", "kind", "activity", "unit", "amount"};
	struct mc_csv_out w;
	mc_csv_begin(&w, stdout);
	mc_csv_header(&w, header, 7);
	if (t->payer < t->n_nodes)
		mc_csv_flow(&w, t->grant, NULL, t->nodes[t->payer].party,
		            "pool", NULL, t->pool_ore);
	for (size_t i = 0; i < t->n_edges; i++) {
		const struct mc_trace_edge *e = &t->edges[i];
		mc_csv_flow(&w, t->grant, t->nodes[e->from].party,
		            t->nodes[e->to].party,
		            e->repayment ? "repayment" : "payout", NULL,
		            e->amount_ore);
	}
	for (size_t i = 0; i < t->n_nodes; i++) {
		const struct mc_trace_node *n = &t->nodes[i];
		if (n->fig[MC_N_CARRIED_IN] != 0)
			mc_csv_flow(&w, t->grant, NULL, n->party, "carried_in",
			            NULL, n->fig[MC_N_CARRIED_IN]);
		for (size_t k = 0; k < n->n_acts; k++)
			mc_csv_flow(&w, t->grant, n->party, NULL, "expense",
			            &n->acts[k], n->acts[k].amount_ore);
		if (n->fig[MC_N_CARRIED_OUT] != 0)
			mc_csv_flow(&w, t->grant, n->party, NULL, "carried_out",
			            NULL, n->fig[MC_N_CARRIED_OUT]);
		if (n->fig[MC_N_HELD] != 0)
			mc_csv_flow(&w, t->grant, n->party, NULL, "held", NULL,
			            n->fig[MC_N_HELD]);
	}
}

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
	const struct mc_trace *t;
	struct mc_table *table;
	bool *shown; /* per node: drawn in full already */
	struct ml_buf prefix;
	int rc;
};

/* The lines under node n, in their order; *count of them. */
static struct mc_item *mc_tree_items(const struct mc_trace *t, size_t n,
                                     size_t *count)
{
	const struct mc_trace_node *node = &t->nodes[n];
	size_t k = 0, max = 5 + node->n_acts + t->n_edges;
	struct mc_item *it = calloc(max, sizeof *it);
	if (it == NULL)
		return NULL;
	if (node->fig[MC_N_CARRIED_IN])
		it[k++] = (struct mc_item){MC_I_CARRIED_IN, 0,
		                           node->fig[MC_N_CARRIED_IN]};
	if (node->fig[MC_N_RETURNED])
		it[k++] = (struct mc_item){MC_I_RETURNED, 0,
		                           node->fig[MC_N_RETURNED]};
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
	if (node->fig[MC_N_CARRIED_OUT])
		it[k++] = (struct mc_item){MC_I_CARRIED_OUT, 0,
		                           node->fig[MC_N_CARRIED_OUT]};
	if (node->fig[MC_N_HELD])
		it[k++] = (struct mc_item){MC_I_HELD, 0, node->fig[MC_N_HELD]};
	*count = k;
	return it;
}

/* "12,3 %" of the pool, or "" without one. */
static const char *mc_share(const struct mc_trace *t, int64_t ore, char *buf,
                            size_t size)
{
	if (t->pool_ore <= 0) {
		buf[0] = '\0';
		return buf;
	}
	int64_t tenths = (ore * 2000 + t->pool_ore) / (2 * t->pool_ore);
	snprintf(buf, size, "%lld,%lld %%", (long long)(tenths / 10),
	         (long long)llabs(tenths % 10));
	return buf;
}

/* One line: the prefix, a connector, the text (cut), amount, share. */
static void mc_tree_line(struct mc_tree *tr, const char *connector,
                         const char *text, int64_t ore, bool strong)
{
	char money[ML_MONEY_TEXT_MAX], share[24];
	struct ml_buf label;
	ml_buf_init(&label, MC_LINE_BYTES_MAX);
	int rc = ml_buf_add(&label, tr->prefix.data ? tr->prefix.data : "",
	                    tr->prefix.len);
	rc = rc ? rc : ml_buf_add_str(&label, connector);
	rc = rc ? rc
	        : mc_text_add(&label, text, MC_LABEL_COLS_MAX, tr->ctx->utf8);
	const char *cells[3] = {label.data,
	                        ml_money_format(ore, money, sizeof money),
	                        mc_share(tr->t, ore, share, sizeof share)};
	const char *styles[3] = {strong ? MC_STYLE_BOLD : NULL, NULL, NULL};
	if (rc == 0)
		rc = mc_table_row(tr->table, cells,
		                  tr->ctx->colour ? styles : NULL);
	if (rc != 0)
		tr->rc = rc;
	ml_buf_free(&label);
}

static void mc_tree_node(struct mc_tree *tr, size_t n, int depth);

/* The text of an item that is not a child. */
static void mc_item_text(const struct mc_tree *tr, size_t n,
                         const struct mc_item *it, struct ml_buf *out)
{
	const struct mc_trace *t = tr->t;
	const struct mc_trace_activity *a = &t->nodes[n].acts[it->ref];
	const char *arrow = tr->ctx->utf8 ? "\xe2\x86\x92" : "->";
	switch (it->kind) {
	case MC_I_CARRIED_IN:
		ml_buf_add_str(out, "carried in from another grant");
		break;
	case MC_I_RETURNED:
		ml_buf_add_str(out, "got back (repaid to it)");
		break;
	case MC_I_SPENT:
		ml_buf_addf(out, "spent: %s", a->activity);
		if (a->unit != NULL)
			ml_buf_addf(out, " (%s)", a->unit);
		break;
	case MC_I_REPAID:
		ml_buf_addf(out, "repaid %s %s", arrow,
		            t->nodes[t->edges[it->ref].to].party);
		break;
	case MC_I_CARRIED_OUT:
		ml_buf_add_str(out, "carried out to another grant");
		break;
	default:
		ml_buf_add_str(out, "holds");
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
			mc_tree_line(tr, conn, tr->t->nodes[child].party,
			             items[i].amount_ore, true);
			ml_buf_add_str(&tr->prefix, more);
			mc_tree_node(tr, child, depth + 1);
			tr->prefix.len = keep;
			tr->prefix.data[keep] = '\0';
			continue;
		}
		struct ml_buf text;
		ml_buf_init(&text, MC_LINE_BYTES_MAX);
		mc_item_text(tr, n, &items[i], &text);
		mc_tree_line(tr, conn, text.data ? text.data : "",
		             items[i].amount_ore, false);
		ml_buf_free(&text);
	}
	free(items);
}

/* What is under node n (its own line is already drawn). */
static void mc_tree_node(struct mc_tree *tr, size_t n, int depth)
{
	const char *note = tr->ctx->utf8 ? "\xe2\x94\x94\xe2\x94\x80 " : "`- ";
	if (tr->shown[n]) {
		mc_tree_line(tr, note, "(shown above)", 0, false);
		return;
	}
	if (depth >= MC_TREE_DEPTH_MAX) {
		mc_tree_line(tr, note, "(deeper than medel draws)", 0, false);
		return;
	}
	tr->shown[n] = true;
	mc_tree_items_draw(tr, n, depth);
}

/* Each root: the payer first, then the others in party order. */
static void mc_tree_roots(struct mc_tree *tr)
{
	const struct mc_trace *t = tr->t;
	for (size_t k = 0; k <= t->n_nodes && tr->rc == 0; k++) {
		size_t n = k == 0 ? t->payer : k - 1;
		if (n >= t->n_nodes || (k > 0 && n == t->payer) ||
		    !t->nodes[n].root)
			continue;
		mc_tree_line(tr, "", t->nodes[n].party, mc_trace_inflow(t, n),
		             true);
		mc_tree_node(tr, n, 0);
	}
}

int mc_trace_tree(struct mc_ctx *ctx, const struct mc_trace *t)
{
	struct mc_tree tr = {.ctx = ctx, .t = t};
	char pool[ML_MONEY_TEXT_MAX];
	tr.table = mc_table_new(3);
	tr.shown = calloc(t->n_nodes + 1, sizeof *tr.shown);
	ml_buf_init(&tr.prefix, 8 * MC_TREE_DEPTH_MAX);
	if (tr.table == NULL || tr.shown == NULL ||
	    ml_buf_add_str(&tr.prefix, "") != 0)
		tr.rc = ML_E_NOMEM;
	if (tr.rc == 0) {
		mc_table_column(tr.table, 0, "", MC_LEFT);
		mc_table_column(tr.table, 1, "amount", MC_RIGHT);
		mc_table_column(tr.table, 2, "of pool", MC_RIGHT);
		mc_tree_roots(&tr);
	}
	if (tr.rc == 0) {
		printf("%s%s%s as of %s: %zu parties, pool %s\n",
		       mc_style(ctx, MC_STYLE_BOLD), t->grant,
		       mc_style(ctx, MC_STYLE_RESET), t->as_of, t->n_nodes,
		       ml_money_format(t->pool_ore, pool, sizeof pool));
		mc_table_print(tr.table, stdout, 0, 0,
		               mc_style(ctx, MC_STYLE_DIM));
	}
	mc_table_free(tr.table);
	free(tr.shown);
	ml_buf_free(&tr.prefix);
	return tr.rc == 0 ? MC_EXIT_OK
	                  : mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
	                            "the tree is too large to draw: use --csv");
}

void mc_xml_text(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&apos;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}
