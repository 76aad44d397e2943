/*
 * test_mapmem.c — the writer's bound on resident memory (issue 15): the
 * data file's map is resident as far as LMDB has read it, and a commit
 * that finds more file pages resident than the ledger's ceiling drops them
 * (ml_ledger.c, ml_store_map_release). Shown on the kernel's own count:
 * the Rss of the map's line in /proc/self/smaps falls, and every event
 * read afterwards is the one read before.
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_json.h"
#include "ml_store.h"
#include "mt.h"
#include "tl.h"

enum { EVENTS = 6000, BATCH = 500 };

/* The Rss (kB) of the mapping of /proc/self/smaps that holds addr; -1
 * when there is none. */
static long map_rss_kb(const void *addr)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool inside = false;
	long kb = -1;
	if (f == NULL)
		return -1;
	while (kb < 0 && fgets(line, sizeof line, f) != NULL) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)
			inside = lo <= (uintptr_t)addr && (uintptr_t)addr < hi;
		else if (inside && strncmp(line, "Rss:", 4) == 0)
			kb = strtol(line + 4, NULL, 10);
	}
	fclose(f);
	return kb;
}

/* Does the VmFlags line of the mapping of /proc/self/smaps that holds
 * addr name flag (two letters: "rr" is madvise(MADV_RANDOM))? */
static bool map_vmflag(const void *addr, const char *flag)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool inside = false, found = false, done = false;
	if (f == NULL)
		return false;
	while (!done && fgets(line, sizeof line, f) != NULL) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2) {
			inside = lo <= (uintptr_t)addr && (uintptr_t)addr < hi;
		} else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			size_t n = strlen(flag);
			for (const char *w = strstr(line, flag); w != NULL;
			     w = strstr(w + 1, flag))
				found =
				    found || (w[-1] == ' ' &&
				              (w[n] == ' ' || w[n] == '\n'));
			done = true;
		}
	}
	fclose(f);
	return found;
}

/* A pointer into the data file's map: the log's first record. Valid
 * as an address to look up even after the transaction ends. */
static void *map_addr(struct ml_ledger *lg)
{
	MDB_txn *txn;
	MDB_cursor *cur = NULL;
	MDB_val key, data = {0, NULL};
	if (ml_ledger_read_begin_txn(lg, &txn) != 0)
		return NULL;
	if (mdb_cursor_open(txn, ml_ledger_store(lg)->dbi[ML_DB_LOG], &cur) ==
	    0)
		mdb_cursor_get(cur, &key, &data, MDB_FIRST);
	mdb_cursor_close(cur);
	ml_ledger_read_end(lg, ml_read_of(txn));
	return data.mv_data;
}

/* Appends events first..first+n-1 as one batch of parties. */
static int append_parties(struct ml_ledger *lg, int first, int n)
{
	struct ml_buf b;
	ml_buf_init(&b, 1u << 20);
	int rc = ml_buf_add_char(&b, '[');
	for (int i = first; rc == 0 && i < first + n; i++)
		rc =
		    ml_buf_addf(&b,
		                "%s{\"type\":\"party\",\"date\":\"2020-01-01\","
		                "\"party\":\"p%d\",\"name\":\"Part %d med ett "
		                "namn som tar plats på sidan\",\"kind\":"
		                "\"municipality\"}",
		                i > first ? "," : "", i, i);
	rc = rc ? rc : ml_buf_add_char(&b, ']');
	rc = rc ? rc : tl_append(lg, b.data, NULL, NULL);
	ml_buf_free(&b);
	return rc;
}

/* Every stored event as JSON, one line each, into out. */
static int dump(struct ml_ledger *lg, struct ml_buf *out)
{
	MDB_txn *txn;
	int rc = ml_ledger_read_begin_txn(lg, &txn);
	for (uint64_t s = 1; rc == 0 && s <= EVENTS; s++) {
		struct ml_event ev;
		rc = ml_ledger_event(lg, ml_read_of(txn), s, &ev);
		rc = rc ? rc : ml_json_write_event(&ev, ML_JSON_STORED, out);
		rc = rc ? rc : ml_buf_add_char(out, '\n');
	}
	if (txn != NULL)
		ml_ledger_read_end(lg, ml_read_of(txn));
	return rc;
}

