/*
 * mc_post.c — POST /v1/events for the writing commands, and events built
 * from what people type (mc_post.h).
 *
 * The answer is printed from its JSON alone, so a re-send prints the
 * stored seqs exactly as a first send did, and embedded and daemon runs
 * print the same lines. Its warnings (API.md) go to stderr, one line each,
 * "medel: warning: WHERE: message", WHERE said as an error's would be
 * (file and line, CSV row and column, --option); in every output mode,
 * --json included, and they never change the exit status. Ten of each code
 * are shown per run; the rest are counted and mc_post_end says how many.
 */
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_date.h"
#include "ml_event.h"
#include "ml_json.h"
#include "ml_money.h"

#include "mc_post.h"

#include "mc_direction.h"
#include "mc_words.h"

int mc_post_init(struct mc_ctx *ctx, struct mc_post *p, bool dry_run,
                 const char *expected_head)
{
	memset(p, 0, sizeof *p);
	p->dry_run = dry_run;
	if (expected_head == NULL)
		return MC_EXIT_OK;
	p->check_head = true;
	return mc_check_count(ctx, "expected-head", expected_head, UINT64_MAX,
	                      &p->expected_head);
}

/* One entry of an answer's "events", however it came. */
struct mc_post_entry {
	int64_t seq;
	const char *id; /* or NULL */
	bool duplicate;
	const char *recorded_at; /* as the API writes it */
	const char *hash;        /* 64 hex digits */
};

static void mc_post_csv(const struct mc_ctx *ctx, struct mc_post *p,
                        const struct mc_post_entry *e)
{
	if (!p->csv_started) {
		mc_csv_start(&p->csv, mc_words_of(ctx->lang)->post_csv,
		             MC_WORDS_POST_CSV);
		p->csv_started = true;
	}
	ma_csv_int(&p->csv.w, e->seq);
	ma_csv_cell(&p->csv.w, e->id);
	ma_csv_cell(&p->csv.w, e->duplicate ? "true" : "false");
	ma_csv_cell(&p->csv.w, e->recorded_at);
	ma_csv_cell(&p->csv.w, e->hash);
	mc_csv_end_row(&p->csv);
}

/* Counts one entry and prints its line (human or CSV). */
static void mc_post_entry(const struct mc_ctx *ctx, struct mc_post *p,
                          const struct mc_post_entry *e)
{
	p->n_events++;
	p->n_duplicates += e->duplicate ? 1 : 0;
	if (ctx->out == MC_OUT_CSV)
		mc_post_csv(ctx, p, e);
	else if (!p->quiet)
		printf("%lld%s\n", (long long)e->seq,
		       p->dry_run     ? " dry-run"
		       : e->duplicate ? " duplicate"
		                      : "");
}

/* What mc_post_appended needs: the run and its post. */
struct mc_post_sink {
	const struct mc_ctx *ctx;
	struct mc_post *p;
};

/* ma_appended_fn: an entry straight from the ledger's result, printed
 * as the answer's JSON entry would have been (ma_write_entry). */
static void mc_post_appended(void *arg, const struct ml_event *ev,
                             const struct ml_append_result *res)
{
	struct mc_post_sink *sink = arg;
	char when[ML_TIME_TEXT_MAX], hex[65], id[ML_EVENT_ID_MAX + 1];
	struct mc_post_entry e = {.seq = (int64_t)res->seq,
	                          .duplicate = res->duplicate,
	                          .recorded_at = when,
	                          .hash = hex};
	ML_ASSERT(res->seq <= INT64_MAX);
	if (sink->ctx->out == MC_OUT_CSV) {
		ml_time_format(res->recorded_at_us, when, sizeof when);
		ml_hex32(res->hash, hex);
		if (ev->id.ptr != NULL) {
			ML_ASSERT(ev->id.len <= ML_EVENT_ID_MAX); /* checked */
			memcpy(id, ev->id.ptr, ev->id.len);
			id[ev->id.len] = '\0';
			e.id = id;
		}
	}
	mc_post_entry(sink->ctx, sink->p, &e);
}

/* Prints the answer of a stored (or checked) batch, parsed as doc: its
 * entries, when it holds them (through medeld; embedded they went to
 * mc_post_appended already). */
static int mc_post_print(struct mc_ctx *ctx, struct mc_post *p,
                         const struct mc_reply *r, const cJSON *doc)
{
	if (ctx->out == MC_OUT_JSON)
		return mc_print_body(ctx, r);
	const cJSON *events = ma_json_array(doc, "events");
	const cJSON *ev;
	int64_t head = 0;
	if (events == NULL ||
	    ma_json_int(cJSON_GetObjectItemCaseSensitive(doc, "head"), "seq",
	                &head) != 0)
		return mc_bad_answer(ctx, "no events or head");
	cJSON_ArrayForEach(ev, events)
	{
		struct mc_post_entry e = {
		    .id = ma_json_str(ev, "id"),
		    .duplicate = ma_json_bool(ev, "duplicate"),
		    .recorded_at = ma_json_str(ev, "recorded_at"),
		    .hash = ma_json_str(ev, "hash")};
		ma_json_int(ev, "seq", &e.seq);
		mc_post_entry(ctx, p, &e);
	}
	if (p->check_head && !p->dry_run)
		p->expected_head = (uint64_t)head;
	return MC_EXIT_OK;
}

