/*
 * ma_format.c — which format an answer is printed in, and in whose words.
 *
 * Called by the router (ma_api.c) for every read answer built as a cJSON
 * document, on the thread that serves the request and inside its read
 * transaction. JSON (the default, or format=json) is printed exactly as
 * before. The other formats are rendered from those JSON bytes parsed
 * back (the ledger's tree holds raw JSON text), so every figure is the
 * JSON's. format=csv (balances, trace, repayments, deadlines) and
 * format=svg (trace) are rendered from the same document, in the words
 * of lang (sv, the default, or en; API.md): one table per language below
 * holds every word a person reads, so a new language is a new table.
 * The en table's words are the ones medel wrote before the formats moved
 * here, so `medel --lang en` (its default) gives the bytes it always
 * gave.
 *
 * Which route takes which format is the route table's business
 * (ma_route_info.formats, checked by the query parser); here a format is
 * only ever one the route allows.
 */
#include "ma_format.h"
#include "ma_internal.h"

#include "ml_assert.h"

#include "ma_json.h"
#include "ma_names.h"

static const struct ma_words ma_words_table[MA_LANG_COUNT] = {
    [MA_LANG_EN] =
        {
            .balances = {"grant", "party"},
            .repayments = {"grant", "party", "name", "repay_by", "status"},
            .figures = &ma_figure_words_en,
            .figure_keys = true,
            .trace = {"grant", "from", "to", "kind", "activity", "unit",
                      "amount"},
            .deadlines = {"due", "kind", "grant", "party", "amount", "status",
                          "days"},
            .svg_title = "Where the money went",
            .svg_as_of = "as of",
            .svg_pool = "pool",
            .svg_parties = "parties",
            .svg_note = "band widths are proportional to the amounts",
            .svg_carried_in = "carried in",
            .svg_got_back = "got back",
            .svg_repaid = "repaid",
            .svg_carried_out = "carried out to another grant",
            .svg_held = "still held",
            .svg_keeps = "keeps",
            .svg_not_drawn = "(not drawn)",
            .svg_legend = {"paid out", "spent, by activity", "repaid",
                           "carried over / got back", "still held"},
        },
    [MA_LANG_SV] =
        {
            .balances = {"bidrag", "part"},
            .repayments = {"bidrag", "part", "namn", "återbetalas senast",
                           "status"},
            .figures = &ma_figure_words_sv,
            .trace = {"bidrag", "från", "till", "typ", "aktivitet", "enhet",
                      "belopp"},
            .deadlines = {"förfaller", "typ", "bidrag", "part", "belopp",
                          "status", "dagar"},
            .svg_title = "Vart pengarna gick",
            .svg_as_of = "per",
            .svg_pool = "pott",
            .svg_parties = "parter",
            .svg_note = "bandens bredd är proportionell mot beloppen",
            .svg_carried_in = "överfört in",
            .svg_got_back = "fått tillbaka",
            .svg_repaid = "återbetalt",
            .svg_carried_out = "överfört till ett annat bidrag",
            .svg_held = "finns kvar",
            .svg_keeps = "behåller",
            .svg_not_drawn = "(ritas inte)",
            .svg_legend = {"utbetalt", "förbrukat, per aktivitet", "återbetalt",
                           "överfört / fått tillbaka", "finns kvar"},
        },
};

const struct ma_words *ma_words_of(enum ma_lang lang)
{
	return &ma_words_table[lang < MA_LANG_COUNT ? lang : MA_LANG_SV];
}

static int ma_format_plain(const cJSON *doc, cJSON **out);

/* The model of a trace answer, for its CSV and its picture. */
static int ma_format_trace_load(const cJSON *doc, struct ma_trace *t,
                                struct ml_errinfo *err)
{
	char why[ML_MESSAGE_MAX];
	int rc = ma_trace_load(doc, t, why, sizeof why);
	return rc == 0 ? 0 : ml_fail(err, rc, -1, NULL, "the trace: %s", why);
}

/* The definitions (GET /v1/parties and /v1/grants) as of the answer's
 * date, in the same snapshot, as plain JSON: the names a person reads.
 * *parties and *grants are NULL on failure. */
static int ma_format_defs(struct ma_api *api, struct ml_read *rd,
                          const struct ma_params *p, cJSON **parties,
                          cJSON **grants, struct ml_errinfo *err)
{
	struct ml_query q;
	cJSON *doc = NULL;
	ml_query_init(&q);
	q.as_of = p->as_of;
	*parties = NULL;
	if (grants != NULL)
		*grants = NULL;
	int rc = ml_answer_parties(api->lg, rd, &q, &doc, err);
	if (rc == 0)
		rc = ma_format_plain(doc, parties);
	cJSON_Delete(doc);
	doc = NULL;
	if (rc == 0 && grants != NULL)
		rc = ml_answer_grants(api->lg, rd, &q, &doc, err);
	if (rc == 0 && grants != NULL)
		rc = ma_format_plain(doc, grants);
	cJSON_Delete(doc);
	return rc;
}

/* GET /v1/repayments as CSV: the names from GET /v1/parties as of the
 * same date, in the same snapshot. */
