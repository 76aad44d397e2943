/*
 * mc_csv.h — reading CSV as a spreadsheet exports it (import-csv).
 *
 * What a spreadsheet exports — ';' or ',' separated (whichever the
 * header row uses), with or without the BOM, CRLF or LF, RFC 4180
 * quoting, quoted cells spanning lines. Records are numbered as Excel
 * numbers rows (the header is row 1; a record is one row even when a
 * quoted cell holds line breaks), so an error can name the row a person
 * sees. Bounds: MC_CSV_COLUMNS_MAX cells a row,
 * MC_CSV_CELL_BYTES_MAX bytes a cell. Writing CSV is the API layer's
 * (ma_csv.h): the answers' CSV comes from it, and medel writes its own
 * rows (log, append results, verify) with the same writer.
 */
#ifndef MC_CSV_H
#define MC_CSV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_buf.h"

#include "ma_csv.h"

#include "mc_limits.h"

/* --- writing medel's own rows ---------------------------------------- */

/* The CSV medel builds itself (log, append results, verify) is written
 * with the API layer's writer (ma_csv.h, cells with ma_csv_cell(&o->w,
 * …)) into `row`, which goes to stdout and is freed at the end of every
 * row: a log of a million events never sits in memory. */
struct mc_csv_out {
	struct ma_csv_out w;
	struct ml_buf row; /* one row at a time */
};

/* Starts the output: the BOM and the header row names[0..n). */
void mc_csv_start(struct mc_csv_out *o, const char *const *names, size_t n);
/* Ends a row: CRLF, then the row to stdout. */
void mc_csv_end_row(struct mc_csv_out *o);

/* --- reading ------------------------------------------------------------ */

struct mc_csv_in {
	const char *data; /* the whole file */
	size_t len, pos;
	char sep;     /* ';' or ',' */
	uint32_t row; /* the row number of the record last read (1 = header) */
	uint32_t next_row;   /* the row of the next record */
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
