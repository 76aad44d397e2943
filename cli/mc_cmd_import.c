/*
 * mc_cmd_import.c — `medel import-csv FILE [--type TYPE]`: a
 * spreadsheet's rows, in atomic batches.
 *
 * The file is read as Excel saves it (mc_import.h: UTF-8 or Windows-1252,
 * Swedish column and type names). The header row names the fields; each
 * later row is one event, its type from a type (Typ) column or --type
 * (both given: they must agree). Cells are typed as `record` types
 * options (mc_field_add), so amounts may be written the Swedish way
 * ("650 000", "650 000,50 kr", "26 800 tkr"); an empty cell leaves its
 * field out. Blank rows, and empty columns without a header (Excel's
 * ";;;" tails), are skipped. A row without an id gets one derived from
 * its cells, type and row (mc_import_row_id), so importing a file twice
 * stores it once: the second answer is all duplicates, and says so.
 *
 * A bad cell stops the import before anything is sent, naming the row
 * (as the spreadsheet numbers it: the header is row 1) and the column
 * (by letter and field): "row 7, column E (amount): '12.5' …". When
 * the ledger refuses an event, its batch index and field are turned back
 * into the same row and column.
 *
 * Batches: the rows are sent in batches of at most ML_BATCH_EVENTS_MAX
 * events and ML_BODY_BYTES_MAX bytes, each atomic. A first pass converts
 * every cell without sending (so a bad cell anywhere changes nothing);
 * a file of one batch is then sent as that pass built it, a longer one
 * is read again and sent batch by batch. A run stopped between batches
 * (kill -9, or a row the ledger refuses) has stored the batches before;
 * running it again stores the rest, the stored rows being answered as
 * duplicates by their ids, and says how many were already imported.
 *
 * --dry-run prints what was understood, row by row, in words (type and
 * direction, mc_direction.h) with the amounts' total; --template TYPE
 * prints a sheet to fill in (mc_import_template).
 *
 * Progress (rows read, then rows imported of all) is shown on a
 * terminal: a 100 000-row import takes a while.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_money.h"

#include "mc_direction.h"
#include "mc_import.h"
#include "mc_names.h"
#include "mc_post.h"
#include "mc_table.h"
#include "mc_words.h"

struct mc_import {
	struct mc_csv_in in;
	char names[MC_CSV_COLUMNS_MAX][ML_FIELD_NAME_MAX];
	size_t n_cols;
	size_t type_col, id_col; /* n_cols when the file has none */
	const char *type;        /* --type, as the API names it, or NULL */
	const char *encoding;    /* what the file was read as */
	uint32_t rows[ML_BATCH_EVENTS_MAX]; /* the row of each event */
	size_t n_events;                    /* in this batch */
	size_t n_batches;                   /* sent (or checked) before it */
	size_t n_rows;                      /* data rows, all batches */
	size_t n_stored_rows;               /* in batches the ledger took */
	struct ml_buf body;
	struct mc_progress progress;
	struct mc_table *dry; /* the dry run's table, all batches */
	struct mc_names who;  /* names for the dry run's words */
	bool names_loaded;
};

/* "row 7, column E (amount)" */
static void mc_import_where(const struct mc_import *im, uint32_t row,
                            size_t col, struct ml_buf *out)
{
	char letters[8];
	ml_buf_addf(out, "row %u", row);
	if (col < MC_CSV_COLUMNS_MAX)
		ml_buf_addf(out, ", column %s",
		            mc_csv_column_name(col, letters, sizeof letters));
	if (col < im->n_cols && im->names[col][0] != '\0')
		ml_buf_addf(out, " (%s)", im->names[col]);
}

/* Refuses with "row R, column C (name): why". */
static int mc_import_refuse(struct mc_ctx *ctx, const struct mc_import *im,
                            uint32_t row, size_t col, const char *why)
{
	struct ml_buf where;
	ml_buf_init(&where, MC_LINE_BYTES_MAX);
	mc_import_where(im, row, col, &where);
	int rc = mc_refuse(ctx, "invalid_field", "%s: %s",
	                   where.data ? where.data : "", why);
	ml_buf_free(&where);
	return rc;
}

