/*
 * ml_error.h — every error the ledger can report, from one table.
 *
 * Functions of the ledger return int: 0 on success, otherwise one of the
 * ML_E_* codes below. They are negative and start at -32000, below LMDB's
 * own range (-30800 ..= -30780) and far from errno values (positive), so a
 * code passed through unchanged from any of the three is never ambiguous.
 *
 * The first block is the API's vocabulary (API.md "Errors"): each has the
 * wire name the daemon puts in {"error":{"code":…}} and the HTTP status.
 * The second block is for conditions of the machine, not of the request
 * (out of memory, a damaged file); the daemon answers those with 500
 * "internal" or, for a full disk, 503 "unavailable". Two of them are what
 * a person gave when opening a ledger (medel --db DIR, medeld --data
 * DIR), met before any request: "not_a_ledger" (DIR is not a ledger
 * medel wrote, or one of a format it does not know; 503, so medel exits
 * 3, the ledger cannot be used) and "bad_path" (DIR is too long, or its
 * directory cannot be created or is a file; 400, so medel exits 2, a
 * value typed wrongly). docs/api.md "Errors" lists them beside API.md's
 * codes, which say nothing of opening a ledger.
 *
 * A failing append or query also fills an ml_errinfo: the code, the index
 * of the event in its batch, the field, and one English sentence naming
 * the values involved ("malmo-asn would hold -120 000 kr of
 * psykisk-halsa-2020 on 2020-06-30").
 */
#ifndef ML_ERROR_H
#define ML_ERROR_H

#include <stdint.h>

#include "ml_limits.h"

/* X(ENUM, value, wire name, HTTP status, short description) */
#define ML_ERROR_TABLE(X)                                                      \
	X(ML_E_INVALID_JSON, -32000, "invalid_json", 400, "malformed JSON")    \
	X(ML_E_INVALID_FIELD, -32001, "invalid_field", 400,                    \
	  "a field has the wrong type or form")                                \
	X(ML_E_MISSING_FIELD, -32002, "missing_field", 400,                    \
	  "a required field is missing")                                       \
	X(ML_E_UNKNOWN_FIELD, -32003, "unknown_field", 400,                    \
	  "a field this event type does not have")                             \
	X(ML_E_UNKNOWN_TYPE, -32004, "unknown_type", 400,                      \
	  "no such event type")                                                \
	X(ML_E_AMOUNT_RANGE, -32005, "amount_out_of_range", 400,               \
	  "amount outside 1 ..= 10^15 öre")                                    \
	X(ML_E_DATE_RANGE, -32006, "date_out_of_range", 400,                   \
	  "date outside 1900-01-01 ..= 2199-12-31")                            \
	X(ML_E_BAD_QUERY, -32007, "bad_query", 400, "bad query parameter")     \
	X(ML_E_UNAUTHORIZED, -32008, "unauthorized", 401, "no valid token")    \
	X(ML_E_FORBIDDEN, -32009, "forbidden", 403,                            \
	  "the token's role may not do this")                                  \
	X(ML_E_NOT_FOUND, -32010, "not_found", 404, "no such resource")        \
	X(ML_E_ID_CONFLICT, -32011, "id_conflict", 409,                        \
	  "id already stored with different content")                          \
	X(ML_E_HEAD_MOVED, -32012, "head_moved", 409,                          \
	  "the log's head is not the expected one")                            \
	X(ML_E_TOO_LARGE, -32013, "too_large", 413, "request too large")       \
	X(ML_E_UNKNOWN_PARTY, -32014, "unknown_party", 422,                    \
	  "party not defined")                                                 \
	X(ML_E_UNKNOWN_GRANT, -32015, "unknown_grant", 422,                    \
	  "grant not defined")                                                 \
	X(ML_E_UNKNOWN_EVENT, -32016, "unknown_event", 422, "no such event")   \
	X(ML_E_EXISTS, -32017, "exists", 422, "already defined differently")   \
	X(ML_E_PARENT_CYCLE, -32018, "parent_cycle", 422,                      \
	  "parent chain would form a cycle")                                   \
	X(ML_E_INSUFFICIENT_FUNDS, -32019, "insufficient_funds", 422,          \
	  "a party would hold less than nothing")                              \
	X(ML_E_OVER_ALLOCATION, -32020, "over_allocation", 422,                \
	  "a party would allocate more than it may")                           \
	X(ML_E_NOT_ALLOCATED, -32021, "not_allocated", 422,                    \
	  "money received or declined beyond what was allocated")              \
	X(ML_E_OVER_CLAIM, -32022, "over_claim", 422,                          \
	  "claimed more than allocated")                                       \
	X(ML_E_USE_BY_PASSED, -32023, "use_by_passed", 422,                    \
	  "expense dated after the grant's use_by")                            \
	X(ML_E_BAD_REPAYMENT_TARGET, -32024, "bad_repayment_target", 422,      \
	  "repayment to a party that did not pay")                             \
	X(ML_E_CARRY_OVER_NOT_ALLOWED, -32025, "carry_over_not_allowed", 422,  \
	  "the grant does not allow carry-over")                               \
	X(ML_E_PERIOD_CLOSED, -32026, "period_closed", 422,                    \
	  "dated inside a closed period")                                      \
	X(ML_E_ALREADY_CORRECTED, -32027, "already_corrected", 422,            \
	  "the event is already corrected")                                    \
	X(ML_E_POST_EXCEEDS_PARENT, -32028, "post_exceeds_parent", 422,        \
	  "a post's total does not fit in its parent's pool")                  \
	X(ML_E_UNAVAILABLE, -32029, "unavailable", 503,                        \
	  "shutting down or storage full")                                     \
	X(ML_E_BAD_REQUEST, -32030, "bad_request", 400,                        \
	  "not an HTTP request medeld reads")                                  \
	X(ML_E_NOT_IMPLEMENTED, -32031, "not_implemented", 501,                \
	  "an HTTP method medeld does not know")                               \
	X(ML_E_ALREADY_RESOLVED, -32032, "already_resolved", 422,              \
	  "the conditional allocation is already confirmed or lapsed")         \
	X(ML_E_NOMEM, -32100, "internal", 500, "out of memory")                \
	X(ML_E_STORAGE, -32101, "internal", 500, "storage error")              \
	X(ML_E_CORRUPT, -32102, "internal", 500,                               \
	  "stored data fails its checks")                                      \
	X(ML_E_FORMAT, -32103, "not_a_ledger", 503,                            \
	  "not a medel ledger or an unknown format version")                   \
	X(ML_E_LOCKED, -32104, "unavailable", 503,                             \
	  "the ledger is held by a running medeld")                            \
	X(ML_E_MAP_FULL, -32105, "unavailable", 503,                           \
	  "the ledger reached its maximum map size")                           \
	X(ML_E_IO, -32106, "internal", 500, "input/output error")              \
	X(ML_E_ARG, -32107, "internal", 500, "invalid argument to a call")     \
	X(ML_E_PATH, -32108, "bad_path", 400,                                  \
	  "the ledger's path cannot be used")

