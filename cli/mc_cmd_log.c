/*
 * mc_cmd_log.c — `medel log`: the events, optionally filtered, and with
 * --follow the new ones as they arrive.
 *
 * GET /v1/events pages through the log (ML_EVENTS_LIMIT_MAX a page,
 * `after` = the page's next_after) until the log ends or --limit events
 * are shown. --follow then keeps asking with wait=MA_WAIT_S_MAX: medeld
 * holds the request until something newer is stored (the API's
 * catch-up subscription); embedded, mc_embed polls the directory. Each
 * page is flushed as soon as it is printed.
 *
 * --json prints the API's documents as they are: one GET's body (the
 * API's own paging: --after, --limit ≤ 10 000, default 1000), or with
 * --follow one body per line as pages arrive.
 *
 * The human form is one line per event with fixed columns (the log can
 * be endless, so it cannot be measured first): seq, date, type, amount,
 * then who and what in words: parties and grants by their names
 * (mc_names.h), types and headers in --lang's words (mc_words.h). The
 * log has no total line: its amounts are of different kinds (a grant's
 * total beside the payouts from it) and would add up to nothing.
 */
#include <assert.h>
#include <string.h>

#include "ml_money.h"

#include "ml_event.h"

#include "mc_cli.h"
#include "mc_csv.h"
#include "mc_names.h"
#include "mc_text.h"
#include "mc_words.h"

struct mc_log {
	struct mc_opt opts[6];
	uint64_t after, limit; /* limit 0 = no limit */
	bool follow;
	bool header_done;      /* the header is out (with the first page) */
	struct mc_names names; /* human form: the definitions' names */
	bool names_loaded;
	struct mc_csv_out csv;
};

static const char *const mc_log_columns[] = {
    "seq",  "date",     "type",     "id",     "grant",       "from",
    "to",   "party",    "to_grant", "amount", "activity",    "unit",
    "name", "corrects", "ref",      "note",   "recorded_at", "recorded_by"};
#define MC_LOG_COLUMNS (sizeof mc_log_columns / sizeof mc_log_columns[0])
static_assert(MC_LOG_COLUMNS == MC_WORDS_LOG_CSV, "a word per column");

/* The money an event shows: amount, a grant's total, a report's spent. */
static bool mc_event_money(const cJSON *ev, int64_t *ore)
{
	return ma_json_int(ev, "amount", ore) == 0 ||
	       ma_json_int(ev, "total", ore) == 0 ||
	       ma_json_int(ev, "spent", ore) == 0;
}

static void mc_log_csv_row(struct mc_log *l, const cJSON *ev)
{
	int64_t n = 0;
	for (size_t i = 0; i < MC_LOG_COLUMNS; i++) {
		const char *col = mc_log_columns[i];
		if (strcmp(col, "amount") == 0) {
			if (mc_event_money(ev, &n))
				ma_csv_amount(&l->csv.w, n);
			else
				ma_csv_cell(&l->csv.w, NULL);
		} else if (strcmp(col, "seq") == 0 ||
		           strcmp(col, "corrects") == 0) {
			if (ma_json_int(ev, col, &n) == 0)
				ma_csv_int(&l->csv.w, n);
			else
				ma_csv_cell(&l->csv.w, NULL);
		} else {
			ma_csv_cell(&l->csv.w, ma_json_str(ev, col));
		}
	}
	mc_csv_end_row(&l->csv);
}

/* "Malmö stad → Arbetsmarknads- och socialnämnden (ASN), Malmö stad
 * Insatser inom området psykisk hälsa 2020" and the like: names where
 * the definitions give them (mc_names.h). */
