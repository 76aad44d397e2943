/*
 * ml_warn.h — warnings: what an event may say but probably says by a
 * typing mistake (API.md, POST answers "warnings"; docs/rules.md).
 *
 * A warning never stops an append: the event is checked and stored as
 * it would be without one, and the answer lists the warnings beside it.
 * They are a pure function of one decoded event and the day it is
 * recorded ("today"), so the API layer computes them before the batch
 * goes to a writer and they cost a handful of comparisons per event when
 * there are none; a message is only formatted for a warning found.
 *
 * The rules, each with the field it names:
 *   far_future      date     more than 366 days after today;
 *   deadline_order  claim_by, use_by, report_by, repay_by  before the
 *                   event's date; repay_by before use_by; use_by before
 *                   1 January of the event's year (when year is given);
 *                   at most one per field, in that order of rules;
 *   org_no          org_no   not ten digits "NNNNNN-NNNN" (or without the
 *                   hyphen) with a valid Luhn check digit
 *                   (ml_org_no_valid).
 * (API.md also names decide_by; this ledger has no such field yet. When it
 * comes, it joins the deadline list.)
 */
#ifndef ML_WARN_H
#define ML_WARN_H

#include <stddef.h>

#include "ml_date.h"
#include "ml_event.h"
#include "ml_limits.h"

enum ml_warning_code {
	ML_W_FAR_FUTURE,     /* "far_future" */
	ML_W_DEADLINE_ORDER, /* "deadline_order" */
	ML_W_ORG_NO,         /* "org_no" */
	ML_W_COUNT
};

/* More than this many days after today is far_future: a year, leap or
 * not. */
#define ML_FAR_FUTURE_DAYS 366

struct ml_warning {
	enum ml_field field;               /* the field it is about */
	enum ml_warning_code code;         /* ML_W_* */
	char message[ML_WARNING_TEXT_MAX]; /* plain English, NUL-terminated */
};

/* The wire name of a warning code ("far_future", …); static storage. */
const char *ml_warning_name(enum ml_warning_code code);

/* Fills out[0..n) with the warnings for ev recorded on day today and
 * returns n (0 ..= ML_EVENT_WARNINGS_MAX), in the order of the rules
 * above. Needs a decoded event (ml_json_parse_*); cannot fail. */
size_t ml_event_warnings(const struct ml_event *ev, ml_day today,
                         struct ml_warning out[ML_EVENT_WARNINGS_MAX]);

#endif /* ML_WARN_H */
