/*
 * mc_text.h — is the terminal UTF-8?
 *
 * When the locale is not UTF-8 (LC_ALL, LC_CTYPE, LANG, the first one
 * set, do not name UTF-8), the trace's tree is drawn in plain ASCII:
 * box drawing becomes "|-", "`-", and letters are folded by ma_text_add
 * (ma_text.h, which also measures and cuts the text of tables).
 */
#ifndef MC_TEXT_H
#define MC_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ma_text.h"

/* Is the locale UTF-8 (see above)? */
bool mc_locale_utf8(void);

/* The language of the locale's messages, as CLI.md asks: "sv" when the
 * first of LC_ALL, LC_MESSAGES, LANG that is set names Swedish (sv_SE,
 * sv_FI), "en" otherwise. */
const char *mc_locale_lang(void);

/* Writes n spaces to f: the padding of every aligned column. */
void mc_text_pad(FILE *f, size_t n);

#endif /* MC_TEXT_H */
