/*
 * mc_csv.c — CSV in (mc_csv.h).
 *
 * The reader works on a file already in memory (an import is one batch:
 * ≤ 8 MiB of body, so the file is small) and copies each record's cells,
 * unquoted, into one reused buffer. The writer is the API layer's;
 * here only its row goes to stdout.
 */
#include "mc_csv.h"

#include <string.h>

#include <stdio.h>

/* The row so far to stdout; the buffer freed (usable again). */
static void mc_csv_flush(struct mc_csv_out *o)
{
	if (o->w.rc == 0 && o->row.len > 0)
		fwrite(o->row.data, 1, o->row.len, stdout);
	ml_buf_free(&o->row);
}

void mc_csv_end_row(struct mc_csv_out *o)
{
	ma_csv_end_row(&o->w);
	mc_csv_flush(o);
}

void mc_csv_start(struct mc_csv_out *o, const char *const *names, size_t n)
{
	ml_buf_init(&o->row, MA_ANSWER_BYTES_MAX);
	ma_csv_start(&o->w, &o->row, names, n);
	mc_csv_flush(o);
}

void mc_csv_in_init(struct mc_csv_in *r, const char *data, size_t len)
{
	memset(r, 0, sizeof *r);
	r->data = data;
	r->len = len;
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		r->pos = 3;
	r->sep = ',';
	for (size_t i = r->pos; i < len && data[i] != '\n'; i++) {
		if (data[i] == ';') {
			r->sep = ';';
			break;
		}
	}
	r->next_row = 1;
	ml_buf_init(&r->cells,
	            MC_CSV_COLUMNS_MAX * (size_t)(MC_CSV_CELL_BYTES_MAX + 1));
}

void mc_csv_in_free(struct mc_csv_in *r)
{
	ml_buf_free(&r->cells);
}

static int mc_csv_too_long(char *why, size_t why_size)
{
	snprintf(why, why_size, "a cell is longer than %u bytes",
	         MC_CSV_CELL_BYTES_MAX);
	return -1;
}

/* Ends the current cell: NUL, and a slot for the next. */
static int mc_csv_end_cell(struct mc_csv_in *r, size_t cell_start, char *why,
                           size_t why_size)
{
	if (r->cells.len - cell_start > MC_CSV_CELL_BYTES_MAX)
		return mc_csv_too_long(why, why_size);
	if (r->n_cells >= MC_CSV_COLUMNS_MAX) {
		snprintf(why, why_size, "more than %d columns",
		         MC_CSV_COLUMNS_MAX);
		return -1;
	}
	if (ml_buf_add_char(&r->cells, '\0') != 0) {
		snprintf(why, why_size, "out of memory");
		return -1;
	}
	r->n_cells++;
	return 0;
}

/* One quoted cell's body from after the opening quote; advances pos past
 * the closing quote. */
static int mc_csv_quoted(struct mc_csv_in *r, char *why, size_t why_size)
{
	while (r->pos < r->len) {
		char c = r->data[r->pos++];
		if (c != '"') { /* a line break too: Excel's row goes on */
			if (ml_buf_add_char(&r->cells, c) != 0)
				return mc_csv_too_long(why, why_size);
			continue;
		}
		if (r->pos < r->len && r->data[r->pos] == '"') {
			r->pos++;
			if (ml_buf_add_char(&r->cells, '"') != 0)
				return mc_csv_too_long(why, why_size);
			continue;
		}
		return 0;
	}
	snprintf(why, why_size, "a quoted cell is not closed");
	return -1;
}

/* Reads cells up to the end of the line. */
static int mc_csv_record(struct mc_csv_in *r, char *why, size_t why_size)
{
	size_t start = 0;
	for (;;) {
		start = r->cells.len;
		if (r->pos < r->len && r->data[r->pos] == '"') {
			r->pos++;
			if (mc_csv_quoted(r, why, why_size) != 0)
				return -1;
		}
		while (r->pos < r->len && r->data[r->pos] != r->sep &&
		       r->data[r->pos] != '\n') {
			char c = r->data[r->pos++];
			if (c != '\r' && ml_buf_add_char(&r->cells, c) != 0)
				return mc_csv_too_long(why, why_size);
		}
		if (mc_csv_end_cell(r, start, why, why_size) != 0)
			return -1;
		if (r->pos >= r->len || r->data[r->pos] == '\n')
			break;
		r->pos++; /* the separator */
	}
	if (r->pos < r->len) {
		r->pos++; /* the newline */
		r->next_row++;
	}
	return 0;
}

int mc_csv_in_next(struct mc_csv_in *r, char *why, size_t why_size)
{
	if (r->pos >= r->len)
		return 0;
	ml_buf_reset(&r->cells);
	r->n_cells = 0;
	r->row = r->next_row;
	if (mc_csv_record(r, why, why_size) != 0)
		return -1;
	const char *p = r->cells.data;
	for (size_t i = 0; i < r->n_cells; i++) {
		r->cell[i] = p;
		p += strlen(p) + 1;
	}
	return 1;
}

const char *mc_csv_column_name(size_t i, char *buf, size_t size)
{
	char tmp[8];
	size_t n = 0;
	i++;
	while (i > 0 && n < sizeof tmp) {
		tmp[n++] = (char)('A' + (i - 1) % 26);
		i = (i - 1) / 26;
	}
	size_t k = 0;
	for (; k < n && k + 1 < size; k++)
		buf[k] = tmp[n - 1 - k];
	buf[k] = '\0';
	return buf;
}
