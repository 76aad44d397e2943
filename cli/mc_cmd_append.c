/*
 * mc_cmd_append.c — `medel append [FILE…]`: events from files, in
 * atomic batches.
 *
 * A file is either a JSON array of events (sent as it is, one batch) or
 * JSON Lines, one event per line. A file holding a single object, even
 * spread over several lines, is one event. Without a FILE, or for "-",
 * standard input is read. A UTF-8 BOM at the start is skipped (editors
 * on Windows write one).
 *
 * JSON Lines are read as a stream and sent in batches of at most
 * ML_BATCH_EVENTS_MAX events and ML_BODY_BYTES_MAX bytes, so a file of
 * any length is appended in bounded memory. Each batch is atomic; a run
 * stopped between batches (kill -9, a refused event, a power cut) has
 * stored the batches before it. Running it again resumes it because
 * every event carries an id: a line without one gets one derived from
 * its text and line number (mc_import_row_id, import-csv's rule, prefix
 * "jsonl"), so a stored line is answered "duplicate" and not stored
 * twice. (A changed line, or lines moved to other line numbers, are new
 * events: to change a stored one, record a correction.)
 *
 * The ledger names a refused event by its index in the batch; for JSON
 * Lines that index is turned back into the file's line number, which is
 * what a person fixing the file needs: "malmo.jsonl line 12, field party".
 * JSON that does not parse is named by line and column, as compilers
 * and editors do: "malmo.jsonl:12:7: the body is not valid JSON".
 *
 * Several files are sent in order; the first refused batch stops the
 * run (what was before it is stored). --expected-head applies to the
 * first batch, and each later batch expects the head the one before it
 * left, so a job's files go in only if nobody wrote between them.
 * --dry-run checks each batch against the ledger as it is (a later
 * batch cannot see an earlier one's events, which are not stored).
 * On a terminal a progress line counts the events sent (mc_progress.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mc_import.h"
#include "mc_post.h"
#include "mc_progress.h"

/* One input file in memory, and its events' line numbers. */
struct mc_batch_file {
	const char *name; /* as given, or "stdin" */
	char *text;       /* the file, NUL-terminated */
	size_t len;
	struct ml_buf body; /* what is sent */
	uint32_t *lines;    /* JSON Lines: line of event i; else NULL */
	size_t n_lines;
};

/* Reads head[0..head_len) (what was read of f already) and the rest of
 * f, refusing more than ML_BODY_BYTES_MAX + a line's worth per possible
 * event (the JSON Lines framing). */
