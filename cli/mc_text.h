/*
 * mc_text.h — text for a terminal: display width, cutting, ASCII.
 *
 * Tables and trees are aligned by display columns, not bytes: "Södertälje"
 * is 10 columns and 12 bytes. Every character the ledger's text can hold
 * is taken as one column (Swedish and other Latin text, box drawing);
 * East Asian wide characters would misalign a column, which is accepted.
 *
 * When the locale is not UTF-8 (LC_ALL, LC_CTYPE, LANG, the first one
 * set, do not name UTF-8), the trace's tree is drawn in plain ASCII:
 * box drawing becomes "|-", "`-", and letters are folded (å → a,
 * Ö → O, é → e; anything else outside ASCII → '?').
 */
#ifndef MC_TEXT_H
#define MC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ml_buf.h"

/* Is the locale UTF-8 (see above)? */
bool mc_locale_utf8(void);

/* Display columns of s[0..len) (UTF-8; a stray byte counts as one). */
size_t mc_text_cols(const char *s, size_t len);

/* Appends s to out, cut to at most cols_max columns with "…" ("..." when
 * !utf8) at the end when it was longer; folded to ASCII when !utf8.
 * cols_max 0 means no limit. Returns 0 or an ml_buf error. */
int mc_text_add(struct ml_buf *out, const char *s, size_t cols_max, bool utf8);

/* Writes n spaces to f: the padding of every aligned column. */
void mc_text_pad(FILE *f, size_t n);

#endif /* MC_TEXT_H */