/* The header row into names[], as the API names the fields. */
static int mc_import_header(struct mc_ctx *ctx, struct mc_import *im,
                            const char *file)
{
	char why[ML_MESSAGE_MAX];
	int rc = mc_csv_in_next(&im->in, why, sizeof why);
	if (rc <= 0)
		return mc_refuse(ctx, "invalid_field", "%s: %s", file,
		                 rc == 0 ? "the file is empty" : why);
	im->n_cols = im->in.n_cells;
	im->type_col = im->id_col = im->n_cols;
	for (size_t c = 0; c < im->n_cols; c++) {
		char *n = im->names[c];
		if (mc_import_column(im->in.cell[c], n, ML_FIELD_NAME_MAX) ==
		    NULL) {
			char letters[8], known[1024];
			mc_import_known_columns(known, sizeof known);
			return mc_refuse(
			    ctx, "invalid_field",
			    "row 1, column %s: unknown column '%.60s'; "
			    "known columns: %s",
			    mc_csv_column_name(c, letters, sizeof letters),
			    im->in.cell[c], known);
		}
		if (strcmp(n, "type") == 0)
			im->type_col = c;
		if (strcmp(n, "id") == 0)
			im->id_col = c;
	}
	return MC_EXIT_OK;
}
static bool mc_blank(const char *s)
{
	return strspn(s, " \t") == strlen(s);
}

static bool mc_row_blank(const struct mc_csv_in *in)
{
	for (size_t c = 0; c < in->n_cells; c++)
		if (!mc_blank(in->cell[c]))
			return false;
	return true;
}

/* The row's type, from its type cell and --type, into *type. */
static int mc_import_row_type(struct mc_ctx *ctx, struct mc_import *im,
                              const char **type)
{
	char why[ML_MESSAGE_MAX];
	const struct mc_csv_in *in = &im->in;
	*type = im->type;
	if (im->type_col >= in->n_cells || mc_blank(in->cell[im->type_col])) {
		if (*type != NULL)
			return MC_EXIT_OK;
		return mc_import_refuse(ctx, im, in->row, im->type_col,
		                        "no type: fill in the type (Typ) "
		                        "column or give --type");
	}
	const char *cell = in->cell[im->type_col];
	const char *t = mc_import_type(cell);
	if (t == NULL)
		snprintf(why, sizeof why,
		         "'%.40s' is not an event type (tilldelning, "
		         "rekvirering, faktura, utbetalning, förbrukning, "
		         "återbetalning, överföring, återrapportering, "
		         "rättelse, avslag, or the API's names)",
		         cell);
	else if (*type != NULL && strcmp(t, *type) != 0)
		snprintf(why, sizeof why, "'%.40s' is %s, but --type is %s",
		         cell, t, *type);
	else {
		*type = t;
		return MC_EXIT_OK;
	}
	return mc_import_refuse(ctx, im, in->row, im->type_col, why);
}

/* The row's cells (but its type) as members of the event object. */
static int mc_import_cells(struct mc_ctx *ctx, struct mc_import *im,
                           bool *first)
{
	char why[ML_MESSAGE_MAX];
	const struct mc_csv_in *in = &im->in;
	for (size_t c = 0; c < in->n_cells; c++) {
		if (c == im->type_col || in->cell[c][0] == '\0')
			continue;
		if (c >= im->n_cols || im->names[c][0] == '\0') {
			if (mc_blank(in->cell[c]))
				continue;
			return mc_import_refuse(ctx, im, in->row, c,
			                        "a value in a column "
			                        "without a header");
		}
		if (mc_field_add(&im->body, first, im->names[c], in->cell[c],
		                 why, sizeof why) != 0)
			return mc_import_refuse(ctx, im, in->row, c, why);
	}
	return MC_EXIT_OK;
}

