/*
 * mc_table.c — aligned tables (mc_table.h).
 *
 * Rows are kept as offsets into one text buffer (cells NUL-separated),
 * so a table of a hundred thousand balances is two allocations that
 * double, not a million small ones. Printing walks them twice: once for
 * the widths, once to write.
 */
#include "mc_table.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ml_buf.h"
#include "ml_error.h"
#include "ml_money.h"

#include "mc_text.h"

#define MC_STYLE_RESET_TEXT "\033[0m"

struct mc_row {
	size_t text_at;  /* offset of the first cell in t->text */
	size_t style_at; /* offset of the first style, or SIZE_MAX */
	bool heading;    /* one cell spanning the table */
	bool rule;       /* a rule above it (the total line) */
};

struct mc_table {
	size_t n_cols;
	const char *headers[MC_TABLE_COLUMNS_MAX];
	enum mc_align align[MC_TABLE_COLUMNS_MAX];
	int64_t sum_ore[MC_TABLE_COLUMNS_MAX]; /* mc_table_add_ore */
	bool summed[MC_TABLE_COLUMNS_MAX];
	struct mc_row *rows;
	size_t n_rows, cap_rows;
	struct ml_buf text; /* cells and styles, each NUL-terminated */
};

struct mc_table *mc_table_new(size_t n_cols)
{
	if (n_cols == 0 || n_cols > MC_TABLE_COLUMNS_MAX)
		return NULL;
	struct mc_table *t = calloc(1, sizeof *t);
	if (t == NULL)
		return NULL;
	t->n_cols = n_cols;
	for (size_t i = 0; i < n_cols; i++)
		t->headers[i] = "";
	ml_buf_init(&t->text, MC_TABLE_TEXT_BYTES_MAX);
	return t;
}

void mc_table_free(struct mc_table *t)
{
	if (t == NULL)
		return;
	ml_buf_free(&t->text);
	free(t->rows);
	free(t);
}

void mc_table_column(struct mc_table *t, size_t col, const char *header,
                     enum mc_align align)
{
	if (col >= t->n_cols)
		return;
	t->headers[col] = header;
	t->align[col] = align;
}

static int mc_table_grow(struct mc_table *t)
{
	return ml_grow((void **)&t->rows, &t->cap_rows, t->n_rows + 1,
	               sizeof *t->rows, ML_ANSWER_ROWS_MAX);
}

/* Appends n strings, each with its NUL (NULL → ""); a line break or
 * tab in a cell (a quoted spreadsheet cell) becomes a space, so a row
 * stays one line. */
static int mc_table_strings(struct mc_table *t, const char *const *s, size_t n)
{
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const char *v = s[i] ? s[i] : "";
		size_t at = t->text.len, len = strlen(v);
		rc = ml_buf_add(&t->text, v, len + 1);
		size_t from = strcspn(v, "\n\r\t"); /* most cells have none */
		for (size_t k = from; rc == 0 && k < len; k++)
			if (t->text.data[at + k] == '\n' ||
			    t->text.data[at + k] == '\r' ||
			    t->text.data[at + k] == '\t')
				t->text.data[at + k] = ' ';
	}
	return rc;
}

int mc_table_row(struct mc_table *t, const char *const *cells,
                 const char *const *styles)
{
	int rc = mc_table_grow(t);
	if (rc != 0)
		return rc;
	struct mc_row *r = &t->rows[t->n_rows];
	r->heading = false;
	r->rule = false;
	r->text_at = t->text.len;
	r->style_at = SIZE_MAX;
	rc = mc_table_strings(t, cells, t->n_cols);
	if (rc == 0 && styles != NULL) {
		r->style_at = t->text.len;
		rc = mc_table_strings(t, styles, t->n_cols);
	}
	if (rc == 0)
		t->n_rows++;
	return rc;
}

