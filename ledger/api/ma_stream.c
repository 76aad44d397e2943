/*
 * ma_stream.c — the answers too big to build in memory: GET /v1/export
 * and GET /v1/backup, written to a file descriptor.
 *
 * The router (ma_api.c) opens a stream once the request passed its
 * checks; this file checks what the stream itself needs before its
 * first byte — an export needs a `format` (400) and, when it names one,
 * a grant that exists (404; grants are never removed, so the answer
 * cannot go stale before the stream is written) — and hands the host a
 * struct ma_stream. Both hosts write it the same way, with
 * ma_stream_write: medeld on a producer thread into the pipe its event
 * loop drains, medel --db into its output file. That is the whole point
 * of this file: the parts, their size and their snapshots are decided
 * once.
 *
 * An export begins in one read snapshot, which fixes what is exported
 * (the events up to the head it sees, whatever is appended meanwhile),
 * then reads part after part, each of about MA_EXPORT_PART_BYTES in a
 * fresh snapshot that is closed before the part is written: a slow
 * reader blocks the writer of the stream only between snapshots, never
 * pinning old LMDB pages nor holding off map growth for longer than one
 * part takes to read. The journal formats sort the events at begin (one
 * pass over the log; an external sort in bounded memory,
 * ml_export_sort.c), which is why begin runs in
 * ma_stream_write, off any event loop, and not at open.
 *
 * A backup is ml_ledger_copy_fd: one snapshot, compacted.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_assert.h"
#include "ml_export.h"

#include "ma_internal.h"

struct ma_stream {
	struct ml_ledger *lg;
	enum ma_route route; /* MA_ROUTE_EXPORT or MA_ROUTE_BACKUP */
	enum ml_export_format format;
	bool has_grant;
	char grant[ML_GRANT_ID_MAX + 1];
};

static const char *const ma_export_filenames[] = {
    [ML_EXPORT_JSONL] = "medel.jsonl",
    [ML_EXPORT_CSV] = "medel.csv",
    [ML_EXPORT_LEDGER] = "medel.journal",
    [ML_EXPORT_BEANCOUNT] = "medel.beancount",
};

int ma_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ML_E_IO; /* EPIPE: the reader went away */
		ML_ASSERT((size_t)w <= len);
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int ma_export_format(enum ma_format f, enum ml_export_format *out,
                            struct ml_errinfo *err)
{
	static const enum ml_export_format formats[] = {
	    [MA_FORMAT_JSONL] = ML_EXPORT_JSONL,
	    [MA_FORMAT_CSV] = ML_EXPORT_CSV,
	    [MA_FORMAT_LEDGER] = ML_EXPORT_LEDGER,
	    [MA_FORMAT_BEANCOUNT] = ML_EXPORT_BEANCOUNT,
	};
	if (f == MA_FORMAT_NONE)
		return ml_fail(err, ML_E_BAD_QUERY, -1, "format",
		               "format is required: jsonl, csv, ledger or "
		               "beancount");
	ML_ASSERT((size_t)f < sizeof formats / sizeof formats[0]);
	*out = formats[f];
	return 0;
}

/* 0 when the grant an export names exists, in a snapshot of its own. */
static int ma_export_grant(struct ml_ledger *lg, const char *grant,
                           struct ml_errinfo *err)
{
	struct ml_read *rd = NULL;
	int rc = ml_ledger_read_begin(lg, &rd);
	if (rc == 0)
		rc = ml_export_check_grant(lg, rd, grant, err);
	else
		rc = ml_fail(err, rc, -1, NULL, "cannot read the ledger: %s",
		             ml_strerror(rc));
	ml_ledger_read_end(lg, rd);
	return rc;
}

enum ma_api_outcome ma_stream_open(struct ma_api *api, enum ma_route route,
                                   const struct ma_params *p,
                                   struct ma_response *resp)
{
	ML_ASSERT(route == MA_ROUTE_EXPORT || route == MA_ROUTE_BACKUP);
	struct ml_errinfo err;
	struct ma_stream *s = NULL;
	enum ml_export_format f = ML_EXPORT_JSONL;
	bool export = route == MA_ROUTE_EXPORT;
	bool has_grant = export && ma_params_has(p, MA_P_GRANT);
	ml_errinfo_clear(&err);
	int rc = export ? ma_export_format(p->format, &f, &err) : 0;
	if (rc == 0 && has_grant)
		rc = ma_export_grant(api->lg, p->grant, &err);
	if (rc == 0)
		s = calloc(1, sizeof *s);
	if (rc == 0 && s == NULL)
		rc = ml_fail(&err, ML_E_NOMEM, -1, NULL, "out of memory");
	if (rc != 0) {
		ma_response_errinfo(resp, rc, &err);
		return MA_API_DONE;
	}
	s->lg = api->lg;
	s->route = route;
	s->format = f;
	s->has_grant = has_grant;
	if (has_grant)
		memcpy(s->grant, p->grant, sizeof s->grant);
	resp->status = 200;
	resp->content_type = ma_stream_content_type(s);
	resp->stream = s;
	return MA_API_STREAM;
}

const char *ma_stream_content_type(const struct ma_stream *s)
{
	if (s->route == MA_ROUTE_BACKUP)
		return "application/octet-stream";
	return ml_export_content_type(s->format);
}

const char *ma_stream_filename(const struct ma_stream *s)
{
	if (s->route == MA_ROUTE_BACKUP)
		return "data.mdb";
	return ma_export_filenames[s->format];
}

/* Begins the export in a snapshot of its own: what it will hold. */
static int ma_export_begin(struct ma_stream *s, struct ml_export **x)
{
	struct ml_read *rd = NULL;
	int rc = ml_ledger_read_begin(s->lg, &rd);
	if (rc == 0)
		rc = ml_export_begin(s->lg, rd, s->format,
		                     s->has_grant ? s->grant : NULL, x, NULL);
	ml_ledger_read_end(s->lg, rd);
	return rc;
}

static int ma_export_write(struct ma_stream *s, const struct ma_sink *sink)
{
	struct ml_export *x = NULL;
	struct ml_buf part;
	uint64_t total_bytes = 0;
	bool done = false;
	int rc = ma_export_begin(s, &x);
	ml_buf_init(&part, MA_EXPORT_PART_BYTES_MAX);
	while (rc == 0 && !done) {
		struct ml_read *rd = NULL;
		rc = ml_ledger_read_begin(s->lg, &rd);
		if (rc == 0)
			rc = ml_export_next(x, rd, &part, MA_EXPORT_PART_BYTES,
			                    &done);
		ml_ledger_read_end(s->lg, rd);
		if (rc == 0 && part.len > 0)
			rc = ma_write_all(sink->fd, part.data, part.len);
		total_bytes += part.len;
		if (rc == 0 && sink->wrote != NULL)
			sink->wrote(total_bytes, sink->arg);
		ml_buf_reset(&part);
	}
	ml_buf_free(&part);
	ml_export_end(x);
	return rc;
}

int ma_stream_write(struct ma_stream *s, const struct ma_sink *sink)
{
	if (s->route == MA_ROUTE_BACKUP)
		return ml_ledger_copy_fd(s->lg, sink->fd);
	return ma_export_write(s, sink);
}

void ma_stream_free(struct ma_stream *s)
{
	free(s);
}