static void mc_log_what(const struct mc_ctx *ctx, const struct mc_log *l,
                        const cJSON *ev, const char *type, struct ml_buf *w)
{
	const struct mc_words *words = mc_words_of(ctx->lang);
	const char *arrow = ctx->utf8 ? " \xe2\x86\x92 " : " -> ";
	const char *grant = mc_grant_name(&l->names, ma_json_str(ev, "grant"));
	const char *from = mc_party_name(&l->names, ma_json_str(ev, "from"));
	const char *to = mc_party_name(&l->names, ma_json_str(ev, "to"));
	const char *party = ma_json_str(ev, "party");
	const char *name = ma_json_str(ev, "name");
	bool definition =
	    strcmp(type, "party") == 0 || strcmp(type, "grant") == 0;
	int64_t corrects = 0;
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(ev, "key");
	if (from != NULL && cJSON_IsObject(key))
		ml_buf_addf(w, "%s%s%d %s (%s)  ", from, arrow,
		            cJSON_GetArraySize(key), words->parties,
		            ma_json_str(ev, "key_name")
		                ? ma_json_str(ev, "key_name")
		                : "key");
	else if (from != NULL)
		ml_buf_addf(w, "%s%s%s  ", from, arrow, to ? to : "");
	else if (party != NULL && definition)
		ml_buf_addf(w, "%s  ", party);
	else if (party != NULL)
		ml_buf_addf(w, "%s  ", mc_party_name(&l->names, party));
	if (strcmp(type, "correction") == 0 &&
	    ma_json_int(ev, "corrects", &corrects) == 0)
		ml_buf_addf(
		    w, "%s %lld: %s", words->corrects, (long long)corrects,
		    ma_json_str(ev, "note") ? ma_json_str(ev, "note") : "");
	if (grant != NULL && !(definition && strcmp(type, "grant") == 0))
		ml_buf_add_str(w, grant);
	else if (grant != NULL)
		ml_buf_add_str(w, ma_json_str(ev, "grant"));
	else if (strcmp(type, "close") == 0)
		ml_buf_add_str(w, words->every_grant);
	if (ma_json_str(ev, "to_grant") != NULL)
		ml_buf_addf(
		    w, "%s%s", arrow,
		    mc_grant_name(&l->names, ma_json_str(ev, "to_grant")));
	if (ma_json_str(ev, "activity") != NULL)
		ml_buf_addf(w, "  %s", ma_json_str(ev, "activity"));
	if (ma_json_str(ev, "unit") != NULL)
		ml_buf_addf(w, " (%s)", ma_json_str(ev, "unit"));
	if (name != NULL && strcmp(type, "correction") != 0)
		ml_buf_addf(w, "%s\"%s\"", w->len ? "  " : "", name);
}

/* The width of the type column: the longest type word of the language. */
static size_t mc_log_type_cols(const struct mc_words *w)
{
	size_t max = ma_text_cols(w->type, strlen(w->type));
	for (int t = 1; t < ML_TYPE_COUNT; t++) {
		const char *word = mc_words_type(w, ml_types[t].name);
		size_t n = ma_text_cols(word, strlen(word));
		max = n > max ? n : max;
	}
	return max;
}

/* seq, date, type (padded by display columns), amount, what. */
static void mc_log_cells(const struct mc_ctx *ctx, const char *seq,
                         const char *date, const char *type, const char *style,
                         const char *money, const char *what)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	static char folded[MC_LINE_BYTES_MAX];
	size_t seq_cols = ma_text_cols(seq, strlen(seq));
	size_t cols = ma_text_cols(type, strlen(type));
	mc_text_pad(stdout, seq_cols < 8 ? 8 - seq_cols : 0);
	fputs(mc_whole(ctx, seq, folded), stdout);
	printf("  %-10s  %s%s%s", date, style, mc_whole(ctx, type, folded),
	       style[0] ? mc_style(ctx, MC_STYLE_RESET) : "");
	mc_text_pad(stdout, mc_log_type_cols(w) - cols);
	printf("  %17s  %s\n", money, what);
}

static void mc_log_line(const struct mc_ctx *ctx, const struct mc_log *l,
                        const cJSON *ev)
{
	char money[ML_MONEY_TEXT_MAX] = "", seq_text[24];
	struct ml_buf what;
	int64_t seq = 0, ore = 0;
	const char *type = ma_json_str(ev, "type");
	const char *date = ma_json_str(ev, "date");
	type = type ? type : "?";
	ma_json_int(ev, "seq", &seq);
	snprintf(seq_text, sizeof seq_text, "%lld", (long long)seq);
	if (mc_event_money(ev, &ore))
		ml_money_format(ore, money, sizeof money);
	ml_buf_init(&what, MC_LINE_BYTES_MAX);
	mc_log_what(ctx, l, ev, type, &what);
	bool corr = strcmp(type, "correction") == 0;
	static char folded[MC_LINE_BYTES_MAX];
	mc_log_cells(ctx, seq_text, date ? date : "",
	             mc_words_type(mc_words_of(ctx->lang), type),
	             corr ? mc_style(ctx, MC_STYLE_YELLOW) : "", money,
	             mc_whole(ctx, what.len ? what.data : "", folded));
	ml_buf_free(&what);
}

