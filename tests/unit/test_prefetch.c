/*
 * test_prefetch.c — a trace's prefetch (ml_prefetch.h) is advice.
 *
 * On the worked examples, every grant traced at several dates, with and
 * without posts, gives the same bytes from a ledger opened without the
 * prefetch, with 1, 4 or ML_PREFETCH_THREADS_MAX walkers, and with
 * ML_PREFETCH_AUTO; the walkers do walk (each slice to its end); and
 * when LMDB's reader table is full, so that no walker thread gets a read
 * transaction, the prefetch says so and the trace is still the same.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_prefetch.h"
#include "ml_state.h"
#include "mt.h"
#include "tl.h"

static const char *const files[] = {"malmo-2020.jsonl", "storsthlm-2020.jsonl",
                                    "stockholm-2012.jsonl", "skl-2014.jsonl"};
static const char *const grants[] = {
    "psykisk-halsa-2020",
    "psykisk-halsa-2020/lansgemensamma/sammanhallen-vard",
    "psykisk-halsa-2019",
    "prestation-2012",
    "evidensbaserad-praktik-2014",
    "missbruk-2014",
};
static const char *const dates[] = {"2012-06-30", "2014-12-31", "2020-06-30",
                                    "2021-04-01", "2030-01-01"};
#define N_GRANTS (sizeof grants / sizeof grants[0])
#define N_DATES  (sizeof dates / sizeof dates[0])

/* Appends each line of docs/examples/name as a batch of its own. */
static void load(struct ml_ledger *lg, const char *name)
{
	char path[4096], *line = NULL;
	size_t cap = 0;
	snprintf(path, sizeof path, "%s/docs/examples/%s", MEDEL_SOURCE_DIR,
	         name);
	FILE *f = fopen(path, "rb");
	if (f == NULL) {
		MT_FAIL_AT("cannot open %s", path);
		return;
	}
	for (ssize_t len; (len = getline(&line, &cap, f)) > 0;) {
		struct ml_errinfo err;
		if (len > 1 && tl_append(lg, line, &err, NULL) != 0)
			MT_FAIL_AT("%s refused: %s", name, err.message);
	}
	free(line);
	fclose(f);
}

static struct ml_ledger *reopen(const char *dir, int prefetch)
{
	struct ml_open_opts opts = {.trace_prefetch = prefetch};
	struct ml_ledger *lg = NULL;
	struct ml_errinfo err;
	if (ml_ledger_open(dir, &opts, &lg, &err) != 0)
		MT_FAIL_AT("reopen %s: %s", dir, err.message);
	return lg;
}

/* The trace of grant at date (posts or not) in rd, as its bytes. */
static char *trace_text(struct ml_ledger *lg, struct ml_read *rd,
                        const char *grant, const char *date, bool posts)
{
	struct ml_query q;
	struct ml_errinfo err;
	cJSON *doc = NULL;
	ml_query_init(&q);
	q.grant = grant;
	q.as_of = tl_day(date);
	q.posts = posts;
	ml_errinfo_clear(&err);
	if (ml_answer_trace(lg, rd, &q, &doc, &err) != 0) {
		MT_FAIL_AT("trace %s at %s: %s", grant, date, err.message);
		return strdup("");
	}
	char *text = cJSON_PrintUnformatted(doc);
	cJSON_Delete(doc);
	return text;
}

/* Every trace of grants × dates × posts from the ledger in dir opened
 * with prefetch, each compared with want[] (filled when want_fill). */
static void traces_check(const char *dir, int prefetch, char **want,
                         bool want_fill)
{
	struct ml_ledger *lg = reopen(dir, prefetch);
	MT_REQUIRE(lg != NULL);
	size_t k = 0;
	for (size_t g = 0; g < N_GRANTS; g++) {
		for (size_t d = 0; d < 2 * N_DATES; d++, k++) {
			MDB_txn *txn = NULL;
			MT_REQUIRE(ml_ledger_read_begin_txn(lg, &txn) == 0);
			char *got = trace_text(lg, ml_read_of(txn), grants[g],
			                       dates[d / 2], d % 2 == 1);
			ml_ledger_read_end(lg, ml_read_of(txn));
			if (want_fill)
				want[k] = got;
			else if (strcmp(got, want[k]) != 0)
				MT_FAIL_AT("prefetch %d: %s at %s differs",
				           prefetch, grants[g], dates[d / 2]);
			if (!want_fill)
				free(got);
		}
	}
	ml_ledger_close(lg);
}

