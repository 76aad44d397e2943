/*
 * mc_cmd_import.c — `medel import-csv FILE --type TYPE`: a spreadsheet's
 * rows as one atomic batch.
 *
 * The header row names the fields ("grant;party;activity;unit;amount;
 * date"); each later row is one event of TYPE. Cells are typed as
 * `record` types options (mc_field_add), so amounts may be written the
 * Swedish way ("650 000", "650 000,50 kr", "26 800 tkr"); an empty cell
 * leaves its field out. Blank rows are skipped. Header names are matched
 * case-insensitively, '-' or ' ' standing for '_'.
 *
 * A bad cell stops the import before anything is sent, naming the row
 * (as the spreadsheet numbers it: the header is row 1) and the column
 * (by letter and header): "row 7, column E (amount): '12.5' …". When
 * the ledger refuses an event, its batch index and field are turned back
 * into the same row and column. Nothing is stored unless every row is.
 *
 * Progress (rows read, then the wait for the ledger) is shown on a
 * terminal: a 10 000-row import takes a moment.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "mc_post.h"

struct mc_import {
	struct mc_csv_in in;
	char names[MC_CSV_COLUMNS_MAX][ML_FIELD_NAME_MAX];
	size_t n_cols;
	uint32_t rows[ML_BATCH_EVENTS_MAX]; /* the row of each event */
	size_t n_events;
	struct ml_buf body;
	struct mc_progress progress;
};

/* The header row into names[], normalised. */
static int mc_import_header(struct mc_ctx *ctx, struct mc_import *im,
                            const char *file)
{
	char why[ML_MESSAGE_MAX];
	int rc = mc_csv_in_next(&im->in, why, sizeof why);
	if (rc <= 0)
		return mc_refuse(ctx, "invalid_field", "%s: %s", file,
		                 rc == 0 ? "the file is empty" : why);
	im->n_cols = im->in.n_cells;
	for (size_t c = 0; c < im->n_cols; c++) {
		char *n = im->names[c];
		mc_field_name(im->in.cell[c], n, ML_FIELD_NAME_MAX);
		for (char *p = n; *p; p++)
			*p = *p == ' ' ? '_' : *p;
		if (strcmp(n, "type") == 0)
			return mc_refuse(ctx, "invalid_field",
			                 "%s: column %zu is 'type': the type "
			                 "comes from --type",
			                 file, c + 1);
	}
	return MC_EXIT_OK;
}

static bool mc_row_blank(const struct mc_csv_in *in)
{
	for (size_t c = 0; c < in->n_cells; c++)
		if (strspn(in->cell[c], " \t") != strlen(in->cell[c]))
			return false;
	return true;
}

/* "row 7, column E (amount)" */
static void mc_import_where(const struct mc_import *im, uint32_t row,
                            size_t col, struct ml_buf *out)
{
	char letters[8];
	ml_buf_addf(out, "row %u", row);
	if (col < im->n_cols)
		ml_buf_addf(out, ", column %s (%s)",
		            mc_csv_column_name(col, letters, sizeof letters),
		            im->names[col]);
}

/* One data row as one event object. */
static int mc_import_row(struct mc_ctx *ctx, struct mc_import *im,
                         const char *type)
{
	char why[ML_MESSAGE_MAX];
	bool first = true;
	struct mc_csv_in *in = &im->in;
	if (in->n_cells > im->n_cols)
		return mc_refuse(ctx, "invalid_field",
		                 "row %u has %zu cells; the header has %zu",
		                 in->row, in->n_cells, im->n_cols);
	int rc = ml_buf_add_str(&im->body, im->n_events ? ",{" : "{");
	rc =
	    rc ? rc
	       : mc_field_add(&im->body, &first, "type", type, why, sizeof why);
	for (size_t c = 0; rc == 0 && c < in->n_cells; c++) {
		if (in->cell[c][0] == '\0')
			continue;
		if (mc_field_add(&im->body, &first, im->names[c], in->cell[c],
		                 why, sizeof why) == 0)
			continue;
		struct ml_buf where;
		ml_buf_init(&where, MC_LINE_BYTES_MAX);
		mc_import_where(im, in->row, c, &where);
		rc = mc_refuse(ctx, "invalid_field", "%s: %s", where.data, why);
		ml_buf_free(&where);
		return rc;
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
static int mc_import_rows(struct mc_ctx *ctx, struct mc_import *im,
                          const char *type)
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
		exit = mc_import_row(ctx, im, type);
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
	mc_csv_in_init(&im->in, *text, *len);
	return mc_import_header(ctx, im, file);
}

static int mc_import_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_opt opts[] = {{"type", MC_OPT_VALUE, NULL},
	                        {"dry-run", MC_OPT_FLAG, NULL},
	                        {"expected-head", MC_OPT_VALUE, NULL}};
	char *pos[1], *text = NULL;
	size_t n_pos = 0, len = 0;
	struct mc_post post;
	int exit = mc_args_parse(ctx, argc, argv, opts, 3, pos, 1, &n_pos);
	if (exit == MC_EXIT_OK && (n_pos != 1 || opts[0].value == NULL))
		exit = mc_usage(ctx, "import-csv needs FILE and --type TYPE");
	if (exit == MC_EXIT_OK)
		exit = mc_post_init(ctx, &post, opts[1].value != NULL,
		                    opts[2].value);
	if (exit != MC_EXIT_OK)
		return exit;
	struct mc_import *im = calloc(1, sizeof *im);
	if (im == NULL)
		return mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "out of memory");
	ml_buf_init(&im->body, ML_BODY_BYTES_MAX);
	mc_progress_start(&im->progress, ctx->progress, "reading rows", 0,
	                  false);
	exit = mc_import_file(ctx, im, pos[0], &text, &len);
	if (exit == MC_EXIT_OK && ml_buf_add_char(&im->body, '[') == 0)
		exit = mc_import_rows(ctx, im, opts[0].value);
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
	mc_csv_in_free(&im->in);
	ml_buf_free(&im->body);
	free(im);
	free(text);
	return exit;
}

const struct mc_command mc_cmd_import_csv = {
    "import-csv",
    "append a spreadsheet's rows (Swedish amounts) as one batch",
    "usage: medel import-csv FILE --type TYPE [--dry-run]\n"
    "                        [--expected-head SEQ]\n"
    "\n"
    "Appends every row of FILE as an event of TYPE, all in one atomic\n"
    "batch (at most 10 000 rows). The first row names the fields (grant,\n"
    "party, from, to, amount, date, activity, unit, ref, note, ...);\n"
    "cells are separated by ';' or ',' (whichever the header uses), may\n"
    "be quoted, and the file may start with a UTF-8 BOM, as Excel saves\n"
    "it. Amounts may be Swedish: 650000, '650 000', '650 000,50 kr',\n"
    "'26 800 tkr', '13,4 mkr'. An empty cell leaves its field out.\n"
    "A bad cell stops the import and names its row and column; nothing\n"
    "is stored unless every row is. Prints each event's seq.\n"
    "\n"
    "Example (asn-2020.csv, saved from Excel as CSV UTF-8):\n"
    "  grant;party;activity;unit;amount;date;ref\n"
    "  psykisk-halsa-2020;malmo-asn;Psykologresurs;IFO Utredning;"
    "420 000;2020-12-15;ASN-2020-12563\n"
    "\n"
    "  medel import-csv asn-2020.csv --type expense --dry-run\n"
    "  medel import-csv asn-2020.csv --type expense\n",
    mc_import_run,
};
