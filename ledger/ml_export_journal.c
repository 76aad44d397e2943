/*
 * ml_export_journal.c — the hledger/ledger journal and the beancount file.
 *
 * Both formats show the same transactions; ml_export.c's essay and
 * docs/export.md describe them for a reader. Here is how they are made.
 *
 * One exported event is one item (ml_export_index.c put them in (date,
 * seq) order). A money event, or a grant definition that changes a total,
 * becomes a transaction at its date: ml_export_lines turns the postings
 * ml_postings_of gives (the ledger's one statement of them) into lines
 * on (grant, party, bucket) accounts, adds each account's change of held
 * and unallocated (computed with ml_totals_held / _unallocated, so the
 * derived buckets mean what the ledger means by them), and one contra
 * line per bucket balances the transaction. A correction becomes the
 * corrected event's transaction again with every amount negated, at the
 * corrected event's date: from that date on the two cancel, which is
 * what "the corrected event stops counting, as if it had never been"
 * asks of every balance as of any date. Events without money (party,
 * report, close, a grant definition with an unchanged total, and the
 * correction of a report) become one comment line, in date order too,
 * so the journal reads as the whole story.
 *
 * What the tools may misread is kept out of them. Free text (ref, note,
 * activity, unit, invoice number, event id) goes only into the
 * description, where hledger would take ';' as a comment (';' becomes
 * ','), ledger would take runs of spaces before ';' as a note (runs of
 * spaces become one) and control characters would end the line (they
 * become spaces); beancount gets it as a string with '"' and '\'
 * escaped. It never goes into a comment: ledger evaluates "key:: value"
 * in comments as an expression, and both tools read "[date]" or
 * "date:" in comments as a posting date.
 *
 * Account names: ids go into ledger names as they are (hledger and
 * ledger allow every character of a party or grant id in a name; ':'
 * never occurs in ids). Beancount wants each component to start with a
 * capital letter or digit and hold only letters, digits and '-': ids
 * are lower case, so capitals are free to encode — the first letter is
 * capitalised and '.', '_' and '/' become 'D', 'U' and 'S'. The mapping
 * is one-to-one and docs/export.md gives its inverse.
 */
#include <string.h>

#include "ml_assert.h"
#include "ml_export_internal.h"
#include "ml_json.h"

/* Amount column: accounts are padded to this width. */
#define EX_ACCOUNT_COLUMN 52
#define EX_AMOUNT_WIDTH   16

static const char *const ex_ledger_bucket[ML_XB_COUNT] = {
    "allocated",  "allocated_out", "claimed", "received",
    "paid_out",   "spent",         "repaid",  "returned",
    "carried_in", "carried_out",   "held",    "unallocated",
};

static const char *const ex_bean_bucket[ML_XB_COUNT] = {
    "Allocated", "AllocatedOut", "Claimed", "Received",
    "PaidOut",   "Spent",        "Repaid",  "Returned",
    "CarriedIn", "CarriedOut",   "Held",    "Unallocated",
};

_Static_assert(ML_XB_HELD == 10 && ML_XB_COUNT == 12,
               "the ten buckets of ml_state.h, then held and unallocated");

/* --- lines --------------------------------------------------------- */

static int ex_line_add(struct ml_export_line *lines, int n, uint32_t g,
                       uint32_t p, int bucket, int64_t delta)
{
	if (delta == 0)
		return n;
	lines[n] = (struct ml_export_line){g, p, bucket, delta};
	return n + 1;
}

