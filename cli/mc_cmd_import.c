/*
 * mc_cmd_import.c — `medel import-csv FILE [--type TYPE]`: a
 * spreadsheet's rows as one atomic batch.
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
 * into the same row and column. Nothing is stored unless every row is.
 *
 * --dry-run prints what was understood, row by row, in words (type and
 * direction, mc_direction.h) with the amounts' total; --template TYPE
 * prints a sheet to fill in (mc_import_template).
 *
 * Progress (rows read, then the wait for the ledger) is shown on a
 * terminal: a 10 000-row import takes a moment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

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
	size_t n_events;
	struct ml_buf body;
	struct mc_progress progress;
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
		mc_import_row_id(in->cell, in->n_cells, type, in->row, id,
		                 sizeof id);
		rc = mc_field_add(&im->body, &first, "id", id, why, sizeof why);
	}
	if (rc == 0)
		rc = ml_buf_add_char(&im->body, '}');
	if (rc != 0)
		return mc_refuse(
		    ctx, "too_large",
		    "the rows up to row %u are more than one batch "
		    "may hold (8 MiB): split the file",
		    in->row);
	im->rows[im->n_events++] = in->row;
	return MC_EXIT_OK;
}

/* Every row after the header into the body. */
static int mc_import_rows(struct mc_ctx *ctx, struct mc_import *im)
{
	char why[ML_MESSAGE_MAX];
	int rc, exit = MC_EXIT_OK;
	while (exit == MC_EXIT_OK &&
	       (rc = mc_csv_in_next(&im->in, why, sizeof why)) != 0) {
		if (rc < 0)
			return mc_refuse(ctx, "invalid_field", "row %u: %s",
			                 im->in.row, why);
		if (mc_row_blank(&im->in))
			continue;
		if (im->n_events >= ML_BATCH_EVENTS_MAX)
			return mc_refuse(
			    ctx, "too_large",
			    "more than %d rows: one batch holds at "
			    "most %d events; split the file",
			    ML_BATCH_EVENTS_MAX, ML_BATCH_EVENTS_MAX);
		exit = mc_import_row(ctx, im);
		mc_progress_update(&im->progress, im->n_events, 0);
	}
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

/* The dry run: how the file was read, and a table of what each row was
 * understood as (type and direction in words, amount in kronor), with
 * a total line. The ledger has checked every row by now. */
static int mc_import_dry_table(struct mc_ctx *ctx, const struct mc_import *im,
                               const char *file)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	struct mc_names names = {0};
	cJSON *events = cJSON_ParseWithLength(im->body.data, im->body.len);
	struct mc_table *t = mc_table_new(5);
	const cJSON *ev;
	size_t i = 0;
	int rc = events && t ? 0 : ML_E_NOMEM;
	int exit = mc_names_load(ctx, NULL, &names);
	const char *const labels[] = {w->row, w->type, w->what, w->amount,
	                              w->date};
	for (size_t c = 0; t && c < 5; c++)
		mc_table_column(t, c, labels[c], c == 3 ? MC_RIGHT : MC_LEFT);
	cJSON_ArrayForEach(ev, events)
	{
		if (rc == 0 && exit == MC_EXIT_OK)
			rc = mc_import_understood(ctx, t, &names, im->rows[i++],
			                          ev);
	}
	if (rc == 0)
		rc = mc_table_total(t, w->total, NULL);
	if (rc == 0 && exit == MC_EXIT_OK) {
		mc_say(ctx, w->read_as, file, im->encoding, im->in.sep,
		       im->n_events);
		mc_table_print(t, stdout, 0, 0, mc_style(ctx, MC_STYLE_DIM));
	}
	mc_table_free(t);
	mc_names_free(&names);
	cJSON_Delete(events);
	if (exit == MC_EXIT_OK && rc != 0)
		exit = mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "the table is too large to show: use --csv");
	return exit;
}

/* The dry run's table; the re-import's note on duplicates. */
static int mc_import_notes(struct mc_ctx *ctx, const struct mc_import *im,
                           const struct mc_post *post, const char *file)
{
	if (ctx->out != MC_OUT_HUMAN)
		return MC_EXIT_OK;
	if (post->dry_run)
		return mc_import_dry_table(ctx, im, file);
	if (post->n_events > 0 && post->n_duplicates == post->n_events)
		printf("already imported: %zu rows, nothing stored\n",
		       post->n_events);
	return MC_EXIT_OK;
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

static int mc_import_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_opt opts[] = {{"type", MC_OPT_VALUE, NULL},
	                        {"dry-run", MC_OPT_FLAG, NULL},
	                        {"expected-head", MC_OPT_VALUE, NULL},
	                        {"template", MC_OPT_VALUE, NULL}};
	char *pos[1], *text = NULL;
	size_t n_pos = 0, len = 0;
	struct mc_post post;
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
	if (exit == MC_EXIT_OK && ml_buf_add_char(&im->body, '[') == 0)
		exit = mc_import_rows(ctx, im);
	if (exit == MC_EXIT_OK && im->n_events == 0)
		exit = mc_refuse(ctx, "invalid_field",
		                 "%s has no rows after its header", pos[0]);
	if (exit == MC_EXIT_OK && ml_buf_add_char(&im->body, ']') != 0)
		exit = mc_refuse(ctx, "too_large",
		                 "the rows are more than one batch may hold");
	mc_progress_end(&im->progress);
	if (exit == MC_EXIT_OK)
		exit = mc_post_batch(ctx, &post, im->body.data, im->body.len,
		                     mc_import_locate, im);
	if (exit == MC_EXIT_OK)
		exit = mc_import_notes(ctx, im, &post, pos[0]);
	mc_csv_in_free(&im->in);
	ml_buf_free(&im->body);
	free(im);
	free(text);
	return exit;
}

const struct mc_command mc_cmd_import_csv = {
    "import-csv",
    "append a spreadsheet's rows (Swedish amounts and names) as one batch",
    "usage: medel import-csv FILE [--type TYPE] [--dry-run]\n"
    "                        [--expected-head SEQ]\n"
    "       medel import-csv --template TYPE\n"
    "\n"
    "Appends every row of FILE as one event, all in one atomic batch (at\n"
    "most 10 000 rows), the file as Excel saves it: CSV UTF-8 (with or\n"
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
    "shows them; nothing is stored unless every row is. Prints each\n"
    "event's seq. --dry-run checks every row with the ledger, stores\n"
    "nothing, and prints how the file was read (encoding, separator) and\n"
    "a table of what each row was understood as: its row as Excel numbers\n"
    "it, its type and direction in words, amount in kronor, date.\n"
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
