/*
 * ml_damage.h — naming a damaged page when LMDB crashes on it.
 *
 * LMDB 0.9 keeps no page checksums and trusts its pages: a flipped node
 * offset or size sends it to read outside the page (SIGSEGV, or SIGBUS
 * past the end of the file), or stop on one of its own assertions
 * (abort: SIGABRT). medel does not re-check LMDB's private page
 * layout; instead, while verify or opening a ledger reads the file, the
 * library says what it reads (ml_reading.h), and a command that wants a
 * sentence rather than a silent death installs a handler of SIGSEGV and
 * SIGBUS (and SIGABRT) that asks this function for one and exits (`medel verify`:
 * cli/mc_guard.c). A fault on a thread that is not reading under verify
 * or open is a bug, not damage: the function returns 0 and the handler
 * lets the process die as before. medel's own ML_ASSERT ends the reading
 * before it aborts, so a failed assertion of medel is never named as
 * damage; LMDB's (mdb_assert_fail) and glibc's are.
 *
 * medeld installs no such handler: its verify runs on a helper thread of
 * the daemon, and a process-wide handler that exits would trade one death
 * for another (docs/reliability.md).
 */
#ifndef ML_DAMAGE_H
#define ML_DAMAGE_H

#include <stddef.h>

/* Writes into buf (NUL-terminated, cut to size) a sentence naming the
 * damage signal sig met on the calling thread — "the ledger file is
 * damaged: LMDB read outside a page (SIGSEGV) reading the ids table
 * (event id to seq), at seq 57 of the log, while verify was replaying the
 * log. …" — and returns its length; 0 when the
 * thread is not reading under verify or open. Async-signal-safe: no
 * allocation, no locks, no stdio. */
size_t ml_damage_message(int sig, char *buf, size_t size);

#endif /* ML_DAMAGE_H */
