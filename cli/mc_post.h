/*
 * mc_post.h — the write path `append`, `record` and `import-csv` share.
 *
 * Each of them ends in POST /v1/events with one batch (one JSON array,
 * stored atomically or not at all) and prints what the ledger answered:
 *
 *   human  one line per event: its seq, then "duplicate" when it was an
 *          identical re-send of a stored event, "dry-run" for a check;
 *   --json the answer's body, one line per batch;
 *   --csv  seq;id;duplicate;recorded_at;hash, one header for the run.
 *
 * Warnings go to stderr, at most MC_POST_WARNINGS_SHOWN of each code in a
 * run: a file of 100 000 dates in the future would otherwise bury the one
 * line that matters. mc_post_end then says how many of each were not
 * shown.
 *
 * A refused batch is reported with the place in the person's input it
 * came from (a file's line, a spreadsheet's row and column, an option),
 * found by the caller's locate function from the error's index and
 * field.
 *
 * Building events from text (mc_field_add) is here too: `record` and
 * `import-csv` both turn a field name and the text a person typed into a
 * JSON member, typed by the ledger's own field table (ml_event.h): an
 * amount is read by ml_money_parse ("650 000 kr", "26 800 tkr"), a year
 * or seq as an integer, carry_over as a boolean, meta as a JSON object,
 * everything else (ids, dates, text) as a string, which the ledger then
 * checks as it checks any event.
 */
#ifndef MC_POST_H
#define MC_POST_H

#include <stdbool.h>
#include <stdint.h>

#include "ml_buf.h"

#include "mc_cli.h"
#include "mc_csv.h"

enum {
	MC_POST_WARNINGS_SHOWN = 10, /* of each code, per run */
	MC_POST_WARNING_CODES = 8,   /* API.md defines 3; room for more */
};

struct mc_post {
	bool dry_run;
	bool check_head;        /* --expected-head given */
	uint64_t expected_head; /* for the next batch; updated after each */
	bool csv_started;       /* the CSV header is out */
	bool quiet;             /* human form: no line per event (the
	                           command prints its own, as import-csv's
	                           dry run does) */
	size_t n_events;        /* in the answers so far (not with --json) */
	size_t n_duplicates;    /* of them, identical re-sends */
	struct mc_csv_out csv;
	struct mc_post_tally { /* warnings by code, over the whole run */
		char code[32];
		size_t shown, hidden;
	} tally[MC_POST_WARNING_CODES];
};

/* Reads --dry-run and --expected-head from a command's options. */
int mc_post_init(struct mc_ctx *ctx, struct mc_post *p, bool dry_run,
                 const char *expected_head);

/* Says, once per warning code, how many warnings were not shown. */
void mc_post_end(const struct mc_post *p);

/* A locate function for events built from flags: field "decide_by"
 * is reported as "--decide-by" (record, distribute). */
void mc_post_locate_flag(void *arg, int64_t index, const char *field,
                         struct ml_buf *out);

/* Posts body[0..len) (a JSON array or object) and prints the answer.
 * Returns an enum mc_exit; errors are reported with locate. When a head
 * check is on, the next batch expects the head this one left. */
int mc_post_batch(struct mc_ctx *ctx, struct mc_post *p, const char *body,
                  size_t len, mc_locate_fn locate, void *locate_arg);

/* Adds "name":value to a JSON object being written in out (first: no
 * comma before it yet; set to false after). name is an event field
 * ("amount"); text what a person typed. Returns 0, or -1 with the
 * reason in why (an amount that is not one, a year that is not a
 * number, meta that is not a JSON object). */
int mc_field_add(struct ml_buf *out, bool *first, const char *name,
                 const char *text, char *why, size_t why_size);

/* The event field a person's spelling names: "to-grant" and "To_Grant"
 * → "to_grant" (lower case, '-' as '_'), into buf. */
const char *mc_field_name(const char *given, char *buf, size_t size);

#endif /* MC_POST_H */
