/*
 * mc_embed.c — the ledger opened in this process (medel --db DIR).
 *
 * Every request goes through md_api_handle, the router medeld uses, with
 * md_append_direct as the append function and this process's user as
 * the caller (role admin: whoever can open the directory can do
 * anything to it, as over the daemon's Unix socket). The answer is
 * therefore medeld's answer, byte for byte.
 *
 * The router leaves three things to its host, and this file does them
 * the way medeld does:
 *
 *   - GET /v1/export and GET /v1/backup: the query is parsed by
 *     md_params_parse against the route's parameters (the same errors),
 *     then ml_export_begin/next or ml_store_copy_fd write to the call's
 *     file descriptor, under a read transaction (backup) or one per part
 *     (export), as medeld's producers do;
 *   - long-polls: MD_API_WAIT is answered by asking again every
 *     MC_EMBED_POLL_MS until the wait is over, then once more without
 *     waiting (the daemon's last answer), since another process's commit
 *     wakes nobody here;
 *   - GET /v1/verify with progress: the router's own steps (one read
 *     transaction, ml_answer_verify, ml_json_print) with a progress
 *     callback, which the router has no way to pass.
 *
 * The ledger is opened without ML_OPEN_EXCLUSIVE: several medel --db may
 * share a directory (LMDB serialises their writes), but a running medeld
 * holds it exclusively and the open fails with ML_E_LOCKED, whose message
 * says to use the daemon. Only commands that write may create a ledger;
 * the others refuse a directory without one (ML_OPEN_NO_CREATE).
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ml_answer.h"
#include "ml_export.h"
#include "ml_ledger.h"

#include "md_api.h"
#include "md_params.h"

#include "mc_conn.h"

struct mc_embed {
	struct ml_ledger *lg;
	struct md_api api;
	char user[ML_RECORDED_BY_MAX + 1]; /* recorded_by: the OS user */
};

/* The effective user's name, as medeld names a socket peer ("uid:N"
 * when the user has no name). */
static void mc_embed_user(char *out, size_t size)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	uid_t uid = geteuid();
	if (getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 &&
	    found != NULL && found->pw_name[0] != '\0')
		snprintf(out, size, "%s", found->pw_name);
	else
		snprintf(out, size, "uid:%u", (unsigned)uid);
}

/* Moves an md_response into a reply. */
static void mc_embed_take(struct md_response *resp, struct mc_reply *r)
{
	r->status = resp->status;
	ml_buf_free(&r->body);
	r->body = resp->body;
	ml_buf_init(&resp->body, resp->body.max_bytes);
}

/* A reply holding the error document the router makes for code. */
static void mc_embed_error(struct mc_reply *r, int code,
                           const struct ml_errinfo *err)
{
	struct md_response resp;
	md_response_init(&resp);
	md_response_errinfo(&resp, code, err);
	mc_embed_take(&resp, r);
	md_response_free(&resp);
}

int mc_embed_open(const char *dir, bool may_create, struct mc_embed **out,
                  struct mc_reply *failure)
{
	struct ml_open_opts opts = {.flags =
	                                may_create ? 0 : ML_OPEN_NO_CREATE};
	struct ml_errinfo err;
	struct mc_embed *e = calloc(1, sizeof *e);
	if (e == NULL) {
		mc_reply_error(failure, 0, "internal", "out of memory");
		return -1;
	}
	ml_errinfo_clear(&err);
	int rc = ml_ledger_open(dir, &opts, &e->lg, &err);
	if (rc != 0) {
		mc_embed_error(failure, rc, &err);
		free(e);
		return -1;
	}
	mc_embed_user(e->user, sizeof e->user);
	md_api_init(&e->api, e->lg, md_append_direct, e->lg);
	*out = e;
	return 0;
}

void mc_embed_close(struct mc_embed *e)
{
	if (e == NULL)
		return;
	ml_ledger_close(e->lg);
	free(e);
}