int ml_export_lines(const struct ml_event *ev, const struct ml_resolved *r,
                    int sign, struct ml_export_line *lines)
{
	struct ml_postings ps;
	int n = 0;
	ml_postings_of(ev, r, &ps);
	for (int i = 0; i < ps.n; i++) {
		const struct ml_posting *q = &ps.p[i];
		struct ml_totals t;
		if (q->edge || q->act)
			continue;
		memset(&t, 0, sizeof t);
		for (int k = 0; k < 2; k++) {
			int b = q->post.bucket[k];
			if (b < 0)
				continue;
			int64_t d = sign * q->post.delta[k];
			/* Pending money is in no journal: only its effect
			 * on unallocated is (docs/export.md). */
			if (b != ML_B_PENDING && b != ML_B_PENDING_OUT)
				n = ex_line_add(lines, n, q->grant_no, q->a_no,
				                b, d);
			t.v[b] += d;
		}
		n = ex_line_add(lines, n, q->grant_no, q->a_no, ML_XB_HELD,
		                ml_totals_held(&t));
		n = ex_line_add(lines, n, q->grant_no, q->a_no,
		                ML_XB_UNALLOCATED, ml_totals_unallocated(&t));
	}
	return n;
}

/* Appends the contra lines that balance lines[0..n): one per bucket. */
static int ex_contra_lines(struct ml_export_line *lines, int n)
{
	int64_t sum[ML_XB_COUNT] = {0};
	for (int i = 0; i < n; i++)
		sum[lines[i].bucket] += lines[i].delta_ore;
	int total = n;
	for (int b = 0; b < ML_XB_COUNT; b++)
		total = ex_line_add(lines, total, 0, 0, b, -sum[b]);
	return total;
}

/* --- names --------------------------------------------------------- */

/* The id of number no, from the event's own names when it has it. */
static int ex_name(MDB_txn *txn, struct ml_store *st, const struct ml_event *ev,
                   const struct ml_resolved *r, enum ml_name_kind k,
                   uint32_t no, struct ml_str *id)
{
	struct ml_str found = {NULL, 0};
	if (k == ML_NAME_GRANT)
		found = no == r->grant      ? ev->grant
		        : no == r->to_grant ? ev->to_grant
		        : no == r->parent   ? ev->parent
		                            : found;
	else
		found = no == r->from    ? ev->from
		        : no == r->to    ? ev->to
		        : no == r->party ? ev->party
		        : no == r->payer ? ev->payer
		                         : found;
	if (found.ptr == NULL)
		return ml_state_name(st, txn, k, no, id);
	*id = found;
	return 0;
}

