/*
 * md_export.c — GET /v1/export: the log as JSON Lines, CSV, a hledger /
 * ledger journal or a beancount file (ml_export.h), streamed.
 *
 * The loop checks the query: `format` is required (400 bad_query when
 * missing; md_params refuses an unknown one) and a `grant` must exist
 * (404 not_found; grants are never removed, so the answer cannot go stale
 * before the producer runs). Then it starts a stream (md_stream.h).
 *
 * The producer, on the stream's thread, begins the export in one read
 * transaction — which fixes what is exported: the events up to the head
 * that transaction sees, whatever is appended meanwhile — and then
 * produces it part by part. Each part (about MD_EXPORT_PART_BYTES) is read
 * in a fresh read transaction that is closed before the part goes into
 * the pipe, so a slow client blocks the producer only between
 * transactions: it never pins an old LMDB snapshot (whose pages the
 * writer could not reuse) nor holds off ml_ledger_grow for longer than
 * one part takes to read. The journal formats sort the events at begin,
 * which costs one pass over the log and 16 bytes per event.
 *
 * A failure before the first byte is a JSON error with its own status; a
 * failure later cuts the connection without the final chunk (md_stream.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ml_export.h"
#include "ml_state.h"

#include "md_params.h"
#include "md_stream.h"

struct md_export_arg {
	struct ml_ledger *lg;
	enum ml_export_format format;
	bool has_grant;
	char grant[ML_GRANT_ID_MAX + 1];
};

static int md_write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return ML_E_IO; /* EPIPE: the client went away */
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int md_export_produce(int fd, void *arg)
{
	struct md_export_arg *a = arg;
	struct ml_export *x = NULL;
	struct ml_buf part;
	MDB_txn *txn = NULL;
	bool done = false;
	int rc = ml_ledger_read_begin(a->lg, &txn);
	if (rc == 0) {
		rc = ml_export_begin(a->lg, txn, a->format,
		                     a->has_grant ? a->grant : NULL, &x, NULL);
		ml_ledger_read_end(a->lg, txn);
	}
	ml_buf_init(&part, MD_EXPORT_PART_BYTES_MAX);
	while (rc == 0 && !done) {
		rc = ml_ledger_read_begin(a->lg, &txn);
		if (rc != 0)
			break;
		rc = ml_export_next(x, txn, &part, MD_EXPORT_PART_BYTES, &done);
		ml_ledger_read_end(a->lg, txn);
		if (rc == 0 && part.len > 0)
			rc = md_write_all(fd, part.data, part.len);
		ml_buf_reset(&part);
	}
	ml_buf_free(&part);
	ml_export_end(x);
	return rc;
}

static int md_export_format(enum md_format f, enum ml_export_format *out)
{
	switch (f) {
	case MD_FORMAT_JSONL:
		*out = ML_EXPORT_JSONL;
		return 0;
	case MD_FORMAT_CSV:
		*out = ML_EXPORT_CSV;
		return 0;
	case MD_FORMAT_LEDGER:
		*out = ML_EXPORT_LEDGER;
		return 0;
	case MD_FORMAT_BEANCOUNT:
		*out = ML_EXPORT_BEANCOUNT;
		return 0;
	default:
		return ML_E_BAD_QUERY;
	}
}

static const char *const md_export_filenames[] = {
    [ML_EXPORT_JSONL] = "medel.jsonl",
    [ML_EXPORT_CSV] = "medel.csv",
    [ML_EXPORT_LEDGER] = "medel.journal",
    [ML_EXPORT_BEANCOUNT] = "medel.beancount",
};

/* 0 when p's grant is defined (or none is asked for), else an answer. */
static int md_export_grant(struct md_req *r, const struct md_params *p,
                           struct ml_errinfo *err)
{
	struct ml_ledger *lg = r->loop->srv->o.lg;
	MDB_txn *txn = NULL;
	uint32_t no = 0;
	if (!md_params_has(p, MD_P_GRANT))
		return 0;
	int rc = ml_ledger_read_begin(lg, &txn);
	if (rc == 0) {
		rc = ml_state_lookup(ml_ledger_store(lg), txn, ML_NAME_GRANT,
		                     ml_str_c(p->grant), &no);
		ml_ledger_read_end(lg, txn);
	}
	if (rc == 0 && no == 0)
		rc = ml_fail(err, ML_E_NOT_FOUND, -1, "grant", "no grant %s",
		             p->grant);
	else if (rc != 0)
		rc = ml_fail(err, rc, -1, NULL, "cannot read the ledger: %s",
		             ml_strerror(rc));
	return rc;
}

void md_export_start(struct md_req *r, const struct md_params *p)
{
	struct ml_errinfo err;
	enum ml_export_format f = ML_EXPORT_JSONL;
	int rc = md_export_format(p->format, &f);
	if (rc != 0)
		rc = ml_fail(&err, rc, -1, "format",
		             "format is required: jsonl, csv, ledger or "
		             "beancount");
	if (rc == 0)
		rc = md_export_grant(r, p, &err);
	struct md_export_arg *a = rc == 0 ? calloc(1, sizeof *a) : NULL;
	if (rc == 0 && a == NULL)
		rc = ml_fail(&err, ML_E_NOMEM, -1, NULL, "out of memory");
	if (rc != 0) {
		md_response_errinfo(&r->resp, rc, &err);
		md_req_reply(r);
		return;
	}
	a->lg = r->loop->srv->o.lg;
	a->format = f;
	a->has_grant = md_params_has(p, MD_P_GRANT);
	memcpy(a->grant, p->grant, sizeof a->grant);
	struct md_stream_spec spec = {
	    .content_type = ml_export_content_type(f),
	    .filename = md_export_filenames[f],
	    .produce = md_export_produce,
	    .arg = a,
	    .arg_free = free,
	};
	md_stream_start(r, &spec);
}