static int64_t mc_mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void mc_sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* The router, asked again while it says MD_API_WAIT. */
static int mc_embed_route(struct mc_embed *e, const struct mc_call *call,
                          struct mc_reply *r)
{
	struct md_response resp;
	struct md_request req = {
	    .method = call->method,
	    .path = call->path,
	    .query = call->query,
	    .body = call->body,
	    .body_bytes = call->body_bytes,
	    .caller = {.name = e->user, .role = MD_ROLE_ADMIN},
	    .may_wait = call->long_poll,
	};
	md_response_init(&resp);
	int64_t deadline_ms = -1;
	while (md_api_handle(&e->api, &req, &resp) == MD_API_WAIT) {
		int64_t now = mc_mono_ms();
		if (deadline_ms < 0)
			deadline_ms = now + (int64_t)resp.wait_s * 1000;
		if (now >= deadline_ms)
			req.may_wait = false;
		else
			mc_sleep_ms(MC_EMBED_POLL_MS);
	}
	mc_embed_take(&resp, r);
	md_response_free(&resp);
	return 0;
}

/* Writes all of buf to fd. */
static int mc_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static enum ml_export_format mc_embed_format(enum md_format f)
{
	switch (f) {
	case MD_FORMAT_CSV:
		return ML_EXPORT_CSV;
	case MD_FORMAT_LEDGER:
		return ML_EXPORT_LEDGER;
	case MD_FORMAT_BEANCOUNT:
		return ML_EXPORT_BEANCOUNT;
	default: /* MD_FORMAT_JSONL; NONE is refused before */
		return ML_EXPORT_JSONL;
	}
}

/* Begins an export in a read transaction of its own. */
static int mc_export_begin(struct mc_embed *e, const struct md_params *p,
                           struct ml_export **x, struct ml_errinfo *err)
{
	MDB_txn *txn = NULL;
	int rc = ml_ledger_read_begin(e->lg, &txn);
	if (rc != 0)
		return rc;
	rc = ml_export_begin(e->lg, txn, mc_embed_format(p->format),
	                     p->grant[0] ? p->grant : NULL, x, err);
	ml_ledger_read_end(e->lg, txn);
	return rc;
}

/* Parts until done, each in its own read transaction, written to fd. */
static int mc_export_parts(struct mc_embed *e, struct ml_export *x,
                           const struct mc_call *call, struct mc_reply *r)
{
	struct ml_buf part;
	bool done = false;
	int rc = 0;
	ml_buf_init(&part, 4 * MC_EXPORT_PART_BYTES_MAX);
	while (rc == 0 && !done) {
		MDB_txn *txn = NULL;
		rc = ml_ledger_read_begin(e->lg, &txn);
		if (rc != 0)
			break;
		rc = ml_export_next(x, txn, &part, MC_EXPORT_PART_BYTES_MAX,
		                    &done);
		ml_ledger_read_end(e->lg, txn);
		if (rc == 0 &&
		    mc_write_all(call->out_fd, part.data, part.len) != 0)
			rc = ML_E_IO;
		r->streamed_bytes += part.len;
		ml_buf_reset(&part);
		mc_progress_update(call->progress, r->streamed_bytes, 0);
	}
	ml_buf_free(&part);
	return rc;
}

static int mc_embed_export(struct mc_embed *e, const struct md_params *p,
                           const struct mc_call *call, struct mc_reply *r)
{
	struct ml_export *x = NULL;
	struct ml_errinfo err;
	ml_errinfo_clear(&err);
	int rc = mc_export_begin(e, p, &x, &err);
	if (rc != 0) {
		mc_embed_error(r, rc, &err);
		return 0;
	}
	rc = mc_export_parts(e, x, call, r);
	ml_export_end(x);
	if (rc == ML_E_IO)
		mc_reply_error(r, 0, "io", "cannot write the export: %s",
		               strerror(errno));
	else if (rc != 0)
		mc_reply_error(r, ml_error_status(rc), ml_error_name(rc),
		               "the export stopped after %llu bytes: %s",
		               (unsigned long long)r->streamed_bytes,
		               ml_strerror(rc));
	else
		r->status = 200;
	return 0;
}