int mc_table_heading(struct mc_table *t, const char *text, const char *style)
{
	int rc = mc_table_grow(t);
	if (rc != 0)
		return rc;
	struct mc_row *r = &t->rows[t->n_rows];
	const char *cells[2] = {text, style};
	r->heading = true;
	r->rule = false;
	r->text_at = t->text.len;
	r->style_at = SIZE_MAX;
	rc = mc_table_strings(t, cells, 2);
	if (rc == 0)
		t->n_rows++;
	return rc;
}

void mc_table_add_ore(struct mc_table *t, size_t col, int64_t ore)
{
	if (col >= t->n_cols)
		return;
	t->summed[col] = true;
	t->sum_ore[col] += ore;
}

int mc_table_total(struct mc_table *t, const char *label, const char *style)
{
	char money[MC_TABLE_COLUMNS_MAX][ML_MONEY_TEXT_MAX];
	const char *cells[MC_TABLE_COLUMNS_MAX] = {label};
	const char *styles[MC_TABLE_COLUMNS_MAX];
	for (size_t c = 0; c < t->n_cols; c++) {
		styles[c] = style;
		if (t->summed[c])
			cells[c] = ml_money_format(t->sum_ore[c], money[c],
			                           sizeof money[c]);
		else if (c > 0)
			cells[c] = NULL;
	}
	int rc = mc_table_row(t, cells, style ? styles : NULL);
	if (rc == 0)
		t->rows[t->n_rows - 1].rule = true;
	return rc;
}

/* The n strings starting at offset at, into out[0..n). */
static void mc_table_split(const struct mc_table *t, size_t at,
                           const char **out, size_t n)
{
	const char *p = t->text.data + at;
	for (size_t i = 0; i < n; i++) {
		out[i] = p;
		p += strlen(p) + 1;
	}
}

static void mc_table_widths(const struct mc_table *t, size_t *w)
{
	const char *cells[MC_TABLE_COLUMNS_MAX];
	for (size_t c = 0; c < t->n_cols; c++)
		w[c] = ma_text_cols(t->headers[c], strlen(t->headers[c]));
	for (size_t i = 0; i < t->n_rows; i++) {
		if (t->rows[i].heading)
			continue;
		mc_table_split(t, t->rows[i].text_at, cells, t->n_cols);
		for (size_t c = 0; c < t->n_cols; c++) {
			size_t n = ma_text_cols(cells[c], strlen(cells[c]));
			if (n > w[c])
				w[c] = n;
		}
	}
}

/* n spaces onto line. */
static void mc_line_pad(struct ml_buf *line, size_t n)
{
	static const char spaces[] = "                                ";
	while (n > 0) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		ml_buf_add(line, spaces, k);
		n -= k;
	}
}

/* A cell as the terminal can show it: folded to ASCII (ma_text.h) when
 * the locale is not UTF-8, so Swedish words and names stay readable;
 * the widths do not change (one column a character either way). */
static void mc_table_put(struct ml_buf *line, const char *text, size_t len)
{
	static int utf8 = -1;
	if (utf8 < 0)
		utf8 = mc_locale_utf8();
	size_t keep = line->len;
	if (utf8 || ma_text_add(line, text, 0, false) != 0) {
		line->len = keep; /* what a failed fold left is dropped */
		if (line->data != NULL)
			line->data[keep] = '\0';
		ml_buf_add(line, text, len);
	}
}

/* One line of cells onto line; the last column is not padded on the
 * right. */
