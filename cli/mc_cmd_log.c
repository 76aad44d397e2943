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
 * --follow one body per line as pages arrive. Embedded, the page is not
 * built in memory first: each event the API's reader hands over is
 * written as the API writes it (ml_json_write_event, ML_JSON_STORED,
 * the same bytes as GET /v1/events and export's JSON Lines) into a
 * buffer of MC_LOG_JSON_FLUSH_BYTES that goes to stdout when full; the
 * answer's envelope, {"events":[],"next_after":N}, gives the end. So a
 * page of 10 000 events (~5 MB) costs no more memory than one piece,
 * and the bytes are those medeld sends (tests/cli/test_modes.py
 * test_json_log_pages). The one difference is a failure in the middle
 * of a page (a damaged record): stdout then holds the part written,
 * as export's does, where medeld's page is all or nothing.
 *
 * The human form is one line per event with fixed columns (the log can
 * be endless, so it cannot be measured first): seq, date, type, amount,
 * then who and what in words: parties and grants by their names
 * (mc_names.h), types and headers in --lang's words (mc_words.h). The
 * log has no total line: its amounts are of different kinds (a grant's
 * total beside the payouts from it) and would add up to nothing.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_money.h"

#include "ml_event.h"
#include "ml_json.h"

#include "mc_cli.h"
#include "mc_csv.h"
#include "mc_names.h"
#include "mc_text.h"
#include "mc_words.h"

static const char *const mc_log_columns[] = {
    "seq",  "date",     "type",     "id",     "grant",       "from",
    "to",   "party",    "to_grant", "amount", "activity",    "unit",
    "name", "corrects", "ref",      "note",   "recorded_at", "recorded_by"};
#define MC_LOG_COLUMNS (sizeof mc_log_columns / sizeof mc_log_columns[0])
static_assert(MC_LOG_COLUMNS == MC_WORDS_LOG_CSV, "a word per column");

/* One event of a page as the printers read it: each column's text (an
 * offset + 1 into the page's text; 0 when the event has no such field)
 * and the numbers. Filled from the stored record (embedded) or from the
 * page's JSON (through medeld), so both print the same bytes. */
struct mc_log_row {
	uint32_t cell[MC_LOG_COLUMNS];
	uint32_t key_name;   /* offset + 1, or 0 */
	int32_t key_members; /* members of the key object; -1: none */
	enum ml_type type;   /* ML_TYPE_NONE: absent or unknown */
	bool has_seq, has_money, has_corrects;
	int64_t seq, money_ore, corrects;
};

/* The events of one page: rows and the text they point into, both
 * reused from page to page (at most ML_EVENTS_LIMIT_MAX rows). */
struct mc_log_page {
	struct mc_log_row *rows;
	size_t n, cap;
	struct ml_buf text;
	int rc;          /* the first failure to keep an event (no memory) */
	bool human;      /* only the columns the human form shows */
	ml_day last_day; /* the date text kept last (events come by date) */
	uint32_t last_day_cell;
};

/* --json, embedded: the page's events as they come (mc_log_json_event). */
struct mc_log_json {
	struct ml_buf out;   /* not yet on stdout: < MC_LOG_JSON_FLUSH_BYTES
	                        + one event */
	uint64_t page_bytes; /* of this page, on stdout or in out */
	uint32_t count;      /* events of this page, ≤ ML_EVENTS_LIMIT_MAX */
};

struct mc_log {
	struct mc_opt opts[6];
	uint64_t after, limit; /* limit 0 = no limit */
	bool follow;
	bool header_done;      /* the header is out (with the first page) */
	struct mc_names names; /* human form: the definitions' names */
	bool names_loaded;
	struct mc_csv_out csv;
	struct mc_log_page page;
	struct mc_log_json json;
	struct ml_buf what, line; /* one line of the human form, reused */
	size_t type_cols;         /* the type column's width */
	const char *type_word[ML_TYPE_COUNT]; /* mc_words_type of each */
};

enum {
	MC_COL_SEQ = 0,
	MC_COL_DATE = 1,
	MC_COL_TYPE = 2,
	MC_COL_AMOUNT = 9,
	MC_COL_CORRECTS = 13
};

/* The event field behind each text column (ML_F_COUNT: a number). */
static const enum ml_field mc_log_fields[MC_LOG_COLUMNS] = {
    ML_F_COUNT,    ML_F_DATE,        ML_F_TYPE,       ML_F_ID,       ML_F_GRANT,
    ML_F_FROM,     ML_F_TO,          ML_F_PARTY,      ML_F_TO_GRANT, ML_F_COUNT,
    ML_F_ACTIVITY, ML_F_UNIT,        ML_F_NAME,       ML_F_COUNT,    ML_F_REF,
    ML_F_NOTE,     ML_F_RECORDED_AT, ML_F_RECORDED_BY};

/* The columns the human form leaves out (the CSV has every one). */
static bool mc_log_human_skips(size_t col)
{
	return col == 3 || col == 14 || col == 16 || col == 17;
}

static const char *mc_row_text_of(const struct mc_log_page *pg, uint32_t off)
{
	return off != 0 ? pg->text.data + off - 1 : NULL;
}

static const char *mc_row_text(const struct mc_log *l, uint32_t off)
{
	return mc_row_text_of(&l->page, off);
}

static const char *mc_row_str(const struct mc_log *l,
                              const struct mc_log_row *row, size_t col)
{
	return mc_row_text(l, row->cell[col]);
}

/* Keeps bytes[0..len) and a NUL in the page's text: offset + 1, or 0. */
static uint32_t mc_page_keep(struct mc_log_page *pg, const char *bytes,
                             size_t len)
{
	uint32_t off = (uint32_t)pg->text.len + 1;
	int rc = ml_buf_add(&pg->text, bytes, len);
	if (rc == 0)
		rc = ml_buf_add_char(&pg->text, '\0');
	if (rc != 0 && pg->rc == 0)
		pg->rc = rc;
	return rc == 0 ? off : 0;
}

/* A new row of the page, every cell empty; NULL without memory. */
static struct mc_log_row *mc_page_row(struct mc_log_page *pg)
{
	if (pg->n == pg->cap) {
		size_t cap = pg->cap ? 2 * pg->cap : 256;
		void *v = realloc(pg->rows, cap * sizeof *pg->rows);
		if (v == NULL) {
			pg->rc = pg->rc ? pg->rc : ML_E_NOMEM;
			return NULL;
		}
		pg->rows = v;
		pg->cap = cap;
	}
	struct mc_log_row *row = &pg->rows[pg->n++];
	memset(row, 0, sizeof *row);
	row->key_members = -1;
	return row;
}

/* The text of field f of a stored event, as the API's JSON gives it. */
static uint32_t mc_record_cell(struct mc_log_page *pg,
                               const struct ml_event *ev, enum ml_field f)
{
	char text[ML_TIME_TEXT_MAX + ML_DATE_TEXT_MAX];
	if (f == ML_F_TYPE)
		return mc_page_keep(pg, ml_types[ev->type].name,
		                    strlen(ml_types[ev->type].name));
	if (f == ML_F_DATE && pg->last_day_cell != 0 &&
	    pg->last_day == ev->date)
		return pg->last_day_cell;
	if (f == ML_F_DATE) {
		ml_date_format(ev->date, text, sizeof text);
		pg->last_day = ev->date;
		pg->last_day_cell = mc_page_keep(pg, text, strlen(text));
		return pg->last_day_cell;
	}
	if (!(ev->present & ML_BIT(f)))
		return 0;
	if (f == ML_F_RECORDED_AT) {
		ml_time_format(ev->recorded_at_us, text, sizeof text);
		return mc_page_keep(pg, text, strlen(text));
	}
	const struct ml_str *str =
	    (const struct ml_str *)((const char *)ev + ml_fields[f].offset);
	return str->ptr != NULL ? mc_page_keep(pg, str->ptr, str->len) : 0;
}

/* The members of a distribution's key (canonical JSON text), as the
 * JSON form's object counts them. */
static int32_t mc_key_members(struct ml_str key)
{
	cJSON *doc = cJSON_ParseWithLength(key.ptr, key.len);
	int32_t n = cJSON_IsObject(doc) ? cJSON_GetArraySize(doc) : -1;
	cJSON_Delete(doc);
	return n;
}

/* ml_event_fn: one stored event into the page (embedded). */
static int mc_log_record(void *arg, const struct ml_event *ev)
{
	struct mc_log_page *pg = arg;
	struct mc_log_row *row = mc_page_row(pg);
	if (row == NULL)
		return ML_E_NOMEM;
	for (size_t c = 0; c < MC_LOG_COLUMNS; c++)
		if (mc_log_fields[c] != ML_F_COUNT &&
		    !(pg->human && mc_log_human_skips(c)))
			row->cell[c] = mc_record_cell(pg, ev, mc_log_fields[c]);
	row->type = ev->type;
	row->has_seq = (ev->present & ML_BIT(ML_F_SEQ)) != 0;
	row->seq = (int64_t)ev->seq;
	row->has_corrects = (ev->present & ML_BIT(ML_F_CORRECTS)) != 0;
	row->corrects = (int64_t)ev->corrects;
	row->has_money = true;
	if (ev->present & ML_BIT(ML_F_AMOUNT))
		row->money_ore = ev->amount_ore;
	else if (ev->present & ML_BIT(ML_F_TOTAL))
		row->money_ore = ev->total_ore;
	else if (ev->present & ML_BIT(ML_F_SPENT))
		row->money_ore = ev->spent_ore;
	else
		row->has_money = false;
	if (ev->present & ML_BIT(ML_F_KEY))
		row->key_members = mc_key_members(ev->key);
	row->key_name = mc_record_cell(pg, ev, ML_F_KEY_NAME);
	return pg->rc;
}

/* The part of the page held in js->out onto stdout (a failed write
 * shows in mc_finish_output, as every printer's does). */
static void mc_log_json_flush(struct mc_log_json *js)
{
	js->page_bytes += js->out.len;
	if (js->out.len > 0)
		fwrite(js->out.data, 1, js->out.len, stdout);
	ml_buf_reset(&js->out);
}

/* ml_event_fn for --json, embedded: one stored event onto the page, as
 * ml_answer_events writes it into medeld's (the page's head with the
 * first event; a comma between events). A page may not outgrow what the
 * API would build: ML_E_TOO_LARGE past MA_ANSWER_BYTES_MAX, as medeld's
 * (which counts the envelope's end too: a few bytes). */
static int mc_log_json_event(void *arg, const struct ml_event *ev)
{
	struct mc_log_json *js = arg;
	ML_ASSERT(js->count < ML_EVENTS_LIMIT_MAX);
	int rc = js->count == 0 ? ml_buf_add_str(&js->out, "{\"events\":[")
	                        : ml_buf_add_char(&js->out, ',');
	if (rc == 0)
		rc = ml_json_write_event(ev, ML_JSON_STORED, &js->out);
	if (rc == 0 && js->page_bytes + js->out.len > MA_ANSWER_BYTES_MAX)
		rc = ML_E_TOO_LARGE;
	if (rc != 0)
		return rc;
	js->count++;
	if (js->out.len >= MC_LOG_JSON_FLUSH_BYTES)
		mc_log_json_flush(js);
	return 0;
}

/* The money an event shows: amount, a grant's total, a report's spent. */
static bool mc_event_money(const cJSON *ev, int64_t *ore)
{
	return ma_json_int(ev, "amount", ore) == 0 ||
	       ma_json_int(ev, "total", ore) == 0 ||
	       ma_json_int(ev, "spent", ore) == 0;
}

static uint32_t mc_json_cell(struct mc_log_page *pg, const cJSON *ev,
                             const char *name)
{
	const char *s = ma_json_str(ev, name);
	return s != NULL ? mc_page_keep(pg, s, strlen(s)) : 0;
}

/* One event of a page's JSON into the page (through medeld). */
static void mc_log_json_row(struct mc_log_page *pg, const cJSON *ev)
{
	struct mc_log_row *row = mc_page_row(pg);
	if (row == NULL)
		return;
	for (size_t c = 0; c < MC_LOG_COLUMNS; c++)
		if (mc_log_fields[c] != ML_F_COUNT &&
		    !(pg->human && mc_log_human_skips(c)))
			row->cell[c] = mc_json_cell(pg, ev, mc_log_columns[c]);
	const char *type = mc_row_text_of(pg, row->cell[MC_COL_TYPE]);
	row->type = type ? ml_type_from_name(type, strlen(type)) : ML_TYPE_NONE;
	row->has_seq = ma_json_int(ev, "seq", &row->seq) == 0;
	row->has_corrects = ma_json_int(ev, "corrects", &row->corrects) == 0;
	row->has_money = mc_event_money(ev, &row->money_ore);
	const cJSON *key = cJSON_GetObjectItemCaseSensitive(ev, "key");
	if (cJSON_IsObject(key))
		row->key_members = cJSON_GetArraySize(key);
	row->key_name = mc_json_cell(pg, ev, "key_name");
}

static void mc_log_csv_row(struct mc_log *l, const struct mc_log_row *row)
{
	for (size_t i = 0; i < MC_LOG_COLUMNS; i++) {
		if (i == MC_COL_AMOUNT && row->has_money)
			ma_csv_amount(&l->csv.w, row->money_ore);
		else if (i == MC_COL_SEQ && row->has_seq)
			ma_csv_int(&l->csv.w, row->seq);
		else if (i == MC_COL_CORRECTS && row->has_corrects)
			ma_csv_int(&l->csv.w, row->corrects);
		else
			ma_csv_cell(&l->csv.w, mc_row_str(l, row, i));
	}
	mc_csv_end_row(&l->csv);
}

/* "Malmö stad → Arbetsmarknads- och socialnämnden (ASN), Malmö stad
 * Insatser inom området psykisk hälsa 2020" and the like: names where
 * the definitions give them (mc_names.h). */
/* Appends the n strings as one piece, or nothing when the piece does not
 * fit (as one ml_buf_addf would: the line keeps what fitted before). */
static void mc_piece(struct ml_buf *w, const char *const *part, size_t n)
{
	size_t len[8], total = 0;
	char *at;
	ML_ASSERT(n <= 8);
	for (size_t i = 0; i < n; i++) {
		len[i] = strlen(part[i]);
		total += len[i];
	}
	if (ml_buf_room(w, total, &at) != 0)
		return;
	for (size_t i = 0; i < n; i++, at += len[i - 1])
		memcpy(at, part[i], len[i]);
	ml_buf_commit(w, total);
}
#define MC_PIECE(w, ...)                                                       \
	mc_piece((w), (const char *const[]){__VA_ARGS__},                      \
	         sizeof((const char *const[]){__VA_ARGS__}) / sizeof(char *))

/* The names and numbers of "what", by the event's fields. */
static void mc_log_what_who(const struct mc_ctx *ctx, const struct mc_log *l,
                            const struct mc_log_row *ev, bool definition,
                            struct ml_buf *w)
{
	const struct mc_words *words = mc_words_of(ctx->lang);
	const char *arrow = ctx->utf8 ? " \xe2\x86\x92 " : " -> ";
	const char *from = mc_party_name(&l->names, mc_row_str(l, ev, 5));
	const char *to = mc_party_name(&l->names, mc_row_str(l, ev, 6));
	const char *party = mc_row_str(l, ev, 7);
	const char *key_name = mc_row_text(l, ev->key_name);
	char n[24];
	if (from != NULL && ev->key_members >= 0) {
		snprintf(n, sizeof n, "%d", (int)ev->key_members);
		MC_PIECE(w, from, arrow, n, " ", words->parties, " (",
		         key_name ? key_name : "key", ")  ");
	} else if (from != NULL) {
		MC_PIECE(w, from, arrow, to ? to : "", "  ");
	} else if (party != NULL && definition) {
		MC_PIECE(w, party, "  ");
	} else if (party != NULL) {
		MC_PIECE(w, mc_party_name(&l->names, party), "  ");
	}
}

/* "Malmö stad → Arbetsmarknads- och socialnämnden (ASN), Malmö stad
 * Insatser inom området psykisk hälsa 2020" and the like: names where
 * the definitions give them (mc_names.h). Each piece goes in whole or
 * not at all (a line of at most MC_LINE_BYTES_MAX). */
static void mc_log_what(const struct mc_ctx *ctx, const struct mc_log *l,
                        const struct mc_log_row *ev, struct ml_buf *w)
{
	const struct mc_words *words = mc_words_of(ctx->lang);
	const char *arrow = ctx->utf8 ? " \xe2\x86\x92 " : " -> ";
	const char *grant_id = mc_row_str(l, ev, 4);
	const char *grant = mc_grant_name(&l->names, grant_id);
	const char *to_grant = mc_row_str(l, ev, 8);
	const char *activity = mc_row_str(l, ev, 10);
	const char *unit = mc_row_str(l, ev, 11);
	const char *name = mc_row_str(l, ev, 12);
	const char *note = mc_row_str(l, ev, 15);
	/* The type's enum stands for its name (unknown: none of these). */
	bool definition =
	    ev->type == ML_TYPE_PARTY || ev->type == ML_TYPE_GRANT;
	bool correction = ev->type == ML_TYPE_CORRECTION;
	char n[24];
	mc_log_what_who(ctx, l, ev, definition, w);
	if (correction && ev->has_corrects) {
		snprintf(n, sizeof n, "%lld", (long long)ev->corrects);
		MC_PIECE(w, words->corrects, " ", n, ": ", note ? note : "");
	}
	if (grant != NULL && ev->type != ML_TYPE_GRANT)
		MC_PIECE(w, grant);
	else if (grant != NULL)
		MC_PIECE(w, grant_id);
	else if (ev->type == ML_TYPE_CLOSE)
		MC_PIECE(w, words->every_grant);
	if (to_grant != NULL)
		MC_PIECE(w, arrow, mc_grant_name(&l->names, to_grant));
	if (activity != NULL)
		MC_PIECE(w, "  ", activity);
	if (unit != NULL)
		MC_PIECE(w, " (", unit, ")");
	if (name != NULL && !correction)
		MC_PIECE(w, w->len ? "  " : "", "\"", name, "\"");
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

/* text whole (mc_whole) onto line: as it is on a UTF-8 terminal or when
 * it is ASCII, folded otherwise; the long-text edge through mc_whole. */
static void mc_log_whole(const struct mc_ctx *ctx, struct ml_buf *line,
                         const char *text)
{
	static char folded[MC_LINE_BYTES_MAX];
	size_t len = strlen(text);
	bool ascii = true;
	for (size_t i = 0; i < len && ascii && !ctx->utf8; i++)
		ascii = (unsigned char)text[i] < 0x80;
	if (len >= MC_LINE_BYTES_MAX / 2)
		ml_buf_add_str(line, mc_whole(ctx, text, folded));
	else if (ctx->utf8 || ascii)
		ml_buf_add(line, text, len);
	else
		ma_text_add(line, text, 0, false);
}

static void mc_log_pad(struct ml_buf *line, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ml_buf_add_char(line, ' ');
}

/* One event's line, as mc_log_cells lays out the header's, built in
 * l->line and written at once. */
static void mc_log_line(const struct mc_ctx *ctx, struct mc_log *l,
                        const struct mc_log_row *ev)
{
	char money[ML_MONEY_TEXT_MAX] = "", seq_text[24];
	const char *type = mc_row_str(l, ev, MC_COL_TYPE);
	const char *date = mc_row_str(l, ev, MC_COL_DATE);
	const struct mc_words *words = mc_words_of(ctx->lang);
	struct ml_buf *line = &l->line;
	type = type ? type : "?";
	date = date ? date : "";
	bool corr = ev->type == ML_TYPE_CORRECTION;
	const char *style = corr ? mc_style(ctx, MC_STYLE_YELLOW) : "";
	const char *word = ev->type != ML_TYPE_NONE
	                       ? l->type_word[ev->type]
	                       : mc_words_type(words, type);
	char *seq_end = ml_put_i64(seq_text, ev->has_seq ? ev->seq : 0);
	*seq_end = '\0';
	size_t seq_len = (size_t)(seq_end - seq_text);
	if (ev->has_money)
		ml_money_format(ev->money_ore, money, sizeof money);
	ml_buf_reset(&l->what);
	mc_log_what(ctx, l, ev, &l->what);
	ml_buf_reset(line);
	mc_log_pad(line, seq_len < 8 ? 8 - seq_len : 0);
	MC_PIECE(line, seq_text, "  ", date);
	mc_log_pad(line, strlen(date) < 10 ? 10 - strlen(date) : 0);
	MC_PIECE(line, "  ", style);
	mc_log_whole(ctx, line, word);
	MC_PIECE(line, style[0] ? mc_style(ctx, MC_STYLE_RESET) : "");
	size_t cols = ma_text_cols(word, strlen(word));
	mc_log_pad(line, cols < l->type_cols ? l->type_cols - cols : 0);
	MC_PIECE(line, "  ");
	mc_log_pad(line, strlen(money) < 17 ? 17 - strlen(money) : 0);
	MC_PIECE(line, money, "  ");
	mc_log_whole(ctx, line, l->what.len ? l->what.data : "");
	ml_buf_add_char(line, '\n');
	fwrite(line->data, 1, line->len, stdout);
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
		l->type_cols = mc_log_type_cols(w);
		for (int t = 0; t < ML_TYPE_COUNT; t++)
			l->type_word[t] = mc_words_type(w, ml_types[t].name);
		fputs(mc_style(ctx, MC_STYLE_BOLD), stdout);
		mc_log_cells(ctx, w->seq, w->date, w->type, "", w->amount,
		             w->about);
		fputs(mc_style(ctx, MC_STYLE_RESET), stdout);
	}
}

/* The names for a page: asked once, with the first page that has an
 * event to name (a filter that matches nothing asks for none), and again
 * when a page defines a party or a grant (a --follow that sees a new
 * one). */
static int mc_log_names(struct mc_ctx *ctx, struct mc_log *l)
{
	bool again = !l->names_loaded && l->page.n > 0;
	if (ctx->out != MC_OUT_HUMAN)
		return MC_EXIT_OK;
	for (size_t i = 0; i < l->page.n && !again; i++) {
		enum ml_type t = l->page.rows[i].type;
		again = t == ML_TYPE_PARTY || t == ML_TYPE_GRANT;
	}
	if (!again)
		return MC_EXIT_OK;
	mc_names_free(&l->names);
	l->names_loaded = true;
	return mc_names_load(ctx, NULL, &l->names);
}

/* The page's events into l->page: from the JSON body (through medeld),
 * after those the embedded ledger handed over already. */
/* next_after from the end of a page as the API writes it, {"events":[
 * …],"next_after":N}, without parsing the events: --json prints the
 * page as it came and needs nothing else from it. False when the body
 * does not have that shape (it is then parsed whole). */
static bool mc_log_next_after(const struct mc_reply *r, int64_t *next_after)
{
	static const char head[] = "{\"events\":[",
	                  tail[] = "],\"next_after\":";
	const char *b = r->body.data;
	size_t len = r->body.len, end = len, digits = 0;
	if (b == NULL || len < sizeof head + sizeof tail ||
	    memcmp(b, head, sizeof head - 1) != 0 || b[len - 1] != '}')
		return false;
	for (end = len - 1; end > 0 && b[end - 1] >= '0' && b[end - 1] <= '9';
	     end--)
		digits++;
	if (digits == 0 || digits > 15 || end < sizeof tail - 1 ||
	    memcmp(b + end - (sizeof tail - 1), tail, sizeof tail - 1) != 0)
		return false;
	*next_after = 0;
	for (size_t i = end; i < len - 1; i++)
		*next_after = *next_after * 10 + (b[i] - '0');
	return true;
}

/* A page whose events were streamed (mc_log_json_event): the answer is
 * its envelope with an empty array, and gives next_after. */
static int mc_log_take_streamed(struct mc_ctx *ctx, struct mc_log *l,
                                const struct mc_reply *r, int64_t *next_after)
{
	static const char empty[] = "{\"events\":[]";
	if (!mc_log_next_after(r, next_after) ||
	    memcmp(r->body.data, empty, sizeof empty - 1) != 0)
		return mc_bad_answer(ctx, "no events or next_after");
	l->page.n = l->json.count;
	return MC_EXIT_OK;
}

static int mc_log_take(struct mc_ctx *ctx, struct mc_log *l,
                       const struct mc_reply *r, int64_t *next_after)
{
	if (ctx->out == MC_OUT_JSON && l->json.count > 0)
		return mc_log_take_streamed(ctx, l, r, next_after);
	/* One --json page, not followed: printed whole, nothing counted. */
	if (ctx->out == MC_OUT_JSON && !l->follow &&
	    mc_log_next_after(r, next_after))
		return MC_EXIT_OK;
	cJSON *doc = mc_json_parse(r);
	const cJSON *events = ma_json_array(doc, "events");
	const cJSON *ev;
	if (events == NULL || ma_json_int(doc, "next_after", next_after)) {
		cJSON_Delete(doc);
		return mc_bad_answer(ctx, "no events or next_after");
	}
	if (ctx->out != MC_OUT_JSON)
		cJSON_ArrayForEach(ev, events) mc_log_json_row(&l->page, ev);
	else
		cJSON_ArrayForEach(ev, events) l->page.n++;
	cJSON_Delete(doc);
	if (l->page.rc != 0)
		return mc_fail(ctx, MC_EXIT_UNREACHABLE, "no_memory",
		               "cannot hold a page of the log: %s",
		               ml_strerror(l->page.rc));
	return MC_EXIT_OK;
}

/* The end of a --json page: the body as it came, or, when its events
 * were streamed, the rest of them and the envelope's end (the body after
 * its "{"events":[", which mc_log_take_streamed checked). */
static void mc_log_json_end(struct mc_ctx *ctx, struct mc_log *l,
                            const struct mc_reply *r)
{
	static const size_t head_bytes = sizeof "{\"events\":[" - 1;
	if (l->json.count == 0) {
		mc_print_body(ctx, r);
		return;
	}
	ML_ASSERT(r->body.len > head_bytes);
	mc_log_json_flush(&l->json);
	fwrite(r->body.data + head_bytes, 1, r->body.len - head_bytes, stdout);
	fputc('\n', stdout);
}

/* Prints one page; *count gets its events, *next its next_after. */
static int mc_log_page(struct mc_ctx *ctx, struct mc_log *l,
                       const struct mc_reply *r, uint64_t *count,
                       uint64_t *next)
{
	int64_t next_after = 0;
	*count = 0;
	int exit = mc_log_take(ctx, l, r, &next_after);
	if (exit == MC_EXIT_OK)
		exit = mc_log_names(ctx, l);
	if (exit != MC_EXIT_OK)
		return exit;
	if (!l->header_done)
		mc_log_header(ctx, l);
	l->header_done = true;
	if (ctx->out == MC_OUT_JSON)
		mc_log_json_end(ctx, l, r);
	for (size_t i = 0; i < l->page.n; i++) {
		if (ctx->out == MC_OUT_CSV)
			mc_log_csv_row(l, &l->page.rows[i]);
		else if (ctx->out == MC_OUT_HUMAN)
			mc_log_line(ctx, l, &l->page.rows[i]);
	}
	*count = l->page.n;
	*next = (uint64_t)next_after;
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
	/* Where the ledger is here, every form prints from the stored
	 * records: the tables fill rows, --json streams the API's page. */
	call.on_event =
	    ctx->out == MC_OUT_JSON ? mc_log_json_event : mc_log_record;
	call.on_event_arg =
	    ctx->out == MC_OUT_JSON ? (void *)&l->json : &l->page;
	l->json.count = 0;
	l->json.page_bytes = 0;
	ml_buf_reset(&l->json.out);
	l->page.n = 0;
	l->page.rc = 0;
	l->page.last_day_cell = 0;
	ml_buf_reset(&l->page.text);
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
	ml_buf_init(&l.page.text, MA_ANSWER_BYTES_MAX);
	l.page.human = ctx->out == MC_OUT_HUMAN;
	ml_buf_init(&l.json.out, MC_LOG_JSON_BYTES_MAX);
	ml_buf_init(&l.what, MC_LINE_BYTES_MAX);
	ml_buf_init(&l.line, 4 * MC_LINE_BYTES_MAX);
	exit = mc_log_loop(ctx, &l);
	mc_names_free(&l.names);
	ml_buf_free(&l.json.out);
	ml_buf_free(&l.what);
	ml_buf_free(&l.line);
	ml_buf_free(&l.page.text);
	free(l.page.rows);
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