/* One data row as one event object; its id derived when it has none. */
static int mc_import_row(struct mc_ctx *ctx, struct mc_import *im)
{
	char why[ML_MESSAGE_MAX], id[32];
	bool first = true;
	const char *type = NULL;
	struct mc_csv_in *in = &im->in;
	int exit = mc_import_row_type(ctx, im, &type);
	if (exit != MC_EXIT_OK)
		return exit;
	int rc = ml_buf_add_str(&im->body, im->n_events ? ",{" : "{");
	rc =
	    rc ? rc
	       : mc_field_add(&im->body, &first, "type", type, why, sizeof why);
	if (rc == 0 && (exit = mc_import_cells(ctx, im, &first)) != 0)
		return exit;
	if (rc == 0 &&
	    (im->id_col >= in->n_cells || mc_blank(in->cell[im->id_col]))) {
		mc_import_row_id("csv", in->cell, in->n_cells, type, in->row,
		                 id, sizeof id);
		rc = mc_field_add(&im->body, &first, "id", id, why, sizeof why);
	}
	if (rc == 0)
		rc = ml_buf_add_char(&im->body, '}');
	if (rc != 0)
		return mc_refuse(ctx, "too_large",
		                 "row %u is larger than one batch may be "
		                 "(8 MiB)",
		                 in->row);
	im->rows[im->n_events++] = in->row;
	return MC_EXIT_OK;
}

/* The most bytes row r can take in the body: each cell escaped as JSON
 * at worst (6 bytes a byte) with its field name, plus type and id. */
static size_t mc_import_row_bytes_max(const struct mc_csv_in *in)
{
	size_t n = 96 + ML_FIELD_NAME_MAX;
	for (size_t c = 0; c < in->n_cells; c++)
		n += 6 * strlen(in->cell[c]) + ML_FIELD_NAME_MAX + 6;
	return n;
}

static int mc_import_send(struct mc_ctx *ctx, struct mc_import *im,
                          struct mc_post *post);

/* Ends the batch built so far: sends it (post given) or only counts it
 * (the checking pass), and starts the next one. */
static int mc_import_flush(struct mc_ctx *ctx, struct mc_import *im,
                           struct mc_post *post)
{
	int exit = post != NULL ? mc_import_send(ctx, im, post) : MC_EXIT_OK;
	im->n_batches++;
	im->n_events = 0;
	ml_buf_reset(&im->body);
	return exit;
}

/* Every row after the header, in batches of at most ML_BATCH_EVENTS_MAX
 * events and ML_BODY_BYTES_MAX bytes. With post NULL (the checking
 * pass) every cell is converted and nothing is sent; the last batch is
 * left in the body. */
static int mc_import_rows(struct mc_ctx *ctx, struct mc_import *im,
                          struct mc_post *post)
{
	char why[ML_MESSAGE_MAX];
	int rc, exit = MC_EXIT_OK;
	im->n_rows = 0;
	while (exit == MC_EXIT_OK &&
	       (rc = mc_csv_in_next(&im->in, why, sizeof why)) != 0) {
		if (rc < 0)
			return mc_refuse(ctx, "invalid_field", "row %u: %s",
			                 im->in.row, why);
		if (mc_row_blank(&im->in))
			continue;
		if (im->n_events == ML_BATCH_EVENTS_MAX ||
		    (im->n_events > 0 &&
		     im->body.len + mc_import_row_bytes_max(&im->in) + 1 >
		         ML_BODY_BYTES_MAX))
			exit = mc_import_flush(ctx, im, post);
		if (exit == MC_EXIT_OK && im->n_events == 0 &&
		    ml_buf_add_char(&im->body, '[') != 0)
			exit = mc_fail(ctx, MC_EXIT_REFUSED, "internal",
			               "out of memory");
		if (exit == MC_EXIT_OK)
			exit = mc_import_row(ctx, im);
		im->n_rows++;
		if (post == NULL) /* sending counts rows stored instead */
			mc_progress_update(&im->progress, im->n_rows, 0);
	}
	if (exit == MC_EXIT_OK && post != NULL && im->n_events > 0)
		exit = mc_import_flush(ctx, im, post);
	return exit;
}