/* Counts a warning of code under p's tally; true if it is to be shown.
 * A code beyond the tally's room is always shown. */
static bool mc_post_tally(struct mc_post *p, const char *code)
{
	code = code ? code : "?";
	for (size_t i = 0; i < MC_POST_WARNING_CODES; i++) {
		struct mc_post_tally *t = &p->tally[i];
		if (t->code[0] == '\0')
			snprintf(t->code, sizeof t->code, "%s", code);
		if (strcmp(t->code, code) != 0)
			continue;
		if (t->shown < MC_POST_WARNINGS_SHOWN) {
			t->shown++;
			return true;
		}
		t->hidden++;
		return false;
	}
	return true;
}

/* What warnings of code are about, in the words of their messages. */
static const char *mc_post_warning_kind(const char *code)
{
	static const struct {
		const char *code, *words;
	} kinds[] = {
	    {"far_future", "dates more than a year after today"},
	    {"deadline_order", "deadlines in the wrong order"},
	    {"org_no", "organisation numbers that fail their check digit"},
	};
	for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(kinds[i].code, code) == 0)
			return kinds[i].words;
	return "the same kind";
}

void mc_post_end(const struct mc_post *p)
{
	for (size_t i = 0; i < MC_POST_WARNING_CODES; i++) {
		const struct mc_post_tally *t = &p->tally[i];
		if (t->hidden == 0)
			continue;
		assert(t->shown == MC_POST_WARNINGS_SHOWN);
		fprintf(stderr,
		        "medel: warning: %zu more warning%s not shown: %s "
		        "(%s; the first %d are above)\n",
		        t->hidden, t->hidden == 1 ? "" : "s",
		        mc_post_warning_kind(t->code), t->code,
		        MC_POST_WARNINGS_SHOWN);
	}
}

/* Prints the answer's warnings to stderr (see the file comment). */
static void mc_post_warnings(struct mc_post *p, const cJSON *doc,
                             mc_locate_fn locate, void *locate_arg)
{
	const cJSON *warnings = ma_json_array(doc, "warnings");
	const cJSON *w;
	struct ml_buf where;
	ml_buf_init(&where, MC_LINE_BYTES_MAX);
	fflush(stdout);
	cJSON_ArrayForEach(w, warnings)
	{
		int64_t index = -1;
		const char *field = ma_json_str(w, "field");
		const char *message = ma_json_str(w, "message");
		if (!mc_post_tally(p, ma_json_str(w, "code")))
			continue;
		if (ma_json_int(w, "index", &index) != 0)
			index = -1;
		ml_buf_reset(&where);
		if (locate != NULL)
			locate(locate_arg, index, field, &where);
		else
			ml_buf_addf(&where, "event %lld, field %s",
			            (long long)index + 1, field ? field : "?");
		fprintf(stderr, "medel: warning: %s%s%s\n",
		        where.len ? where.data : "", where.len ? ": " : "",
		        message ? message : "(no message)");
	}
	ml_buf_free(&where);
}

int mc_post_batch(struct mc_ctx *ctx, struct mc_post *p, const char *body,
                  size_t len, mc_locate_fn locate, void *locate_arg)
{
	struct mc_query q;
	struct mc_reply r;
	char head[24];
	int exit = MC_EXIT_OK;
	struct mc_conn *c = mc_ctx_conn(ctx, true, &exit);
	if (c == NULL)
		return exit;
	if (len > ML_BODY_BYTES_MAX)
		return mc_refuse(ctx, "too_large",
		                 "the batch is %zu bytes; one batch may be at "
		                 "most %u bytes (8 MiB): split it",
		                 len, (unsigned)ML_BODY_BYTES_MAX);
	mc_query_init(&q);
	mc_query_add(&q, "dry_run", p->dry_run ? "1" : NULL);
	snprintf(head, sizeof head, "%llu",
	         (unsigned long long)p->expected_head);
	mc_query_add(&q, "expected_head", p->check_head ? head : NULL);
	struct mc_call call = {.method = "POST",
	                       .path = "/v1/events",
	                       .query = q.text,
	                       .body = body,
	                       .body_bytes = len,
	                       .out_fd = -1};
	struct mc_post_sink sink = {ctx, p};
	if (ctx->out != MC_OUT_JSON) {
		call.on_appended = mc_post_appended;
		call.on_appended_arg = &sink;
	}
	mc_reply_init(&r, MA_ANSWER_BYTES_MAX);
	mc_conn_call(c, &call, &r);
	if (r.status == 200 || r.status == 201) {
		cJSON *doc = mc_json_parse(&r); /* once, for both */
		exit = mc_post_print(ctx, p, &r, doc);
		mc_post_warnings(p, doc, locate, locate_arg);
		cJSON_Delete(doc);
	} else {
		exit = mc_report(ctx, &r, locate, locate_arg);
		mc_direction_explain(ctx, body, len, &r);
	}
	mc_reply_free(&r);
	return exit;
}

