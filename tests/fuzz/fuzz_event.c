/*
 * fuzz_event.c — the event decoder and the ledger's rules.
 *
 * Any body: decoding never crashes and either fails with a code and a
 * reason or yields events whose canonical JSON decodes again to the same
 * canonical bytes (the canonical form is a fixed point). Decoded events
 * are then appended with dry_run=1 to a small ledger made once (parties,
 * grants, money already moved, a pending conditional allocation `c1`
 * (seq 9), a pending conditional distribution `d1` (seq 10), a correction
 * (seq 11) of the expense at seq 8, a closed period): every rule runs,
 * nothing is stored, and the head must not move. The committed corpus
 * holds confirms, lapses, distributions and corrections of corrections
 * that name these.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "ml_json.h"
#include "ml_ledger.h"

static const char fuzz_setup[] =
    "[{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"kk\","
    "\"name\":\"K\",\"kind\":\"state\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"a\","
    "\"name\":\"A\",\"kind\":\"municipality\"},"
    "{\"type\":\"party\",\"date\":\"2020-01-01\",\"party\":\"b\","
    "\"name\":\"B\",\"kind\":\"committee\",\"parent\":\"a\"},"
    "{\"type\":\"grant\",\"date\":\"2020-01-01\",\"grant\":\"g\","
    "\"name\":\"G\",\"payer\":\"kk\",\"total\":100000,"
    "\"use_by\":\"2020-12-31\",\"carry_over\":true},"
    "{\"type\":\"grant\",\"date\":\"2020-01-01\",\"grant\":\"g/p\","
    "\"name\":\"P\",\"payer\":\"kk\",\"total\":1000,\"parent\":\"g\"},"
    "{\"type\":\"allocation\",\"date\":\"2020-02-01\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"a\",\"amount\":5000,\"id\":\"x1\"},"
    "{\"type\":\"payout\",\"date\":\"2020-03-01\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"a\",\"amount\":4000},"
    "{\"type\":\"expense\",\"date\":\"2020-04-01\",\"grant\":\"g\","
    "\"party\":\"a\",\"activity\":\"x\",\"amount\":100},"
    "{\"type\":\"allocation\",\"date\":\"2020-02-02\",\"grant\":\"g\","
    "\"from\":\"kk\",\"to\":\"b\",\"amount\":2000,\"id\":\"c1\","
    "\"condition\":\"om B ansoker\",\"decide_by\":\"2020-06-30\"},"
    "{\"type\":\"distribution\",\"date\":\"2020-02-03\",\"grant\":\"g\","
    "\"from\":\"kk\",\"key_name\":\"K\",\"amount\":3000,"
    "\"key\":{\"a\":1,\"b\":2},\"condition\":\"om\",\"id\":\"d1\"},"
    "{\"type\":\"correction\",\"date\":\"2020-04-02\",\"corrects\":8,"
    "\"note\":\"fel\"},"
    "{\"type\":\"close\",\"date\":\"2020-01-15\"}]";

static struct ml_ledger *fuzz_ledger;
static char fuzz_dir[] = "/tmp/medel-fuzz-XXXXXX";

/* The scratch ledger goes when the process ends. */
static void fuzz_cleanup(void)
{
	static const char *const files[] = {"data.mdb", "lock.mdb",
	                                    "medel.lock"};
	char path[sizeof fuzz_dir + 16];
	ml_ledger_close(fuzz_ledger);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", fuzz_dir, files[i]);
		unlink(path);
	}
	rmdir(fuzz_dir);
}

static struct ml_ledger *fuzz_open(void)
{
	char *dir = fuzz_dir;
	struct ml_errinfo err;
	struct ml_arena arena;
	struct ml_event *ev;
	size_t n;
	struct ml_append_result res[16];
	if (mkdtemp(dir) == NULL ||
	    ml_ledger_open(dir, NULL, &fuzz_ledger, &err) != 0)
		abort();
	ml_arena_init(&arena, 1 << 20);
	if (ml_json_parse_batch(fuzz_setup, strlen(fuzz_setup), &arena, &ev, &n,
	                        &err) != 0 ||
	    ml_ledger_append_batch(fuzz_ledger, ev, n, NULL, res, &err) != 0)
		fuzz_fail("setup: %s", err.message);
	ml_arena_free(&arena);
	atexit(fuzz_cleanup);
	return fuzz_ledger;
}

static void fuzz_round_trip(const struct ml_event *ev)
{
	struct ml_buf a, b;
	struct ml_arena arena;
	struct ml_event *again;
	size_t n;
	struct ml_errinfo err;
	ml_buf_init(&a, 1 << 20);
	ml_buf_init(&b, 1 << 20);
	ml_arena_init(&arena, 1 << 20);
	if (ml_json_write_event(ev, ML_JSON_SUBMITTED, &a) != 0)
		fuzz_fail("cannot encode a decoded event");
	if (ml_json_parse_batch(a.data, a.len, &arena, &again, &n, &err) != 0)
		fuzz_fail("canonical %s does not decode: %s", a.data,
		          err.message);
	ml_json_write_event(again, ML_JSON_SUBMITTED, &b);
	if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0)
		fuzz_fail("canonical form moved: %s → %s", a.data, b.data);
	ml_buf_free(&a);
	ml_buf_free(&b);
	ml_arena_free(&arena);
}

static void fuzz_dry_run(struct ml_event *ev, size_t n)
{
	struct ml_ledger *lg = fuzz_ledger ? fuzz_ledger : fuzz_open();
	struct ml_append_result *res = calloc(n, sizeof *res);
	struct ml_append_opts opts = {.recorded_by = "fuzz", .dry_run = true};
	struct ml_errinfo err;
	struct ml_read *rd = NULL;
	struct ml_log_head before, after;
	ml_ledger_read_begin(lg, &rd);
	ml_ledger_head(lg, rd, &before);
	ml_ledger_read_end(lg, rd);
	int rc = ml_ledger_append_batch(lg, ev, n, &opts, res, &err);
	if (rc != 0 && err.message[0] == '\0')
		fuzz_fail("append refused (%s) without a reason",
		          ml_error_name(rc));
	ml_ledger_read_begin(lg, &rd);
	ml_ledger_head(lg, rd, &after);
	ml_ledger_read_end(lg, rd);
	if (after.seq != before.seq)
		fuzz_fail("a dry run moved the head");
	free(res);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ml_arena arena;
	struct ml_event *ev = NULL;
	size_t n = 0;
	struct ml_errinfo err;
	ml_errinfo_clear(&err);
	ml_arena_init(&arena, 64u * 1024 * 1024);
	int rc = ml_json_parse_batch((const char *)data, size, &arena, &ev, &n,
	                             &err);
	if (rc != 0 && rc != ML_E_NOMEM && err.message[0] == '\0')
		fuzz_fail("refused (%s) without a reason", ml_error_name(rc));
	for (size_t i = 0; rc == 0 && i < n; i++)
		fuzz_round_trip(&ev[i]);
	if (rc == 0)
		fuzz_dry_run(ev, n);
	ml_arena_free(&arena);
	return 0;
}
