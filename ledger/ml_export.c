/*
 * ml_export.c — the log in four formats other tools read, in parts.
 *
 * Who calls it: `medel export` (embedded, writing to stdout) and medeld's
 * GET /v1/export, which streams: it calls ml_export_next with a fresh
 * read transaction for every part and sends each part before asking for
 * the next, so a slow client never pins an old LMDB snapshot. That works
 * because an export is fixed at begin: it covers events 1 ..= the head
 * that begin's transaction saw, and the log never changes below its
 * head. Everything an export decides (which events, their order, how a
 * grant's total changed) is decided at begin from that snapshot, so the
 * bytes do not depend on how they are cut into parts nor on what is
 * appended meanwhile. Memory is bounded: the index's items go through
 * an external sort that holds 8 MiB of them (ml_export_sort.c; the rest
 * wait in a temporary file under TMPDIR), one bit per event while it is
 * made, small tables (ml_export_index.c), and the walks drop the data
 * file's resident pages as they go (ml_export_release).
 *
 * The formats (docs/export.md says the same for a reader):
 *
 * jsonl — one stored event per line, exactly the JSON the API returns
 *   (ml_json_write_event, ML_JSON_STORED: the hashed bytes plus the two
 *   hashes), in seq order, each line ended by "\n". The lossless export:
 *   anyone can check the hash chain from it.
 *
 * csv — for Swedish Excel: UTF-8 with a byte-order mark (so Excel reads
 *   å, ä, ö), ';' between fields, CRLF line ends, a header row, one row
 *   per event in seq order, fields quoted as RFC 4180 says (when they
 *   hold ';', '"', CR or LF; '"' doubled). Amounts are kronor with a
 *   decimal comma and two decimals (4570307,50), dates ISO. Columns:
 *     seq;date;type;grant;to_grant;from;to;party;amount;activity;unit;
 *     invoice_no;corrects;name;parent;ref;note;id;recorded_at;
 *     recorded_by;hash
 *   `from` is the payer for a grant definition; `amount` is the amount,
 *   a grant's total, or a report's stated spent; `parent` is a party's
 *   or grant's parent. A text field that starts with '=', '+', '-', '@',
 *   TAB or CR gets a leading "'" so that Excel shows it instead of
 *   evaluating it as a formula (OWASP's advice against CSV injection).
 *   Fields the CSV leaves out (kind, org_no, deadlines, claim_by, due,
 *   settles, allocation, condition, decide_by, year, carry_over, meta,
 *   prev_hash) are in the JSON Lines.
 *
 * ledger — a journal that hledger (1.25) and ledger (3.3) both accept,
 *   sorted by date, then seq. Each money event is a transaction dated at
 *   its date, with code (seq) and a description of its type, ids,
 *   activity, ref and id. Its postings go to accounts
 *       medel:GRANT:PARTY:BUCKET
 *   one per (grant, party, bucket) the event changes, with exactly the
 *   amounts the ledger posts (rules.md "Accounts, edges and postings"):
 *   the ten buckets allocated … carried_out, and the derived held and
 *   unallocated. So `hledger bal -e D medel:G:P:held` is what `medel
 *   balance --as-of D-1` says G and P hold (the tools' end dates are
 *   exclusive). Each transaction is balanced by one posting per bucket
 *   on contra:BUCKET, so contra:received is minus all money received,
 *   and so on. Amounts in SEK with two decimals. A grant definition
 *   posts its total (a redefinition: the change of total, at its date;
 *   a post's also leaves its parent's pool). A correction appears at
 *   the date of the event it corrects, as that event's postings
 *   negated, under the correction's own seq: balances on every date
 *   equal medel's current view, and the journal still shows what was
 *   recorded and undone. Events that move no money are comment lines.
 *
 * beancount — the same transactions for beancount 2.3.5, passing
 *   bean-check: accounts Assets:Medel:GRANT:PARTY:BUCKET and
 *   Equity:Contra:BUCKET, each opened on 1900-01-01 (before any event
 *   date) for SEK; ids encoded because beancount wants capitals: the
 *   first letter capitalised, '.' → 'D', '_' → 'U', '/' → 'S' (ids are
 *   lower case, so the mapping is one-to-one); buckets in CamelCase
 *   (PaidOut, Held). Metadata seq (and corrects) on each transaction.
 *   `bean-query FILE "SELECT account, sum(position) WHERE date < D
 *   GROUP BY account"` gives the same balances as hledger -e D.
 *
 * With a grant, an export holds the events whose grant or to_grant is
 * that grant or a post below it (their definitions included) and the
 * corrections of those: every balance of those grants is complete; a
 * carry-over or a post's definition also shows the other grant's side.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_export_internal.h"
#include "ml_json.h"
#include "ml_money.h"

static const char *const ex_format_names[] = {"jsonl", "csv", "ledger",
                                              "beancount"};

int ml_export_format_from_name(const char *name, enum ml_export_format *f)
{
	for (int i = 0; name != NULL && i < 4; i++) {
		if (strcmp(name, ex_format_names[i]) == 0) {
			*f = (enum ml_export_format)i;
			return 0;
		}
	}
	return ML_E_BAD_QUERY;
}

const char *ml_export_content_type(enum ml_export_format f)
{
	switch (f) {
	case ML_EXPORT_JSONL:
		return "application/x-ndjson";
	case ML_EXPORT_CSV:
		return "text/csv; charset=utf-8";
	case ML_EXPORT_LEDGER:
	case ML_EXPORT_BEANCOUNT:
		return "text/plain; charset=utf-8";
	}
	return "application/octet-stream";
}

/* --- CSV ----------------------------------------------------------- */

