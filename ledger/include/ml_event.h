/*
 * ml_event.h — the event model: every type and field of DOMAIN.md.
 *
 * An event is one immutable fact. struct ml_event holds any type; which
 * fields a type has, and which of them are required, is data: the field
 * table (ml_field_info) and the per-type schema (ml_type_schema). Decoding,
 * encoding, validation and the binary record all walk that table, so a
 * field is described once.
 *
 * Fields are numbered in the order of their JSON names sorted by code
 * point (enum ml_field below). Walking them in enum order therefore
 * writes canonical JSON (DOMAIN.md "The hash chain") without sorting.
 *
 * Strings are struct ml_str: a pointer and a length, not owned. A decoded
 * event's strings live in the arena or LMDB page it was decoded from; the
 * owner of that memory owns the event. ptr == NULL means the field is
 * absent (the `present` mask says the same).
 *
 * Fields set by the ledger when it stores an event (seq, recorded_at,
 * recorded_by, prev_hash, hash) are part of the model but never accepted
 * from a client.
 */
#ifndef ML_EVENT_H
#define ML_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_date.h"
#include "ml_limits.h"

enum ml_type {
	ML_TYPE_NONE = 0,
	ML_TYPE_PARTY,
	ML_TYPE_GRANT,
	ML_TYPE_ALLOCATION,
	ML_TYPE_DECLINE,
	ML_TYPE_REQUISITION,
	ML_TYPE_INVOICE,
	ML_TYPE_PAYOUT,
	ML_TYPE_EXPENSE,
	ML_TYPE_REPAYMENT,
	ML_TYPE_CARRYOVER,
	ML_TYPE_REPORT,
	ML_TYPE_CORRECTION,
	ML_TYPE_CLOSE,
	ML_TYPE_CONFIRM, /* appended: the type byte is on disk */
	ML_TYPE_LAPSE,
	ML_TYPE_DISTRIBUTION, /* after the others: the record stores the number */
	ML_TYPE_COUNT
};

/* JSON field names in code-point order; the enum order IS canonical order. */
enum ml_field {
	ML_F_ACTIVITY,    /* "activity" */
	ML_F_ALLOCATION,  /* "allocation" */
	ML_F_AMOUNT,      /* "amount" */
	ML_F_CARRY_OVER,  /* "carry_over" */
	ML_F_CLAIM_BY,    /* "claim_by" */
	ML_F_CONDITION,   /* "condition" */
	ML_F_CORRECTS,    /* "corrects" */
	ML_F_DATE,        /* "date" */
	ML_F_DECIDE_BY,   /* "decide_by" */
	ML_F_DUE,         /* "due" */
	ML_F_FROM,        /* "from" */
	ML_F_GRANT,       /* "grant" */
	ML_F_HASH,        /* "hash" (stored) */
	ML_F_ID,          /* "id" */
	ML_F_INVOICE_NO,  /* "invoice_no" */
	ML_F_KEY,         /* "key" */
	ML_F_KEY_NAME,    /* "key_name" */
	ML_F_KIND,        /* "kind" */
	ML_F_META,        /* "meta" */
	ML_F_NAME,        /* "name" */
	ML_F_NOTE,        /* "note" */
	ML_F_ORG_NO,      /* "org_no" */
	ML_F_PARENT,      /* "parent" */
	ML_F_PARTY,       /* "party" */
	ML_F_PAYER,       /* "payer" */
	ML_F_PREV_HASH,   /* "prev_hash" (stored) */
	ML_F_RECORDED_AT, /* "recorded_at" (stored) */
	ML_F_RECORDED_BY, /* "recorded_by" (stored) */
	ML_F_REF,         /* "ref" */
	ML_F_REPAY_BY,    /* "repay_by" */
	ML_F_REPORT_BY,   /* "report_by" */
	ML_F_ROUND_TO,    /* "round_to" */
	ML_F_SEQ,         /* "seq" (stored) */
	ML_F_SETTLES,     /* "settles" */
	ML_F_SPENT,       /* "spent" */
	ML_F_TO,          /* "to" */
	ML_F_TO_GRANT,    /* "to_grant" */
	ML_F_TOTAL,       /* "total" */
	ML_F_TYPE,        /* "type" */
	ML_F_UNIT,        /* "unit" */
	ML_F_USE_BY,      /* "use_by" */
	ML_F_YEAR,        /* "year" */
	ML_F_COUNT
};

#define ML_BIT(f) (UINT64_C(1) << (f))
#define ML_STORED_FIELDS                                                       \
	(ML_BIT(ML_F_HASH) | ML_BIT(ML_F_PREV_HASH) |                          \
	 ML_BIT(ML_F_RECORDED_AT) | ML_BIT(ML_F_RECORDED_BY) |                 \
	 ML_BIT(ML_F_SEQ))

