/*
 * mc_trace_dot.c — a trace as Graphviz DOT (`trace --format dot`).
 *
 *   medel trace G --format dot | dot -Tsvg > trace.svg
 *
 * Left to right: each party a rounded box with what came to it, payouts
 * as solid arrows (pen width growing with the amount), repayments as
 * dashed orange arrows, each activity a note shape with its amount at
 * the right, carry-overs and what a party still holds as plain text
 * beside it. Node names are "p:" + party id and "a:" + number, quoted,
 * so ids with '.', '/' or '-' are safe; labels escape '"' and '\'.
 */
#include "ml_money.h"

#include "mc_trace.h"

/* A DOT string's contents: '"' and '\' escaped, newlines as \n. */
static void mc_dot_text(FILE *f, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

/* Pen width 1 ..= 8 by the amount's share of the pool. */
static double mc_dot_pen(const struct ma_trace *t, int64_t ore)
{
	if (t->pool_ore <= 0)
		return 1.0;
	double w = 1.0 + 7.0 * (double)ore / (double)t->pool_ore;
	return w > 8.0 ? 8.0 : w;
}

static void mc_dot_node(const struct ma_trace *t, size_t i, FILE *f)
{
	const struct ma_trace_node *n = &t->nodes[i];
	char money[ML_MONEY_TEXT_MAX];
	fputs("  \"p:", f);
	mc_dot_text(f, n->party);
	fputs("\" [label=\"", f);
	mc_dot_text(f, n->label);
	fprintf(f, "\\n%s%s\"%s];\n", i == t->payer ? "pool " : "",
	        ml_money_format(ma_trace_inflow(t, i), money, sizeof money),
	        i == t->payer ? ", style=\"rounded,bold\"" : "");
	static const struct {
		enum ma_node_figure fig;
		const char *what;
	} extra[] = {{MA_N_CARRIED_IN, "carried in"},
	             {MA_N_CARRIED_OUT, "carried out"},
	             {MA_N_HELD, "holds"}};
	for (size_t k = 0; k < 3; k++) {
		if (n->fig[extra[k].fig] == 0)
			continue;
		fprintf(
		    f,
		    "  \"x:%zu:%zu\" [shape=plaintext, label=\"%s %s\"];"
		    "\n  \"p:",
		    i, k, extra[k].what,
		    ml_money_format(n->fig[extra[k].fig], money, sizeof money));
		mc_dot_text(f, n->party);
		fprintf(f,
		        "\" -> \"x:%zu:%zu\" [style=dotted, arrowhead=none];"
		        "\n",
		        i, k);
	}
}

static void mc_dot_activities(const struct ma_trace *t, size_t i, size_t *next,
                              FILE *f)
{
	const struct ma_trace_node *n = &t->nodes[i];
	char money[ML_MONEY_TEXT_MAX];
	for (size_t k = 0; k < n->n_acts; k++) {
		const struct ma_trace_activity *a = &n->acts[k];
		fprintf(f,
		        "  \"a:%zu\" [shape=note, color=\"#59a14f\", "
		        "label=\"",
		        *next);
		mc_dot_text(f, a->activity);
		if (a->unit != NULL) {
			fputs("\\n(", f);
			mc_dot_text(f, a->unit);
			fputc(')', f);
		}
		fprintf(f, "\\n%s\"];\n  \"p:",
		        ml_money_format(a->amount_ore, money, sizeof money));
		mc_dot_text(f, n->party);
		fprintf(f,
		        "\" -> \"a:%zu\" [color=\"#59a14f\", "
		        "penwidth=%.2f];\n",
		        *next, mc_dot_pen(t, a->amount_ore));
		++*next;
	}
}

void mc_trace_dot(const struct ma_trace *t, FILE *f)
{
	char money[ML_MONEY_TEXT_MAX];
	size_t next = 0;
	fputs("digraph trace {\n  rankdir=LR;\n  labelloc=t;\n  label=\"", f);
	mc_dot_text(f, t->grant);
	fprintf(f,
	        " as of %s\";\n  node [shape=box, style=rounded, "
	        "fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", "
	        "fontsize=10];\n",
	        t->as_of);
	for (size_t i = 0; i < t->n_nodes; i++)
		mc_dot_node(t, i, f);
	for (size_t i = 0; i < t->n_edges; i++) {
		const struct ma_trace_edge *e = &t->edges[i];
		fputs("  \"p:", f);
		mc_dot_text(f, t->nodes[e->from].party);
		fputs("\" -> \"p:", f);
		mc_dot_text(f, t->nodes[e->to].party);
		fprintf(f, "\" [label=\"%s\", penwidth=%.2f%s];\n",
		        ml_money_format(e->amount_ore, money, sizeof money),
		        mc_dot_pen(t, e->amount_ore),
		        e->repayment ? ", style=dashed, color=\"#f28e2b\", "
		                       "constraint=false"
		                     : "");
	}
	for (size_t i = 0; i < t->n_nodes; i++)
		mc_dot_activities(t, i, &next, f);
	fputs("}\n", f);
}