/* Beancount's form of an id (see the top of this file). */
static size_t ex_bean_id(char *dst, struct ml_str id)
{
	for (uint32_t i = 0; i < id.len; i++) {
		char c = id.ptr[i];
		if (i == 0 && c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (c == '.')
			c = 'D';
		else if (c == '_')
			c = 'U';
		else if (c == '/')
			c = 'S';
		dst[i] = c;
	}
	return id.len;
}

static size_t ex_put(char *dst, size_t at, const char *s, size_t len)
{
	memcpy(dst + at, s, len);
	return at + len;
}

/* The account name of (grant, party, bucket) into buf
 * (ML_EXPORT_ACCOUNT_MAX); grant.ptr NULL names the bucket's contra account. */
static size_t ex_account(bool bean, struct ml_str grant, struct ml_str party,
                         int bucket, char *buf)
{
	const char *b =
	    bean ? ex_bean_bucket[bucket] : ex_ledger_bucket[bucket];
	size_t n = 0;
	if (grant.ptr == NULL) {
		const char *root = bean ? "Equity:Contra:" : "contra:";
		n = ex_put(buf, n, root, strlen(root));
		return ex_put(buf, n, b, strlen(b));
	}
	const char *root = bean ? "Assets:Medel:" : "medel:";
	n = ex_put(buf, n, root, strlen(root));
	n = bean ? n + ex_bean_id(buf + n, grant)
	         : ex_put(buf, n, grant.ptr, grant.len);
	buf[n++] = ':';
	n = bean ? n + ex_bean_id(buf + n, party)
	         : ex_put(buf, n, party.ptr, party.len);
	buf[n++] = ':';
	n = ex_put(buf, n, b, strlen(b));
	ML_ASSERT(n < ML_EXPORT_ACCOUNT_MAX);
	return n;
}

/* --- text ---------------------------------------------------------- */

/* "-1234.50": kronor with a decimal point and two decimals. */
static size_t ex_amount_text(int64_t ore, char *buf)
{
	char digits[ML_EXPORT_AMOUNT_TEXT_MAX];
	uint64_t u = ore < 0 ? 0 - (uint64_t)ore : (uint64_t)ore;
	size_t nd = 0, n = 0;
	do {
		ML_ASSERT(nd < sizeof digits);
		digits[nd++] = (char)('0' + u % 10);
		u /= 10;
	} while (u > 0 || nd < 3);
	if (ore < 0)
		buf[n++] = '-';
	while (nd > 2)
		buf[n++] = digits[--nd];
	buf[n++] = '.';
	buf[n++] = digits[1];
	buf[n++] = digits[0];
	return n;
}

static int ex_spaces(struct ml_buf *out, size_t n)
{
	static const char sp[] = "                                        ";
	int rc = 0;
	while (rc == 0 && n > 0) {
		size_t k = n < sizeof sp - 1 ? n : sizeof sp - 1;
		rc = ml_buf_add(out, sp, k);
		n -= k;
	}
	return rc;
}

static int ex_amount(struct ml_buf *out, int64_t ore)
{
	char t[ML_EXPORT_AMOUNT_TEXT_MAX];
	size_t n = ex_amount_text(ore, t);
	int rc = ex_spaces(out, n < EX_AMOUNT_WIDTH ? EX_AMOUNT_WIDTH - n : 0);
	if (rc == 0)
		rc = ml_buf_add(out, t, n);
	return rc == 0 ? ml_buf_add_str(out, " SEK") : rc;
}

/* Copies description text for a journal: see the top of this file. */
static int ex_desc_text(struct ml_buf *out, bool bean, const char *s,
                        size_t len)
{
	int rc = 0;
	char last = ' ';
	for (size_t i = 0; rc == 0 && i < len; i++) {
		char c = s[i];
		if ((unsigned char)c < 0x20 || c == 0x7f)
			c = ' ';
		if (!bean && c == ';')
			c = ',';
		if (!bean && c == ' ' && last == ' ')
			continue;
		if (bean && (c == '"' || c == '\\'))
			rc = ml_buf_add_char(out, '\\');
		if (rc == 0)
			rc = ml_buf_add_char(out, c);
		last = c;
	}
	return rc;
}

static int ex_add_str(struct ml_buf *b, struct ml_str s)
{
	return s.ptr != NULL ? ml_buf_add(b, s.ptr, s.len) : 0;
}

static int ex_add_date(struct ml_buf *b, ml_day day)
{
	char t[ML_DATE_TEXT_MAX];
	return ml_buf_add_str(b, ml_date_format(day, t, sizeof t));
}

/* --- descriptions -------------------------------------------------- */

static int ex_desc_grant(struct ml_buf *d, const struct ml_export *x,
                         const struct ml_event *ev)
{
	const struct ml_export_delta *dl = ml_export_delta_of(x, ev->seq);
	char t[ML_EXPORT_AMOUNT_TEXT_MAX];
	int rc = ml_buf_add_str(d, "grant ");
	if (rc == 0)
		rc = ex_add_str(d, ev->grant);
	if (rc == 0)
		rc = ml_buf_add_str(d, ", payer ");
	if (rc == 0)
		rc = ex_add_str(d, ev->payer);
	if (rc == 0 && ev->parent.ptr != NULL)
		rc = ml_buf_add_str(d, ", post of ");
	if (rc == 0)
		rc = ex_add_str(d, ev->parent);
	if (rc == 0 && dl != NULL && !dl->is_new)
		rc = ml_buf_add_str(d, ", redefined");
	if (rc == 0)
		rc = ml_buf_add_str(d, ", total ");
	if (rc == 0)
		rc = ml_buf_add(d, t, ex_amount_text(ev->total_ore, t));
	return rc == 0 ? ml_buf_add_str(d, " SEK") : rc;
}

/* type grant [from -> to] [party] [-> to_grant]: ids only. */
static int ex_desc_ids(struct ml_buf *d, const struct ml_event *ev)
{
	int rc = ml_buf_add_str(d, ml_types[ev->type].name);
	if (rc == 0 && ev->grant.ptr != NULL)
		rc = ml_buf_add_char(d, ' ');
	if (rc == 0)
		rc = ex_add_str(d, ev->grant);
	if (rc == 0 && ev->from.ptr != NULL)
		rc = ml_buf_add_char(d, ' ');
	if (rc == 0)
		rc = ex_add_str(d, ev->from);
	if (rc == 0 && ev->to.ptr != NULL)
		rc = ml_buf_add_str(d, " -> ");
	if (rc == 0)
		rc = ex_add_str(d, ev->to);
	if (rc == 0 && ev->to_grant.ptr != NULL)
		rc = ml_buf_add_str(d, " -> ");
	if (rc == 0)
		rc = ex_add_str(d, ev->to_grant);
	if (rc == 0 && ev->party.ptr != NULL)
		rc = ml_buf_add_char(d, ' ');
	if (rc == 0 && ev->type == ML_TYPE_CLOSE && ev->grant.ptr == NULL)
		rc = ml_buf_add_str(d, " (every grant)");
	return rc == 0 ? ex_add_str(d, ev->party) : rc;
}

/* ", label value" when value is given. */
static int ex_desc_opt(struct ml_buf *d, const char *label, struct ml_str v)
{
	if (v.ptr == NULL)
		return 0;
	int rc = ml_buf_add_str(d, label);
	return rc == 0 ? ex_add_str(d, v) : rc;
}

/* ", ref R, id I": the tail every described event ends with. */
static int ex_desc_ref_id(struct ml_buf *d, const struct ml_event *ev)
{
	int rc = ex_desc_opt(d, ", ref ", ev->ref);
	return rc == 0 ? ex_desc_opt(d, ", id ", ev->id) : rc;
}

/* The description of ev; with_text adds its free text (activity, unit,
 * invoice number, ref, id), which only transaction lines may carry. */
static int ex_describe(struct ml_buf *d, const struct ml_export *x,
                       const struct ml_event *ev, bool with_text)
{
	int rc = ev->type == ML_TYPE_GRANT ? ex_desc_grant(d, x, ev)
	                                   : ex_desc_ids(d, ev);
	if (rc != 0 || !with_text)
		return rc;
	rc = ex_desc_opt(d, ": ", ev->activity);
	if (rc == 0)
		rc = ex_desc_opt(d, ", unit ", ev->unit);
	if (rc == 0)
		rc = ex_desc_opt(d, ", invoice ", ev->invoice_no);
	return rc == 0 ? ex_desc_ref_id(d, ev) : rc;
}

/* "reverses seq E (…E…), correction of DATE: NOTE, ref …, id …". */
static int ex_describe_reversal(struct ml_buf *d, const struct ml_export *x,
                                const struct ml_event *c,
                                const struct ml_event *e, int sign,
                                bool with_text)
{
	int rc =
	    ml_buf_add_str(d, sign < 0 ? "reverses seq " : "counts again seq ");
	if (rc == 0)
		rc = ml_buf_add_u64(d, e->seq);
	if (rc == 0)
		rc = ml_buf_add_str(d, " (");
	if (rc == 0)
		rc = ex_describe(d, x, e, with_text);
	if (rc == 0)
		rc = ml_buf_add_str(d, "), correction of ");
	if (rc == 0)
		rc = ex_add_date(d, c->date);
	if (rc != 0 || !with_text)
		return rc;
	rc = ex_desc_opt(d, ": ", c->note);
	return rc == 0 ? ex_desc_ref_id(d, c) : rc;
}

/* --- writers ------------------------------------------------------- */

/* "; DATE seq N: DESC" for an event without postings. */
static int ex_comment(struct ml_buf *out, ml_day date, uint64_t seq,
                      const struct ml_buf *desc)
{
	int rc = ml_buf_add_str(out, "\n; ");
	if (rc == 0)
		rc = ex_add_date(out, date);
	if (rc == 0)
		rc = ml_buf_add_str(out, " seq ");
	if (rc == 0)
		rc = ml_buf_add_u64(out, seq);
	if (rc == 0)
		rc = ml_buf_add_str(out, ": ");
	if (rc == 0)
		rc = ml_buf_add(out, desc->data, desc->len);
	return rc == 0 ? ml_buf_add_char(out, '\n') : rc;
}

/* The transaction's first lines: date, seq and description. */
static int ex_txn_head(struct ml_buf *out, bool bean, ml_day date, uint64_t seq,
                       uint64_t corrects, const struct ml_buf *desc)
{
	int rc = ml_buf_add_char(out, '\n');
	if (rc == 0)
		rc = ex_add_date(out, date);
	if (!bean) {
		if (rc == 0)
			rc = ml_buf_add_str(out, " (");
		if (rc == 0)
			rc = ml_buf_add_u64(out, seq);
		if (rc == 0)
			rc = ml_buf_add_str(out, ") ");
		if (rc == 0)
			rc = ex_desc_text(out, false, desc->data, desc->len);
		return rc == 0 ? ml_buf_add_char(out, '\n') : rc;
	}
	if (rc == 0)
		rc = ml_buf_add_str(out, " * \"");
	if (rc == 0)
		rc = ex_desc_text(out, true, desc->data, desc->len);
	if (rc == 0)
		rc = ml_buf_add_str(out, "\"\n  seq: ");
	if (rc == 0)
		rc = ml_buf_add_u64(out, seq);
	if (rc == 0 && corrects != 0)
		rc = ml_buf_add_str(out, "\n  corrects: ");
	if (rc == 0 && corrects != 0)
		rc = ml_buf_add_u64(out, corrects);
	return rc == 0 ? ml_buf_add_char(out, '\n') : rc;
}

static int ex_posting(struct ml_buf *out, bool bean, const char *acct,
                      size_t len, int64_t ore)
{
	int rc = ml_buf_add_str(out, bean ? "  " : "    ");
	if (rc == 0)
		rc = ml_buf_add(out, acct, len);
	if (rc == 0)
		rc = ex_spaces(out, 2 + (len < EX_ACCOUNT_COLUMN
		                             ? EX_ACCOUNT_COLUMN - len
		                             : 0));
	if (rc == 0)
		rc = ex_amount(out, ore);
	return rc == 0 ? ml_buf_add_char(out, '\n') : rc;
}

/* The event whose postings a transaction shows, to name its accounts. */
struct ex_src {
	MDB_txn *txn;
	struct ml_store *st;
	const struct ml_event *ev;
	const struct ml_resolved *r;
};

static int ex_postings(struct ml_buf *out, bool bean, const struct ex_src *s,
                       const struct ml_export_line *lines, int n)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < n; i++) {
		const struct ml_export_line *l = &lines[i];
		struct ml_str g = {NULL, 0}, p = {NULL, 0};
		char acct[ML_EXPORT_ACCOUNT_MAX];
		if (l->grant_no != 0)
			rc = ex_name(s->txn, s->st, s->ev, s->r, ML_NAME_GRANT,
			             l->grant_no, &g);
		if (rc == 0 && l->grant_no != 0)
			rc = ex_name(s->txn, s->st, s->ev, s->r, ML_NAME_PARTY,
			             l->party_no, &p);
		if (rc == 0 && g.len > ML_GRANT_ID_MAX)
			rc = ML_E_CORRUPT;
		if (rc == 0 && p.len > ML_PARTY_ID_MAX)
			rc = ML_E_CORRUPT;
		size_t len =
		    rc == 0 ? ex_account(bean, g, p, l->bucket, acct) : 0;
		if (rc == 0)
			rc = ex_posting(out, bean, acct, len, l->delta_ore);
	}
	return rc;
}

