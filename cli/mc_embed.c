/*
 * mc_embed.c — the ledger opened in this process (medel --db DIR).
 *
 * Every request goes through ma_api_handle, the API layer medeld
 * serves, with ma_append_direct as the append function and this
 * process's user as the caller (role admin: whoever can open the
 * directory can do anything to it, as over the daemon's Unix socket).
 * The answer is therefore medeld's answer, byte for byte — streams
 * included: an export or a backup is checked by the router and written
 * by ma_stream_write, the function medeld's producer thread calls, here
 * straight into the output file. The one duty left to this host is the
 * long-poll: MA_API_WAIT is answered by asking again every
 * MC_EMBED_POLL_MS until the wait is over, then once more without
 * waiting (the daemon's last answer), since another process's commit
 * wakes nobody here.
 *
 * cJSON's allocations while a POST /v1/events is handled come from a
 * bump region (MC_EMBED_JSON_REGION_BYTES, kept for the run; blocks
 * from malloc beyond it) through cJSON_InitHooks, and its frees do
 * nothing; the hooks are put back to malloc and free, and the region
 * emptied, when the request is answered. The tree of a batch lives only inside the request (the
 * ledger keeps decoded events in its own arena), and medel is one
 * thread, so no other cJSON call can see the hooks; the request says so
 * (ma_request.json_region), and the tree is not walked to be freed. Never in medeld:
 * its threads share cJSON's global hooks. A batch's tree built node by
 * node through malloc cost half of the decoding (perf: malloc and
 * malloc_consolidate beside cJSON_Parse), and the frees of its nodes
 * fragmented the heap that the next batch's arena came from.
 *
 * The ledger is opened without ML_OPEN_EXCLUSIVE: several medel --db may
 * share a directory (LMDB serialises their writes), but a running medeld
 * holds it exclusively and the open fails with ML_E_LOCKED, whose message
 * says to use the daemon. Only commands that write may create a ledger;
 * the others refuse a directory without one (ML_OPEN_NO_CREATE).
 * Commands that seek a few records (balance, trace) open it
 * ML_OPEN_POINT_READS: from a cold page cache, readahead would read
 * 128 KiB around each page a seek touches. A trace also asks for its
 * pages to be read by several threads at once when they are not in
 * memory (ml_open_opts.trace_prefetch); medeld never does.
 */
#include <errno.h>
#include <pwd.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "ml_assert.h"
#include "ml_ledger.h"

#include "ma_api.h"

#include "mc_conn.h"

static void mc_json_region_drop(void);

struct mc_embed {
	struct ml_ledger *lg;
	struct ma_api api;
	char user[ML_RECORDED_BY_MAX + 1]; /* recorded_by: the OS user */
	bool user_named;                   /* user looked up (else "uid:N") */
};

/* The effective user's name, as medeld names a socket peer ("uid:N"
 * when the user has no name). */
static void mc_embed_user(char *out, size_t size, bool look_up)
{
	struct passwd pw, *found = NULL;
	char buf[4096];
	uid_t uid = geteuid();
	if (look_up && getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 &&
	    found != NULL && found->pw_name[0] != '\0')
		snprintf(out, size, "%s", found->pw_name);
	else
		snprintf(out, size, "uid:%u", (unsigned)uid);
}

/* The caller's name for a request. The name is looked up (NSS: two
 * tries of nscd's socket, nsswitch.conf, /etc/passwd: ~0.1 ms, a tenth
 * of a `medel --json log` page's process) at the first request that is
 * not a GET, since only a write records it (recorded_by); a read is
 * told "uid:N", which it never shows: as admin it is never refused. */
static const char *mc_embed_caller(struct mc_embed *e, const char *method)
{
	if (!e->user_named && strcmp(method, "GET") != 0) {
		mc_embed_user(e->user, sizeof e->user, true);
		e->user_named = true;
	}
	return e->user;
}

