/*
 * ma_csv.h — CSV as Swedish Excel opens it, written into a buffer.
 *
 * UTF-8 with a byte-order mark (without it Excel reads å, ä, ö as two
 * characters each), ';' between cells (Excel's separator in a Swedish
 * locale, where ',' is the decimal sign), amounts in kronor with a
 * decimal comma and two decimals (ml_money_format_csv: "4570307,50"),
 * dates ISO, a header row, CRLF line ends and RFC 4180 quoting ("…"
 * around a cell holding ';', '"', CR or LF; '"' doubled).
 *
 * The API layer writes the CSV of its answers with it (format=csv,
 * ma_format.c), and medel the CSV of what it builds itself (log pages,
 * append results, verify). The writer appends to an ml_buf, whose
 * ceiling bounds it: the first failure to grow is kept in w->rc and
 * every later call does nothing, so a caller checks once at the end.
 */
#ifndef MA_CSV_H
#define MA_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "ml_buf.h"

struct ma_csv_out {
	struct ml_buf *out; /* where the bytes go (not owned) */
	size_t col;         /* cells written on this row */
	int rc;             /* 0, or the first ml_buf error (sticky) */
};

/* Starts the output into out: the BOM and the header row
 * names[0..n). */
void ma_csv_start(struct ma_csv_out *w, struct ml_buf *out,
                  const char *const *names, size_t n);
/* One cell of text (NULL = empty), quoted when it must be. */
void ma_csv_cell(struct ma_csv_out *w, const char *s);
/* An amount in öre as kronor with a decimal comma. */
void ma_csv_amount(struct ma_csv_out *w, int64_t ore);
/* A whole number. */
void ma_csv_int(struct ma_csv_out *w, int64_t n);
/* Ends the row (CRLF). */
void ma_csv_end_row(struct ma_csv_out *w);

#endif /* MA_CSV_H */