/* Writes the transaction of lines[0..n) (src names their accounts), or
 * a comment when there are none. x->desc holds the description. */
static int ex_write(struct ml_export *x, struct ml_buf *out,
                    const struct ex_src *src, struct ml_export_line *lines,
                    int n, const struct ml_export_item *it, uint64_t corrects)
{
	bool bean = x->format == ML_EXPORT_BEANCOUNT;
	uint64_t seq = it->seq;
	if (n == 0)
		return ex_comment(out, it->date, seq, &x->desc);
	n = ex_contra_lines(lines, n);
	int rc = ex_txn_head(out, bean, it->date, seq, corrects, &x->desc);
	return rc == 0 ? ex_postings(out, bean, src, lines, n) : rc;
}

static int ex_read(struct ml_export *x, MDB_txn *txn, uint64_t seq,
                   struct ml_event *ev)
{
	int rc = ml_ledger_event(x->lg, ml_read_of(txn), seq, ev);
	return rc == ML_E_NOT_FOUND ? ML_E_CORRUPT : rc;
}

/* A correction: the transaction of the event at the root of its chain,
 * negated (or, undoing a correction, again), at the date it changed what
 * counts from (it->date), under the correction's seq. */
static int ex_item_reversal(struct ml_export *x, MDB_txn *txn,
                            const struct ml_export_item *it,
                            const struct ml_event *c, struct ml_buf *out)
{
	struct ml_event e;
	struct ml_resolved r = {0};
	struct ml_export_line *lines = x->lines;
	int n = 0, sign = -1;
	uint64_t root = 0;
	ml_day day;
	int rc = ml_state_correction_effect(ml_ledger_store(x->lg), txn, c->seq,
	                                    &root, &day, &sign);
	if (rc == 0)
		rc = ex_read(x, txn, root, &e);
	if (rc == 0)
		rc = ml_export_resolve(x, txn, &e, &r);
	if (rc == 0)
		n = ml_export_lines(&e, &r, sign, lines);
	ml_buf_reset(&x->desc);
	if (rc == 0)
		rc = ex_describe_reversal(&x->desc, x, c, &e, sign, n > 0);
	struct ex_src src = {txn, ml_ledger_store(x->lg), &e, &r};
	if (rc == 0)
		rc = ex_write(x, out, &src, lines, n, it, e.seq);
	ml_resolved_free(&r);
	return rc;
}