/* The table's header, printed with the first page that came: a run that
 * fails before any answer (no medeld, a refused filter) prints nothing
 * on stdout, only its error. */
static void mc_log_header(struct mc_ctx *ctx, struct mc_log *l)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	if (ctx->out == MC_OUT_CSV) {
		mc_csv_start(&l->csv, w->log_csv, MC_LOG_COLUMNS);
	} else if (ctx->out == MC_OUT_HUMAN) {
		fputs(mc_style(ctx, MC_STYLE_BOLD), stdout);
		mc_log_cells(ctx, w->seq, w->date, w->type, "", w->amount,
		             w->about);
		fputs(mc_style(ctx, MC_STYLE_RESET), stdout);
	}
}

/* The names for a page: asked once, and again when the page defines a
 * party or a grant (a --follow that sees a new one). */
static int mc_log_names(struct mc_ctx *ctx, struct mc_log *l,
                        const cJSON *events)
{
	const cJSON *ev;
	bool again = !l->names_loaded;
	cJSON_ArrayForEach(ev, events)
	{
		const char *type = ma_json_str(ev, "type");
		again = again || (type != NULL && (strcmp(type, "party") == 0 ||
		                                   strcmp(type, "grant") == 0));
	}
	if (ctx->out != MC_OUT_HUMAN || !again)
		return MC_EXIT_OK;
	mc_names_free(&l->names);
	l->names_loaded = true;
	return mc_names_load(ctx, NULL, &l->names);
}

/* Prints one page; *count gets its events, *next its next_after. */
static int mc_log_page(struct mc_ctx *ctx, struct mc_log *l,
                       const struct mc_reply *r, uint64_t *count,
                       uint64_t *next)
{
	cJSON *doc = mc_json_parse(r);
	const cJSON *events = ma_json_array(doc, "events");
	int64_t next_after = 0;
	const cJSON *ev;
	if (events == NULL || ma_json_int(doc, "next_after", &next_after)) {
		cJSON_Delete(doc);
		return mc_bad_answer(ctx, "no events or next_after");
	}
	*count = 0;
	int exit = mc_log_names(ctx, l, events);
	if (exit != MC_EXIT_OK) {
		cJSON_Delete(doc);
		return exit;
	}
	if (!l->header_done)
		mc_log_header(ctx, l);
	l->header_done = true;
	if (ctx->out == MC_OUT_JSON)
		mc_print_body(ctx, r);
	cJSON_ArrayForEach(ev, events)
	{
		if (ctx->out == MC_OUT_CSV)
			mc_log_csv_row(l, ev);
		else if (ctx->out == MC_OUT_HUMAN)
			mc_log_line(ctx, l, ev);
		++*count;
	}
	*next = (uint64_t)next_after;
	cJSON_Delete(doc);
	return MC_EXIT_OK;
}

/* One GET /v1/events: after, a page of at most want, maybe waiting. */
static int mc_log_get(struct mc_ctx *ctx, struct mc_log *l, uint64_t want,
                      bool wait, struct mc_reply *r)
{
	struct mc_query q;
	char after[24], limit[24], wait_s[8];
	snprintf(after, sizeof after, "%llu", (unsigned long long)l->after);
	snprintf(limit, sizeof limit, "%llu", (unsigned long long)want);
	snprintf(wait_s, sizeof wait_s, "%d", MA_WAIT_S_MAX);
	mc_query_init(&q);
	mc_query_add(&q, "after", l->after ? after : NULL);
	mc_query_add(&q, "limit", want ? limit : NULL);
	mc_query_add(&q, "grant", l->opts[0].value);
	mc_query_add(&q, "party", l->opts[1].value);
	mc_query_add(&q, "type", l->opts[2].value);
	mc_query_add(&q, "wait", wait ? wait_s : NULL);
	if (q.overflow)
		return mc_usage(ctx, "the filters are too long");
	struct mc_call call = {.method = "GET",
	                       .path = "/v1/events",
	                       .query = q.text,
	                       .slow = wait,
	                       .long_poll = wait,
	                       .out_fd = -1};
	return mc_ctx_call(ctx, &call, r);
}

