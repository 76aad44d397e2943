/*
 * mc_cmd_trace.c — `medel trace GRANT`: where a grant's money went.
 *
 * GET /v1/trace?grant=G. json is the API's body; csv (every flow) and
 * svg (a flow picture for a browser) are the API's too, asked for with
 * format=csv / format=svg (and lang) and printed as received, so medel,
 * medeld and the web view give the same bytes. The tree (default) and
 * dot (Graphviz) are medel's, drawn from the JSON answer through the API
 * layer's model (mc_trace.h), labelled with the parties' and the
 * grant's names (mc_names.h). --json and --csv given globally choose
 * those formats when --format is not given.
 *
 * With --db, the ledger is opened for a trace's prefetch
 * (ml_open_opts.trace_prefetch): when the grant's first accounts had to
 * be read from disk, 16 threads read the pages of the rest at once
 * before the trace walks them (a cold trace of 100 parties: 189 ms →
 * 49 ms, docs/performance.md 2026-12-03 h-par). MEDEL_TRACE_PREFETCH=0
 * turns it off, =N (1 ..= ML_PREFETCH_THREADS_MAX) uses N walkers
 * whatever the page cache holds; for tests and benchmarks, the answer is
 * the same bytes either way. Anything else is the default.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_limits.h"

#include "mc_names.h"
#include "mc_trace.h"

static const char *mc_trace_format(const struct mc_ctx *ctx, const char *given)
{
	if (given != NULL)
		return given;
	if (ctx->out == MC_OUT_JSON)
		return "json";
	return ctx->out == MC_OUT_CSV ? "csv" : "tree";
}

/* Does the API render this format itself? */
static bool mc_trace_by_api(const char *format)
{
	return strcmp(format, "csv") == 0 || strcmp(format, "svg") == 0;
}

/* The labels of t's nodes and grant: ma_names_trace's rule, through the
 * labels mc_names worked out once (a binary search each, where
 * ma_names_trace scans the list twice per node: on a grant of 100
 * parties that was a tenth of drawing its tree). */
static void mc_trace_label(struct ma_trace *t, const struct mc_names *names)
{
	for (size_t i = 0; i < t->n_nodes; i++)
		t->nodes[i].label = mc_party_name(names, t->nodes[i].party);
	t->grant_label = mc_grant_name(names, t->grant);
}

/* The tree or DOT from the answer in r, parsed into an arena. r's text
 * is freed once parsed, so the names and the drawing reuse its memory
 * instead of faulting in more. */
static int mc_trace_render(struct mc_ctx *ctx, const char *format,
                           struct mc_reply *r)
{
	struct ma_trace t;
	char why[ML_MESSAGE_MAX];
	int exit = MC_EXIT_OK;
	if (mc_trace_by_api(format))
		return mc_print_raw(ctx, r);
	if (strcmp(format, "json") == 0)
		return mc_print_body(ctx, r);
	struct ml_arena tree;
	ml_arena_init(&tree, MC_JSON_ARENA_BYTES_MAX);
	cJSON *doc = mc_json_parse_in(&tree, r);
	mc_reply_free(r);
	struct mc_names names = {0};
	if (ma_trace_load(doc, &t, why, sizeof why) != 0)
		exit = mc_bad_answer(ctx, why);
	else
		exit = mc_names_load(ctx, t.as_of, &names);
	if (exit == MC_EXIT_OK)
		mc_trace_label(&t, &names);
	if (exit == MC_EXIT_OK && strcmp(format, "dot") == 0)
		mc_trace_dot(&t, stdout);
	else if (exit == MC_EXIT_OK)
		exit = mc_trace_tree(ctx, &t);
	ma_trace_free(&t);
	mc_names_free(&names);
	ml_arena_free(&tree); /* doc's */
	return exit;
}