/* Moves an ma_response into a reply. */
static void mc_embed_take(struct ma_response *resp, struct mc_reply *r)
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
	struct ma_response resp;
	ma_response_init(&resp);
	ma_response_errinfo(&resp, code, err);
	mc_embed_take(&resp, r);
	ma_response_free(&resp);
}

int mc_embed_open(const struct mc_target *t, bool may_create,
                  struct mc_embed **out, struct mc_reply *failure)
{
	struct ml_open_opts opts = {.flags =
	                                may_create ? 0 : ML_OPEN_NO_CREATE};
	if (t->point_reads)
		opts.flags |= ML_OPEN_POINT_READS;
	opts.trace_prefetch = t->trace_prefetch;
	struct ml_errinfo err;
	struct mc_embed *e = calloc(1, sizeof *e);
	if (e == NULL) {
		mc_reply_error(failure, 0, "internal", "out of memory");
		return -1;
	}
	ml_errinfo_clear(&err);
	int rc = ml_ledger_open(t->db, &opts, &e->lg, &err);
	if (rc != 0) {
		mc_embed_error(failure, rc, &err);
		free(e);
		return -1;
	}
	mc_embed_user(e->user, sizeof e->user, false);
	ma_api_init(&e->api, e->lg, ma_append_direct, e->lg);
	*out = e;
	return 0;
}

