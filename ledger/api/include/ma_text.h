/*
 * ma_text.h — text cut to a width: display columns, "…", ASCII folding.
 *
 * Labels are measured in display columns, not bytes: "Södertälje" is 10
 * columns and 12 bytes. Every character the ledger's text can hold is
 * taken as one column (Swedish and other Latin text, box drawing); East
 * Asian wide characters would misalign a column, which is accepted.
 * The SVG trace cuts activity names with it; medel aligns its tables and
 * draws its tree with it, folding letters to ASCII (å → a, Ö → O, é → e;
 * anything else outside ASCII → '?') when the terminal is not UTF-8.
 */
#ifndef MA_TEXT_H
#define MA_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "ml_buf.h"

/* Display columns of s[0..len) (UTF-8; a stray byte counts as one). */
size_t ma_text_cols(const char *s, size_t len);

/* Appends s to out, cut to at most cols_max columns with "…" ("..." when
 * !utf8) at the end when it was longer; folded to ASCII when !utf8.
 * cols_max 0 means no limit. Returns 0 or an ml_buf error. */
int ma_text_add(struct ml_buf *out, const char *s, size_t cols_max, bool utf8);

#endif /* MA_TEXT_H */
