/*
 * test_costly.c — the refusals only a very large ledger reaches, each
 * provoked for real, through the API layer (ma_api_handle, the code
 * medeld and medel --db answer with).
 *
 * Two ways, neither faking an answer:
 *
 *   - sums past 2^63 öre are built from events of the largest amount
 *     (10^15 öre): 9 224 of them counted together pass 2^63. One ledger
 *     of about 65 000 events (grants of 10^15, carried over into one
 *     grant and its post, allocated on down a chain) reaches every
 *     overflow a user can: the balances' totals, the repayments' totals,
 *     a party's sum over a grant and its posts (the trace), a
 *     consolidated sum (rollup), and a balance the rules refuse;
 *   - limits that need a million rows or definitions, or answers of
 *     96 MiB, are read by the code from ml_limits_now / ma_limits_now
 *     (ml_limits_internal.h, ma_internal.h). The test first checks that
 *     they hold the production values, then lowers them and runs the
 *     same code with a few events. The full map is a ledger opened with
 *     a small map_bytes_max (ml_open_opts), as medeld --map-size does.
 *
 * Each refusal is checked for its status, code, field and exact words,
 * and printed to stdout as one line "provoked: {error object}";
 * tests/cli/test_messages.py runs this program, applies its wording rules
 * to those messages and counts their sources as provoked
 * (messages_src.py). A refusal this test stops provoking is then a
 * source nothing provokes, and test_messages fails.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "ma_internal.h"
#include "ma_limits.h"
#include "ml_buf.h"
#include "ml_limits_internal.h"
#include "mt.h"
#include "tl.h"

#define ORE_MAX "1000000000000000" /* ML_AMOUNT_MAX_ORE */

/* --- building bodies ---------------------------------------------------- */

/* A POST body: a JSON array of events, each added by ev(). */
struct body {
	struct ml_buf b;
	size_t n;
};

static void body_start(struct body *x)
{
	ml_buf_init(&x->b, ML_BODY_BYTES_MAX);
	x->n = 0;
	ml_buf_add_char(&x->b, '[');
}

