/*
 * ml_warn.c — warnings on decoded events (ml_warn.h has the rules).
 *
 * Called by the API layer once per event of a POST, before the batch is
 * queued for a writer, with the ledger clock's day. With nothing to warn
 * about it compares a few day numbers and presence bits and writes
 * nothing; a message is formatted only for a warning found.
 */
#include "ml_warn.h"

#include <stdio.h>
#include <string.h>

#include "ml_assert.h"
#include "ml_text.h"

static const char *const ml_warning_names[ML_W_COUNT] = {
    [ML_W_FAR_FUTURE] = "far_future",
    [ML_W_DEADLINE_ORDER] = "deadline_order",
    [ML_W_ORG_NO] = "org_no",
};

const char *ml_warning_name(enum ml_warning_code code)
{
	ML_ASSERT(code < ML_W_COUNT);
	return ml_warning_names[code];
}

static struct ml_warning *ml_warn_add(struct ml_warning *out, size_t *n,
                                      enum ml_field field,
                                      enum ml_warning_code code)
{
	ML_ASSERT(*n < ML_EVENT_WARNINGS_MAX);
	struct ml_warning *w = &out[(*n)++];
	w->field = field;
	w->code = code;
	w->message[0] = '\0';
	return w;
}

static bool ml_has(const struct ml_event *ev, enum ml_field f)
{
	return (ev->present & ML_BIT(f)) != 0;
}

static ml_day ml_day_of(const struct ml_event *ev, enum ml_field f)
{
	return *(const ml_day *)((const char *)ev + ml_fields[f].offset);
}

/* One deadline: before the date, else (repay_by) before use_by, else
 * (use_by) before the event's year begins. */
static void ml_warn_deadline(const struct ml_event *ev, enum ml_field f,
                             struct ml_warning *out, size_t *n)
{
	char a[ML_DATE_TEXT_MAX], b[ML_DATE_TEXT_MAX];
	const char *name = ml_fields[f].name;
	ml_day d = ml_day_of(ev, f);
	ml_date_format(d, a, sizeof a);
	if (d < ev->date) {
		struct ml_warning *w =
		    ml_warn_add(out, n, f, ML_W_DEADLINE_ORDER);
		snprintf(w->message, sizeof w->message,
		         "%s %s is before the event's date %s: is the year "
		         "right?",
		         name, a, ml_date_format(ev->date, b, sizeof b));
	} else if (f == ML_F_REPAY_BY && ml_has(ev, ML_F_USE_BY) &&
	           d < ev->use_by) {
		struct ml_warning *w =
		    ml_warn_add(out, n, f, ML_W_DEADLINE_ORDER);
		snprintf(w->message, sizeof w->message,
		         "repay_by %s is before use_by %s: money would be due "
		         "back before the time to use it ends",
		         a, ml_date_format(ev->use_by, b, sizeof b));
	} else if (f == ML_F_USE_BY && ml_has(ev, ML_F_YEAR) &&
	           ev->year >= 1900 && ev->year <= 2199 &&
	           d < ml_date_from_ymd(ev->year, 1, 1)) {
		struct ml_warning *w =
		    ml_warn_add(out, n, f, ML_W_DEADLINE_ORDER);
		snprintf(w->message, sizeof w->message,
		         "use_by %s is before the year %d begins: is the year "
		         "right?",
		         a, (int)ev->year);
	}
}

/* The check digit org_no should have, or -1 when its form is wrong. */
static int ml_org_no_expected(struct ml_str s)
{
	char t[11];
	if (s.len != 10 && s.len != 11)
		return -1;
	memcpy(t, s.ptr, s.len);
	for (int c = 0; c <= 9; c++) {
		t[s.len - 1] = (char)('0' + c);
		if (ml_org_no_valid(t, s.len))
			return c;
	}
	return -1;
}

static void ml_warn_org_no(const struct ml_event *ev, struct ml_warning *out,
                           size_t *n)
{
	struct ml_str s = ev->org_no;
	if (ml_org_no_valid(s.ptr, s.len))
		return;
	struct ml_warning *w = ml_warn_add(out, n, ML_F_ORG_NO, ML_W_ORG_NO);
	int want = ml_org_no_expected(s);
	if (want >= 0)
		snprintf(w->message, sizeof w->message,
		         "org_no %.*s has a wrong check digit (the last digit "
		         "would be %d): is a digit mistyped?",
		         (int)s.len, s.ptr, want);
	else
		snprintf(w->message, sizeof w->message,
		         "org_no \"%.*s\" is not a Swedish organisation number "
		         "(ten digits, NNNNNN-NNNN)",
		         (int)s.len, s.ptr);
}

size_t ml_event_warnings(const struct ml_event *ev, ml_day today,
                         struct ml_warning out[ML_EVENT_WARNINGS_MAX])
{
	static const enum ml_field deadlines[] = {ML_F_CLAIM_BY, ML_F_DECIDE_BY,
	                                          ML_F_USE_BY, ML_F_REPORT_BY,
	                                          ML_F_REPAY_BY};
	size_t n = 0;
	if (ev->date - today > ML_FAR_FUTURE_DAYS) {
		char a[ML_DATE_TEXT_MAX], b[ML_DATE_TEXT_MAX];
		struct ml_warning *w =
		    ml_warn_add(out, &n, ML_F_DATE, ML_W_FAR_FUTURE);
		snprintf(w->message, sizeof w->message,
		         "date %s is more than a year after today (%s): is the "
		         "year right?",
		         ml_date_format(ev->date, a, sizeof a),
		         ml_date_format(today, b, sizeof b));
	}
	for (size_t i = 0; i < sizeof deadlines / sizeof deadlines[0]; i++)
		if (ml_has(ev, deadlines[i]))
			ml_warn_deadline(ev, deadlines[i], out, &n);
	if (ml_has(ev, ML_F_ORG_NO))
		ml_warn_org_no(ev, out, &n);
	return n;
}