static int mc_read_all(FILE *f, const char *head, size_t head_len, char **out,
                       size_t *len)
{
	size_t cap = 0, n = head_len;
	size_t max = ML_BODY_BYTES_MAX + ML_BATCH_EVENTS_MAX;
	char *buf = NULL;
	if (n > max)
		return ML_E_TOO_LARGE;
	for (;;) {
		/* Room for one byte past max and the NUL, to see it passed. */
		int rc = ml_grow((void **)&buf, &cap, n + 2, 1, max + 2);
		if (rc != 0) {
			free(buf);
			return rc;
		}
		if (head_len > 0) {
			memcpy(buf, head, head_len);
			head_len = 0;
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
                               const char *t, const char *at,
                               uint32_t first_line)
{
	uint32_t line = first_line, column = 1;
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
			mc_add_line_column(out, b->name, t, at, 1);
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

/* The whole of a file that is not streamed (an array, one object, or
 * JSON Lines whose first line is not JSON) into b: head[0..head_len) is
 * what was read of it already. */
static int mc_batch_load(struct mc_ctx *ctx, struct mc_batch_file *b, FILE *f,
                         const char *head, size_t head_len)
{
	int rc = mc_read_all(f, head, head_len, &b->text, &b->len);
	bool read = rc == 0;
	if (read)
		rc = mc_batch_body(b);
	if (rc == ML_E_TOO_LARGE)
		return mc_refuse(
		    ctx, "too_large",
		    "%s is larger than one batch may be (%u events, "
		    "8 MiB): split it, or write it as JSON Lines (one "
		    "event a line), which are sent in batches",
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

/* --- JSON Lines as a stream ------------------------------------------- */

/* A JSON Lines file read a line at a time and sent a batch at a time. */
struct mc_stream {
	const char *name;
	uint32_t line_no;    /* of the line being added */
	struct ml_buf body;  /* "[event,event,…" of this batch */
	struct ml_buf raw;   /* this batch's lines as read, each with '\n' */
	uint32_t first_line; /* the line raw starts with */
	size_t n;            /* events in body */
	uint64_t sent;       /* events sent before this batch */
	struct mc_progress progress;
	uint32_t lines[ML_BATCH_EVENTS_MAX]; /* line of event i */
};

/* The index of the quote closing the string that starts at t[i] (after
 * its opening quote), or len: memchr finds each quote, and one after an
 * odd run of backslashes is escaped. */
static size_t mc_string_end(const char *t, size_t i, size_t len)
{
	while (i < len) {
		const char *q = memchr(t + i, '"', len - i);
		if (q == NULL)
			return len;
		size_t k = (size_t)(q - t), bs = 0;
		while (k - bs > i && t[k - bs - 1] == '\\')
			bs++;
		if (bs % 2 == 0)
			return k;
		i = k + 1; /* each turn moves past a quote: ≤ len turns */
	}
	return len;
}

/* Does the object on line t[0..len) have a member "id" of its own (at
 * depth 1)? A scan of strings and brackets, not a parser: what is not
 * JSON the ledger refuses, naming the line. Strings are skipped with
 * memchr: a byte at a time, this scan was 4 % of a `medel append`. */
static bool mc_line_has_id(const char *t, size_t len)
{
	int depth = 0;
	for (size_t i = 0; i < len; i++) {
		if (t[i] == '{' || t[i] == '[') {
			depth++;
		} else if (t[i] == '}' || t[i] == ']') {
			depth--;
		} else if (t[i] == '"') {
			size_t start = ++i;
			i = mc_string_end(t, start, len);
			if (i >= len)
				return false;
			size_t k = i + 1;
			while (k < len && (t[k] == ' ' || t[k] == '\t'))
				k++;
			if (depth == 1 && k < len && t[k] == ':' &&
			    i - start == 2 && memcmp(t + start, "id", 2) == 0)
				return true;
		}
	}
	return false;
}

/* Adds the event on line t[0..len) to the batch, with the id derived
 * from its text and line when it has none: {"id":"jsonl:…", then the
 * rest of its members. */
static int mc_stream_add_event(struct mc_stream *s, const char *t, size_t len)
{
	size_t lead = strspn(t, " \t");
	int rc = ml_buf_add_char(&s->body, s->n > 0 ? ',' : '[');
	if (rc == 0 && t[lead] == '{' && !mc_line_has_id(t, len)) {
		char id[40];
		const char *cell = t;
		const char *rest = t + lead + 1;
		size_t rest_len = len - lead - 1;
		size_t blank = strspn(rest, " \t");
		mc_import_row_id("jsonl", &cell, 1, "", s->line_no, id,
		                 sizeof id);
		rc = ml_buf_addf(&s->body, "{\"id\":\"%s\"%s", id,
		                 blank < rest_len && rest[blank] != '}' ? ","
		                                                        : "");
		rc = rc ? rc : ml_buf_add(&s->body, rest, rest_len);
	} else if (rc == 0) {
		rc = ml_buf_add(&s->body, t, len);
	}
	if (rc == 0)
		s->lines[s->n++] = s->line_no;
	return rc;
}

static void mc_stream_locate(void *arg, int64_t index, const char *field,
                             struct ml_buf *out)
{
	const struct mc_stream *s = arg;
	if (index < 0 && field == NULL && s->raw.data != NULL) {
		/* A syntax error: found again in this batch's lines. */
		const char *t = s->raw.data;
		const char *at = mc_json_syntax_error(t, true);
		if (at != NULL && at >= t && at <= t + s->raw.len) {
			mc_add_line_column(out, s->name, t, at, s->first_line);
			return;
		}
	}
	ml_buf_add_str(out, s->name);
	if (index >= 0 && (size_t)index < s->n)
		ml_buf_addf(out, " line %u", s->lines[index]);
	if (field != NULL)
		ml_buf_addf(out, ", field %s", field);
}

/* Sends the batch built so far (if any) and starts the next one. */
static int mc_stream_flush(struct mc_ctx *ctx, struct mc_stream *s,
                           struct mc_post *post)
{
	int exit = MC_EXIT_OK;
	if (s->n > 0) {
		if (ml_buf_add_char(&s->body, ']') != 0)
			return mc_fail(ctx, MC_EXIT_REFUSED, "internal",
			               "out of memory reading %s", s->name);
		exit = mc_post_batch(ctx, post, s->body.data, s->body.len,
		                     mc_stream_locate, s);
		s->sent += s->n;
		mc_progress_update(&s->progress, s->sent, 0);
	}
	ml_buf_reset(&s->body);
	ml_buf_reset(&s->raw);
	s->n = 0;
	s->first_line = s->line_no + 1;
	return exit;
}

/* One line t[0..len) (its '\n' not counted, and t[len] writable) into
 * the stream: a blank one is only counted; an event is added to the
 * batch, which is sent first when the event would not fit in it. */
static int mc_stream_line(struct mc_ctx *ctx, struct mc_stream *s,
                          struct mc_post *post, char *t, size_t len)
{
	int exit = MC_EXIT_OK;
	s->line_no++;
	if (len > 0 && t[len - 1] == '\r')
		len--;
	t[len] = '\0';
	bool blank = strspn(t, " \t\r") >= len;
	/* an id, its quotes, the comma and the closing ']' */
	size_t need = len + 48;
	if (!blank && s->n > 0 &&
	    (s->n == ML_BATCH_EVENTS_MAX ||
	     s->body.len + need > ML_BODY_BYTES_MAX)) {
		s->line_no--; /* the batch ends before this line */
		exit = mc_stream_flush(ctx, s, post);
		s->line_no++;
	}
	if (exit != MC_EXIT_OK)
		return exit;
	if (!blank && need > ML_BODY_BYTES_MAX)
		return mc_refuse(ctx, "too_large",
		                 "%s line %u is larger than one batch may be "
		                 "(8 MiB)",
		                 s->name, s->line_no);
	int rc = ml_buf_add(&s->raw, t, len);
	rc = rc ? rc : ml_buf_add_char(&s->raw, '\n');
	rc = rc || blank ? rc : mc_stream_add_event(s, t, len);
	if (rc != 0)
		return mc_fail(ctx, MC_EXIT_REFUSED, "internal",
		               "out of memory reading %s", s->name);
	return MC_EXIT_OK;
}

/* The lines of head (read already), then the rest of f, as a stream. */
static int mc_stream_run(struct mc_ctx *ctx, struct mc_stream *s,
                         struct mc_post *post, FILE *f, char *head,
                         size_t head_len)
{
	int exit = MC_EXIT_OK;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	for (char *p = head; exit == MC_EXIT_OK && p < head + head_len;) {
		char *nl = memchr(p, '\n', (size_t)(head + head_len - p));
		size_t len =
		    nl ? (size_t)(nl - p) : (size_t)(head + head_len - p);
		exit = mc_stream_line(ctx, s, post, p, len);
		p += len + 1;
	}
	while (exit == MC_EXIT_OK) {
		n = getline(&line, &cap, f);
		if (n <= 0)
			break;
		size_t len = (size_t)n - (line[n - 1] == '\n' ? 1 : 0);
		exit = mc_stream_line(ctx, s, post, line, len);
	}
	free(line);
	if (exit == MC_EXIT_OK && ferror(f))
		exit = mc_refuse(ctx, "io", "cannot read %s", s->name);
	if (exit == MC_EXIT_OK)
		exit = mc_stream_flush(ctx, s, post);
	return exit;
}

/* Reads f's first lines up to the first that is not blank into *head
 * and says whether the file is JSON Lines to stream: that line is one
 * JSON object by itself. A line longer than one batch may be (head
 * cannot hold it) sets *too_long to its number: no batch can hold it,
 * whichever way the file is read. */
static bool mc_stream_detect(FILE *f, struct ml_buf *head, unsigned *too_long)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	bool stream = false;
	unsigned line_no = 0;
	*too_long = 0;
	for (;;) {
		n = getline(&line, &cap, f);
		if (n <= 0)
			break;
		line_no++;
		const char *t = line;
		if (head->len == 0 && n >= 3 &&
		    memcmp(t, "\xef\xbb\xbf", 3) == 0)
			t += 3, n -= 3; /* the BOM is not part of the text */
		if (ml_buf_add(head, t, (size_t)n) != 0) {
			*too_long = line_no;
			break;
		}
		size_t blank = strspn(t, " \t\r\n");
		if (blank >= (size_t)n)
			continue;
		size_t len = (size_t)n - (t[n - 1] == '\n' ? 1 : 0);
		stream = t[blank] == '{' && mc_json_stop(t, len) == NULL;
		break;
	}
	free(line);
	return stream;
}

/* One FILE (NULL or "-": standard input): streamed, or whole. */
static int mc_append_file(struct mc_ctx *ctx, struct mc_post *post,
                          const char *path, struct mc_stream *s)
{
	bool std = path == NULL || strcmp(path, "-") == 0;
	FILE *f = std ? stdin : fopen(path, "rb");
	const char *name = std ? "stdin" : path;
	if (f == NULL)
		return mc_fail(ctx, MC_EXIT_USAGE, "usage",
		               "cannot open %s: %s", path, strerror(errno));
	struct ml_buf head;
	ml_buf_init(&head, ML_BODY_BYTES_MAX + 1);
	int exit = MC_EXIT_OK;
	unsigned too_long;
	bool stream = mc_stream_detect(f, &head, &too_long);
	if (too_long > 0) {
		exit = mc_refuse(ctx, "too_large",
		                 "%s line %u is larger than one batch may be "
		                 "(8 MiB)",
		                 name, too_long);
	} else if (stream) {
		s->name = name;
		s->line_no = 0;
		s->first_line = 1;
		exit = mc_stream_run(ctx, s, post, f, head.data, head.len);
	} else {
		struct mc_batch_file b = {.name = name};
		exit = mc_batch_load(ctx, &b, f, head.data ? head.data : "",
		                     head.len);
		if (exit == MC_EXIT_OK)
			exit = mc_post_batch(ctx, post, b.body.data, b.body.len,
			                     mc_batch_locate, &b);
		mc_batch_free(&b);
	}
	ml_buf_free(&head);
	if (!std)
		fclose(f);
	return exit;
}

static int mc_append_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_opt opts[] = {{"dry-run", MC_OPT_FLAG, NULL},
	                        {"expected-head", MC_OPT_VALUE, NULL}};
	char **files = calloc((size_t)argc + 1, sizeof *files);
	struct mc_stream *s = calloc(1, sizeof *s);
	size_t n_files = 0;
	struct mc_post post = {0};
	if (files == NULL || s == NULL) {
		free(files);
		free(s);
		return mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "out of memory");
	}
	ml_buf_init(&s->body, ML_BODY_BYTES_MAX);
	ml_buf_init(&s->raw, ML_BODY_BYTES_MAX);
	mc_progress_start(&s->progress, ctx->progress, "appending", 0, false);
	int exit = mc_args_parse(ctx, argc, argv, opts, 2, files, (size_t)argc,
	                         &n_files);
	if (exit == MC_EXIT_OK)
		exit = mc_post_init(ctx, &post, opts[0].value != NULL,
		                    opts[1].value);
	for (size_t i = 0; exit == MC_EXIT_OK && i < (n_files ? n_files : 1);
	     i++)
		exit = mc_append_file(ctx, &post, n_files ? files[i] : NULL, s);
	mc_progress_end(&s->progress);
	mc_post_end(&post);
	ml_buf_free(&s->body);
	ml_buf_free(&s->raw);
	free(s);
	free(files);
	return exit;
}

const struct mc_command mc_cmd_append = {
    "append",
    "append events from JSON Lines or JSON arrays, in atomic batches",
    "usage: medel append [--dry-run] [--expected-head SEQ] [FILE...]\n"
    "\n"
    "Appends the events in each FILE (standard input when none, or for\n"
    "'-'). A file holds a JSON array of events, sent as one atomic batch\n"
    "(all of its events are stored, or none is), or JSON Lines (one event\n"
    "per line), sent in atomic batches of at most 10 000 events. A line\n"
    "without an id gets one derived from its text and line number\n"
    "(jsonl:<16 hex digits>), so a run that was stopped is resumed by\n"
    "running it again: what was stored is not stored twice. Prints the\n"
    "seq of each event, followed by 'duplicate' for an event whose id was\n"
    "already stored with the same content (re-sending is harmless). A\n"
    "refused event is named by its file and line; the batches before it\n"
    "are stored. On a terminal, progress is shown on stderr.\n"
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