enum ml_error {
#define ML_X_ENUM(name, value, wire, status, text) name = value,
	ML_ERROR_TABLE(ML_X_ENUM)
#undef ML_X_ENUM
};

/* Details of one failure. index is the event's position in its batch (or
 * -1), field the JSON field name (or ""), message one English sentence. */
struct ml_errinfo {
	int code;
	int32_t index;
	char field[ML_FIELD_NAME_MAX];
	char message[ML_MESSAGE_MAX];
};

/* A short description of any code: ML_E_*, an LMDB code or an errno.
 * Returns static storage; never NULL. */
const char *ml_strerror(int code);

/* The API's wire name ("insufficient_funds", "internal", …). Never NULL. */
const char *ml_error_name(int code);

/* The HTTP status API.md gives the code (500 for unknown codes). */
int ml_error_status(int code);

/* Clears info: code 0, index -1, empty field and message. */
void ml_errinfo_clear(struct ml_errinfo *info);

/* Fills info and returns code, so a caller can `return ml_fail(…)`.
 * index -1 and field NULL when they do not apply. info may be NULL. */
int ml_fail(struct ml_errinfo *info, int code, int32_t index, const char *field,
            const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Maps an LMDB return code to an ML_E_* code: MDB_MAP_FULL → ML_E_MAP_FULL,
 * ENOSPC/EDQUOT → ML_E_UNAVAILABLE, ENOMEM → ML_E_NOMEM, MDB_CORRUPTED and
 * MDB_PAGE_NOTFOUND → ML_E_CORRUPT, others → ML_E_STORAGE. 0 stays 0. */
int ml_error_from_mdb(int mdb_rc);

/* rc unchanged when it is 0 or already an ML_E_* code; otherwise (an LMDB
 * code or an errno) mapped by ml_error_from_mdb. */
int ml_error_norm(int rc);

#endif /* ML_ERROR_H */