/* ml_open_opts.trace_prefetch from MEDEL_TRACE_PREFETCH (see above). */
static int mc_trace_prefetch(void)
{
	const char *v = getenv("MEDEL_TRACE_PREFETCH");
	if (v == NULL || v[0] < '0' || v[0] > '9')
		return ML_PREFETCH_AUTO;
	char *end = NULL;
	long n = strtol(v, &end, 10);
	if (*end != '\0' || n > ML_PREFETCH_THREADS_MAX)
		return ML_PREFETCH_AUTO;
	return n == 0 ? ML_PREFETCH_OFF : (int)n;
}

static int mc_trace_run(struct mc_ctx *ctx, int argc, char **argv)
{
	static const char *const formats[] = {"tree", "json", "csv", "dot",
	                                      "svg"};
	struct mc_opt o[] = {{"as-of", MC_OPT_VALUE, NULL},
	                     {"known-at", MC_OPT_VALUE, NULL},
	                     {"format", MC_OPT_VALUE, NULL},
	                     {"posts", MC_OPT_FLAG, NULL}};
	char *pos[1];
	size_t n_pos = 0;
	struct mc_query q;
	struct mc_reply r;
	int exit = mc_args_parse(ctx, argc, argv, o, 4, pos, 1, &n_pos);
	if (exit == MC_EXIT_OK && n_pos != 1)
		exit = mc_usage(ctx, "trace needs a GRANT");
	if (exit == MC_EXIT_OK)
		exit = mc_check_date(ctx, "as-of", o[0].value);
	if (exit != MC_EXIT_OK)
		return exit;
	const char *format = mc_trace_format(ctx, o[2].value);
	bool known = false;
	for (size_t i = 0; i < 5; i++)
		known = known || strcmp(format, formats[i]) == 0;
	if (!known)
		return mc_usage(ctx,
		                "--format must be tree, json, csv, dot or "
		                "svg, not '%s'",
		                format);
	mc_query_init(&q);
	mc_query_add(&q, "grant", pos[0]);
	mc_query_add(&q, "as_of", o[0].value);
	mc_query_add(&q, "known_at", o[1].value);
	mc_query_add(&q, "posts", o[3].value);
	if (mc_trace_by_api(format)) {
		mc_query_add(&q, "format", format);
		mc_query_add(&q, "lang", ctx->lang);
	}
	if (q.overflow)
		return mc_usage(ctx, "the grant id is too long");
	mc_reply_init(&r, MA_ANSWER_BYTES_MAX);
	ctx->target.point_reads = true; /* a seek per account and activity */
	ctx->target.trace_prefetch = mc_trace_prefetch();
	exit = mc_ctx_get(ctx, "/v1/trace", q.text, &r);
	if (exit == MC_EXIT_OK)
		exit = mc_trace_render(ctx, format, &r);
	mc_reply_free(&r);
	return exit;
}

const struct mc_command mc_cmd_trace = {
    "trace",
    "where a grant's money went: a tree, or csv, dot, svg",
    "usage: medel trace GRANT [--as-of DATE] [--known-at TIME] [--posts]\n"
    "                   [--format tree|json|csv|dot|svg]\n"
    "\n"
    "Follows the grant's money from its payer through every payout to\n"
    "the parties that spent it, as of DATE (default: today): what each\n"
    "party received, passed on, spent on each activity, repaid, carried\n"
    "over and still holds, with each amount's share of the grant's pool.\n"
    "A post is a grant of its own: trace the post to see its flows, or\n"
    "trace the grant with --posts to see it and all its posts summed.\n"
    "\n"
    "  tree  (default) an indented tree; plain ASCII when the locale is\n"
    "        not UTF-8\n"
    "  json  the API's answer; csv every flow, one a row\n"
    "  dot   for Graphviz: medel trace G --format dot | dot -Tpng > g.png\n"
    "  svg   a flow picture (band widths proportional to the amounts,\n"
    "        spending by activity at the right) to open in a browser\n"
    "\n"
    "Examples:\n"
    "  medel trace psykisk-halsa-2020/lansgemensamma/sammanhallen-vard \\\n"
    "      --as-of 2021-04-01\n"
    "  medel trace psykisk-halsa-2020 --as-of 2020-12-31 --format svg \\\n"
    "      > malmo-2020.svg && xdg-open malmo-2020.svg\n",
    mc_trace_run,
};