int ml_export_journal_item(struct ml_export *x, MDB_txn *txn,
                           const struct ml_export_item *it, struct ml_buf *out)
{
	struct ml_event ev;
	struct ml_resolved r = {0};
	struct ml_export_line *lines = x->lines;
	int n = 0;
	int rc = ex_read(x, txn, it->seq, &ev);
	if (rc == 0 && ev.type == ML_TYPE_CORRECTION)
		return ex_item_reversal(x, txn, it, &ev, out);
	if (rc == 0)
		rc = ml_export_resolve(x, txn, &ev, &r);
	if (rc == 0)
		n = ml_export_lines(&ev, &r, 1, lines);
	ml_buf_reset(&x->desc);
	if (rc == 0)
		rc = ex_describe(&x->desc, x, &ev, n > 0);
	struct ex_src src = {txn, ml_ledger_store(x->lg), &ev, &r};
	if (rc == 0)
		rc = ex_write(x, out, &src, lines, n, it, 0);
	ml_resolved_free(&r);
	return rc;
}

/* --- header and opens ---------------------------------------------- */

static const char ex_ledger_intro[] =
    "; medel export: a journal for hledger and ledger (docs/export.md).\n"
    "; Account medel:GRANT:PARTY:BUCKET holds what medel balance reports\n"
    "; for that grant, party and bucket; contra:BUCKET balances each\n"
    "; transaction. Transactions are sorted by date, then seq (the\n"
    "; code in parentheses); a correction reverses the event it corrects\n"
    "; at that event's date. Amounts in SEK (kronor).\n";

