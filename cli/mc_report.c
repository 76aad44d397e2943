/*
 * mc_report.c — errors, exit statuses and the last word on output.
 *
 * Every failure, whether the ledger's answer or medel's own finding,
 * leaves as one line on stderr, "medel: CODE: message", or with --json
 * as an API error object, so a script reads failures one way whatever
 * caused them. The exit status is decided in one place, mc_exit_for,
 * from the answer's HTTP status alone, which is the same embedded and
 * through medeld (CLI.md, docs/cli.md):
 *
 *   0    2xx
 *   1    403, 404, 409, 422: the ledger refused what it understood (a
 *        rule, not found, a conflict, a head that moved)
 *   2    400 and 413: what the person gave is wrong, whether typed on
 *        the command line or written in a file (a date or amount that
 *        is not one, a missing field, JSON that does not parse, a batch
 *        too large to send); fixing the input is the fix
 *   3    no answer (status 0), 401 (no valid token: the ledger cannot be
 *        used), and 5xx (unavailable, locked, a damaged ledger)
 *
 * medel's own findings go through the same table: mc_refuse takes an
 * API error code ("invalid_field", "too_large") and exits as the ledger's
 * answer with that code would.
 */
#include <stdarg.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_json.h"

#include "mc_cli.h"

const char *mc_style(const struct mc_ctx *ctx, const char *style)
{
	return ctx->colour ? style : "";
}

const char *mc_status_style(const char *status)
{
	if (strcmp(status, "overdue") == 0)
		return MC_STYLE_RED;
	if (strcmp(status, "due") == 0)
		return MC_STYLE_YELLOW;
	if (strcmp(status, "ok") == 0)
		return MC_STYLE_GREEN;
	return NULL;
}

int mc_exit_for(int status)
{
	if (status == 0 || status == 401 || status >= 500)
		return MC_EXIT_UNREACHABLE;
	if (status == 400 || status == 413)
		return MC_EXIT_USAGE;
	return status >= 400 ? MC_EXIT_REFUSED : MC_EXIT_OK;
}

/* The HTTP status API.md gives an error code; 0 for codes only medel
 * uses ("io", "usage", "unreachable"), which are handled by the caller. */
static int mc_status_of_code(const char *code)
{
#define MC_X_STATUS(name, value, wire, status, text)                           \
	if (strcmp(code, wire) == 0)                                           \
		return status;
	ML_ERROR_TABLE(MC_X_STATUS)
#undef MC_X_STATUS
	return 0;
}

/* An error document {"error":{code, message}} on stderr (--json). */
static void mc_json_error(const char *code, const char *message)
{
	struct ml_buf b;
	ml_buf_init(&b, 4 * ML_MESSAGE_MAX);
	int rc = ml_buf_add_str(&b, "{\"error\":{\"code\":");
	rc = rc ? rc : ml_json_write_string(&b, code, strlen(code));
	rc = rc ? rc : ml_buf_add_str(&b, ",\"message\":");
	rc = rc ? rc : ml_json_write_string(&b, message, strlen(message));
	rc = rc ? rc : ml_buf_add_str(&b, "}}\n");
	if (rc == 0)
		fputs(b.data, stderr);
	ml_buf_free(&b);
}

/* A body that is not an API error document: its first line. */
static void mc_report_raw(struct mc_ctx *ctx, const struct mc_reply *r)
{
	char code[32], line[160];
	size_t n = 0;
	const char *p = r->body.data ? r->body.data : "";
	for (; p[n] != '\0' && p[n] != '\n' && n + 1 < sizeof line; n++)
		line[n] = (p[n] >= 0x20 && p[n] < 0x7f) ? p[n] : '?';
	line[n] = '\0';
	snprintf(code, sizeof code, "http_%d", r->status);
	if (ctx->out == MC_OUT_JSON)
		mc_json_error(code, line);
	else
		fprintf(stderr, "medel: %s: %s\n", code, line);
}

/* The ledger's messages about a field start with its name ("date: '…'
 * is not a date"). Where the place already names the field (an option
 * "--date", "line 12, field date", "column B (date)"), that name is left
 * out, so a message never reads "--date: date: …". */
static const char *mc_message_after_field(const char *message,
                                          const char *field)
{
	size_t n = field ? strlen(field) : 0;
	if (n > 0 && strncmp(message, field, n) == 0 &&
	    strncmp(message + n, ": ", 2) == 0)
		return message + n + 2;
	return message;
}

/* A 401 says what to do in medel's words: the daemon's message speaks
 * of HTTP headers, a person types --token. */
static const char *mc_message_unauthorized(const struct mc_ctx *ctx)
{
	return ctx->target.token != NULL
	           ? "the token was refused: give a valid one with --token "
	             "or MEDEL_TOKEN"
	           : "the ledger needs a token: give one with --token or "
	             "MEDEL_TOKEN";
}

/* "medel: CODE: [where: ]message[ (field F)]" from an error object. */
static void mc_report_human(const struct mc_ctx *ctx, int status,
                            const cJSON *e, mc_locate_fn locate, void *arg)
{
	const char *code = ma_json_str(e, "code");
	const char *message = ma_json_str(e, "message");
	const char *field = ma_json_str(e, "field");
	const char *said = message ? message : "(no message)";
	const char *rest = mc_message_after_field(said, field);
	int64_t index = -1;
	struct ml_buf where;
	ml_buf_init(&where, MC_LINE_BYTES_MAX);
	if (ma_json_int(e, "index", &index) != 0)
		index = -1;
	if (locate != NULL)
		locate(arg, index, field, &where);
	else if (index >= 0)
		ml_buf_addf(&where, "event %lld of the batch",
		            (long long)index + 1);
	if (status == 401)
		said = rest = mc_message_unauthorized(ctx);
	fprintf(stderr, "medel: %s: %s%s%s", code ? code : "error",
	        where.len ? where.data : "", where.len ? ": " : "",
	        where.len ? rest : said);
	if (field != NULL && locate == NULL && rest == said)
		fprintf(stderr, " (field %s)", field);
	fputc('\n', stderr);
	ml_buf_free(&where);
}

