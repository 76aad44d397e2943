/*
 * tl.h — helpers for tests that need a ledger: a fresh temporary
 * directory, appending events written as JSON, and reading balances.
 */
#ifndef TL_H
#define TL_H

#include <stddef.h>
#include <stdint.h>

#include "ml_ledger_internal.h"
#include "ml_store.h"

/* A new empty directory under $MEDEL_TEST_TMP (or /tmp); static storage
 * per call site is the caller's: buf must hold 4096 bytes. */
char *tl_tmpdir(char *buf, const char *tag);

/* Removes a directory tree made by tl_tmpdir. */
void tl_rmtree(const char *dir);

/* Opens a ledger in a fresh temporary directory (aborts the test program
 * on failure: there is nothing to test without it). */
struct ml_ledger *tl_open(char *dir_buf, const char *tag);

/* The same with open options (a fixed clock, say). */
struct ml_ledger *tl_open_with(char *dir_buf, const char *tag,
                               const struct ml_open_opts *opts);

/* Closes lg and removes its directory. */
void tl_close(struct ml_ledger *lg, const char *dir);

/* The tests' seeded random numbers (xorshift64*, state ≠ 0): the same on
 * every run, so a failure reproduces; and one of 0 .. n − 1 (n ≥ 1). */
uint64_t tl_random(uint64_t *state);
int tl_pick(uint64_t *state, int n);

/* The day of a YYYY-MM-DD written in a test (aborts the test program
 * when it is not a date: the test itself is wrong). */
ml_day tl_day(const char *text);

/* Appends the events in json (an object or array) as one batch. Returns
 * the ML code; err, when not NULL, gets the details; seq_out (may be
 * NULL) the last seq stored. */
int tl_append(struct ml_ledger *lg, const char *json, struct ml_errinfo *err,
              uint64_t *seq_out);

/* The head seq. */
uint64_t tl_head(struct ml_ledger *lg);

/* The head hash as lower-case hex (65 bytes). */
void tl_head_hash(struct ml_ledger *lg, char *hex);

/* Whether the database db holds the same records, in the same order, in
 * a and b (each read in a transaction of its own); prints where `name`
 * first differs. *count (may be NULL): the records compared equal. */
bool tl_same_db(struct ml_ledger *a, struct ml_ledger *b, enum ml_db db,
                const char *name, long *count);

/* Does verify say ok in a read snapshot of lg, by sums alone (its exact
 * mode not run)? When not, prints its answer (or the error) to stderr. */
bool tl_verify_ok(struct ml_ledger *lg);

#endif /* TL_H */