static const char ex_csv_header[] =
    "\xEF\xBB\xBF"
    "seq;date;type;grant;to_grant;from;to;party;amount;activity;unit;"
    "invoice_no;corrects;name;parent;ref;note;id;recorded_at;"
    "recorded_by;hash\r\n";

/* One text field: quoted when needed, guarded against formulas. */
static int ex_csv_text(struct ml_buf *out, struct ml_str s)
{
	bool quote = false;
	for (uint32_t i = 0; i < s.len && !quote; i++)
		quote = s.ptr[i] == ';' || s.ptr[i] == '"' ||
		        s.ptr[i] == '\r' || s.ptr[i] == '\n';
	bool guard = s.len > 0 && strchr("=+-@\t\r", s.ptr[0]) != NULL;
	int rc = quote ? ml_buf_add_char(out, '"') : 0;
	if (rc == 0 && guard)
		rc = ml_buf_add_char(out, '\'');
	for (uint32_t i = 0; rc == 0 && i < s.len; i++) {
		if (s.ptr[i] == '"')
			rc = ml_buf_add_char(out, '"');
		if (rc == 0)
			rc = ml_buf_add_char(out, s.ptr[i]);
	}
	if (rc == 0 && quote)
		rc = ml_buf_add_char(out, '"');
	return rc == 0 ? ml_buf_add_char(out, ';') : rc;
}

static int ex_csv_amount(struct ml_buf *out, const struct ml_event *ev)
{
	char t[ML_MONEY_TEXT_MAX];
	int64_t ore = -1;
	if (ev->present & ML_BIT(ML_F_AMOUNT))
		ore = ev->amount_ore;
	else if (ev->present & ML_BIT(ML_F_TOTAL))
		ore = ev->total_ore;
	else if (ev->present & ML_BIT(ML_F_SPENT))
		ore = ev->spent_ore;
	int rc = 0;
	if (ore >= 0)
		rc = ml_buf_add_str(out, ml_money_format_csv(ore, t, sizeof t));
	return rc == 0 ? ml_buf_add_char(out, ';') : rc;
}