static void mc_import_locate(void *arg, int64_t index, const char *field,
                             struct ml_buf *out)
{
	const struct mc_import *im = arg;
	size_t col = im->n_cols;
	for (size_t c = 0; field != NULL && c < im->n_cols; c++)
		if (strcmp(im->names[c], field) == 0)
			col = c;
	if (index < 0 || (size_t)index >= im->n_events) {
		ml_buf_addf(out, "field %s", field ? field : "?");
		return;
	}
	mc_import_where(im, im->rows[index], col, out);
	if (col == im->n_cols && field != NULL)
		ml_buf_addf(out, ", field %s", field);
}

static int mc_import_file(struct mc_ctx *ctx, struct mc_import *im,
                          const char *file, char **text, size_t *len)
{
	FILE *f = fopen(file, "rb");
	if (f == NULL)
		return mc_fail(ctx, MC_EXIT_USAGE, "usage",
		               "cannot open %s: %s", file, strerror(errno));
	struct ml_buf b;
	char chunk[64 * 1024];
	size_t n;
	ml_buf_init(&b, 2 * ML_BODY_BYTES_MAX);
	int rc = 0;
	while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = ml_buf_add(&b, chunk, n);
	bool bad = ferror(f) != 0;
	fclose(f);
	if (rc != 0 || bad) {
		ml_buf_free(&b);
		return mc_refuse(
		    ctx, rc ? "too_large" : "io", "cannot read %s%s", file,
		    rc ? ": it is larger than a batch may be" : "");
	}
	*text = b.data ? b.data : strdup("");
	*len = b.len;
	char why[ML_MESSAGE_MAX];
	if (*text == NULL ||
	    mc_import_decode(text, len, &im->encoding, why, sizeof why) != 0)
		return mc_refuse(ctx, "invalid_field", "%s: %s", file,
		                 *text ? why : "out of memory");
	mc_csv_in_init(&im->in, *text, *len);
	int exit = mc_import_header(ctx, im, file);
	if (exit == MC_EXIT_OK && im->type == NULL &&
	    im->type_col == im->n_cols)
		exit = mc_usage(ctx,
		                "%s has no type (Typ) column: give "
		                "--type TYPE",
		                file);
	return exit;
}

/* What a row says in words: its direction (mc_direction.h), or for a
 * definition its id and name, for a correction what it corrects. */
static void mc_import_what(const struct mc_ctx *ctx,
                           const struct mc_names *names, const cJSON *ev,
                           struct ml_buf *out)
{
	const char *name = ma_json_str(ev, "name");
	const char *id = ma_json_str(ev, "party") ? ma_json_str(ev, "party")
	                                          : ma_json_str(ev, "grant");
	int64_t corrects = 0;
	if (mc_direction(ctx, names, ev, out))
		return;
	if (ma_json_int(ev, "corrects", &corrects) == 0)
		ml_buf_addf(out, "%s %lld", mc_words_of(ctx->lang)->corrects,
		            (long long)corrects);
	else if (id != NULL)
		ml_buf_addf(out, "%s%s%s%s", id, name ? " \"" : "",
		            name ? name : "", name ? "\"" : "");
}

