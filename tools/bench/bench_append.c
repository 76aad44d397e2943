/*
 * bench_append — appends N generated events (default 1 000 000) in
 * batches of 1 000 through the ledger library, one durable commit per
 * batch, and then writes the very same binary records with raw mdb_put
 * (MDB_APPEND, one commit per 1 000) into a fresh environment: the
 * baseline. Prints events/s for both and the ratio.
 *
 * With BENCH_RAW_IDS=1, a second baseline puts the same records and each
 * event's id → seq in an ids database (MDB_NOOVERWRITE, as the library
 * does), raw, in one commit per batch: what the idempotency index costs
 * before any rule, projection or hash. It is off by default because its
 * writes share the disk with the first baseline's and slow it (by a
 * tenth in one run), which would flatter the main ratio.
 *
 * "Through the library" is ml_ledger_append: idempotency lookup, every
 * rule on every later date, projections, canonical JSON, SHA-256, record
 * and id index. JSON decoding of the batch is timed separately (a client
 * of the library may hand it events already decoded).
 *
 * With BENCH_FILE=events.jsonl, the events are that file's lines instead
 * of the generator's (EVENTS then caps how many are read), all timed:
 * the library's rate on the very events a whole-process `medel append`
 * of the file is measured with (tools/bench/bench_import.sh).
 *
 *   bench_append [EVENTS] [BATCH]      (BENCH_DIR sets the directory)
 */
#include <errno.h>
#include <lmdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_common.h"
#include "ml_json.h"
#include "ml_ledger_internal.h"

#define BATCH_JSON_MAX (ML_BODY_BYTES_MAX + ML_BATCH_EVENTS_MAX + 2)

struct totals {
	uint64_t parse_ns, append_ns, raw_ns, raw_ids_ns;
	bool with_ids;          /* BENCH_RAW_IDS: the log + ids baseline too */
	uint64_t append_cpu_ns; /* on a CPU: less noisy than the wall */
	uint64_t events;
};

static int append_batch(struct ml_ledger *lg, struct ml_event *ev, size_t n,
                        struct ml_append_result *res)
{
	struct ml_append_opts opts = {.recorded_by = "bench"};
	struct ml_errinfo err;
	int rc = ml_ledger_append_batch(lg, ev, n, &opts, res, &err);
	if (rc != 0)
		fprintf(stderr, "append: %s\n", err.message);
	return rc;
}

struct raw_env {
	MDB_env *env;
	MDB_dbi dbi, ids; /* ids: only in the log + ids baseline */
	char dir[4096];
	char *buf; /* copies of one batch's records */
	MDB_val *vals;
};

/* batch 0: no room for copies of records (the log + ids baseline uses
 * the log-only one's). */
static int raw_open(struct raw_env *r, uint32_t batch)
{
	MDB_txn *txn;
	bench_tmpdir(r->dir, "raw");
	r->buf = batch ? malloc((size_t)ML_RECORD_BYTES_MAX * batch) : NULL;
	r->vals = batch ? calloc(batch, sizeof *r->vals) : NULL;
	int rc = (r->buf && r->vals) || batch == 0 ? mdb_env_create(&r->env)
	                                           : ENOMEM;
	if (rc == 0)
		rc = mdb_env_set_maxdbs(r->env, 4);
	if (rc == 0)
		rc = mdb_env_set_mapsize(r->env, 8ull << 30);
	if (rc == 0)
		rc = mdb_env_open(r->env, r->dir, 0, 0600);
	if (rc == 0)
		rc = mdb_txn_begin(r->env, NULL, 0, &txn);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "log", MDB_CREATE, &r->dbi);
	if (rc == 0)
		rc = mdb_dbi_open(txn, "ids", MDB_CREATE, &r->ids);
	if (rc == 0)
		rc = mdb_txn_commit(txn);
	return rc;
}

static void raw_close(struct raw_env *r)
{
	mdb_env_close(r->env);
	bench_rmtree(r->dir);
	free(r->buf);
	free(r->vals);
}

/* Copies records first .. first + n - 1 out of the library's log. */
static int raw_load(struct ml_ledger *lg, struct raw_env *r, uint64_t first,
                    uint32_t n)
{
	MDB_txn *src;
	struct ml_store *st = ml_ledger_store(lg);
	size_t used = 0;
	int rc = ml_ledger_read_begin_txn(lg, &src);
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		unsigned char k[8];
		ml_be64_put(k, first + i);
		MDB_val key = {8, k}, val;
		rc = mdb_get(src, st->dbi[ML_DB_LOG], &key, &val);
		if (rc != 0)
			break;
		memcpy(r->buf + used, val.mv_data, val.mv_size);
		r->vals[i].mv_data = r->buf + used;
		r->vals[i].mv_size = val.mv_size;
		used += val.mv_size;
	}
	ml_ledger_read_end(lg, ml_read_of(src));
	return rc;
}