static int ex_csv_ids(struct ml_buf *out, const struct ml_event *ev)
{
	char t[ML_DATE_TEXT_MAX];
	int rc = ml_buf_add_u64(out, ev->seq);
	if (rc == 0)
		rc = ml_buf_add_char(out, ';');
	if (rc == 0)
		rc = ml_buf_add_str(out, ml_date_format(ev->date, t, sizeof t));
	if (rc == 0)
		rc = ml_buf_add_char(out, ';');
	if (rc == 0)
		rc = ex_csv_text(out, ml_str_c(ml_types[ev->type].name));
	if (rc == 0)
		rc = ex_csv_text(out, ev->grant);
	if (rc == 0)
		rc = ex_csv_text(out, ev->to_grant);
	if (rc == 0)
		rc = ex_csv_text(out, ev->type == ML_TYPE_GRANT ? ev->payer
		                                                : ev->from);
	if (rc == 0)
		rc = ex_csv_text(out, ev->to);
	if (rc == 0)
		rc = ex_csv_text(out, ev->party);
	return rc == 0 ? ex_csv_amount(out, ev) : rc;
}

static int ex_csv_row(struct ml_buf *out, const struct ml_event *ev)
{
	char t[ML_TIME_TEXT_MAX], hex[65];
	int rc = ex_csv_ids(out, ev);
	if (rc == 0)
		rc = ex_csv_text(out, ev->activity);
	if (rc == 0)
		rc = ex_csv_text(out, ev->unit);
	if (rc == 0)
		rc = ex_csv_text(out, ev->invoice_no);
	if (rc == 0 && ev->type == ML_TYPE_CORRECTION)
		rc = ml_buf_add_u64(out, ev->corrects);
	if (rc == 0)
		rc = ml_buf_add_char(out, ';');
	if (rc == 0)
		rc = ex_csv_text(out, ev->name);
	if (rc == 0)
		rc = ex_csv_text(out, ev->parent);
	if (rc == 0)
		rc = ex_csv_text(out, ev->ref);
	if (rc == 0)
		rc = ex_csv_text(out, ev->note);
	if (rc == 0)
		rc = ex_csv_text(out, ev->id);
	if (rc == 0)
		rc = ex_csv_text(out, ml_str_c(ml_time_format(
		                          ev->recorded_at_us, t, sizeof t)));
	if (rc == 0)
		rc = ex_csv_text(out, ev->recorded_by);
	ml_hex32(ev->hash, hex);
	if (rc == 0)
		rc = ml_buf_add(out, hex, 64);
	return rc == 0 ? ml_buf_add_str(out, "\r\n") : rc;
}

/* --- parts --------------------------------------------------------- */

static int ex_header(struct ml_export *x, struct ml_buf *out)
{
	switch (x->format) {
	case ML_EXPORT_CSV:
		return ml_buf_add(out, ex_csv_header, sizeof ex_csv_header - 1);
	case ML_EXPORT_LEDGER:
	case ML_EXPORT_BEANCOUNT:
		return ml_export_journal_header(x, out);
	default:
		return 0;
	}
}

/* The next item to write, or false when none is left (*rc: why, when
 * the sort could not read its file). ex_item_done moves past it. */
static bool ex_next_item(struct ml_export *x, struct ml_export_item *it,
                         int *rc)
{
	*rc = 0;
	if (x->indexed)
		return ml_export_sort_peek(&x->sort, it, rc);
	if (x->next_seq > x->head_seq)
		return false;
	*it = (struct ml_export_item){0, 0, x->next_seq};
	return true;
}

/* The item ex_next_item gave is written. */
static void ex_item_done(struct ml_export *x, MDB_txn *txn)
{
	if (x->indexed) {
		/* The sort cannot give it again: the piece is kept. */
		ml_export_sort_pop(&x->sort);
		x->item_next++;
		ml_export_release(x, txn, x->item_next);
	} else {
		x->next_seq++;
		ml_export_release(x, txn, x->next_seq);
	}
}