/* One understood row: row, type, what, amount, date. */
static int mc_import_understood(struct mc_ctx *ctx, struct mc_table *t,
                                const struct mc_names *names, uint32_t row,
                                const cJSON *ev)
{
	char row_text[16], money[ML_MONEY_TEXT_MAX] = "";
	static char what_text[MC_LINE_BYTES_MAX];
	struct ml_buf what;
	int64_t ore = 0;
	snprintf(row_text, sizeof row_text, "%u", row);
	if (ma_json_int(ev, "amount", &ore) == 0) {
		ml_money_format(ore, money, sizeof money);
		mc_table_add_ore(t, 3, ore);
	}
	ml_buf_init(&what, MC_LINE_BYTES_MAX);
	mc_import_what(ctx, names, ev, &what);
	const char *cells[] = {
	    row_text,
	    mc_words_type(mc_words_of(ctx->lang), ma_json_str(ev, "type")),
	    mc_whole(ctx, what.data ? what.data : "", what_text), money,
	    ma_json_str(ev, "date")};
	int rc = mc_table_row(t, cells, NULL);
	ml_buf_free(&what);
	return rc;
}

/* The dry run: a table of what each row was understood as (type and
 * direction in words, amount in kronor), filled a batch at a time after
 * the ledger has checked it, printed at the end with a total line. */
static int mc_import_dry_add(struct mc_ctx *ctx, struct mc_import *im)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	int exit = MC_EXIT_OK;
	if (!im->names_loaded) {
		exit = mc_names_load(ctx, NULL, &im->who);
		im->names_loaded = exit == MC_EXIT_OK;
	}
	if (im->dry == NULL && exit == MC_EXIT_OK) {
		const char *const labels[] = {w->row, w->type, w->what,
		                              w->amount, w->date};
		im->dry = mc_table_new(5);
		for (size_t c = 0; im->dry && c < 5; c++)
			mc_table_column(im->dry, c, labels[c],
			                c == 3 ? MC_RIGHT : MC_LEFT);
	}
	cJSON *events = cJSON_ParseWithLength(im->body.data, im->body.len);
	const cJSON *ev;
	size_t i = 0;
	int rc = events && im->dry ? 0 : ML_E_NOMEM;
	cJSON_ArrayForEach(ev, events)
	{
		if (rc == 0 && exit == MC_EXIT_OK && i < im->n_events)
			rc = mc_import_understood(ctx, im->dry, &im->who,
			                          im->rows[i++], ev);
	}
	cJSON_Delete(events);
	if (exit == MC_EXIT_OK && rc != 0)
		exit = mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "the table is too large to show: use --csv");
	return exit;
}

/* How the file was read (encoding, separator), then the table. */
static int mc_import_dry_print(struct mc_ctx *ctx, const struct mc_import *im,
                               const char *file)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	if (im->dry == NULL || mc_table_total(im->dry, w->total, NULL) != 0)
		return mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "the table is too large to show: use --csv");
	mc_say(ctx, w->read_as, file, im->encoding, im->in.sep, im->n_rows);
	mc_table_print(im->dry, stdout, 0, 0, mc_style(ctx, MC_STYLE_DIM));
	return MC_EXIT_OK;
}

/* The dry run's table; the re-import's note on duplicates. */
static int mc_import_notes(struct mc_ctx *ctx, const struct mc_import *im,
                           const struct mc_post *post, const char *file)
{
	if (ctx->out != MC_OUT_HUMAN)
		return MC_EXIT_OK;
	if (post->dry_run)
		return mc_import_dry_print(ctx, im, file);
	if (post->n_events > 0 && post->n_duplicates == post->n_events)
		printf("already imported: %zu rows, nothing stored\n",
		       post->n_events);
	else if (post->n_duplicates > 0)
		printf("already imported: %zu of %zu rows; stored the other "
		       "%zu\n",
		       post->n_duplicates, post->n_events,
		       post->n_events - post->n_duplicates);
	return MC_EXIT_OK;
}

/* Sends the batch in the body; a refusal after earlier batches were
 * stored says so, and how to go on. */
