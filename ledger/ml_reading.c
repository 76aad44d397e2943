/*
 * ml_reading.c — what this thread reads (ml_reading.h), and the sentence
 * a crash on a damaged page is reported with (ml_damage.h).
 *
 * The state is three thread-local variables, written in program order by
 * the thread itself and read by a signal handler interrupting that same
 * thread: volatile keeps every store in place, no atomics are needed.
 */
#include <signal.h>

#include "ml_damage.h"
#include "ml_reading.h"

static _Thread_local const char *volatile ml_doing;
static _Thread_local volatile int ml_table = -1;
static _Thread_local volatile uint64_t ml_seq;

void ml_reading_begin(const char *doing)
{
	ml_table = -1;
	ml_seq = 0;
	ml_doing = doing;
}

void ml_reading_at(enum ml_db db, uint64_t seq)
{
	ml_seq = seq;
	ml_table = (int)db;
}

void ml_reading_db(enum ml_db db)
{
	ml_table = (int)db;
}

void ml_reading_end(void)
{
	ml_doing = NULL;
}

/* The words of each table for a person (not its LMDB name). */
static const char *const ml_table_words[ML_DB_COUNT] = {
    [ML_DB_META] = "the ledger's own records (format, head)",
    [ML_DB_LOG] = "the log",
    [ML_DB_IDS] = "the ids table (event id to seq)",
    [ML_DB_NAMES] = "the names table (party and grant ids)",
    [ML_DB_NUMS] = "the numbers table (parties and grants by number)",
    [ML_DB_DEFS] = "the definitions table",
    [ML_DB_ACCT] = "the balances table (accounts)",
    [ML_DB_EDGE] = "the balances table (money between parties)",
    [ML_DB_CORR] = "the corrections table",
    [ML_DB_CLOSE] = "the closes table",
    [ML_DB_REPORTS] = "the reports table",
    [ML_DB_CLAIMS] = "the claims table",
    [ML_DB_EVIDX] = "the log's index (events by grant, party, type)",
    [ML_DB_ACT] = "the spending table (per activity)",
    [ML_DB_ACTN] = "the activities table",
    [ML_DB_PDAY] = "the spending table (per party and day)",
    [ML_DB_KNOWN] = "the table of what was known when",
};

/* Appends s to buf at *at, keeping one byte for the NUL. */
static void ml_put(char *buf, size_t size, size_t *at, const char *s)
{
	while (*s != '\0' && *at + 1 < size)
		buf[(*at)++] = *s++;
}

static void ml_put_u64(char *buf, size_t size, size_t *at, uint64_t v)
{
	char d[21];
	size_t n = sizeof d - 1;
	d[n] = '\0';
	do {
		d[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	ml_put(buf, size, at, d + n);
}

size_t ml_damage_message(int sig, char *buf, size_t size)
{
	const char *doing = ml_doing;
	int table = ml_table;
	uint64_t seq = ml_seq;
	if (size == 0)
		return 0;
	buf[0] = '\0';
	if (doing == NULL)
		return 0;
	size_t at = 0;
	ml_put(buf, size, &at,
	       sig == SIGBUS ? "the ledger file is damaged: LMDB read outside "
	                       "a page (SIGBUS) reading "
	       : sig == SIGSEGV
	           ? "the ledger file is damaged: LMDB read outside a page "
	             "(SIGSEGV) reading "
	           : "the ledger file is damaged: LMDB stopped on its own "
	             "check of a page (SIGABRT) reading ");
	ml_put(buf, size, &at,
	       table >= 0 && table < ML_DB_COUNT ? ml_table_words[table]
	                                         : "the file's pages");
	if (seq != 0) {
		ml_put(buf, size, &at, ", at seq ");
		ml_put_u64(buf, size, &at, seq);
		ml_put(buf, size, &at, " of the log,");
	}
	ml_put(buf, size, &at, " while ");
	ml_put(buf, size, &at, doing);
	ml_put(buf, size, &at,
	       ". LMDB keeps no page checksums and trusts its pages; restore "
	       "the ledger from its last backup");
	buf[at] = '\0';
	return at;
}