static int ex_event(struct ml_export *x, MDB_txn *txn,
                    const struct ml_export_item *it, struct ml_buf *out)
{
	if (x->format == ML_EXPORT_LEDGER || x->format == ML_EXPORT_BEANCOUNT)
		return ml_export_journal_item(x, txn, it, out);
	struct ml_event ev;
	int rc = ml_ledger_event(x->lg, ml_read_of(txn), it->seq, &ev);
	if (rc == ML_E_NOT_FOUND)
		return ML_E_CORRUPT;
	if (rc == 0 && x->format == ML_EXPORT_CSV)
		return ex_csv_row(out, &ev);
	if (rc == 0)
		rc = ml_json_write_event(&ev, ML_JSON_STORED, out);
	return rc == 0 ? ml_buf_add_char(out, '\n') : rc;
}

/* Writes one whole piece (header, one open, one event) and advances. */
static int ex_step(struct ml_export *x, MDB_txn *txn, struct ml_buf *out)
{
	struct ml_export_item it;
	int rc = 0;
	switch (x->stage) {
	case ML_XS_HEADER:
		x->stage = x->format == ML_EXPORT_BEANCOUNT ? ML_XS_OPENS
		                                            : ML_XS_EVENTS;
		return ex_header(x, out);
	case ML_XS_OPENS:
		if (x->acct_next < x->acct_count)
			return ml_export_journal_open(
			    x, txn, &x->accts[x->acct_next++], out);
		x->stage = ML_XS_EVENTS;
		return 0;
	case ML_XS_EVENTS:
		if (ex_next_item(x, &it, &rc)) {
			rc = ex_event(x, txn, &it, out);
			if (rc == 0)
				ex_item_done(x, txn);
			return rc;
		}
		if (rc == 0)
			x->stage = ML_XS_DONE;
		return rc;
	default:
		return 0;
	}
}

/* Where an export stands, to undo a piece that failed half-way. */
struct ex_cursor {
	enum ml_export_stage stage;
	uint64_t next_seq, item_next, acct_next;
};

static struct ex_cursor ex_cursor_get(const struct ml_export *x)
{
	return (struct ex_cursor){x->stage, x->next_seq, x->item_next,
	                          x->acct_next};
}

static void ex_cursor_set(struct ml_export *x, const struct ex_cursor *c)
{
	x->stage = c->stage;
	x->next_seq = c->next_seq;
	x->item_next = c->item_next;
	x->acct_next = c->acct_next;
}

int ml_export_next(struct ml_export *x, struct ml_read *rd, struct ml_buf *out,
                   size_t max_bytes, bool *done)
{
	MDB_txn *txn = ml_read_txn(rd);
	size_t start = out->len;
	int rc = 0;
	/* Each step writes one whole piece, so however the output is cut
	 * into parts, their concatenation is the same bytes. */
	while (rc == 0 && x->stage != ML_XS_DONE &&
	       (out->len == start || out->len - start < max_bytes)) {
		size_t mark = out->len;
		struct ex_cursor saved = ex_cursor_get(x);
		rc = ex_step(x, txn, out);
		if (rc != 0) { /* undo the piece: a retry writes it again */
			ex_cursor_set(x, &saved);
			out->len = mark;
			if (out->data != NULL)
				out->data[mark] = '\0';
		}
	}
	*done = x->stage == ML_XS_DONE;
	return rc;
}

/* --- begin and end ------------------------------------------------- */

