/*
 * mc_trace.h — a grant's trace, read once and drawn four ways.
 *
 * GET /v1/trace answers with the parties of one grant (nodes: what each
 * received, got back, carried in, paid out, spent by activity, repaid,
 * carried out and holds) and the flows between them (payout and
 * repayment edges). mc_trace_load turns that document into arrays with
 * indices, and works out what the answer leaves implicit:
 *
 *   - the payer: the node whose received is more than its payouts in
 *     (a non-payer receives only through payouts; the payer's received
 *     is the grant's own pool), the largest if several;
 *   - the roots: nodes no payout reaches (the payer first), from which
 *     the tree and the picture start;
 *   - depth: the longest chain of payouts from a root, bounded and safe
 *     against a cycle of payouts.
 *
 * Every node balances (rules.md): received + returned + carried_in =
 * paid_out + spent + repaid + carried_out + held, which is what lets the
 * picture draw each party with as much leaving as arriving.
 *
 * Renderers: the tree for people (mc_trace.c), CSV of every flow
 * (mc_trace.c), Graphviz DOT (mc_trace_dot.c) and an SVG flow picture
 * (mc_trace_svg.c). All of them work from this model only, so they agree
 * with each other and, embedded or through medeld, with themselves.
 */
#ifndef MC_TRACE_H
#define MC_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "mc_cli.h"

struct mc_trace_activity {
	const char *activity;
	const char *unit; /* NULL when not given */
	int64_t amount_ore;
};

enum mc_node_figure {
	MC_N_RECEIVED,
	MC_N_RETURNED,
	MC_N_CARRIED_IN,
	MC_N_PAID_OUT,
	MC_N_SPENT,
	MC_N_REPAID,
	MC_N_CARRIED_OUT,
	MC_N_HELD,
	MC_N_FIGURES
};

struct mc_trace_node {
	const char *party;
	int64_t fig[MC_N_FIGURES]; /* öre, enum mc_node_figure */
	struct mc_trace_activity *acts;
	size_t n_acts;
	int64_t paid_in_ore; /* Σ payout edges into it */
	bool root;           /* no payout reaches it */
	int depth;           /* longest payout chain from a root */
};

struct mc_trace_edge {
	size_t from, to; /* node indices */
	bool repayment;  /* else payout */
	int64_t amount_ore;
};

struct mc_trace {
	cJSON *doc; /* owns every string above */
	const char *grant, *as_of;
	struct mc_trace_node *nodes;
	size_t n_nodes;
	struct mc_trace_edge *edges;
	size_t n_edges;
	size_t payer;     /* index, or n_nodes when there is none */
	int64_t pool_ore; /* the payer's received: the grant's pool */
	int max_depth;
};

/* Reads a trace answer. 0, or -1 with the reason in why. */
int mc_trace_load(const struct mc_reply *r, struct mc_trace *t, char *why,
                  size_t why_size);
void mc_trace_free(struct mc_trace *t);

/* The amount a node shows as "what came to it": the pool for the payer,
 * its payouts in otherwise. */
int64_t mc_trace_inflow(const struct mc_trace *t, size_t node);

/* The tree for people on stdout. Returns an enum mc_exit. */
int mc_trace_tree(struct mc_ctx *ctx, const struct mc_trace *t);
/* Every flow as CSV on stdout. */
void mc_trace_csv(const struct mc_trace *t);
/* Graphviz DOT on f. */
void mc_trace_dot(const struct mc_trace *t, FILE *f);
/* The SVG flow picture on f. 0, or -1 (too many parties) with why. */
int mc_trace_svg(const struct mc_trace *t, FILE *f, char *why, size_t why_size);

/* Writes s XML-escaped (&, <, >, ", ') to f. */
void mc_xml_text(FILE *f, const char *s);

#endif /* MC_TRACE_H */
