/*
 * ma_format.h — the formats of an answer, between the API layer's files.
 *
 * As a user of the layer, you should not need to know about these: ask
 * for a format with the query (format=csv|svg, lang=sv|en) and read
 * resp->content_type.
 *
 * A read answer is first built as its cJSON document (ml_answer.h);
 * ma_format_answer then prints it as JSON (the default, byte for byte
 * what it always was) or renders it as CSV or SVG from those JSON bytes
 * parsed back (the ledger's tree holds rows and integers as raw JSON
 * text), so no figure can differ between the formats. The words a
 * person reads — a CSV's header row, the picture's titles, labels and
 * legend — come from one table per language (struct ma_words, in
 * ma_format.c); JSON keys and the codes in cells (a status, a flow's
 * kind) never change.
 */
#ifndef MA_FORMAT_H
#define MA_FORMAT_H

#include <cjson/cJSON.h>

#include "ml_answer.h"
#include "ml_buf.h"
#include "ml_error.h"

#include "ma_api.h"
#include "ma_params.h"
#include "ma_trace.h"
#include "ma_words.h"

#define MA_SVG_LEGEND 5

/* The words of one language. */
struct ma_words {
	/* CSV header rows, one cell each, in the columns' order; the
	 * figures' columns are named by figures (ma_words.h), or by their
	 * JSON keys when figure_keys (English: a program reads them) */
	const char *balances[2];   /* before the figures */
	const char *repayments[5]; /* 3 before the figures, 2 after */
	const struct ma_figure_words *figures;
	bool figure_keys;
	const char *trace[7];
	const char *deadlines[7];
	/* the SVG trace */
	const char *svg_title; /* before the grant: "Where the money went" */
	const char *svg_as_of, *svg_pool, *svg_parties, *svg_note;
	const char *svg_carried_in, *svg_got_back; /* bands from outside */
	const char *svg_repaid, *svg_carried_out, *svg_held; /* sinks */
	const char *svg_keeps, *svg_not_drawn; /* the payer's label */
	const char *svg_legend[MA_SVG_LEGEND];
};

/* The words of lang. Never NULL. */
const struct ma_words *ma_words_of(enum ma_lang lang);

/* Prints doc, the answer of a read route, into r's body as p->format
 * asks (JSON when not given) and sets r->content_type. rd is the read
 * transaction the answer came from: the repayments CSV reads the
 * parties' names in it. Returns 0 or an ML_E_* code with err filled. */
int ma_format_answer(struct ma_api *api, struct ml_read *rd,
                     enum ma_route route, const struct ma_params *p,
                     const cJSON *doc, struct ma_response *r,
                     struct ml_errinfo *err);

/* --- the renderers (ma_format_csv.c, ma_trace_svg.c) ------------------ */

/* CSV of an answer into out (BOM, header row, a row per item). parties
 * is GET /v1/parties' answer, for the repayments' names. 0, or an
 * ml_buf error, or ML_E_CORRUPT when doc lacks a member it must have. */
int ma_csv_balances(const cJSON *doc, const struct ma_words *w,
                    struct ml_buf *out, struct ml_errinfo *err);
int ma_csv_trace(const struct ma_trace *t, const struct ma_words *w,
                 struct ml_buf *out, struct ml_errinfo *err);
int ma_csv_repayments(const cJSON *doc, const cJSON *parties,
                      const struct ma_words *w, struct ml_buf *out,
                      struct ml_errinfo *err);
int ma_csv_deadlines(const cJSON *doc, const struct ma_words *w,
                     struct ml_buf *out, struct ml_errinfo *err);

/* The statement (ma_statement.c): CSV and the printable HTML page, in
 * the words of lang. parties and grants are the "parties" and "grants"
 * arrays of GET /v1/parties and /v1/grants as of the statement's date:
 * the names a person reads (either may be NULL: ids then). */
struct ma_st_names {
	const cJSON *parties, *grants;
};
int ma_csv_statement(const cJSON *doc, const struct ma_st_names *names,
                     enum ma_lang lang, struct ml_buf *out,
                     struct ml_errinfo *err);
int ma_html_statement(const cJSON *doc, const struct ma_st_names *names,
                      enum ma_lang lang, struct ml_buf *out,
                      struct ml_errinfo *err);

/* The SVG flow picture of a trace into out. 0, ML_E_TOO_LARGE (more
 * ends than a picture shows readably: err says to ask for csv),
 * ML_E_NOMEM or an ml_buf error. */
int ma_trace_svg(const struct ma_trace *t, const struct ma_words *w,
                 struct ml_buf *out, struct ml_errinfo *err);

#endif /* MA_FORMAT_H */