static int ma_format_repayments(struct ma_api *api, struct ml_read *rd,
                                const struct ma_params *p, const cJSON *doc,
                                const struct ma_words *w, struct ml_buf *out,
                                struct ml_errinfo *err)
{
	cJSON *parties = NULL;
	int rc = ma_format_defs(api, rd, p, &parties, NULL, err);
	if (rc == 0)
		rc = ma_csv_repayments(doc, parties, w, out, err);
	cJSON_Delete(parties);
	return rc;
}

/* The statement as CSV or HTML, with the names of GET /v1/parties and
 * /v1/grants as of its date, in the same snapshot. */
static int ma_format_statement(struct ma_api *api, struct ml_read *rd,
                               const struct ma_params *p, const cJSON *doc,
                               struct ml_buf *out, struct ml_errinfo *err)
{
	cJSON *parties = NULL, *grants = NULL;
	int rc = ma_format_defs(api, rd, p, &parties, &grants, err);
	struct ma_st_names names = {ma_json_array(parties, "parties"),
	                            ma_json_array(grants, "grants")};
	if (rc == 0 && p->format == MA_FORMAT_HTML)
		rc = ma_html_statement(doc, &names, p->lang, out, err);
	else if (rc == 0)
		rc = ma_csv_statement(doc, &names, p->lang, out, err);
	cJSON_Delete(parties);
	cJSON_Delete(grants);
	return rc;
}

static int ma_format_csv(struct ma_api *api, struct ml_read *rd,
                         enum ma_route route, const struct ma_params *p,
                         const cJSON *doc, struct ma_response *r,
                         struct ml_errinfo *err)
{
	const struct ma_words *w = ma_words_of(p->lang);
	struct ma_trace t;
	int rc = 0;
	switch (route) {
	case MA_ROUTE_BALANCES:
		return ma_csv_balances(doc, w, &r->body, err);
	case MA_ROUTE_REPAYMENTS:
		return ma_format_repayments(api, rd, p, doc, w, &r->body, err);
	case MA_ROUTE_DEADLINES:
		return ma_csv_deadlines(doc, w, &r->body, err);
	case MA_ROUTE_STATEMENT:
		return ma_format_statement(api, rd, p, doc, &r->body, err);
	default:
		ML_ASSERT(route == MA_ROUTE_TRACE);
		rc = ma_format_trace_load(doc, &t, err);
		if (rc == 0)
			rc = ma_csv_trace(&t, w, &r->body, err);
		ma_trace_free(&t);
		return rc;
	}
}

/* The answer as the JSON bytes it would be sent as, parsed back: the
 * ledger's tree holds rows and integers as raw JSON text (ml_answer.h),
 * and rendering from what JSON says is what keeps every format's
 * figures the JSON's. *out is NULL on failure. */
static int ma_format_plain(const cJSON *doc, cJSON **out)
{
	struct ml_buf json;
	ml_buf_init(&json, ma_limits_now.answer_bytes_max);
	int rc = ml_json_print(doc, &json);
	*out = rc == 0 ? cJSON_ParseWithLength(json.data, json.len) : NULL;
	if (rc == 0 && *out == NULL)
		rc = ML_E_NOMEM;
	ml_buf_free(&json);
	return rc;
}

/* The picture, labelled with the parties' and the grant's names. */
static int ma_format_svg(struct ma_api *api, struct ml_read *rd,
                         const cJSON *doc, const struct ma_params *p,
                         struct ma_response *r, struct ml_errinfo *err)
{
	struct ma_trace t;
	cJSON *parties = NULL, *grants = NULL;
	int rc = ma_format_trace_load(doc, &t, err);
	if (rc == 0)
		rc = ma_format_defs(api, rd, p, &parties, &grants, err);
	if (rc == 0) {
		ma_names_trace(&t, ma_json_array(parties, "parties"),
		               ma_json_array(grants, "grants"));
		rc = ma_trace_svg(&t, ma_words_of(p->lang), &r->body, err);
	}
	cJSON_Delete(parties);
	cJSON_Delete(grants);
	ma_trace_free(&t);
	return rc;
}

int ma_format_answer(struct ma_api *api, struct ml_read *rd,
                     enum ma_route route, const struct ma_params *p,
                     const cJSON *doc, struct ma_response *r,
                     struct ml_errinfo *err)
{
	cJSON *plain = NULL;
	int rc = 0;
	if (p->format != MA_FORMAT_CSV && p->format != MA_FORMAT_SVG &&
	    p->format != MA_FORMAT_HTML)
		return ml_json_print(doc, &r->body);
	rc = ma_format_plain(doc, &plain);
	if (rc == 0 && p->format == MA_FORMAT_HTML) {
		ML_ASSERT(route == MA_ROUTE_STATEMENT);
		r->content_type = "text/html; charset=utf-8";
		rc = ma_format_statement(api, rd, p, plain, &r->body, err);
	} else if (rc == 0 && p->format == MA_FORMAT_CSV) {
		r->content_type = "text/csv; charset=utf-8";
		rc = ma_format_csv(api, rd, route, p, plain, r, err);
	} else if (rc == 0) {
		ML_ASSERT(route == MA_ROUTE_TRACE);
		r->content_type = "image/svg+xml";
		rc = ma_format_svg(api, rd, plain, p, r, err);
	}
	cJSON_Delete(plain);
	return rc;
}
