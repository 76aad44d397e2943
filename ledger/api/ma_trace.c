/*
 * ma_trace.c — a trace answer read into the model of ma_trace.h.
 *
 * Called once per drawing (the CSV of flows, the SVG picture, medel's
 * tree and DOT) on the document ml_answer_trace built, or medel parsed.
 * Work is linear in nodes + edges, plus a sort of the node indices by
 * party so each edge finds its ends by binary search, and a bounded
 * relaxation for the depths (at most MA_SVG_COLUMNS_MAX − 1 rounds over
 * the edges). Counts are checked against MA_TRACE_*_MAX before anything
 * is allocated.
 */
#include "ma_trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_error.h"

#include "ma_json.h"

static const char *const ma_node_figures[MA_N_FIGURES] = {
    "received", "returned", "carried_in",  "paid_out",
    "spent",    "repaid",   "carried_out", "held"};

/* --- loading -------------------------------------------------------------- */

static int ma_load_node(const cJSON *j, struct ma_trace_node *n)
{
	const cJSON *a;
	size_t k = 0;
	n->party = ma_json_str(j, "party");
	n->label = n->party;
	if (n->party == NULL ||
	    ma_json_ints(j, ma_node_figures, MA_N_FIGURES, n->fig) != 0)
		return -1;
	const cJSON *acts = ma_json_array(j, "activities");
	int count = acts ? cJSON_GetArraySize(acts) : 0;
	if (count > ML_ANSWER_ROWS_MAX)
		return -1;
	n->acts = calloc((size_t)count + 1, sizeof *n->acts);
	if (n->acts == NULL)
		return -1;
	cJSON_ArrayForEach(a, acts)
	{
		struct ma_trace_activity *x = &n->acts[k++];
		x->activity = ma_json_str(a, "activity");
		x->unit = ma_json_str(a, "unit");
		if (x->activity == NULL ||
		    ma_json_int(a, "amount", &x->amount_ore) != 0)
			return -1;
	}
	n->n_acts = k;
	return 0;
}

static int ma_cmp_party(const void *a, const void *b, void *arg)
{
	const struct ma_trace_node *n = arg;
	return strcmp(n[*(const size_t *)a].party, n[*(const size_t *)b].party);
}

/* The node named party, by binary search over sorted indices. */
static size_t ma_find_node(const struct ma_trace *t, const size_t *sorted,
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

static int ma_load_edges(struct ma_trace *t, const cJSON *edges)
{
	size_t *sorted = malloc((t->n_nodes + 1) * sizeof *sorted);
	const cJSON *e;
	int rc = sorted ? 0 : -1;
	for (size_t i = 0; sorted && i < t->n_nodes; i++)
		sorted[i] = i;
	if (sorted)
		qsort_r(sorted, t->n_nodes, sizeof *sorted, ma_cmp_party,
		        t->nodes);
	cJSON_ArrayForEach(e, edges)
	{
		if (rc != 0)
			break;
		struct ma_trace_edge *x = &t->edges[t->n_edges];
		const char *kind = ma_json_str(e, "kind");
		x->from = ma_find_node(t, sorted, ma_json_str(e, "from"));
		x->to = ma_find_node(t, sorted, ma_json_str(e, "to"));
		x->repayment = kind != NULL && strcmp(kind, "repayment") == 0;
		if (x->from == t->n_nodes || x->to == t->n_nodes ||
		    kind == NULL || ma_json_int(e, "amount", &x->amount_ore))
			rc = -1;
		else
			t->n_edges++;
	}
	free(sorted);
	return rc;
}

/* Payouts in, the payer, the roots and each node's depth. */
static void ma_trace_derive(struct ma_trace *t)
{
	int64_t best = 0;
	for (size_t i = 0; i < t->n_edges; i++)
		if (!t->edges[i].repayment)
			t->nodes[t->edges[i].to].paid_in_ore +=
			    t->edges[i].amount_ore;
	t->payer = t->n_nodes;
	for (size_t i = 0; i < t->n_nodes; i++) {
		struct ma_trace_node *n = &t->nodes[i];
		int64_t own = n->fig[MA_N_RECEIVED] - n->paid_in_ore;
		n->root = n->paid_in_ore == 0;
		if (own > best) {
			best = own;
			t->payer = i;
		}
	}
	t->pool_ore =
	    t->payer < t->n_nodes ? t->nodes[t->payer].fig[MA_N_RECEIVED] : 0;
	int cap = MA_SVG_COLUMNS_MAX - 2;
	bool moved = true;
	for (int round = 0; moved && round <= cap; round++) {
		moved = false;
		for (size_t i = 0; i < t->n_edges; i++) {
			const struct ma_trace_edge *e = &t->edges[i];
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

int ma_trace_load(const cJSON *doc, struct ma_trace *t, char *why,
                  size_t why_size)
{
	memset(t, 0, sizeof *t);
	const cJSON *nodes = ma_json_array(doc, "nodes");
	const cJSON *edges = ma_json_array(doc, "edges");
	const cJSON *j;
	t->grant = ma_json_str(doc, "grant");
	t->grant_label = t->grant;
	t->as_of = ma_json_str(doc, "as_of");
	if (nodes == NULL || edges == NULL || !t->grant || !t->as_of) {
		snprintf(why, why_size, "no nodes or edges");
		return ML_E_CORRUPT;
	}
	int n = cJSON_GetArraySize(nodes), m = cJSON_GetArraySize(edges);
	if (n > MA_TRACE_NODES_MAX || m > ML_ANSWER_ROWS_MAX) {
		snprintf(why, why_size, "more than %d parties or %d flows",
		         MA_TRACE_NODES_MAX, ML_ANSWER_ROWS_MAX);
		return ML_E_TOO_LARGE;
	}
	t->nodes = calloc((size_t)n + 1, sizeof *t->nodes);
	t->edges = calloc((size_t)m + 1, sizeof *t->edges);
	if (t->nodes == NULL || t->edges == NULL) {
		snprintf(why, why_size, "out of memory");
		return ML_E_NOMEM;
	}
	int rc = 0;
	cJSON_ArrayForEach(j, nodes)
	{
		if (rc == 0)
			rc = ma_load_node(j, &t->nodes[t->n_nodes++]);
	}
	if (rc == 0)
		rc = ma_load_edges(t, edges);
	if (rc != 0) {
		snprintf(why, why_size, "a node or an edge");
		return ML_E_CORRUPT;
	}
	ma_trace_derive(t);
	return 0;
}

void ma_trace_free(struct ma_trace *t)
{
	for (size_t i = 0; t->nodes && i < t->n_nodes; i++)
		free(t->nodes[i].acts);
	free(t->nodes);
	free(t->edges);
	memset(t, 0, sizeof *t);
}

int64_t ma_trace_inflow(const struct ma_trace *t, size_t node)
{
	if (node == t->payer)
		return t->pool_ore;
	return t->nodes[node].paid_in_ore;
}