static int mc_import_send(struct mc_ctx *ctx, struct mc_import *im,
                          struct mc_post *post)
{
	if (ml_buf_add_char(&im->body, ']') != 0)
		return mc_refuse(ctx, "too_large",
		                 "the rows are more than one batch may hold");
	int exit = mc_post_batch(ctx, post, im->body.data, im->body.len,
	                         mc_import_locate, im);
	if (exit == MC_EXIT_OK && post->dry_run && ctx->out == MC_OUT_HUMAN)
		exit = mc_import_dry_add(ctx, im);
	if (exit == MC_EXIT_OK)
		im->n_stored_rows += im->n_events;
	else if (im->n_stored_rows > 0 && !post->dry_run)
		fprintf(stderr,
		        "medel: the %zu rows before row %u are stored (in "
		        "batches of %d); fix the file and import it again: "
		        "the stored rows are known by their ids and are not "
		        "stored twice\n",
		        im->n_stored_rows, im->rows[0], ML_BATCH_EVENTS_MAX);
	mc_progress_update(&im->progress, im->n_stored_rows, 0);
	return exit;
}

/* --template TYPE: the sheet to fill in, on stdout. */
static int mc_import_template_run(struct mc_ctx *ctx, const char *typed)
{
	const char *type = mc_import_type(typed);
	if (type == NULL || !mc_import_template(type, stdout))
		return mc_usage(ctx, "--template: '%s' is not an event type",
		                typed);
	return MC_EXIT_OK;
}

/* After the checking pass: sends the one batch it left in the body, or
 * reads the file again and sends it a batch at a time. */
static int mc_import_send_all(struct mc_ctx *ctx, struct mc_import *im,
                              struct mc_post *post, const char *text,
                              size_t len)
{
	char why[ML_MESSAGE_MAX];
	if (im->n_batches == 0)
		return mc_import_flush(ctx, im, post);
	size_t rows = im->n_rows;
	mc_csv_in_free(&im->in);
	mc_csv_in_init(&im->in, text, len);
	/* the header, read from the same text the checking pass read */
	int header = mc_csv_in_next(&im->in, why, sizeof why);
	ML_ASSERT(header > 0);
	ml_buf_reset(&im->body);
	im->n_events = im->n_batches = 0;
	mc_progress_end(&im->progress);
	mc_progress_start(&im->progress, ctx->progress, "importing rows", rows,
	                  false);
	return mc_import_rows(ctx, im, post);
}

static int mc_import_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_opt opts[] = {{"type", MC_OPT_VALUE, NULL},
	                        {"dry-run", MC_OPT_FLAG, NULL},
	                        {"expected-head", MC_OPT_VALUE, NULL},
	                        {"template", MC_OPT_VALUE, NULL}};
	char *pos[1], *text = NULL;
	size_t n_pos = 0, len = 0;
	struct mc_post post = {0};
	int exit = mc_args_parse(ctx, argc, argv, opts, 4, pos, 1, &n_pos);
	if (exit == MC_EXIT_OK && opts[3].value != NULL)
		return n_pos == 0 ? mc_import_template_run(ctx, opts[3].value)
		                  : mc_usage(ctx, "--template prints a sheet: "
		                                  "it takes no FILE");
	if (exit == MC_EXIT_OK && n_pos != 1)
		exit = mc_usage(ctx, "import-csv needs FILE");
	const char *type = opts[0].value ? mc_import_type(opts[0].value) : NULL;
	if (exit == MC_EXIT_OK && opts[0].value != NULL && type == NULL)
		exit = mc_usage(ctx, "--type: '%s' is not an event type",
		                opts[0].value);
	if (exit == MC_EXIT_OK)
		exit = mc_post_init(ctx, &post, opts[1].value != NULL,
		                    opts[2].value);
	if (exit != MC_EXIT_OK)
		return exit;
	post.quiet = post.dry_run; /* the dry run prints its table */
	struct mc_import *im = calloc(1, sizeof *im);
	if (im == NULL)
		return mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "out of memory");
	ml_buf_init(&im->body, ML_BODY_BYTES_MAX);
	im->type = type;
	mc_progress_start(&im->progress, ctx->progress, "reading rows", 0,
	                  false);
	exit = mc_import_file(ctx, im, pos[0], &text, &len);
	if (exit == MC_EXIT_OK)
		exit = mc_import_rows(ctx, im, NULL);
	if (exit == MC_EXIT_OK && im->n_rows == 0)
		exit = mc_refuse(ctx, "invalid_field",
		                 "%s has no rows after its header", pos[0]);
	if (exit == MC_EXIT_OK)
		exit = mc_import_send_all(ctx, im, &post, text, len);
	mc_progress_end(&im->progress);
	mc_post_end(&post);
	if (exit == MC_EXIT_OK)
		exit = mc_import_notes(ctx, im, &post, pos[0]);
	mc_csv_in_free(&im->in);
	ml_buf_free(&im->body);
	mc_table_free(im->dry);
	if (im->names_loaded)
		mc_names_free(&im->who);
	free(im);
	free(text);
	return exit;
}

