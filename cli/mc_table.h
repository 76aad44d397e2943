/*
 * mc_table.h — aligned tables for people.
 *
 * A table is filled row by row, then printed once, when every column's
 * width is known: headers, then rows, columns two spaces apart, text
 * left-aligned and amounts right-aligned, the last column not padded (no
 * trailing blanks). A heading row (a grant's id above its parties) spans
 * the table and is not measured. A total line (mc_table_total) sums the
 * amounts given to mc_table_add_ore, under a rule. Cells may carry a style (an ANSI colour)
 * that is printed around the text and never counted in its width; styles
 * are only given when colour is on.
 *
 * Widths are display columns (mc_text.h), so "Södertälje" lines up. The
 * cell text lives in one ml_buf with a ceiling (MC_TABLE_TEXT_BYTES_MAX)
 * and rows are bounded by ML_ANSWER_ROWS_MAX: a table that would pass
 * either is an error (ML_E_TOO_LARGE), never unbounded memory.
 */
#ifndef MC_TABLE_H
#define MC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "mc_limits.h"

enum mc_align { MC_LEFT, MC_RIGHT };

struct mc_table;

/* A table of n_cols (1 ..= MC_TABLE_COLUMNS_MAX) columns. NULL when out
 * of memory. */
struct mc_table *mc_table_new(size_t n_cols);
void mc_table_free(struct mc_table *t);

/* Names column col and how it aligns. */
void mc_table_column(struct mc_table *t, size_t col, const char *header,
                     enum mc_align align);

/* Adds a row of n_cols cells (NULL cell = empty) with styles (NULL, or
 * an array whose NULL entries mean plain). 0 or an ML_E_* code. */
int mc_table_row(struct mc_table *t, const char *const *cells,
                 const char *const *styles);

/* Adds a heading line that spans the table, in style (or NULL). */
int mc_table_heading(struct mc_table *t, const char *text, const char *style);

/* Counts ore into column col's total (mc_table_total). Call it once per
 * row for each column that is summed; an amount column of a table of
 * amounts is always summed (CLI.md: every such table ends with a total
 * line). */
void mc_table_add_ore(struct mc_table *t, size_t col, int64_t ore);

/* Adds the total line: label in the first column, each summed column's
 * total (as ml_money_format writes it), printed bold (style, when not
 * NULL) under a rule of dashes over the amount columns. 0 or an ML_E_*
 * code. */
int mc_table_total(struct mc_table *t, const char *label, const char *style);

/* Prints it to f, each line after indent spaces; rows (not headings and
 * not the header) are indented by row_indent more. header_style styles
 * the header (NULL = plain). */
void mc_table_print(const struct mc_table *t, FILE *f, size_t indent,
                    size_t row_indent, const char *header_style);

#endif /* MC_TABLE_H */