void mc_embed_close(struct mc_embed *e)
{
	if (e == NULL)
		return;
	ml_ledger_close(e->lg);
	free(e);
	mc_json_region_drop();
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

/* The router, asked again while it says MA_API_WAIT. */
static enum ma_api_outcome mc_embed_ask(struct mc_embed *e,
                                        struct ma_request *req,
                                        struct ma_response *resp)
{
	int64_t deadline_ms = -1;
	enum ma_api_outcome out = ma_api_handle(&e->api, req, resp);
	for (; out == MA_API_WAIT; out = ma_api_handle(&e->api, req, resp)) {
		int64_t now = mc_mono_ms();
		if (deadline_ms < 0)
			deadline_ms = now + (int64_t)resp->wait_s * 1000;
		if (now >= deadline_ms)
			req->may_wait = false;
		else
			mc_sleep_ms(MC_EMBED_POLL_MS);
	}
	return out;
}

struct mc_sink_arg {
	struct mc_reply *r;
	struct mc_progress *progress;
};

static void mc_embed_wrote(uint64_t total_bytes, void *arg)
{
	struct mc_sink_arg *a = arg;
	a->r->streamed_bytes = total_bytes;
	mc_progress_update(a->progress, total_bytes, 0);
}

/* Writes the stream the router opened (export, backup) to call->out_fd,
 * as medeld's producer thread does into its pipe. */
static void mc_embed_stream(struct ma_response *resp,
                            const struct mc_call *call, struct mc_reply *r)
{
	struct mc_sink_arg arg = {r, call->progress};
	struct ma_sink sink = {call->out_fd, mc_embed_wrote, &arg};
	const char *what = ma_route_info(resp->route)->name;
	int rc = ma_stream_write(resp->stream, &sink);
	off_t end = lseek(call->out_fd, 0, SEEK_CUR);
	if (end > 0 && (uint64_t)end > r->streamed_bytes)
		r->streamed_bytes = (uint64_t)end; /* a backup's copy */
	if (rc == ML_E_IO)
		mc_reply_error(r, 0, "io", "cannot write the %s: %s", what,
		               strerror(errno));
	else if (rc != 0)
		mc_reply_error(r, ml_error_status(rc), ml_error_name(rc),
		               "the %s stopped after %llu bytes: %s", what,
		               (unsigned long long)r->streamed_bytes,
		               ml_strerror(rc));
	else
		r->status = 200;
}

static void mc_verify_progress(uint64_t done, uint64_t total, void *arg)
{
	mc_progress_update(arg, done, total);
}

/* The region cJSON allocates from during a batch (see the file comment):
 * a bump area, and beyond it blocks from malloc kept on a list (a batch
 * of many tiny values makes a tree larger than the area), all released
 * together at the request's end. */
struct mc_json_spill {
	_Alignas(max_align_t) struct mc_json_spill *next;
};

static struct mc_json_region {
	unsigned char *base;         /* MC_EMBED_JSON_REGION_BYTES, or NULL */
	size_t used_bytes;           /* ≤ MC_EMBED_JSON_REGION_BYTES */
	struct mc_json_spill *spill; /* blocks beyond base, newest first */
} mc_json_region;

static void *mc_json_region_malloc(size_t size)
{
	struct mc_json_region *r = &mc_json_region;
	size_t need = (size + 15u) & ~(size_t)15u;
	ML_ASSERT(r->used_bytes <= MC_EMBED_JSON_REGION_BYTES);
	if (need >= size &&
	    MC_EMBED_JSON_REGION_BYTES - r->used_bytes >= need) {
		void *p = r->base + r->used_bytes;
		r->used_bytes += need;
		return p;
	}
	if (size > SIZE_MAX - sizeof(struct mc_json_spill))
		return NULL;
	struct mc_json_spill *b = malloc(sizeof *b + size);
	if (b == NULL)
		return NULL;
	b->next = r->spill;
	r->spill = b;
	return b + 1;
}

/* Every block cJSON frees is in the region or on its list: it is
 * released with them at the request's end. */
static void mc_json_region_free(void *p)
{
	(void)p;
}

/* Points cJSON at the region for a request that decodes events; false
 * (nothing changed) for any other or without memory for the region. */
static bool mc_json_region_begin(const struct mc_call *call)
{
	if (strcmp(call->method, "POST") != 0 ||
	    strcmp(call->path, "/v1/events") != 0)
		return false;
	if (mc_json_region.base == NULL)
		mc_json_region.base = malloc(MC_EMBED_JSON_REGION_BYTES);
	if (mc_json_region.base == NULL)
		return false;
	cJSON_Hooks hooks = {mc_json_region_malloc, mc_json_region_free};
	ML_ASSERT(mc_json_region.used_bytes == 0);
	ML_ASSERT(mc_json_region.spill == NULL);
	cJSON_InitHooks(&hooks);
	return true;
}

static void mc_json_region_end(void)
{
	cJSON_InitHooks(NULL);
	mc_json_region.used_bytes = 0;
	struct mc_json_spill *b = mc_json_region.spill;
	while (b != NULL) {
		struct mc_json_spill *next = b->next;
		free(b);
		b = next;
	}
	mc_json_region.spill = NULL;
}

static void mc_json_region_drop(void)
{
	ML_ASSERT(mc_json_region.used_bytes == 0);
	free(mc_json_region.base);
	mc_json_region.base = NULL;
}

int mc_embed_call(struct mc_embed *e, const struct mc_call *call,
                  struct mc_reply *r)
{
	struct ma_response resp;
	bool progress = call->progress != NULL && call->progress->on;
	struct ma_request req = {
	    .method = call->method,
	    .path = call->path,
	    .query = call->query,
	    .body = call->body,
	    .body_bytes = call->body_bytes,
	    .caller = {.name = mc_embed_caller(e, call->method),
	               .role = MA_ROLE_ADMIN},
	    .may_wait = call->long_poll,
	    .progress = progress ? mc_verify_progress : NULL,
	    .progress_arg = call->progress,
	    .on_event = call->on_event,
	    .on_event_arg = call->on_event_arg,
	    .on_appended = call->on_appended,
	    .on_appended_arg = call->on_appended_arg,
	};
	ma_response_init(&resp);
	bool region = mc_json_region_begin(call);
	req.json_region = region;
	enum ma_api_outcome out = mc_embed_ask(e, &req, &resp);
	if (region)
		mc_json_region_end();
	ML_ASSERT(out == MA_API_DONE || out == MA_API_STREAM);
	ML_ASSERT(out != MA_API_STREAM || call->out_fd >= 0);
	if (out == MA_API_STREAM)
		mc_embed_stream(&resp, call, r);
	else
		mc_embed_take(&resp, r);
	ma_response_free(&resp);
	return 0;
}
