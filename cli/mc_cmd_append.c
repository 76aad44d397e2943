/*
 * mc_cmd_append.c — `medel append [FILE…]`: events from files, each file
 * one atomic batch.
 *
 * A file is either a JSON array of events (sent as it is) or JSON Lines,
 * one event per line (sent as an array built from its non-blank lines).
 * A file holding a single object, even spread over several lines, is one
 * event. Without a FILE, or for "-", standard input is read. A UTF-8 BOM
 * at the start is skipped (editors on Windows write one).
 *
 * The ledger names a refused event by its index in the batch; for JSON
 * Lines that index is turned back into the file's line number, which is
 * what a person fixing the file needs: "malmo.jsonl line 12, field party".
 * JSON that does not parse is named by line and column, as compilers
 * and editors do: "malmo.jsonl:12:7: the body is not valid JSON".
 *
 * Several files are several batches, sent in order; the first refused
 * one stops the run (the files before it are stored). --expected-head
 * applies to the first batch, and each later batch expects the head the
 * one before it left, so a job's files go in only if nobody wrote
 * between them. --dry-run checks each file against the ledger as it is
 * (a later file cannot see an earlier one's events, which are not
 * stored).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mc_post.h"

/* One input file in memory, and its events' line numbers. */
struct mc_batch_file {
	const char *name; /* as given, or "stdin" */
	char *text;       /* the file, NUL-terminated */
	size_t len;
	struct ml_buf body; /* what is sent */
	uint32_t *lines;    /* JSON Lines: line of event i; else NULL */
	size_t n_lines;
};

/* Reads all of f, refusing more than ML_BODY_BYTES_MAX + a line's
 * worth per possible event (the JSON Lines framing). */
static int mc_read_all(FILE *f, char **out, size_t *len)
{
	size_t cap = 0, n = 0;
	size_t max = ML_BODY_BYTES_MAX + ML_BATCH_EVENTS_MAX;
	char *buf = NULL;
	for (;;) {
		/* Room for one byte past max and the NUL, to see it passed. */
		int rc = ml_grow((void **)&buf, &cap, n + 2, 1, max + 2);
		if (rc != 0) {
			free(buf);
			return rc;
		}
		size_t want = cap - 1 - n;
		n += fread(buf + n, 1, want, f);
		if (n < cap - 1 || n > max)
			break;
	}
	if (ferror(f) || n > max) {
		free(buf);
		return ferror(f) ? ML_E_IO : ML_E_TOO_LARGE;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	return 0;
}

/* JSON Lines → "[line,line,…]", remembering each event's line. */
static int mc_lines_to_array(struct mc_batch_file *b, const char *text)
{
	size_t cap = 0;
	uint32_t line = 0;
	int rc = ml_buf_add_char(&b->body, '[');
	for (const char *p = text; rc == 0 && *p != '\0';) {
		const char *end = strchr(p, '\n');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		line++;
		if (strspn(p, " \t\r") < len) {
			rc =
			    ml_grow((void **)&b->lines, &cap, b->n_lines + 1,
			            sizeof *b->lines, ML_BATCH_EVENTS_MAX + 1u);
			if (rc != 0)
				return rc;
			b->lines[b->n_lines++] = line;
			if (b->n_lines > 1)
				rc = ml_buf_add_char(&b->body, ',');
			rc = rc ? rc : ml_buf_add(&b->body, p, len);
		}
		p = end ? end + 1 : p + len;
	}
	return rc ? rc : ml_buf_add_char(&b->body, ']');
}

/* Decides array, single object or JSON Lines, and builds the body. */
static int mc_batch_body(struct mc_batch_file *b)
{
	const char *t = b->text;
	if (b->len >= 3 && memcmp(t, "\xef\xbb\xbf", 3) == 0)
		t += 3;
	const char *first = t + strspn(t, " \t\r\n");
	ml_buf_init(&b->body, ML_BODY_BYTES_MAX + 1);
	if (*first == '[')
		return ml_buf_add_str(&b->body, t);
	cJSON *whole = cJSON_ParseWithOpts(t, NULL, 1);
	bool one = cJSON_IsObject(whole);
	cJSON_Delete(whole);
	if (one)
		return ml_buf_add_str(&b->body, t);
	return mc_lines_to_array(b, t);
}

/* The text after a UTF-8 BOM, as mc_batch_body reads it. */
static const char *mc_batch_text(const struct mc_batch_file *b)
{
	if (b->len >= 3 && memcmp(b->text, "\xef\xbb\xbf", 3) == 0)
		return b->text + 3;
	return b->text;
}

/* Where JSON text t[0..len) stops parsing as one value: the byte at
 * which cJSON gave up (len when the text ran out), or the first byte
 * after a complete value that is not blank. NULL when it parses. */
static const char *mc_json_stop(const char *t, size_t len)
{
	char *copy = strndup(t, len); /* cJSON sees the end as a NUL */
	if (copy == NULL)
		return NULL;
	cJSON *v = cJSON_ParseWithOpts(copy, NULL, 1);
	const char *err = v == NULL ? cJSON_GetErrorPtr() : NULL;
	const char *at = err != NULL ? t + (err - copy) : NULL;
	cJSON_Delete(v);
	free(copy);
	return at;
}

/* Where t stops being JSON (NULL when it does not). An array or one
 * object is one value. In JSON Lines each non-blank line is one value,
 * but a line that ends before its value does (an object written over
 * several lines) is answered by reading the whole text as one value. */
static const char *mc_json_syntax_error(const char *t, bool lines)
{
	if (!lines)
		return mc_json_stop(t, strlen(t));
	for (const char *p = t; *p != '\0';) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		const char *at = NULL;
		if (strspn(p, " \t\r") < len)
			at = mc_json_stop(p, len);
		if (at != NULL && at >= p + len && nl != NULL)
			return mc_json_stop(t, strlen(t));
		if (at != NULL)
			return at;
		p = nl ? nl + 1 : p + len;
	}
	return NULL;
}

