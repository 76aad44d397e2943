/*
 * ma_words.h — the figures of an account, with the words a person reads
 * for them: one table per language, the one source for every place that
 * shows a figure (the API's CSV headers, medel's tables and statement).
 *
 * A balance has MA_BALANCE_FIGURES figures and a repayments row
 * MA_REPAY_FIGURES, in the API's order; the *_keys arrays are their JSON
 * keys (API.md), which the English CSV headers keep so a program reads
 * them. Each figure has a word ("tilldelat vidare", "allocated out") and,
 * where a table column needs it narrower, a short form ("tilld. vidare");
 * ma_figure_short gives the short form, or the word when there is none.
 * The statuses and deadline kinds the answers give as codes ("overdue",
 * "claim") have their words here too, for the same readers.
 */
#ifndef MA_WORDS_H
#define MA_WORDS_H

#include <stddef.h>

#define MA_BALANCE_FIGURES 14
#define MA_REPAY_FIGURES   8

/* The JSON keys, in the API's order. */
extern const char *const ma_balance_keys[MA_BALANCE_FIGURES];
extern const char *const ma_repay_keys[MA_REPAY_FIGURES];

struct ma_figure_words {
	const char *balance[MA_BALANCE_FIGURES];
	const char *balance_short[MA_BALANCE_FIGURES]; /* NULL: the word */
	const char *repay[MA_REPAY_FIGURES];
	/* statuses and deadline kinds: {API code, word} */
	const char *const (*codes)[2];
	size_t n_codes;
};

extern const struct ma_figure_words ma_figure_words_sv, ma_figure_words_en;

/* The words of lang: "sv" Swedish, anything else (NULL too) English. */
const struct ma_figure_words *ma_figure_words_of(const char *lang);

/* Balance figure i's word for a narrow table column. */
const char *ma_figure_short(const struct ma_figure_words *w, size_t i);

/* The word for an API code of a status or a deadline's kind ("overdue":
 * "försenad"); the code itself when it has none (NULL for NULL). */
const char *ma_code_word(const struct ma_figure_words *w, const char *code);

#endif /* MA_WORDS_H */
