/*
 * ma_api_write.c — POST /v1/events: from body bytes to an ma_append, and
 * from a finished ma_append to API.md's answer.
 *
 * Called by ma_api_handle on the request's thread. The body is decoded
 * strictly (ml_json_parse_batch: one object or an array of ≤ 10 000) into
 * an arena that belongs to the ma_append, so the events survive the trip
 * to a writer thread and back; nothing here touches LMDB. The append
 * function given to ma_api_init decides how and when the batch is stored
 * (ma_api.h); ma_append_direct, for embedded use, is at the end.
 *
 * Roles: write for any POST, admin for a batch holding a `close` event
 * (API.md: admin "also close events"). The check comes after decoding, so
 * a malformed body is a 400 whoever sends it, and a writer learns which
 * event (index, field "type") it may not send.
 *
 * Answer: 201 when anything was stored; 200 when every event was an
 * identical re-send (each entry "duplicate": true) or for a dry run.
 * Every entry says "duplicate" explicitly, so a mixed batch is readable
 * without comparing seqs. A caller in the same process may take the
 * entries from the ledger's results instead (ma_request.on_appended, as
 * medel --db append does): the "events" array is then empty and nothing
 * is written only to be parsed back. "head" is the log's head after the commit that
 * stored the batch (with group commit: after the whole group).
 *
 * Warnings (ml_warn.h) are computed here, right after decoding, against
 * the day of the ledger's clock at that moment — the day the batch is
 * recorded, but for a batch queued across midnight — and kept as JSON in
 * the ma_append, so a daemon's group commit answers with them too. They
 * are the same for a dry run, a duplicate and a first send.
 */
#include <stdlib.h>
#include <string.h>

#include "ml_date.h"
#include "ml_json.h"
#include "ml_warn.h"

#include "ma_internal.h"
#include "ma_params.h"

void ma_append_free(struct ma_append *a)
{
	if (a == NULL)
		return;
	ml_arena_free(&a->arena);
	ml_buf_free(&a->warnings);
	free(a);
}

/* The day of a clock reading (µs since the epoch), clamped to the legal
 * range of dates. */
static ml_day ma_day_of_us(int64_t us)
{
	int64_t days = us / 86400000000LL - (us % 86400000000LL < 0 ? 1 : 0);
	int64_t day = days + ml_date_from_ymd(1970, 1, 1);
	return (ml_day)(day < 0 ? 0 : day > ML_DAY_MAX ? ML_DAY_MAX : day);
}

static int ma_warning_json(struct ml_buf *b, size_t index,
                           const struct ml_warning *w)
{
	int rc =
	    ml_buf_addf(b,
	                "%s{\"index\":%zu,\"field\":\"%s\",\"code\":"
	                "\"%s\",\"message\":",
	                b->len > 0 ? "," : "", index, ml_fields[w->field].name,
	                ml_warning_name(w->code));
	rc = rc ? rc : ml_json_write_string(b, w->message, strlen(w->message));
	return rc ? rc : ml_buf_add_char(b, '}');
}

/* Fills a->warnings for the decoded events, recorded on day today. */
static int ma_append_warnings(struct ma_append *a, ml_day today)
{
	struct ml_warning w[ML_EVENT_WARNINGS_MAX];
	ml_buf_init(&a->warnings, ma_limits_now.warnings_bytes_max);
	for (size_t i = 0; i < a->count; i++) {
		size_t n = ml_event_warnings(&a->events[i], today, w);
		for (size_t k = 0; k < n; k++) {
			int rc = ma_warning_json(&a->warnings, i, &w[k]);
			if (rc != 0)
				return ml_fail(&a->err, rc, (int32_t)i, NULL,
				               "the warnings on this batch do "
				               "not fit in an answer");
		}
	}
	return 0;
}

/* Decodes the body and fills a new ma_append; *out NULL on error (resp
 * then holds the error). */
static int ma_append_new(struct ma_api *api, const struct ma_request *req,
                         const struct ma_params *p, struct ma_append **out,
                         struct ma_response *resp)
{
	struct ma_append *a = calloc(1, sizeof *a);
	if (a == NULL) {
		ma_response_error(resp, ML_E_NOMEM, -1, NULL, "out of memory");
		return ML_E_NOMEM;
	}
	ml_arena_init(&a->arena, MA_APPEND_ARENA_BYTES_MAX);
	ml_errinfo_clear(&a->err);
	int rc = ml_json_parse_tree(req->body ? req->body : "", req->body_bytes,
	                            req->json_region ? ML_JSON_TREE_LEAVE
	                                             : ML_JSON_TREE_DELETE,
	                            &a->arena, &a->events, &a->count, &a->err);
	if (rc == 0) {
		a->results =
		    ml_arena_alloc(&a->arena, a->count * sizeof *a->results);
		if (a->results == NULL)
			rc = ml_fail(&a->err, ML_E_NOMEM, -1, NULL,
			             "out of memory for %zu results", a->count);
	}
	if (rc == 0)
		rc = ma_append_warnings(
		    a, ma_day_of_us(ml_ledger_now_us(api->lg)));
	if (rc != 0) {
		ma_response_errinfo(resp, rc, &a->err);
		ma_append_free(a);
		return rc;
	}
	const char *who = req->caller.name ? req->caller.name : "unknown";
	size_t len = strnlen(who, sizeof a->recorded_by - 1);
	memcpy(a->recorded_by, who, len);
	a->recorded_by[len] = '\0';
	a->opts.recorded_by = a->recorded_by;
	a->opts.dry_run = p->dry_run;
	a->opts.check_head = ma_params_has(p, MA_P_EXPECTED_HEAD);
	a->opts.expected_head = p->expected_head;
	a->user = req->user;
	a->on_appended = req->on_appended;
	a->on_appended_arg = req->on_appended_arg;
	*out = a;
	return 0;
}