static const char ex_bean_intro[] =
    "; medel export: a beancount file (docs/export.md).\n"
    "; Account Assets:Medel:GRANT:PARTY:BUCKET holds what medel balance\n"
    "; reports for that grant, party and bucket (ids encoded: first\n"
    "; letter capital, '.' 'D', '_' 'U', '/' 'S'); Equity:Contra:BUCKET\n"
    "; balances each transaction. A correction reverses the event it\n"
    "; corrects at that event's date. Amounts in SEK (kronor).\n";

static int ex_head_line(struct ml_export *x, struct ml_buf *out)
{
	char hex[65];
	ml_hex32(x->head_hash, hex);
	int rc = ml_buf_add_str(out, "; Log head: seq ");
	if (rc == 0)
		rc = ml_buf_add_u64(out, x->head_seq);
	if (rc == 0)
		rc = ml_buf_add_str(out, ", hash ");
	if (rc == 0)
		rc = ml_buf_add_str(out, hex);
	if (rc == 0)
		rc = ml_buf_add_str(out, ".\n");
	if (rc == 0 && x->filtered)
		rc = ml_buf_addf(out,
		                 "; Only grant %s and the grants below it.\n",
		                 x->grant_id);
	return rc;
}

int ml_export_journal_header(struct ml_export *x, struct ml_buf *out)
{
	bool bean = x->format == ML_EXPORT_BEANCOUNT;
	int rc = ml_buf_add_str(out, bean ? ex_bean_intro : ex_ledger_intro);
	if (rc == 0)
		rc = ex_head_line(x, out);
	if (rc != 0 || !bean)
		return rc;
	rc = ml_buf_add_str(out, "option \"title\" \"medel export\"\n"
	                         "option \"operating_currency\" \"SEK\"\n\n");
	struct ml_str none = {NULL, 0};
	for (int b = 0; rc == 0 && b < ML_XB_COUNT; b++) {
		char acct[ML_EXPORT_ACCOUNT_MAX];
		size_t len = ex_account(true, none, none, b, acct);
		rc = ml_buf_add_str(out, "1900-01-01 open ");
		if (rc == 0)
			rc = ml_buf_add(out, acct, len);
		if (rc == 0)
			rc = ml_buf_add_str(out, " SEK\n");
	}
	return rc;
}

int ml_export_journal_open(struct ml_export *x, MDB_txn *txn,
                           const struct ml_export_acct *a, struct ml_buf *out)
{
	struct ml_store *st = ml_ledger_store(x->lg);
	struct ml_str g, p;
	int rc = ml_state_name(st, txn, ML_NAME_GRANT, a->grant_no, &g);
	if (rc == 0)
		rc = ml_state_name(st, txn, ML_NAME_PARTY, a->party_no, &p);
	if (rc == ML_E_NOT_FOUND)
		rc = ML_E_CORRUPT;
	if (rc == 0 && (g.len > ML_GRANT_ID_MAX || p.len > ML_PARTY_ID_MAX))
		rc = ML_E_CORRUPT;
	for (int b = 0; rc == 0 && b < ML_XB_COUNT; b++) {
		char acct[ML_EXPORT_ACCOUNT_MAX];
		if ((a->bucket_mask & (1u << b)) == 0)
			continue;
		size_t len = ex_account(true, g, p, b, acct);
		rc = ml_buf_add_str(out, "1900-01-01 open ");
		if (rc == 0)
			rc = ml_buf_add(out, acct, len);
		if (rc == 0)
			rc = ml_buf_add_str(out, " SEK\n");
	}
	return rc;
}
