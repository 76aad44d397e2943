/*
 * mc_words.h — every word of medel's human output, one table per
 * language.
 *
 * Tables, trees and sentences are printed in the words of ctx->lang
 * (--lang sv|en, or the locale's: mc_locale_lang): the Swedish table
 * for a Swedish controller, the English one otherwise. A command never
 * writes a word of its own; it takes it from here, so a new language is
 * a new table in mc_words.c and nothing else. JSON keys, CSV cells
 * (codes and ids) and error messages are not translated: they are the
 * API's (CSV headers are the API's lang=, ma_format.h).
 *
 * Sentences with several parts (who pays whom) are templates with named
 * slots, "{from} betalar ut {amount} till {to}", so each language puts
 * the parts in its own order; mc_words_fill fills them.
 */
#ifndef MC_WORDS_H
#define MC_WORDS_H

#include <stddef.h>

#include "ml_buf.h"
#include "ml_event.h"

#include "ma_words.h"

#define MC_WORDS_LOG_CSV    18
#define MC_WORDS_POST_CSV   5
#define MC_WORDS_VERIFY_CSV 8
enum mc_st_word {
	MC_ST_TITLE,
	MC_ST_COMPUTED,
	MC_ST_RECEIVED,
	MC_ST_RETURNED,
	MC_ST_PASSED_ON,
	MC_ST_SPENT,
	MC_ST_REPAID,
	MC_ST_SUMMARY,
	MC_ST_DEADLINES,
	MC_ST_REPORTS,
	MC_ST_RECORDED,
	MC_ST_BY,
	MC_WORDS_STATEMENT
};

struct mc_words {
	const char *total; /* the label of every total line */
	const char *party, *grant, *amount, *status, *date;
	/* balance */
	const char *balances_as_of, *known_at, *no_accounts;
	/* the figures of a balance and of a repayments row: the API
	 * layer's words (ma_words.h), the one table a CSV header uses too */
	const struct ma_figure_words *figures;
	/* trace tree */
	const char *as_of, *parties, *pool, *of_pool;
	const char *carried_in, *got_back, *spent, *repaid, *carried_out,
	    *holds, *shown_above, *too_deep;
	/* repayments */
	const char *repayments_as_of, *no_repayments, *use_by, *repay_by,
	    *never_due;
	/* medel statement's text: its title, "computed at", its sections
	 * (received from, returned by, passed on to, spent per activity,
	 * repaid to, summary, deadlines, reports), "recorded … by" */
	const char *statement[MC_WORDS_STATEMENT];
	/* deadlines */
	const char *deadlines_as_of, *no_deadlines, *due, *when, *what;
	const char *today, *in_days_one, *in_days, *overdue_one, *overdue;
	/* log */
	const char *seq, *type, *about, *corrects, *every_grant;
	/* event types, by enum ml_type; party kinds, by ml_party_kinds */
	const char *types[ML_TYPE_COUNT];
	const char *kinds[ML_PARTY_KIND_COUNT];
	/* the direction of an event in words, by enum ml_type: slots
	 * {from} {to} {party} {amount} {grant} {to_grant} {activity}
	 * {invoice_no} (NULL: the type moves no money) */
	const char *direction[ML_TYPE_COUNT];
	const char *invoice_no; /* ", invoice {invoice_no}" */
	/* import-csv --dry-run */
	/* the header rows of the CSVs medel writes itself (the answers'
	 * CSVs are the API's, in its words): log, a POST's answer, verify */
	const char *log_csv[MC_WORDS_LOG_CSV];
	const char *post_csv[MC_WORDS_POST_CSV];
	const char *verify_csv[MC_WORDS_VERIFY_CSV];
	const char *row;
	const char *read_as; /* file, encoding, separator, rows */
};

/* The words of lang ("sv" or anything else: English). */
const struct mc_words *mc_words_of(const char *lang);

/* The word for an API code (a status: "overdue"; a deadline kind:
 * "claim"), or the code itself when the table has none. */
const char *mc_words_code(const struct mc_words *w, const char *code);

/* The type's word ("förbrukning"), or type when it is unknown. */
const char *mc_words_type(const struct mc_words *w, const char *type);

/* The API's party kind a person typed in either language ("kommun",
 * "municipality"), or NULL when it is neither. */
const char *mc_words_kind_api(const char *typed);

/* A slot's value for mc_words_fill: NULL when the slot is empty. */
typedef const char *(*mc_slot_fn)(void *arg, const char *slot);

/* Appends template with each "{slot}" replaced by slot(arg, name) ("?"
 * when NULL) to out. Returns 0 or an ml_buf error. */
int mc_words_fill(struct ml_buf *out, const char *template, mc_slot_fn slot,
                  void *arg);

#endif /* MC_WORDS_H */