/* --- events from typed text --------------------------------------------- */

const char *mc_field_name(const char *given, char *buf, size_t size)
{
	size_t n = 0;
	for (; given[n] != '\0' && n + 1 < size; n++) {
		char c = (char)tolower((unsigned char)given[n]);
		buf[n] = c == '-' ? '_' : c;
	}
	buf[n] = '\0';
	return buf;
}

/* An integer of 1 ..= 19 digits. */
static bool mc_digits(const char *s)
{
	size_t n = strspn(s, "0123456789");
	return n > 0 && n <= 18 && s[n] == '\0';
}

static int mc_value_bool(struct ml_buf *out, const char *t, char *why,
                         size_t why_size)
{
	static const char *const yes[] = {"true", "yes", "ja", "1"};
	static const char *const no[] = {"false", "no", "nej", "0"};
	for (size_t i = 0; i < 4; i++) {
		if (strcasecmp(t, yes[i]) == 0)
			return ml_buf_add_str(out, "true");
		if (strcasecmp(t, no[i]) == 0)
			return ml_buf_add_str(out, "false");
	}
	snprintf(why, why_size, "'%.40s' is not true or false (ja/nej)", t);
	return -1;
}

/* meta, or a distribution's key (a JSON object typed as text). */
static int mc_value_meta(struct ml_buf *out, const char *t, char *why,
                         size_t why_size, bool key)
{
	cJSON *v = cJSON_Parse(t);
	bool ok = cJSON_IsObject(v);
	cJSON_Delete(v);
	if (!ok) {
		snprintf(
		    why, why_size,
		    key ? "key must be a JSON object of party id → weight, "
		          "{\"solna\":82918,…}"
		        : "meta must be a JSON object");
		return -1;
	}
	return ml_buf_add_str(out, t);
}

/* The value of a field of kind k, typed from text t. */
static int mc_value(struct ml_buf *out, enum ml_value_kind k, const char *t,
                    char *why, size_t why_size)
{
	int64_t ore = 0;
	switch (k) {
	case ML_V_AMOUNT:
		if (ml_money_parse(t, &ore, why, why_size) != 0)
			return -1;
		return ml_buf_add_i64(out, ore);
	case ML_V_YEAR:
	case ML_V_SEQ:
		if (mc_digits(t))
			return ml_buf_add_str(out, t);
		snprintf(why, why_size, "'%.40s' is not a whole number", t);
		return -1;
	case ML_V_SETTLES:
		if (mc_digits(t))
			return ml_buf_add_str(out, t);
		return ml_json_write_string(out, t, strlen(t));
	case ML_V_BOOL:
		return mc_value_bool(out, t, why, why_size);
	case ML_V_META:
	case ML_V_KEY: /* a JSON object typed as text */
		return mc_value_meta(out, t, why, why_size, k == ML_V_KEY);
	default:
		return ml_json_write_string(out, t, strlen(t));
	}
}

/* t without leading and trailing ASCII blanks, into buf. */
static const char *mc_trim(const char *t, char *buf, size_t size)
{
	while (*t == ' ' || *t == '\t')
		t++;
	size_t n = strlen(t);
	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(buf, t, n);
	buf[n] = '\0';
	return buf;
}

int mc_field_add(struct ml_buf *out, bool *first, const char *name,
                 const char *text, char *why, size_t why_size)
{
	char trimmed[MC_CSV_CELL_BYTES_MAX + 1];
	enum ml_field f = ml_field_from_name(name, strlen(name));
	enum ml_value_kind k = f < ML_F_COUNT ? ml_fields[f].kind : ML_V_TEXT;
	bool typed = k == ML_V_AMOUNT || k == ML_V_YEAR || k == ML_V_SEQ ||
	             k == ML_V_SETTLES || k == ML_V_BOOL;
	const char *t = typed ? mc_trim(text, trimmed, sizeof trimmed) : text;
	why[0] = '\0';
	int rc = ml_buf_add_str(out, *first ? "" : ",");
	rc = rc ? rc : ml_json_write_string(out, name, strlen(name));
	rc = rc ? rc : ml_buf_add_char(out, ':');
	if (rc != 0) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	*first = false;
	if (mc_value(out, k, t, why, why_size) == 0)
		return 0;
	if (why[0] == '\0')
		snprintf(why, why_size, "out of memory");
	return -1;
}

void mc_post_locate_flag(void *arg, int64_t index, const char *field,
                         struct ml_buf *out)
{
	(void)arg;
	(void)index;
	if (field == NULL)
		return;
	ml_buf_add_str(out, "--");
	for (const char *p = field; *p; p++)
		ml_buf_add_char(out, *p == '_' ? '-' : *p);
}
