/*
 * ma_words.c — the figures' keys and words (ma_words.h).
 *
 * The Swedish words are those of Swedish grant administration and of the
 * statement (återrapportering): tilldelat, rekvirerat, förbrukat,
 * återbetalt. The short forms are only for the figures whose word would
 * widen a terminal table beyond the amounts below it.
 */
#include "ma_words.h"

#include <string.h>

const char *const ma_balance_keys[MA_BALANCE_FIGURES] = {
    "allocated", "allocated_out", "pending",     "pending_out", "unallocated",
    "claimed",   "received",      "paid_out",    "spent",       "repaid",
    "returned",  "carried_in",    "carried_out", "held"};

const char *const ma_repay_keys[MA_REPAY_FIGURES] = {
    "received", "returned", "carried_in",  "spent",
    "paid_out", "repaid",   "carried_out", "outstanding"};

static const char *const ma_codes_en[][2] = {
    {"ok", "ok"},           {"open", "open"},          {"due", "due"},
    {"overdue", "overdue"}, {"claim", "claim"},        {"report", "report"},
    {"repay", "repay"},     {"condition", "condition"}};

static const char *const ma_codes_sv[][2] = {{"ok", "ok"},
                                             {"open", "öppen"},
                                             {"due", "förfaller"},
                                             {"overdue", "försenad"},
                                             {"claim", "rekvirera"},
                                             {"report", "återrapportera"},
                                             {"repay", "återbetala"},
                                             {"condition", "villkor"}};

const struct ma_figure_words ma_figure_words_en = {
    .balance = {"allocated", "allocated out", "pending", "pending out",
                "unallocated", "claimed", "received", "paid out", "spent",
                "repaid", "returned", "carried in", "carried out", "held"},
    .balance_short = {[1] = "alloc. out", [3] = "pend. out"},
    .repay = {"received", "returned", "carried in", "spent", "paid out",
              "repaid", "carried out", "outstanding"},
    .codes = ma_codes_en,
    .n_codes = sizeof ma_codes_en / sizeof *ma_codes_en,
};

const struct ma_figure_words ma_figure_words_sv = {
    .balance = {"tilldelat", "tilldelat vidare", "villkorat tilldelat",
                "villkorat vidare", "ej tilldelat", "rekvirerat", "mottaget",
                "utbetalt", "förbrukat", "återbetalt", "återfått",
                "överfört in", "överfört ut", "kvar"},
    .balance_short =
        {[1] = "tilld. vidare", [2] = "villkorat", [3] = "villk. vidare"},
    .repay = {"mottaget", "återfått", "överfört in", "förbrukat", "utbetalt",
              "återbetalt", "överfört ut", "utestående"},
    .codes = ma_codes_sv,
    .n_codes = sizeof ma_codes_sv / sizeof *ma_codes_sv,
};

const struct ma_figure_words *ma_figure_words_of(const char *lang)
{
	return lang != NULL && strcmp(lang, "sv") == 0 ? &ma_figure_words_sv
	                                               : &ma_figure_words_en;
}

const char *ma_figure_short(const struct ma_figure_words *w, size_t i)
{
	return i < MA_BALANCE_FIGURES && w->balance_short[i] != NULL
	           ? w->balance_short[i]
	           : w->balance[i];
}

const char *ma_code_word(const struct ma_figure_words *w, const char *code)
{
	for (size_t i = 0; code != NULL && i < w->n_codes; i++)
		if (strcmp(w->codes[i][0], code) == 0)
			return w->codes[i][1];
	return code;
}