static void mc_table_line(const struct mc_table *t, struct ml_buf *line,
                          const size_t *w, const char *const *cells,
                          const char *const *styles)
{
	size_t end = t->n_cols; /* empty cells at the end are not printed */
	while (end > 1 && cells[end - 1][0] == '\0')
		end--;
	for (size_t c = 0; c < end; c++) {
		size_t len = strlen(cells[c]);
		size_t n = ma_text_cols(cells[c], len);
		size_t gap = w[c] > n ? w[c] - n : 0;
		bool last = c + 1 == end;
		bool styled = styles != NULL && styles[c][0] != '\0';
		if (c > 0)
			mc_line_pad(line, 2);
		if (t->align[c] == MC_RIGHT)
			mc_line_pad(line, gap);
		if (styled)
			ml_buf_add_str(line, styles[c]);
		mc_table_put(line, cells[c], len);
		if (styled)
			ml_buf_add_str(line, MC_STYLE_RESET_TEXT);
		if (t->align[c] == MC_LEFT && !last)
			mc_line_pad(line, gap);
	}
	ml_buf_add_char(line, '\n');
}

/* Dashes over the summed columns, the line above a total. */
static void mc_table_rule(const struct mc_table *t, struct ml_buf *line,
                          const size_t *w, size_t indent)
{
	size_t last = 0;
	for (size_t c = 0; c < t->n_cols; c++)
		if (t->summed[c])
			last = c;
	mc_line_pad(line, indent);
	for (size_t c = 0; c <= last; c++) {
		for (size_t i = 0; i < w[c] + (c > 0 ? 2 : 0); i++)
			ml_buf_add_char(line, t->summed[c] && (c == 0 || i >= 2)
			                          ? '-'
			                          : ' ');
	}
	ml_buf_add_char(line, '\n');
}

/* Writes line to f and empties it. */
static void mc_line_write(struct ml_buf *line, FILE *f)
{
	if (line->len > 0)
		fwrite(line->data, 1, line->len, f);
	ml_buf_reset(line);
}

/* A heading row onto line: one cell spanning the table, in its style. */
static void mc_table_heading_line(const struct mc_table *t,
                                  const struct mc_row *r, struct ml_buf *line,
                                  size_t indent)
{
	const char *cells[2];
	mc_table_split(t, r->text_at, cells, 2);
	mc_line_pad(line, indent);
	ml_buf_add_str(line, cells[1]);
	ml_buf_add_str(line, cells[0]);
	if (cells[1][0] != '\0')
		ml_buf_add_str(line, MC_STYLE_RESET_TEXT);
	ml_buf_add_char(line, '\n');
}

/* Each line is made in one buffer (reused) and written with one call:
 * a tree of a thousand lines was ten thousand stdio calls. The line's
 * ceiling is the table's text's (a line is its cells and their padding
 * to widths that are cells' too); a line that memory cannot hold is
 * written as far as it got. */
void mc_table_print(const struct mc_table *t, FILE *f, size_t indent,
                    size_t row_indent, const char *header_style)
{
	size_t w[MC_TABLE_COLUMNS_MAX];
	const char *cells[MC_TABLE_COLUMNS_MAX];
	const char *styles[MC_TABLE_COLUMNS_MAX];
	const char *hstyles[MC_TABLE_COLUMNS_MAX];
	struct ml_buf line;
	ml_buf_init(&line, MC_TABLE_TEXT_BYTES_MAX);
	mc_table_widths(t, w);
	for (size_t c = 0; c < t->n_cols; c++)
		hstyles[c] = header_style ? header_style : "";
	mc_line_pad(&line, indent + row_indent);
	mc_table_line(t, &line, w, t->headers, hstyles);
	for (size_t i = 0; i < t->n_rows; i++) {
		const struct mc_row *r = &t->rows[i];
		mc_line_write(&line, f);
		if (r->heading) {
			mc_table_heading_line(t, r, &line, indent);
			continue;
		}
		if (r->rule)
			mc_table_rule(t, &line, w, indent + row_indent);
		mc_table_split(t, r->text_at, cells, t->n_cols);
		if (r->style_at != SIZE_MAX)
			mc_table_split(t, r->style_at, styles, t->n_cols);
		mc_line_pad(&line, indent + row_indent);
		mc_table_line(t, &line, w, cells,
		              r->style_at != SIZE_MAX ? styles : NULL);
	}
	mc_line_write(&line, f);
	ml_buf_free(&line);
}
