/*
 * ml_reading.h — what this thread reads of the ledger file, for naming a
 * damaged page when LMDB crashes on it (ml_damage.h says why).
 *
 * Verify and opening a ledger say, as they move on, what they read: what
 * they are doing (a static string), which
 * table, and the seq of the event at hand. Each is a plain store to a
 * thread-local variable (the library is static, so that is a store at a
 * fixed offset from the thread pointer: nothing to lock, nothing to
 * allocate, and a signal handler on the same thread reads it safely).
 * Verify's two threads each keep their own.
 */
#ifndef ML_READING_H
#define ML_READING_H

#include <stdint.h>

#include "ml_store.h"

/* Starts a stretch of reading: doing is a static string in the user's
 * words ("verify was replaying the log"); no table or seq yet. */
void ml_reading_begin(const char *doing);
/* The table read now, and the seq of the event at hand (0: none). */
void ml_reading_at(enum ml_db db, uint64_t seq);
/* The table read now; the seq stays. */
void ml_reading_db(enum ml_db db);
/* Ends the stretch: a crash after it is not named as damage. */
void ml_reading_end(void);

#endif /* ML_READING_H */