/* 403 for a close event sent without the admin role. */
static int ma_append_roles(const struct ma_request *req,
                           const struct ma_append *a, struct ma_response *resp)
{
	if (req->caller.role >= MA_ROLE_ADMIN)
		return 0;
	for (size_t i = 0; i < a->count; i++) {
		if (a->events[i].type == ML_TYPE_CLOSE) {
			ma_response_error(resp, ML_E_FORBIDDEN, (int32_t)i,
			                  "type",
			                  "%s may not close a period: close "
			                  "events need the admin role",
			                  req->caller.name);
			return ML_E_FORBIDDEN;
		}
	}
	return 0;
}

enum ma_api_outcome ma_api_post_events(struct ma_api *api,
                                       const struct ma_request *req,
                                       struct ma_response *resp)
{
	struct ma_params p;
	struct ml_errinfo err;
	struct ma_append *a = NULL;
	int rc = ma_params_parse(
	    req->query, ma_route_info(MA_ROUTE_APPEND)->params, 0, &p, &err);
	if (rc != 0) {
		ma_response_errinfo(resp, rc, &err);
		return MA_API_DONE;
	}
	if (ma_append_new(api, req, &p, &a, resp) != 0)
		return MA_API_DONE;
	if (ma_append_roles(req, a, resp) != 0) {
		ma_append_free(a);
		return MA_API_DONE;
	}
	if (api->append(api->append_arg, a) == MA_APPEND_QUEUED)
		return MA_API_PENDING;
	ma_api_append_answer(a, resp);
	return MA_API_DONE;
}

/* One entry of "events": {"seq","id"?,"recorded_at","hash","duplicate"}. */
static int ma_write_entry(struct ml_buf *b, const struct ml_event *ev,
                          const struct ml_append_result *res)
{
	char when[ML_TIME_TEXT_MAX], hex[65];
	ml_time_format(res->recorded_at_us, when, sizeof when);
	ml_hex32(res->hash, hex);
	int rc = ml_buf_addf(b, "{\"seq\":%llu", (unsigned long long)res->seq);
	if (rc == 0 && ev->id.ptr != NULL) {
		rc = ml_buf_add_str(b, ",\"id\":");
		rc = rc ? rc : ml_json_write_string(b, ev->id.ptr, ev->id.len);
	}
	rc = rc ? rc
	        : ml_buf_addf(b,
	                      ",\"recorded_at\":\"%s\",\"hash\":\"%s\","
	                      "\"duplicate\":%s}",
	                      when, hex, res->duplicate ? "true" : "false");
	return rc;
}

static int ma_write_answer(struct ml_buf *b, const struct ma_append *a)
{
	char hex[65];
	int rc =
	    ml_buf_add_str(b, a->opts.dry_run ? "{\"dry_run\":true," : "{");
	rc = rc ? rc : ml_buf_add_str(b, "\"events\":[");
	size_t entries = a->on_appended != NULL ? 0 : a->count;
	for (size_t i = 0; rc == 0 && i < entries; i++) {
		if (i > 0)
			rc = ml_buf_add_char(b, ',');
		rc = rc ? rc : ma_write_entry(b, &a->events[i], &a->results[i]);
	}
	ml_hex32(a->head.hash, hex);
	rc = rc ? rc
	        : ml_buf_addf(b, "],\"head\":{\"seq\":%llu,\"hash\":\"%s\"}",
	                      (unsigned long long)a->head.seq, hex);
	rc = rc ? rc : ml_buf_add_str(b, ",\"warnings\":[");
	if (rc == 0 && a->warnings.len > 0)
		rc = ml_buf_add(b, a->warnings.data, a->warnings.len);
	return rc ? rc : ml_buf_add_str(b, "]}");
}

void ma_api_append_answer(struct ma_append *a, struct ma_response *resp)
{
	ml_buf_reset(&resp->body);
	resp->route = MA_ROUTE_APPEND;
	if (a->rc != 0) {
		ma_response_errinfo(resp, a->rc, &a->err);
		ma_append_free(a);
		return;
	}
	bool stored = false;
	for (size_t i = 0; i < a->count; i++)
		stored = stored || !a->results[i].duplicate;
	int rc = ma_write_answer(&resp->body, a);
	if (rc != 0)
		ma_response_error(resp, rc, -1, NULL,
		                  "the batch was stored but its answer could "
		                  "not be built: %s",
		                  ml_strerror(rc));
	else
		resp->status = stored && !a->opts.dry_run ? 201 : 200;
	for (size_t i = 0; rc == 0 && a->on_appended != NULL && i < a->count;
	     i++)
		a->on_appended(a->on_appended_arg, &a->events[i],
		               &a->results[i]);
	ma_append_free(a);
}

enum ma_append_status ma_append_direct(void *arg, struct ma_append *a)
{
	struct ml_ledger *lg = arg;
	struct ml_read *rd = NULL;
	a->rc = ml_ledger_append_batch(lg, a->events, a->count, &a->opts,
	                               a->results, &a->err);
	if (a->rc != 0)
		return MA_APPEND_DONE;
	/* Stored. The head is read afresh; should that fail, the batch's
	 * last event stands in for it rather than reporting a stored batch
	 * as failed. */
	int rc = ml_ledger_read_begin(lg, &rd);
	if (rc == 0)
		rc = ml_ledger_head(lg, rd, &a->head);
	ml_ledger_read_end(lg, rd);
	if (rc != 0) {
		a->head.seq = a->results[a->count - 1].seq;
		memcpy(a->head.hash, a->results[a->count - 1].hash, 32);
	}
	return MA_APPEND_DONE;
}
