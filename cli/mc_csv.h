/*
 * mc_csv.h — CSV as Swedish Excel writes and reads it.
 *
 * Writing (--csv): UTF-8 with a byte-order mark (without it Excel reads
 * å, ä, ö as two characters each), ';' between cells (Excel's separator
 * in a Swedish locale, where ',' is the decimal sign), amounts in kronor
 * with a decimal comma and two decimals (ml_money_format_csv:
 * "4570307,50"), dates ISO, a header row, CRLF line ends and RFC 4180
 * quoting ("…" around a cell holding ';', '"', CR or LF; '"' doubled).
 *
 * Reading (import-csv): what a spreadsheet exports — ';' or ','
 * separated (whichever the header row uses), with or without the BOM,
 * CRLF or LF, RFC 4180 quoting, quoted cells spanning lines. Records are
 * numbered as Excel numbers rows (the header is row 1), so an error can
 * name the row a person sees. Bounds: MC_CSV_COLUMNS_MAX cells a row,
 * MC_CSV_CELL_BYTES_MAX bytes a cell.
 */
#ifndef MC_CSV_H
#define MC_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ml_buf.h"

#include "mc_limits.h"

/* --- writing ----------------------------------------------------------- */

struct mc_csv_out {
	FILE *f;
	size_t col; /* cells written on this row */
};

/* Starts the output: writes the BOM. */
void mc_csv_begin(struct mc_csv_out *w, FILE *f);
/* One cell of text (NULL = empty), quoted when it must be. */
void mc_csv_cell(struct mc_csv_out *w, const char *s);
/* An amount in öre as kronor with a decimal comma. */
void mc_csv_amount(struct mc_csv_out *w, int64_t ore);
/* A whole number. */
void mc_csv_int(struct mc_csv_out *w, int64_t n);
/* Ends the row (CRLF). */
void mc_csv_end_row(struct mc_csv_out *w);
/* A header row from names[0..n). */
void mc_csv_header(struct mc_csv_out *w, const char *const *names, size_t n);

/* --- reading ----------------------------------------------------------- */

struct mc_csv_in {
	const char *data; /* the whole file */
	size_t len, pos;
	char sep;     /* ';' or ',' */
	uint32_t row; /* the row number of the record last read (1 = header) */
	uint32_t next_row;   /* the line the next record starts on */
	struct ml_buf cells; /* the record's cells, NUL-separated */
	size_t n_cells;
	const char *cell[MC_CSV_COLUMNS_MAX];
};

/* Starts reading data[0..len): skips a BOM, picks the separator from
 * the first line (';' when it holds one, else ','). */
void mc_csv_in_init(struct mc_csv_in *r, const char *data, size_t len);
void mc_csv_in_free(struct mc_csv_in *r);

/* Reads the next record into r->cell[0..r->n_cells). Returns 1 when one
 * was read, 0 at the end, or -1 with a reason in why (an unclosed quote,
 * too many cells, a cell too long). A record that is one empty line is
 * read as one empty cell; the caller skips it. */
int mc_csv_in_next(struct mc_csv_in *r, char *why, size_t why_size);

/* The spreadsheet column name of index i (0 → "A", 26 → "AA") into buf
 * (≥ 4 bytes). */
const char *mc_csv_column_name(size_t i, char *buf, size_t size);

#endif /* MC_CSV_H */