static int mc_embed_backup(struct mc_embed *e, const struct mc_call *call,
                           struct mc_reply *r)
{
	MDB_txn *txn = NULL;
	int rc = ml_ledger_read_begin(e->lg, &txn);
	if (rc == 0) {
		rc = ml_store_copy_fd(ml_ledger_store(e->lg), call->out_fd);
		ml_ledger_read_end(e->lg, txn);
	}
	if (rc != 0) {
		mc_reply_error(r, ml_error_status(rc), ml_error_name(rc),
		               "the backup could not be written: %s",
		               ml_strerror(rc));
		return 0;
	}
	off_t end = lseek(call->out_fd, 0, SEEK_CUR);
	r->streamed_bytes = end > 0 ? (uint64_t)end : 0;
	r->status = 200;
	return 0;
}

/* GET /v1/export and /v1/backup, as medeld serves them. */
static int mc_embed_stream(struct mc_embed *e, enum md_route route,
                           const struct mc_call *call, struct mc_reply *r)
{
	const struct md_route_info *info = md_route_info(route);
	struct md_params p;
	struct ml_errinfo err;
	ml_errinfo_clear(&err);
	int rc = md_params_parse(call->query, info->params, &p, &err);
	if (rc != 0) {
		mc_embed_error(r, rc, &err);
		return 0;
	}
	if (route == MD_ROUTE_BACKUP)
		return mc_embed_backup(e, call, r);
	if (p.format == MD_FORMAT_NONE) { /* as medeld's md_export.c */
		ml_fail(&err, ML_E_BAD_QUERY, -1, "format",
		        "format is required: jsonl, csv, ledger or beancount");
		mc_embed_error(r, ML_E_BAD_QUERY, &err);
		return 0;
	}
	return mc_embed_export(e, &p, call, r);
}

static void mc_verify_progress(uint64_t done, uint64_t total, void *arg)
{
	mc_progress_update(arg, done, total);
}

/* GET /v1/verify as md_api.c's md_get_doc does it, with progress. */
static int mc_embed_verify(struct mc_embed *e, const struct mc_call *call,
                           struct mc_reply *r)
{
	MDB_txn *txn = NULL;
	cJSON *doc = NULL;
	struct ml_errinfo err;
	ml_errinfo_clear(&err);
	int rc = ml_ledger_read_begin(e->lg, &txn);
	if (rc == 0) {
		rc = ml_answer_verify(e->lg, txn, &doc, mc_verify_progress,
		                      call->progress, &err);
		ml_ledger_read_end(e->lg, txn);
	}
	if (rc == 0)
		rc = ml_json_print(doc, &r->body);
	cJSON_Delete(doc);
	if (rc != 0) {
		ml_buf_reset(&r->body);
		mc_embed_error(r, rc, &err);
		return 0;
	}
	r->status = 200;
	return 0;
}

int mc_embed_call(struct mc_embed *e, const struct mc_call *call,
                  struct mc_reply *r)
{
	bool method_ok = false;
	uint64_t seq = 0;
	enum md_route route =
	    md_api_route(call->method, call->path, &method_ok, &seq);
	bool streamed = route == MD_ROUTE_EXPORT || route == MD_ROUTE_BACKUP;
	if (method_ok && streamed && call->out_fd >= 0)
		return mc_embed_stream(e, route, call, r);
	bool no_query = call->query == NULL || call->query[0] == '\0';
	if (method_ok && route == MD_ROUTE_VERIFY && no_query &&
	    call->progress != NULL && call->progress->on)
		return mc_embed_verify(e, call, r);
	return mc_embed_route(e, call, r);
}