const struct mc_command mc_cmd_import_csv = {
    "import-csv",
    "append a spreadsheet's rows (Swedish amounts and names) in batches",
    "usage: medel import-csv FILE [--type TYPE] [--dry-run]\n"
    "                        [--expected-head SEQ]\n"
    "       medel import-csv --template TYPE\n"
    "\n"
    "Appends every row of FILE as one event, in atomic batches of at most\n"
    "10 000 rows, the file as Excel saves it: CSV UTF-8 (with or\n"
    "without BOM) or CSV (semikolonavgränsad), which is Windows-1252 and\n"
    "is converted; ';' or ',' between cells; quoted cells. The first row\n"
    "names the columns, in Swedish (Datum, Typ, Bidrag, Från, Till, Part,\n"
    "Aktivitet, Enhet, Belopp, Referens, Fakturanummer, Anteckning, Id,\n"
    "...) or as the API does (date, type, grant, from, to, ...).\n"
    "A Typ column gives each row its type (tilldelning, rekvirering,\n"
    "faktura, utbetalning, förbrukning, återbetalning, överföring,\n"
    "återrapportering, rättelse, avslag, or allocation, expense, ...);\n"
    "--type gives every row one type. Amounts may be Swedish: '650 000',\n"
    "'650 000,50 kr', '26 800 tkr'. An empty cell leaves its field out.\n"
    "\n"
    "Ids: a row without an Id gets one derived from its cells, its type\n"
    "and its row number (csv:<16 hex digits>), so importing the same file\n"
    "again stores nothing and says \"already imported\". Change a row and\n"
    "it is a new event; to correct a stored one, record a correction.\n"
    "\n"
    "A bad cell stops the import and names its row and column as Excel\n"
    "shows them; nothing is stored then. Should the ledger refuse a row\n"
    "after earlier batches were stored, or the run be stopped, fix the\n"
    "file and run it again: the rows stored already are not stored twice,\n"
    "and it says how many there were. Prints each\n"
    "event's seq. --dry-run checks every row with the ledger, stores\n"
    "nothing, and prints how the file was read (encoding, separator) and\n"
    "a table of what each row was understood as: its row as Excel numbers\n"
    "it, its type and direction in words, amount in kronor, date. (A file\n"
    "of more than 10 000 rows is checked a batch at a time, each batch\n"
    "without the rows of the ones before it, which are not stored.)\n"
    "--template TYPE prints a sheet for TYPE that Excel opens (UTF-8 with\n"
    "BOM, ';'): the Swedish header row and one example row.\n"
    "\n"
    "Example (asn-2020.csv, saved from Excel):\n"
    "  Datum;Typ;Bidrag;Part;Aktivitet;Enhet;Belopp;Referens\n"
    "  2020-12-15;förbrukning;psykisk-halsa-2020;malmo-asn;"
    "Psykologresurs;IFO Utredning;420 000;ASN-2020-12563\n"
    "\n"
    "  medel import-csv asn-2020.csv --dry-run\n"
    "  medel import-csv asn-2020.csv\n"
    "  medel import-csv --template förbrukning > forbrukning.csv\n",
    mc_import_run,
};
