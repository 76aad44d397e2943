/*
 * ma_trace.h — a grant's trace answer as a model to draw from.
 *
 * GET /v1/trace answers with the parties of one grant (nodes: what each
 * received, got back, carried in, paid out, spent by activity, repaid,
 * carried out and holds) and the flows between them (payout and
 * repayment edges). ma_trace_load turns that document into arrays with
 * indices, and works out what the answer leaves implicit:
 *
 *   - the payer: the node whose received is more than its payouts in
 *     (a non-payer receives only through payouts; the payer's received
 *     is the grant's own pool), the largest if several;
 *   - the roots: nodes no payout reaches (the payer first), from which
 *     a tree or a picture starts;
 *   - depth: the longest chain of payouts from a root, at most
 *     MA_SVG_COLUMNS_MAX − 2 and safe against a cycle of payouts.
 *
 * Every node balances (rules.md): received + returned + carried_in =
 * paid_out + spent + repaid + carried_out + held, which is what lets the
 * picture draw each party with as much leaving as arriving.
 *
 * Who draws from it: the API layer's CSV of every flow and SVG flow
 * picture (format=csv, format=svg on /v1/trace, ma_format.c and
 * ma_trace_svg.c), and medel's tree and Graphviz DOT, which read the
 * same JSON answer. One model, so all four agree with each other and,
 * embedded or through medeld, with themselves.
 *
 * Ownership: the model borrows the document's strings; the cJSON tree
 * given to ma_trace_load must outlive the model. ma_trace_free frees
 * only the model's arrays.
 */
#ifndef MA_TRACE_H
#define MA_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "ma_limits.h"

struct ma_trace_activity {
	const char *activity;
	const char *unit; /* NULL when not given */
	int64_t amount_ore;
};

enum ma_node_figure {
	MA_N_RECEIVED,
	MA_N_RETURNED,
	MA_N_CARRIED_IN,
	MA_N_PAID_OUT,
	MA_N_SPENT,
	MA_N_REPAID,
	MA_N_CARRIED_OUT,
	MA_N_HELD,
	MA_N_FIGURES
};

struct ma_trace_node {
	const char *party;
	const char *label;         /* what a person reads: party, or its name
	                      (ma_names.h) */
	int64_t fig[MA_N_FIGURES]; /* öre, enum ma_node_figure */
	struct ma_trace_activity *acts;
	size_t n_acts;       /* ≤ MA_TRACE_ACTIVITIES_MAX */
	int64_t paid_in_ore; /* Σ payout edges into it */
	bool root;           /* no payout reaches it */
	int depth;           /* longest payout chain from a root */
};

struct ma_trace_edge {
	size_t from, to; /* node indices */
	bool repayment;  /* else payout */
	int64_t amount_ore;
};

struct ma_trace {
	const char *grant, *as_of; /* into the document */
	const char *grant_label;   /* grant, or its name (ma_names.h) */
	struct ma_trace_node *nodes;
	size_t n_nodes; /* ≤ MA_TRACE_NODES_MAX */
	struct ma_trace_edge *edges;
	size_t n_edges;   /* ≤ MA_TRACE_EDGES_MAX */
	size_t payer;     /* index, or n_nodes when there is none */
	int64_t pool_ore; /* the payer's received: the grant's pool */
	int max_depth;    /* ≤ MA_SVG_COLUMNS_MAX − 2 */
};

/* Reads a trace answer doc (borrowed: it must outlive *t). Returns 0, or
 * ML_E_TOO_LARGE (more than the MA_TRACE_*_MAX), ML_E_NOMEM or
 * ML_E_CORRUPT (a member missing or of the wrong kind) with a sentence
 * in why. *t is always set and must be freed with ma_trace_free. */
int ma_trace_load(const cJSON *doc, struct ma_trace *t, char *why,
                  size_t why_size);
/* Frees the model's arrays (not the document). */
void ma_trace_free(struct ma_trace *t);

/* The amount a node shows as "what came to it": the pool for the payer,
 * its payouts in otherwise. */
int64_t ma_trace_inflow(const struct ma_trace *t, size_t node);

#endif /* MA_TRACE_H */