/* "file:LINE:COLUMN" of byte at in t, as an editor counts them: lines
 * from 1, columns from 1 in characters (UTF-8 continuation bytes do not
 * count). */
static void mc_add_line_column(struct ml_buf *out, const char *name,
                               const char *t, const char *at)
{
	uint32_t line = 1, column = 1;
	for (const char *p = t; p < at && *p != '\0'; p++) {
		if (*p == '\n') {
			line++;
			column = 1;
		} else if (((unsigned char)*p & 0xc0) != 0x80) {
			column++;
		}
	}
	ml_buf_addf(out, "%s:%u:%u", name, line, column);
}

static void mc_batch_locate(void *arg, int64_t index, const char *field,
                            struct ml_buf *out)
{
	const struct mc_batch_file *b = arg;
	if (index < 0 && field == NULL) {
		/* Nothing names an event: a syntax error is found again
		 * here (only on this failure path) to say where it is. */
		const char *t = mc_batch_text(b);
		const char *at = mc_json_syntax_error(t, b->lines != NULL);
		if (at != NULL && at >= t && at <= t + strlen(t)) {
			mc_add_line_column(out, b->name, t, at);
			return;
		}
	}
	ml_buf_add_str(out, b->name);
	if (index >= 0 && b->lines != NULL && (size_t)index < b->n_lines)
		ml_buf_addf(out, " line %u", b->lines[index]);
	else if (index >= 0)
		ml_buf_addf(out, " event %lld", (long long)index + 1);
	if (field != NULL)
		ml_buf_addf(out, ", field %s", field);
}

static int mc_batch_load(struct mc_ctx *ctx, struct mc_batch_file *b,
                         const char *path)
{
	bool std = path == NULL || strcmp(path, "-") == 0;
	FILE *f = std ? stdin : fopen(path, "rb");
	b->name = std ? "stdin" : path;
	if (f == NULL)
		return mc_fail(ctx, MC_EXIT_USAGE, "usage",
		               "cannot open %s: %s", path, strerror(errno));
	int rc = mc_read_all(f, &b->text, &b->len);
	if (!std)
		fclose(f);
	bool read = rc == 0;
	if (read)
		rc = mc_batch_body(b);
	if (rc == ML_E_TOO_LARGE)
		return mc_refuse(
		    ctx, "too_large",
		    "%s is larger than one batch may be (%u events, "
		    "8 MiB): split it",
		    b->name, (unsigned)ML_BATCH_EVENTS_MAX);
	if (rc != 0 && !read)
		return mc_refuse(ctx, "io", "cannot read %s", b->name);
	if (rc != 0)
		return mc_fail(ctx, MC_EXIT_REFUSED, "internal",
		               "out of memory reading %s", b->name);
	if (b->body.len <= 2 && strspn(b->text, " \t\r\n") == b->len)
		return mc_refuse(ctx, "invalid_json", "%s holds no events",
		                 b->name);
	return MC_EXIT_OK;
}

static void mc_batch_free(struct mc_batch_file *b)
{
	free(b->text);
	free(b->lines);
	ml_buf_free(&b->body);
}

static int mc_append_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_opt opts[] = {{"dry-run", MC_OPT_FLAG, NULL},
	                        {"expected-head", MC_OPT_VALUE, NULL}};
	char **files = calloc((size_t)argc + 1, sizeof *files);
	size_t n_files = 0;
	struct mc_post post;
	if (files == NULL)
		return mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "out of memory");
	int exit = mc_args_parse(ctx, argc, argv, opts, 2, files, (size_t)argc,
	                         &n_files);
	if (exit == MC_EXIT_OK)
		exit = mc_post_init(ctx, &post, opts[0].value != NULL,
		                    opts[1].value);
	for (size_t i = 0; exit == MC_EXIT_OK && i < (n_files ? n_files : 1);
	     i++) {
		struct mc_batch_file b = {0};
		exit = mc_batch_load(ctx, &b, n_files ? files[i] : NULL);
		if (exit == MC_EXIT_OK)
			exit = mc_post_batch(ctx, &post, b.body.data,
			                     b.body.len, mc_batch_locate, &b);
		mc_batch_free(&b);
	}
	free(files);
	return exit;
}

const struct mc_command mc_cmd_append = {
    "append",
    "append events from JSON Lines or JSON arrays (each file one batch)",
    "usage: medel append [--dry-run] [--expected-head SEQ] [FILE...]\n"
    "\n"
    "Appends the events in each FILE (standard input when none, or for\n"
    "'-') as one atomic batch: all of a file's events are stored, or none\n"
    "is. A file holds a JSON array of events, or JSON Lines (one event per\n"
    "line). Prints the seq of each event, followed by 'duplicate' for an\n"
    "event whose id was already stored with the same content (re-sending\n"
    "is harmless). A refused event is named by its file and line.\n"
    "\n"
    "  --dry-run            check every rule, store nothing\n"
    "  --expected-head SEQ  store only if the log still ends at SEQ (a\n"
    "                       job that read, decided and now writes); each\n"
    "                       later FILE expects the head the one before left\n"
    "\n"
    "Examples:\n"
    "  medel append docs/examples/malmo-2020.jsonl\n"
    "  medel append --dry-run corrections.jsonl\n"
    "  medel --db ./medel-data append docs/examples/*.jsonl\n"
    "  medel append --expected-head 118 year-end.jsonl\n",
    mc_append_run,
};