/* Pages until the end (or the limit), then, following, waits for more. */
static int mc_log_loop(struct mc_ctx *ctx, struct mc_log *l)
{
	struct mc_reply r;
	uint64_t shown = 0, count = 0, next = 0;
	int exit = MC_EXIT_OK;
	bool waiting = false;
	mc_reply_init(&r, MA_ANSWER_BYTES_MAX);
	while (exit == MC_EXIT_OK && (l->limit == 0 || shown < l->limit)) {
		uint64_t want = ML_EVENTS_LIMIT_MAX;
		if (l->limit != 0 && l->limit - shown < want)
			want = l->limit - shown;
		if (ctx->out == MC_OUT_JSON && !l->follow)
			want = l->limit; /* one GET, the API's own paging */
		exit = mc_log_get(ctx, l, want, waiting, &r);
		if (exit != MC_EXIT_OK)
			break;
		exit = mc_log_page(ctx, l, &r, &count, &next);
		shown += count;
		l->after = next;
		fflush(stdout);
		if ((count < want || want == 0) && !l->follow)
			break;
		waiting = l->follow && count < want;
	}
	mc_reply_free(&r);
	return exit;
}

static int mc_log_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_log l = {.opts = {{"grant", MC_OPT_VALUE, NULL},
	                            {"party", MC_OPT_VALUE, NULL},
	                            {"type", MC_OPT_VALUE, NULL},
	                            {"after", MC_OPT_VALUE, NULL},
	                            {"limit", MC_OPT_VALUE, NULL},
	                            {"follow", MC_OPT_FLAG, NULL}}};
	size_t n_pos = 0;
	int exit = mc_args_parse(ctx, argc, argv, l.opts, 6, NULL, 0, &n_pos);
	if (exit == MC_EXIT_OK && l.opts[3].value != NULL)
		exit = mc_check_count(ctx, "after", l.opts[3].value, UINT64_MAX,
		                      &l.after);
	if (exit == MC_EXIT_OK && l.opts[4].value != NULL)
		exit = mc_check_count(ctx, "limit", l.opts[4].value, UINT64_MAX,
		                      &l.limit);
	if (exit == MC_EXIT_OK && l.opts[4].value != NULL && l.limit == 0)
		exit = mc_usage(ctx, "--limit must be at least 1");
	if (exit == MC_EXIT_OK && ctx->out == MC_OUT_JSON && !l.follow &&
	    l.limit > ML_EVENTS_LIMIT_MAX)
		exit = mc_usage(ctx,
		                "with --json, --limit is the API's page "
		                "size: at most %d (page with --after)",
		                ML_EVENTS_LIMIT_MAX);
	if (exit != MC_EXIT_OK)
		return exit;
	l.follow = l.opts[5].value != NULL;
	exit = mc_log_loop(ctx, &l);
	mc_names_free(&l.names);
	return exit;
}

const struct mc_command mc_cmd_log = {
    "log",
    "the events, filtered; --follow keeps printing new ones",
    "usage: medel log [--grant G] [--party P] [--type TYPE] [--after SEQ]\n"
    "                 [--limit N] [--follow]\n"
    "\n"
    "Prints the events in seq order, one a line: seq, date, type, amount\n"
    "and who/what. --grant, --party and --type keep only matching events\n"
    "(a party matches as from, to or party). --after SEQ starts after that\n"
    "seq; --limit N stops after N events. --follow keeps running and\n"
    "prints each new event as it is stored (Ctrl-C stops it).\n"
    "\n"
    "--csv gives every field as a column; --json prints the API's page\n"
    "(GET /v1/events: at most --limit, default 1000, events after\n"
    "--after) exactly, or with --follow one page document per line.\n"
    "\n"
    "Examples:\n"
    "  medel log --grant psykisk-halsa-2020 --type expense\n"
    "  medel log --party malmo-asn --csv > asn.csv\n"
    "  medel log --after 118 --follow\n",
    mc_log_run,
};