/* How a field's value is written and checked. */
enum ml_value_kind {
	ML_V_TEXT,     /* UTF-8 string, 1 ..= max bytes */
	ML_V_PARTY_ID, /* DOMAIN.md party id */
	ML_V_GRANT_ID, /* DOMAIN.md grant id */
	ML_V_EVENT_ID, /* DOMAIN.md event id */
	ML_V_PARENT,   /* party id for a party, grant id for a grant */
	ML_V_KIND,     /* one of the party kinds */
	ML_V_TYPE,     /* one of the event types */
	ML_V_AMOUNT,   /* integer öre 1 ..= 10^15 */
	ML_V_DATE,     /* "YYYY-MM-DD" */
	ML_V_YEAR,     /* integer 1900 ..= 2199 */
	ML_V_BOOL,     /* true / false */
	ML_V_SEQ,      /* integer ≥ 1 */
	ML_V_SETTLES, /* seq (integer) or event id (string): settles, allocation */
	ML_V_META,    /* JSON object, integers only, ≤ 4 KiB canonical */
	ML_V_TIME,    /* RFC 3339 µs (stored) */
	ML_V_HASH,    /* 64 lower-case hex (stored) */
	ML_V_KEY, /* JSON object party id → weight, canonical (ml_dist.h) */
	ML_V_ROUND_TO /* "kr" or "ore" */
};

struct ml_field_info {
	const char *name;  /* JSON key */
	uint32_t name_len; /* strlen(name) */
	enum ml_value_kind kind;
	uint32_t max_bytes; /* for strings; 0 otherwise */
	size_t offset;      /* of the value in struct ml_event */
};

/* The table, indexed by enum ml_field. */
extern const struct ml_field_info ml_fields[ML_F_COUNT];

struct ml_type_schema {
	const char *name;  /* "payout" */
	uint64_t required; /* ML_BIT mask, includes type and date */
	uint64_t optional; /* ML_BIT mask */
};

/* Indexed by enum ml_type; [ML_TYPE_NONE] is all zero. */
extern const struct ml_type_schema ml_types[ML_TYPE_COUNT];

struct ml_str {
	const char *ptr; /* NULL when absent; not NUL-terminated in general */
	uint32_t len;    /* bytes */
};

struct ml_event {
	enum ml_type type;
	uint64_t present; /* ML_BIT(f) for every field given or stored */
	ml_day date;

	/* common to every type */
	struct ml_str id, ref, note;
	struct ml_str meta; /* canonical JSON text of the object */

	/* party */
	struct ml_str party, name, kind, parent, org_no;
	/* grants and money */
	struct ml_str grant, payer, from, to, to_grant;
	struct ml_str activity, unit, invoice_no;
	struct ml_str condition;
	/* distribution: the key as canonical JSON text ({"id":w,…}, ids in
	 * code-point order, ≤ ML_KEY_BYTES_MAX), what its weights are, and
	 * round_to ("kr" or "ore"; absent = kr) */
	struct ml_str key, key_name, round_to;
	/* The event an event names: `settles` (payout) or `allocation`
	 * (confirm, lapse); no type has both, so they share these two. */
	struct ml_str settles_id; /* given as an event id */
	int64_t amount_ore;       /* amount */
	int64_t total_ore;        /* grant: total */
	int64_t spent_ore;        /* report: spent */
	int32_t year;
	ml_day use_by, report_by, repay_by, claim_by, due, decide_by;
	bool carry_over;
	uint64_t corrects;    /* seq of the corrected event */
	uint64_t settles_seq; /* settles/allocation as a seq (0 = by id) */

	/* set by the ledger when stored */
	uint64_t seq;
	int64_t recorded_at_us;
	struct ml_str recorded_by;
	uint8_t prev_hash[32];
	uint8_t hash[32];
};

/* Party kinds (DOMAIN.md). */
extern const char *const ml_party_kinds[];
#define ML_PARTY_KIND_COUNT 8

/* The type named by s[0..len), or ML_TYPE_NONE. */
enum ml_type ml_type_from_name(const char *s, size_t len);
/* The field named by s[0..len), or ML_F_COUNT. */
enum ml_field ml_field_from_name(const char *s, size_t len);
/* True when s[0..len) is one of ml_party_kinds. */
bool ml_party_kind_valid(const char *s, size_t len);

/* True when the event moves money (it has an amount and postings). */
bool ml_type_is_money(enum ml_type t);

/* Equality of two ml_str values (both absent counts as equal). */
bool ml_str_eq(struct ml_str a, struct ml_str b);
/* Equality with a NUL-terminated string. */
bool ml_str_eq_c(struct ml_str a, const char *s);
/* An ml_str for a NUL-terminated string (NULL stays absent). */
struct ml_str ml_str_c(const char *s);

/* Called with each event a reader hands out (ml_answer_events_to),
 * decoded from its stored record: its strings point into the read
 * transaction's map, so copy what must outlive the call. Non-zero stops
 * the reading and is returned. */
typedef int (*ml_event_fn)(void *arg, const struct ml_event *ev);

/* The log's head: its last event. */
struct ml_log_head {
	uint64_t seq;           /* last seq; 0 when the log is empty */
	uint8_t hash[32];       /* its hash; zeros when empty */
	int64_t recorded_at_us; /* its recorded_at; 0 when empty */
};

#endif /* ML_EVENT_H */