/* The baseline: the same n records, raw, in one durable commit; with
 * ev, each event's id → seq too. */
static int raw_put(struct raw_env *r, uint64_t first, uint32_t n,
                   const struct ml_event *ev)
{
	MDB_txn *txn;
	int rc = mdb_txn_begin(r->env, NULL, 0, &txn);
	for (uint32_t i = 0; rc == 0 && i < n; i++) {
		unsigned char k[8];
		ml_be64_put(k, first + i);
		MDB_val key = {8, k};
		rc = mdb_put(txn, r->dbi, &key, &r->vals[i], MDB_APPEND);
		if (rc == 0 && ev != NULL && ev[i].id.len > 0) {
			MDB_val id = {ev[i].id.len, (void *)ev[i].id.ptr};
			rc = mdb_put(txn, r->ids, &id, &key, MDB_NOOVERWRITE);
		}
	}
	return rc == 0 ? mdb_txn_commit(txn) : (mdb_txn_abort(txn), rc);
}

static size_t make_batch(struct bench_gen *g, char *json, uint32_t n)
{
	size_t len = (size_t)snprintf(json, BATCH_JSON_MAX, "[");
	bench_gen_batch(g);
	for (uint32_t i = 0; i < n; i++)
		len +=
		    (size_t)snprintf(json + len, BATCH_JSON_MAX - len, "%s%s",
		                     i ? "," : "", bench_gen_next(g));
	len += (size_t)snprintf(json + len, BATCH_JSON_MAX - len, "]");
	return len;
}

/* One batch: decode (timed apart), append through the library, then
 * the same records raw (and raw with their ids) — interleaved, so all
 * see the same disk. r[0] is the log-only baseline, r[1] log + ids
 * (r[1] shares r[0]'s copies of the records). */
static int run_batch(struct ml_ledger *lg, struct raw_env *r, const char *json,
                     size_t len, struct ml_append_result *res, struct totals *t,
                     bool timed)
{
	struct ml_arena arena;
	struct ml_event *ev;
	size_t count = 0;
	struct ml_errinfo err;
	ml_arena_init(&arena, 64u * 1024 * 1024);
	uint64_t t0 = bench_now_ns();
	int rc = ml_json_parse_batch(json, len, &arena, &ev, &count, &err);
	uint64_t t1 = bench_now_ns(), c1 = bench_cpu_ns();
	if (rc == 0)
		rc = append_batch(lg, ev, count, res);
	uint64_t t2 = bench_now_ns(), c2 = bench_cpu_ns();
	if (rc == 0 && timed)
		rc = raw_load(lg, &r[0], res[0].seq, (uint32_t)count);
	uint64_t t3 = bench_now_ns();
	if (rc == 0 && timed)
		rc = raw_put(&r[0], res[0].seq, (uint32_t)count, NULL);
	uint64_t t4 = bench_now_ns();
	r[1].vals = r[0].vals;
	if (rc == 0 && timed && t->with_ids)
		rc = raw_put(&r[1], res[0].seq, (uint32_t)count, ev);
	t->raw_ids_ns += bench_now_ns() - t4;
	r[1].vals = NULL;
	ml_arena_free(&arena);
	if (rc != 0 || !timed)
		return rc;
	t->raw_ns += t4 - t3;
	t->parse_ns += t1 - t0;
	t->append_ns += t2 - t1;
	t->append_cpu_ns += c2 - c1;
	t->events += count;
	return rc;
}

/* The next n lines of f (blank ones skipped) as "[line,…]" into json;
 * *got is how many were read. */
static size_t file_batch(FILE *f, char *json, uint32_t n, uint32_t *got)
{
	static char *line;
	static size_t cap;
	size_t len = 1;
	json[0] = '[';
	*got = 0;
	while (*got < n) {
		ssize_t k = getline(&line, &cap, f);
		if (k <= 0)
			break;
		if (line[k - 1] == '\n')
			line[--k] = '\0';
		if (k == 0 || len + (size_t)k + 2 > BATCH_JSON_MAX)
			continue;
		if (*got > 0)
			json[len++] = ',';
		memcpy(json + len, line, (size_t)k);
		len += (size_t)k;
		(*got)++;
	}
	json[len++] = ']';
	json[len] = '\0';
	return len;
}