/* The grant's number, in *no; ML_E_NOT_FOUND naming it when it has none. */
static int ex_grant_no(struct ml_ledger *lg, MDB_txn *txn, const char *grant,
                       uint32_t *no, struct ml_errinfo *err)
{
	size_t len = strlen(grant);
	*no = 0;
	if (len == 0 || len > ML_GRANT_ID_MAX)
		return ml_fail(err, ML_E_NOT_FOUND, -1, "grant",
		               "no grant with that id");
	int rc = ml_state_lookup(ml_ledger_store(lg), txn, ML_NAME_GRANT,
	                         (struct ml_str){grant, (uint32_t)len}, no);
	if (rc == 0 && *no == 0)
		return ml_fail(err, ML_E_NOT_FOUND, -1, "grant", "no grant %s",
		               grant);
	return rc;
}

int ml_export_check_grant(struct ml_ledger *lg, struct ml_read *rd,
                          const char *grant, struct ml_errinfo *err)
{
	uint32_t no = 0;
	if (err != NULL)
		ml_errinfo_clear(err);
	return ex_grant_no(lg, ml_read_txn(rd), grant, &no, err);
}

static int ex_find_grant(struct ml_export *x, MDB_txn *txn, const char *grant,
                         struct ml_errinfo *err)
{
	int rc = ex_grant_no(x->lg, txn, grant, &x->grant_no, err);
	if (rc != 0)
		return rc;
	memcpy(x->grant_id, grant, strlen(grant) + 1);
	x->filtered = true;
	return 0;
}

/* err for rc; ML_E_IO here is the sort's temporary file (ml_export_sort.c),
 * which the person running the export can do something about. */
static void ex_fail(struct ml_errinfo *err, int rc)
{
	const char *tmp = getenv("TMPDIR");
	if (rc != ML_E_IO) {
		ml_fail(err, rc, -1, NULL, "%s", ml_strerror(rc));
		return;
	}
	ml_fail(err, ML_E_IO, -1, NULL,
	        "cannot write the temporary file this export sorts its events "
	        "in, under %s: %s; set TMPDIR to a directory with room for 16 "
	        "bytes per event",
	        tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp", strerror(errno));
}

int ml_export_begin(struct ml_ledger *lg, struct ml_read *rd,
                    enum ml_export_format f, const char *grant,
                    struct ml_export **out, struct ml_errinfo *err)
{
	MDB_txn *txn = ml_read_txn(rd);
	*out = NULL;
	if (err != NULL)
		ml_errinfo_clear(err);
	if ((unsigned)f > ML_EXPORT_BEANCOUNT)
		return ml_fail(err, ML_E_BAD_QUERY, -1, "format",
		               "unknown export format");
	struct ml_export *x = calloc(1, sizeof *x);
	if (x == NULL)
		return ml_fail(err, ML_E_NOMEM, -1, NULL, "out of memory");
	struct ml_log_head head;
	x->lg = lg;
	x->format = f;
	x->next_seq = 1;
	ml_buf_init(&x->desc, ML_EXPORT_DESC_MAX);
	x->lines = malloc(ML_EXPORT_LINES_MAX * sizeof *x->lines);
	int rc = x->lines != NULL ? ml_ledger_head(lg, ml_read_of(txn), &head)
	                          : ML_E_NOMEM;
	x->head_seq = head.seq;
	memcpy(x->head_hash, head.hash, sizeof x->head_hash);
	if (rc == 0 && grant != NULL)
		rc = ex_find_grant(x, txn, grant, err);
	bool journal = f == ML_EXPORT_LEDGER || f == ML_EXPORT_BEANCOUNT;
	if (rc == 0 && (journal || x->filtered))
		rc = ml_export_index(x, txn);
	if (rc != 0) {
		if (err != NULL && err->code == 0)
			ex_fail(err, rc);
		ml_export_end(x);
		return rc;
	}
	*out = x;
	return 0;
}

void ml_export_end(struct ml_export *x)
{
	if (x == NULL)
		return;
	ml_export_sort_free(&x->sort);
	free(x->kept);
	free(x->deltas);
	free(x->accts);
	ml_buf_free(&x->desc);
	free(x->lines);
	free(x);
}