static void ev(struct body *x, const char *fmt, ...)
{
	char one[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(one, sizeof one, fmt, ap);
	va_end(ap);
	if (x->n++ > 0)
		ml_buf_add_char(&x->b, ',');
	if (ml_buf_add_str(&x->b, one) != 0)
		MT_FAIL_AT("a body past %u bytes", ML_BODY_BYTES_MAX);
}

static void body_end(struct body *x)
{
	ml_buf_add_char(&x->b, ']');
}

/* --- asking ------------------------------------------------------------- */

static void ask(struct ma_api *api, const char *method, const char *path,
                const char *query, const struct ml_buf *body,
                struct ma_response *r)
{
	struct ma_request req = {
	    .method = method,
	    .path = path,
	    .query = query,
	    .body = body ? body->data : NULL,
	    .body_bytes = body ? body->len : 0,
	    .caller = {.name = "test", .role = MA_ROLE_ADMIN}};
	ma_response_free(r);
	ma_response_init(r);
	enum ma_api_outcome o = ma_api_handle(api, &req, r);
	MT_CHECK_INT(o, MA_API_DONE);
}

/* POSTs x (ended here, freed) and returns the status; r has the answer. */
static int post(struct ma_api *api, struct body *x, struct ma_response *r)
{
	body_end(x);
	ask(api, "POST", "/v1/events", NULL, &x->b, r);
	ml_buf_free(&x->b);
	return r->status;
}

/* Posts x and requires it stored. */
static void post_ok(struct ma_api *api, struct body *x)
{
	struct ma_response r;
	ma_response_init(&r);
	if (post(api, x, &r) != 201)
		MT_FAIL_AT("POST: %d %.*s", r.status, (int)r.body.len,
		           r.body.data);
	ma_response_free(&r);
}

/* Checks that r is the error (status, code, field or NULL for none,
 * message), and prints its error object for test_messages.py. */
static void expect(const struct ma_response *r, int status, const char *code,
                   const char *field, const char *message)
{
	cJSON *doc = cJSON_ParseWithLength(r->body.data, r->body.len);
	const cJSON *e = cJSON_GetObjectItem(doc, "error");
	const char *got_code =
	    cJSON_GetStringValue(cJSON_GetObjectItem(e, "code"));
	const char *got_field =
	    cJSON_GetStringValue(cJSON_GetObjectItem(e, "field"));
	const char *got =
	    cJSON_GetStringValue(cJSON_GetObjectItem(e, "message"));
	MT_CHECK_INT(r->status, status);
	MT_CHECK_STR(got_code, code);
	if (field == NULL)
		MT_CHECK(got_field == NULL);
	else
		MT_CHECK_STR(got_field, field);
	MT_CHECK_STR(got, message);
	if (e != NULL) {
		char *line = cJSON_PrintUnformatted(e);
		printf("provoked: %s\n", line);
		fflush(stdout);
		free(line);
	}
	cJSON_Delete(doc);
}

static void get_expect(struct ma_api *api, const char *path, const char *query,
                       int status, const char *code, const char *message)
{
	struct ma_response r;
	ma_response_init(&r);
	ask(api, "GET", path, query, NULL, &r);
	expect(&r, status, code, NULL, message);
	ma_response_free(&r);
}

/* --- the production values ---------------------------------------------- */

static void test_limits_are_production_values(void)
{
	MT_CHECK_INT(ml_limits_now.answer_rows_max, ML_ANSWER_ROWS_MAX);
	MT_CHECK_INT(ml_limits_now.answer_row_bytes_max,
	             ML_ANSWER_ROW_BYTES_MAX);
	MT_CHECK_INT(ml_limits_now.parties_max, ML_PARTIES_MAX);
	MT_CHECK_INT(ml_limits_now.grants_max, ML_GRANTS_MAX);
	MT_CHECK_INT(ma_limits_now.answer_bytes_max, MA_ANSWER_BYTES_MAX);
	MT_CHECK_INT(ma_limits_now.warnings_bytes_max, MA_WARNINGS_BYTES_MAX);
	MT_CHECK_INT(ML_ANSWER_ROWS_MAX, 1000000);
	MT_CHECK_INT(ML_PARTIES_MAX, 1000000);
	MT_CHECK_INT(MA_ANSWER_BYTES_MAX, 96u * 1024 * 1024);
	MT_CHECK_INT(MA_WARNINGS_BYTES_MAX, 32u * 1024 * 1024);
}

/* --- sums past 2^63 öre ------------------------------------------------- */

/* Grants a<from>..a<to-1> of 2019 (used by its end), 10^15 öre each, kk
 * paying, carry_over allowed, each allocated and paid out to p whole; in
 * batches of at most ML_BATCH_EVENTS_MAX events. */
static void sources(struct ma_api *api, int from, int to)
{
	for (int i = from; i < to;) {
		struct body x;
		body_start(&x);
		for (; i < to && x.n + 3 <= ML_BATCH_EVENTS_MAX; i++) {
			ev(&x,
			   "{\"type\":\"grant\",\"id\":\"g:a%d\",\"date\":"
			   "\"2019-01-02\",\"grant\":\"a%d\",\"name\":\"A %d\","
			   "\"payer\":\"kk\",\"total\":" ORE_MAX
			   ",\"year\":2019,\"use_by\":\"2019-12-31\","
			   "\"carry_over\":true}",
			   i, i, i);
			for (int k = 0; k < 2; k++)
				ev(&x,
				   "{\"type\":\"%s\",\"id\":\"%c:a%d\","
				   "\"date\":\"2019-01-03\",\"grant\":"
				   "\"a%d\",\"from\":\"kk\",\"to\":\"p\","
				   "\"amount\":" ORE_MAX "}",
				   k ? "payout" : "allocation", "ap"[k], i, i);
		}
		post_ok(api, &x);
	}
}

/* Carries a<from>..a<to-1> over into grant `into`, p's whole 10^15. */
static void carry_into(struct body *x, const char *into, int from, int to)
{
	for (int i = from; i < to; i++)
		ev(x,
		   "{\"type\":\"carryover\",\"id\":\"co:a%d\",\"date\":"
		   "\"2020-01-02\",\"grant\":\"a%d\",\"to_grant\":\"%s\","
		   "\"party\":\"p\",\"amount\":" ORE_MAX "}",
		   i, i, into);
}

/* n allocations of 10^15 in grant g from `from` to `to`. */
static void allocate(struct ma_api *api, const char *g, const char *from,
                     const char *to, int n)
{
	struct body x;
	body_start(&x);
	for (int i = 0; i < n; i++)
		ev(&x,
		   "{\"type\":\"allocation\",\"id\":\"al:%s:%s:%d\",\"date\":"
		   "\"2020-01-03\",\"grant\":\"%s\",\"from\":\"%s\",\"to\":"
		   "\"%s\",\"amount\":" ORE_MAX "}",
		   from, to, i, g, from, to);
	post_ok(api, &x);
}

/* 4 700 × 10^15 = 4.7 × 10^18 öre: under 2^63 (9.22 × 10^18) alone,
 * over it twice. */
#define HALF 4700
/* Sources carried into b at most: 9 223 × 10^15 < 2^63 < 9 224 × 10^15. */
#define FITS 9223

static void test_sums(void)
{
	char dir[4096];
	struct ml_ledger *lg = tl_open(dir, "costly-sums");
	struct ma_api api;
	ma_api_init(&api, lg, ma_append_direct, lg);
	struct body x;
	body_start(&x);
	ev(&x, "{\"type\":\"party\",\"id\":\"p:kk\",\"date\":\"2019-01-01\","
	       "\"party\":\"kk\",\"kind\":\"state\",\"name\":\"KK\"}");
	ev(&x, "{\"type\":\"party\",\"id\":\"p:p\",\"date\":\"2019-01-01\","
	       "\"party\":\"p\",\"kind\":\"municipality\",\"name\":\"P\"}");
	for (int i = 1; i <= 2; i++)
		ev(&x,
		   "{\"type\":\"party\",\"id\":\"p:c%d\",\"date\":"
		   "\"2019-01-01\",\"party\":\"c%d\",\"kind\":\"other\","
		   "\"name\":\"C%d\",\"parent\":\"p\"}",
		   i, i, i);
	ev(&x,
	   "{\"type\":\"grant\",\"id\":\"g:b\",\"date\":\"2020-01-01\","
	   "\"grant\":\"b\",\"name\":\"B\",\"payer\":\"kk\",\"total\":" ORE_MAX
	   ",\"year\":2020}");
	ev(&x, "{\"type\":\"grant\",\"id\":\"g:h\",\"date\":\"2020-01-01\","
	       "\"grant\":\"h\",\"name\":\"H\",\"payer\":\"kk\",\"total\":1,"
	       "\"parent\":\"b\",\"year\":2020}");
	post_ok(&api, &x);
	sources(&api, 0, 2 * HALF);

	/* kk's allocated and p's received over 9 400 grants of 2019 */
	get_expect(&api, "/v1/balances", "as_of=2019-12-31", 400,
	           "amount_out_of_range",
	           "the balances' totals exceed 2^63 öre");
	get_expect(&api, "/v1/repayments", "year=2019&as_of=2019-12-31", 400,
	           "amount_out_of_range",
	           "a repayments total exceeds 2^63 öre");

	/* p's carried_in: 4.7 × 10^18 in the post h and again in b */
	body_start(&x);
	carry_into(&x, "h", 0, HALF);
	post_ok(&api, &x);
	body_start(&x);
	carry_into(&x, "b", HALF, 2 * HALF);
	post_ok(&api, &x);
	get_expect(&api, "/v1/trace", "grant=b&posts=1&as_of=2020-12-31", 400,
	           "amount_out_of_range",
	           "p's sum over the grant and its posts exceeds 2^63 öre");

	/* in h, p → c1 → c2: each member's allocated 4.7 × 10^18 */
	allocate(&api, "h", "p", "c1", HALF);
	allocate(&api, "h", "c1", "c2", HALF);
	get_expect(
	    &api, "/v1/balances", "grant=h&party=p&rollup=1&as_of=2020-12-31",
	    400, "amount_out_of_range", "a consolidated sum exceeds 2^63 öre");

	/* p's carried_in in b past 2^63: the rules refuse the event that
	 * would pass it (the 9 224th carried in), and nothing of its batch
	 * is stored */
	sources(&api, 2 * HALF, FITS + HALF + 1);
	body_start(&x);
	carry_into(&x, "b", 2 * HALF, FITS + HALF + 1);
	struct ma_response r;
	ma_response_init(&r);
	post(&api, &x, &r);
	expect(&r, 400, "amount_out_of_range", "amount",
	       "amount: a balance would exceed what the ledger can count "
	       "(2^63 öre)");
	cJSON *doc = cJSON_ParseWithLength(r.body.data, r.body.len);
	const cJSON *index =
	    cJSON_GetObjectItem(cJSON_GetObjectItem(doc, "error"), "index");
	MT_CHECK_INT(cJSON_GetNumberValue(index), FITS - HALF);
	cJSON_Delete(doc);
	ma_response_free(&r);
	MT_CHECK(tl_verify_ok(lg));
	tl_close(lg, dir);
}

/* --- limits lowered ----------------------------------------------------- */

/* A ledger with kk, grant g (100 öre) and kk's expenses on four
 * activities. */
static struct ml_ledger *small_ledger(char *dir, const char *tag,
                                      struct ma_api *api)
{
	struct ml_ledger *lg = tl_open(dir, tag);
	ma_api_init(api, lg, ma_append_direct, lg);
	struct body x;
	body_start(&x);
	ev(&x, "{\"type\":\"party\",\"id\":\"p:kk\",\"date\":\"2019-01-01\","
	       "\"party\":\"kk\",\"kind\":\"state\",\"name\":\"KK\"}");
	ev(&x, "{\"type\":\"grant\",\"id\":\"g:g\",\"date\":\"2020-01-01\","
	       "\"grant\":\"g\",\"name\":\"G\",\"payer\":\"kk\",\"total\":100,"
	       "\"year\":2020}");
	for (int i = 0; i < 4; i++)
		ev(&x,
		   "{\"type\":\"expense\",\"id\":\"x:%d\",\"date\":"
		   "\"2020-02-01\",\"grant\":\"g\",\"party\":\"kk\","
		   "\"activity\":\"Aktivitet %d\",\"amount\":1}",
		   i, i);
	post_ok(api, &x);
	return lg;
}

static void test_rows(void)
{
	char dir[4096];
	struct ma_api api;
	struct ml_ledger *lg = small_ledger(dir, "costly-rows", &api);
	ml_limits_now.answer_rows_max = 3;
	get_expect(&api, "/v1/trace", "grant=g&as_of=2020-12-31", 413,
	           "too_large", "the answer would list more than 3 activities");
	ml_limits_now.answer_rows_max = ML_ANSWER_ROWS_MAX;
	/* A row written as text (a balances row is ~200 bytes; at the
	 * production limit it would take a party of 96 MiB of names). */
	ml_limits_now.answer_row_bytes_max = 100;
	get_expect(&api, "/v1/balances", "grant=g&as_of=2020-12-31", 413,
	           "too_large", "a row of the answer would exceed 100 bytes");
	/* A repayments row (~230 bytes): its head is written once into the
	 * grant's summary and copied, with its status, into the rows. */
	ml_limits_now.answer_row_bytes_max = ML_ANSWER_ROW_BYTES_MAX;
	struct body x;
	body_start(&x);
	ev(&x, "{\"type\":\"party\",\"id\":\"p:m\",\"date\":\"2019-01-01\","
	       "\"party\":\"m\",\"kind\":\"municipality\",\"name\":\"M\"}");
	for (int i = 0; i < 2; i++)
		ev(&x,
		   "{\"type\":\"%s\",\"id\":\"m:%d\",\"date\":"
		   "\"2020-03-01\",\"grant\":\"g\",\"from\":\"kk\","
		   "\"to\":\"m\",\"amount\":10}",
		   i == 0 ? "allocation" : "payout", i);
	post_ok(&api, &x);
	struct ma_response r;
	ma_response_init(&r);
	ask(&api, "GET", "/v1/repayments", "grant=g&as_of=2020-12-31", NULL,
	    &r);
	MT_CHECK_INT(r.status, 200);
	MT_CHECK(strstr(r.body.data, "\"rows\":[{\"grant\":\"g\",\"party\":"
	                             "\"m\",\"received\":10,") != NULL);
	ma_response_free(&r);
	ml_limits_now.answer_row_bytes_max = 100;
	get_expect(&api, "/v1/repayments", "grant=g&as_of=2020-12-31", 413,
	           "too_large", "a row of the answer would exceed 100 bytes");
	ml_limits_now.answer_row_bytes_max = ML_ANSWER_ROW_BYTES_MAX;
	tl_close(lg, dir);
}

/* Posts n parties named <prefix>0, <prefix>1 … (each with extra JSON
 * members, "" for none) in one batch and expects a 413 too_large saying
 * message. */
static void post_parties_refused(struct ma_api *api, const char *prefix, int n,
                                 const char *extra, const char *message)
{
	struct body x;
	body_start(&x);
	for (int i = 0; i < n; i++)
		ev(&x,
		   "{\"type\":\"party\",\"id\":\"p:%s%d\",\"date\":"
		   "\"2019-01-01\",\"party\":\"%s%d\",\"kind\":\"other\","
		   "\"name\":\"%s%d\"%s}",
		   prefix, i, prefix, i, prefix, i, extra);
	struct ma_response r;
	ma_response_init(&r);
	post(api, &x, &r);
	expect(&r, 413, "too_large", NULL, message);
	ma_response_free(&r);
}

static void test_definitions(void)
{
	char dir[4096];
	struct ma_api api;
	struct ml_ledger *lg = small_ledger(dir, "costly-defs", &api);
	ml_limits_now.parties_max = 3;
	post_parties_refused(
	    &api, "p", 3, "",
	    "the ledger already has 3 definitions of that kind");
	ml_limits_now.parties_max = ML_PARTIES_MAX;
	tl_close(lg, dir);
}

/* The size of an answer's body, under the production ceiling. */
static size_t answer_bytes(struct ma_api *api, const char *path,
                           const char *query)
{
	struct ma_response r;
	ma_response_init(&r);
	ask(api, "GET", path, query, NULL, &r);
	MT_CHECK_INT(r.status, 200);
	size_t n = r.body.len;
	ma_response_free(&r);
	return n;
}

static void test_answer_bytes(void)
{
	char dir[4096];
	struct ma_api api;
	struct ml_ledger *lg = small_ledger(dir, "costly-bytes", &api);
	const char *st = "party=kk&grant=g&as_of=2020-12-31";
	char html[128];
	snprintf(html, sizeof html, "%s&format=html", st);
	size_t json = answer_bytes(&api, "/v1/statement", st);
	size_t page = answer_bytes(&api, "/v1/statement", html);
	size_t bal = answer_bytes(&api, "/v1/balances", "as_of=2020-12-31");
	/* a ceiling the statement's JSON and every error fit under, and its
	 * HTML page does not */
	uint32_t ceiling = (uint32_t)(json + page) / 2;
	MT_REQUIRE(json < ceiling && ceiling < page && ceiling > 1024);
	ma_limits_now.answer_bytes_max = ceiling;
	get_expect(&api, "/v1/statement", html, 413, "too_large",
	           "the statement does not fit the answer");
	/* and one the balances' JSON does not fit */
	ma_limits_now.answer_bytes_max = (uint32_t)bal - 1;
	char words[128];
	snprintf(words, sizeof words,
	         "the answer is larger than %u bytes: ask for less (limit, "
	         "grant, party)",
	         (unsigned)bal - 1);
	get_expect(&api, "/v1/balances", "as_of=2020-12-31", 413, "too_large",
	           words);
	ma_limits_now.answer_bytes_max = MA_ANSWER_BYTES_MAX;
	tl_close(lg, dir);
}

static void test_warnings_bytes(void)
{
	char dir[4096];
	struct ma_api api;
	struct ml_ledger *lg = small_ledger(dir, "costly-warn", &api);
	/* room for one warning's JSON, not for two */
	ma_limits_now.warnings_bytes_max = 200;
	post_parties_refused(
	    &api, "o", 2, ",\"org_no\":\"12345\"",
	    "the warnings on this batch do not fit in an answer");
	ma_limits_now.warnings_bytes_max = MA_WARNINGS_BYTES_MAX;
	tl_close(lg, dir);
}

/* --- the full map ------------------------------------------------------- */

static void test_map_full(void)
{
	char dir[4096];
	const uint64_t map = 1024 * 1024;
	struct ml_open_opts o = {.map_bytes_max = map,
	                         .map_bytes_initial = map};
	struct ml_ledger *lg = tl_open_with(dir, "costly-map", &o);
	struct ma_api api;
	ma_api_init(&api, lg, ma_append_direct, lg);
	struct body x;
	body_start(&x);
	ev(&x, "{\"type\":\"party\",\"id\":\"p:kk\",\"date\":\"2019-01-01\","
	       "\"party\":\"kk\",\"kind\":\"state\",\"name\":\"KK\"}");
	post_ok(&api, &x);
	struct ma_response r;
	ma_response_init(&r);
	int status = 201;
	/* 1 MiB holds a few thousand party definitions */
	for (int batch = 0; status == 201 && batch < 100; batch++) {
		body_start(&x);
		for (int i = 0; i < 500; i++)
			ev(&x,
			   "{\"type\":\"party\",\"id\":\"p:%d:%d\",\"date\":"
			   "\"2019-01-01\",\"party\":\"p%d-%d\",\"kind\":"
			   "\"other\",\"name\":\"Part %d %d\"}",
			   batch, i, batch, i, batch, i);
		status = post(&api, &x, &r);
	}
	char words[128];
	snprintf(words, sizeof words,
	         "the ledger is full: its map reached the maximum of %llu "
	         "bytes",
	         (unsigned long long)map);
	expect(&r, 503, "unavailable", NULL, words);
	ma_response_free(&r);
	MT_CHECK(tl_verify_ok(lg));
	tl_close(lg, dir);
}

int main(void)
{
	MT_RUN(test_limits_are_production_values);
	MT_RUN(test_rows);
	MT_RUN(test_definitions);
	MT_RUN(test_answer_bytes);
	MT_RUN(test_warnings_bytes);
	MT_RUN(test_map_full);
	MT_RUN(test_sums);
	return MT_EXIT();
}