/* BENCH_FILE: every batch from the file, timed. */
static int run_file(struct ml_ledger *lg, struct raw_env *r, const char *path,
                    uint32_t events, uint32_t batch, char *json,
                    struct ml_append_result *res, struct totals *t)
{
	FILE *f = fopen(path, "r");
	uint32_t got = 0;
	int rc = f ? 0 : errno;
	for (uint32_t done = 0; rc == 0 && done < events; done += got) {
		uint32_t want = events - done < batch ? events - done : batch;
		size_t len = file_batch(f, json, want, &got);
		if (got == 0)
			break;
		rc = run_batch(lg, r, json, len, res, t, true);
	}
	if (f)
		fclose(f);
	return rc;
}

static int run(struct ml_ledger *lg, uint32_t events, uint32_t batch,
               struct totals *t)
{
	struct bench_gen g;
	struct raw_env r[2];
	bench_gen_init(&g, 42, 300, 8);
	char *json = malloc(BATCH_JSON_MAX);
	struct ml_append_result *res = calloc(ML_BATCH_EVENTS_MAX, sizeof *res);
	int rc = json && res ? raw_open(&r[0], batch) : ML_E_NOMEM;
	int rc1 = rc == 0 ? raw_open(&r[1], 0) : rc;
	rc = rc != 0 ? rc : rc1;
	const char *file = getenv("BENCH_FILE");
	if (rc == 0 && file != NULL)
		rc = run_file(lg, r, file, events, batch, json, res, t);
	else if (rc == 0) {
		bench_gen_setup(&g, json, BATCH_JSON_MAX);
		rc = run_batch(lg, r, json, strlen(json), res, t, false);
	}
	for (uint32_t done = 0; rc == 0 && !file && done < events;
	     done += batch) {
		uint32_t n = events - done < batch ? events - done : batch;
		size_t len = make_batch(&g, json, n);
		rc = run_batch(lg, r, json, len, res, t, true);
	}
	if (json && res)
		raw_close(&r[0]);
	if (rc1 == 0)
		raw_close(&r[1]);
	free(json);
	free(res);
	return rc;
}

int main(int argc, char **argv)
{
	uint32_t events =
	    argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
	uint32_t batch = argc > 2 ? (uint32_t)strtoul(argv[2], NULL, 10) : 1000;
	char dir[4096];
	struct ml_ledger *lg;
	struct ml_errinfo err;
	struct totals t = {.with_ids = getenv("BENCH_RAW_IDS") != NULL};
	if (batch == 0 || batch > ML_BATCH_EVENTS_MAX)
		batch = 1000;
	bench_tmpdir(dir, "append");
	if (ml_ledger_open(dir, NULL, &lg, &err) != 0) {
		fprintf(stderr, "open: %s\n", err.message);
		return 1;
	}
	int rc = run(lg, events, batch, &t);
	if (rc != 0)
		fprintf(stderr, "bench_append: failed: %s\n",
		        rc <= -32000 ? ml_strerror(rc) : mdb_strerror(rc));
	const char *spread = getenv("BENCH_SPREAD");
	double lib = t.events / (t.append_ns / 1e9);
	double raw = t.events / (t.raw_ns / 1e9);
	double raw_ids = t.events / (t.raw_ids_ns / 1e9);
	printf("events            %llu in batches of %u (one commit each), "
	       "%s batches\n",
	       (unsigned long long)t.events, batch,
	       spread ? spread : "clustered");
	printf("json decode       %10.0f events/s\n",
	       t.events / (t.parse_ns / 1e9));
	printf("ledger append     %10.0f events/s  (rules, projections, hash, "
	       "log, ids)\n",
	       lib);
	printf("ledger append cpu %10.2f µs/event on a CPU (user + system)\n",
	       t.append_cpu_ns / 1e3 / (double)t.events);
	printf("raw mdb_put       %10.0f events/s  (same records, MDB_APPEND, "
	       "interleaved)\n",
	       raw);
	if (t.with_ids)
		printf(
		    "raw log + ids     %10.0f events/s  (the same, and id -> "
		    "seq, MDB_NOOVERWRITE)\n",
		    raw_ids);
	printf("ratio             %10.3f  (ledger / raw)\n", lib / raw);
	if (t.with_ids)
		printf("ratio to log+ids  %10.3f  (ledger / raw log + ids)\n",
		       lib / raw_ids);
	ml_ledger_close(lg);
	bench_rmtree(dir);
	return rc == 0 ? 0 : 1;
}