static void test_commit_releases_the_map(void)
{
	char dir[256];
	struct ml_ledger *lg = tl_open(dir, "mapmem");
	struct ml_buf before, after;
	ml_buf_init(&before, 64u << 20);
	ml_buf_init(&after, 64u << 20);
	ml_ledger_set_map_release(lg, UINT64_MAX); /* not yet */
	for (int i = 0; i < EVENTS; i += BATCH)
		MT_CHECK_INT(append_parties(lg, i, BATCH), 0);
	MT_CHECK_INT(dump(lg, &before), 0);
	void *map = map_addr(lg);
	long full_kb = map_rss_kb(map);
	MT_CHECK(full_kb > 1024); /* the walk made the file resident */
	/* the next commit finds more than one byte resident: released */
	ml_ledger_set_map_release(lg, 1);
	MT_CHECK_INT(tl_append(lg,
	                       "{\"type\":\"party\",\"date\":\"2020-01-01\","
	                       "\"party\":\"last\",\"name\":\"L\",\"kind\":"
	                       "\"state\"}",
	                       NULL, NULL),
	             0);
	long released_kb = map_rss_kb(map);
	MT_CHECK(released_kb >= 0 && released_kb < full_kb / 4);
	MT_CHECK_INT(dump(lg, &after), 0);
	MT_CHECK_INT(before.len, after.len);
	MT_CHECK(before.len > 0 &&
	         memcmp(before.data, after.data, before.len) == 0);
	MT_CHECK(tl_verify_ok(lg));
	fprintf(stderr,
	        "map rss: %ld kB after the walk, %ld kB after the "
	        "release commit\n",
	        full_kb, released_kb);
	ml_buf_free(&before);
	ml_buf_free(&after);
	tl_close(lg, dir);
}

/* Below the ceiling nothing is released: the hot pages stay. */
static void test_small_commits_keep_the_map(void)
{
	char dir[256];
	struct ml_ledger *lg = tl_open(dir, "mapkeep");
	struct ml_buf all;
	ml_buf_init(&all, 64u << 20);
	for (int i = 0; i < EVENTS; i += BATCH)
		MT_CHECK_INT(append_parties(lg, i, BATCH), 0);
	MT_CHECK_INT(dump(lg, &all), 0);
	long full_kb = map_rss_kb(map_addr(lg));
	MT_CHECK_INT(append_parties(lg, EVENTS, 1), 0);
	MT_CHECK(map_rss_kb(map_addr(lg)) >= full_kb);
	ml_buf_free(&all);
	tl_close(lg, dir);
}

/* A ledger opened ML_OPEN_POINT_READS (medel balance, trace) maps its
 * file without readahead — the kernel marks the map random-read — and
 * reads the same events; opened without it, the map keeps readahead. */
static void test_point_reads_map(void)
{
	char dir[256];
	struct ml_ledger *lg = tl_open(dir, "mappoint");
	struct ml_buf before, after;
	ml_buf_init(&before, 64u << 20);
	ml_buf_init(&after, 64u << 20);
	for (int i = 0; i < EVENTS; i += BATCH)
		MT_CHECK_INT(append_parties(lg, i, BATCH), 0);
	MT_CHECK_INT(dump(lg, &before), 0);
	MT_CHECK(!map_vmflag(map_addr(lg), "rr"));
	ml_ledger_close(lg);
	struct ml_open_opts o = {.flags =
	                             ML_OPEN_NO_CREATE | ML_OPEN_POINT_READS};
	struct ml_errinfo err;
	MT_CHECK_INT(ml_ledger_open(dir, &o, &lg, &err), 0);
	MT_CHECK(map_vmflag(map_addr(lg), "rr"));
	MT_CHECK_INT(dump(lg, &after), 0);
	MT_CHECK(before.len > 0 && before.len == after.len &&
	         memcmp(before.data, after.data, before.len) == 0);
	ml_buf_free(&before);
	ml_buf_free(&after);
	tl_close(lg, dir);
}

int main(void)
{
	MT_RUN(test_point_reads_map);
	MT_RUN(test_commit_releases_the_map);
	MT_RUN(test_small_commits_keep_the_map);
	return MT_EXIT();
}