/* The same bytes with the prefetch off, forced and AUTO. */
static void test_same_answers(const char *dir)
{
	static char *want[N_GRANTS * 2 * N_DATES];
	static const int ways[] = {1, 4, ML_PREFETCH_THREADS_MAX,
	                           ML_PREFETCH_AUTO};
	traces_check(dir, ML_PREFETCH_OFF, want, true);
	for (size_t i = 0; i < sizeof ways / sizeof ways[0]; i++)
		traces_check(dir, ways[i], want, false);
	for (size_t k = 0; k < N_GRANTS * 2 * N_DATES; k++)
		free(want[k]);
}

/* With LMDB's reader table full only this thread's slice is walked, and
 * the trace (whose own walkers fail too) is the one it is after the
 * table is freed, when every walker walks its slice to the end. */
static void test_readers_full(const char *dir)
{
	struct ml_ledger *lg = reopen(dir, 8);
	MT_REQUIRE(lg != NULL);
	struct ml_store *st = ml_ledger_store(lg);
	MDB_txn *txn = NULL, *held[512];
	uint32_t g = 0, parties = 0;
	size_t n_held = 0;
	MT_REQUIRE(ml_ledger_read_begin_txn(lg, &txn) == 0);
	MT_CHECK(ml_state_lookup(st, txn, ML_NAME_GRANT, ml_str_c(grants[0]),
	                         &g) == 0 &&
	         g != 0);
	MT_CHECK(ml_state_count(st, txn, ML_NAME_PARTY, &parties) == 0);
	MT_REQUIRE(parties >= 8);
	ml_day at = tl_day("2021-04-01");
	/* full first: a walker ends its transaction and frees its slot,
	 * so a later walker would get it */
	while (n_held < 512 &&
	       ml_store_txn_begin(st, NULL, true, &held[n_held]) == 0)
		n_held++;
	MT_CHECK(n_held > 0 && n_held < 512); /* the table filled */
	MT_CHECK_INT(ml_prefetch_trace(lg, txn, &g, 1, at, 8), 1);
	char *got =
	    trace_text(lg, ml_read_of(txn), grants[0], "2021-04-01", false);
	while (n_held > 0)
		mdb_txn_abort(held[--n_held]);
	MT_CHECK_INT(ml_prefetch_trace(lg, txn, &g, 1, at, 8), 8);
	char *want =
	    trace_text(lg, ml_read_of(txn), grants[0], "2021-04-01", false);
	MT_CHECK_STR(got, want);
	ml_ledger_read_end(lg, ml_read_of(txn));
	free(want);
	free(got);
	ml_ledger_close(lg);
}

/* How many more read transactions LMDB's reader table takes now. */
static size_t slots_free(struct ml_store *st)
{
	MDB_txn *held[512];
	size_t n = 0;
	while (n < 512 && ml_store_txn_begin(st, NULL, true, &held[n]) == 0)
		n++;
	for (size_t i = n; i > 0; i--)
		mdb_txn_abort(held[i - 1]);
	return n;
}

/* The walkers give their reader slots back when they end: a trace's 16
 * walkers kept in the ledger's pool of read transactions would hold 16
 * of the 126 slots until the process exits, and a few cold traces at
 * once would leave other processes none. */
static void test_slots_given_back(const char *dir)
{
	struct ml_ledger *lg = reopen(dir, 8);
	MT_REQUIRE(lg != NULL);
	struct ml_store *st = ml_ledger_store(lg);
	MDB_txn *txn = NULL;
	uint32_t g = 0;
	MT_REQUIRE(ml_ledger_read_begin_txn(lg, &txn) == 0);
	MT_CHECK(ml_state_lookup(st, txn, ML_NAME_GRANT, ml_str_c(grants[0]),
	                         &g) == 0 &&
	         g != 0);
	size_t before = slots_free(st);
	MT_CHECK_INT(ml_prefetch_trace(lg, txn, &g, 1, tl_day("2021-04-01"), 8),
	             8);
	MT_CHECK_INT(slots_free(st), before);
	ml_ledger_read_end(lg, ml_read_of(txn));
	ml_ledger_close(lg);
}

int main(void)
{
	char dir[4096];
	struct ml_ledger *lg = tl_open(dir, "prefetch");
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
		load(lg, files[i]);
	ml_ledger_close(lg);
	mt_current = "test_same_answers";
	test_same_answers(dir);
	mt_current = "test_readers_full";
	test_readers_full(dir);
	mt_current = "test_slots_given_back";
	test_slots_given_back(dir);
	tl_rmtree(dir);
	return MT_EXIT();
}