int mc_report(struct mc_ctx *ctx, const struct mc_reply *r, mc_locate_fn locate,
              void *locate_arg)
{
	int exit = mc_exit_for(r->status);
	cJSON *doc = mc_json_parse(r);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(doc, "error");
	fflush(stdout);
	if (!cJSON_IsObject(e))
		mc_report_raw(ctx, r);
	else if (ctx->out == MC_OUT_JSON)
		fprintf(stderr, "%.*s\n", (int)r->body.len, r->body.data);
	else
		mc_report_human(ctx, r->status, e, locate, locate_arg);
	cJSON_Delete(doc);
	return exit == MC_EXIT_OK ? MC_EXIT_REFUSED : exit;
}

static int mc_vfail(struct mc_ctx *ctx, int exit, const char *code,
                    const char *fmt, va_list ap)
{
	char message[2 * ML_MESSAGE_MAX];
	vsnprintf(message, sizeof message, fmt, ap);
	fflush(stdout);
	if (ctx->out == MC_OUT_JSON)
		mc_json_error(code, message);
	else
		fprintf(stderr, "medel: %s: %s\n", code, message);
	return exit;
}

int mc_fail(struct mc_ctx *ctx, int exit, const char *code, const char *fmt,
            ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = mc_vfail(ctx, exit, code, fmt, ap);
	va_end(ap);
	return rc;
}

int mc_refuse(struct mc_ctx *ctx, const char *code, const char *fmt, ...)
{
	int status = mc_status_of_code(code);
	int exit = status ? mc_exit_for(status) : MC_EXIT_USAGE;
	va_list ap;
	va_start(ap, fmt);
	mc_vfail(ctx, exit, code, fmt, ap);
	va_end(ap);
	return exit;
}

int mc_usage(struct mc_ctx *ctx, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	mc_vfail(ctx, MC_EXIT_USAGE, "usage", fmt, ap);
	va_end(ap);
	if (ctx->out != MC_OUT_JSON)
		fprintf(stderr, "(see medel %s%s--help)\n",
		        ctx->command ? ctx->command : "",
		        ctx->command ? " " : "");
	return MC_EXIT_USAGE;
}

int mc_bad_answer(struct mc_ctx *ctx, const char *what)
{
	return mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
	               "the ledger's answer could not be read (%s)", what);
}

int mc_print_body(struct mc_ctx *ctx, const struct mc_reply *r)
{
	mc_print_raw(ctx, r);
	fputc('\n', stdout);
	return MC_EXIT_OK;
}

int mc_print_raw(struct mc_ctx *ctx, const struct mc_reply *r)
{
	(void)ctx;
	if (r->body.len > 0)
		fwrite(r->body.data, 1, r->body.len, stdout);
	return MC_EXIT_OK;
}

void mc_csv_query(const struct mc_ctx *ctx, struct mc_query *q)
{
	if (ctx->out != MC_OUT_CSV)
		return;
	mc_query_add(q, "format", "csv");
	mc_query_add(q, "lang", ctx->lang);
}

int mc_print_answer(struct mc_ctx *ctx, const struct mc_reply *r,
                    int (*print)(struct mc_ctx *ctx, const struct mc_reply *r))
{
	if (ctx->out == MC_OUT_JSON)
		return mc_print_body(ctx, r);
	if (ctx->out == MC_OUT_CSV)
		return mc_print_raw(ctx, r);
	return print(ctx, r);
}

cJSON *mc_json_parse(const struct mc_reply *r)
{
	if (r->body.data == NULL)
		return NULL;
	return cJSON_ParseWithLength(r->body.data, r->body.len);
}

/* The arena cJSON allocates from while mc_json_parse_in parses (cJSON's
 * hooks are global and take no argument; medel is one thread). */
static struct ml_arena *mc_json_arena;

static void *mc_json_arena_alloc(size_t size)
{
	return ml_arena_alloc(mc_json_arena, size);
}

/* A block of the arena is freed with the arena. */
static void mc_json_arena_keep(void *p)
{
	(void)p;
}

cJSON *mc_json_parse_in(struct ml_arena *a, const struct mc_reply *r)
{
	ML_ASSERT(mc_json_arena == NULL);
	cJSON_Hooks hooks = {mc_json_arena_alloc, mc_json_arena_keep};
	mc_json_arena = a;
	cJSON_InitHooks(&hooks);
	cJSON *doc = mc_json_parse(r);
	cJSON_InitHooks(NULL);
	mc_json_arena = NULL;
	return doc;
}

int mc_finish_output(struct mc_ctx *ctx, int exit)
{
	if (fflush(stdout) == 0 && !ferror(stdout))
		return exit;
	if (exit != MC_EXIT_OK)
		return exit;
	return mc_fail(ctx, MC_EXIT_REFUSED, "io",
	               "cannot write the output (disk full, or the reader "
	               "went away)");
}
