/*
 * mc_trace.h — a grant's trace for people: a tree, or Graphviz DOT.
 *
 * Both draw from the API layer's model of a trace answer (ma_trace.h:
 * the payer, the roots, each party's depth), the same model the API's
 * own CSV of every flow and SVG picture are drawn from (format=csv,
 * format=svg on GET /v1/trace), so all four agree. The tree is in
 * mc_trace.c, DOT in mc_trace_dot.c; `medel trace` (mc_cmd_trace.c)
 * chooses.
 */
#ifndef MC_TRACE_H
#define MC_TRACE_H

#include <stdio.h>

#include "ma_trace.h"

#include "mc_cli.h"

/* The tree for people on stdout. Returns an enum mc_exit. */
int mc_trace_tree(struct mc_ctx *ctx, const struct ma_trace *t);
/* Graphviz DOT on f. */
void mc_trace_dot(const struct ma_trace *t, FILE *f);

#endif /* MC_TRACE_H */
