/*
 * test_migrate.c — a ledger of format version 1 (tests/fixtures/format-1,
 * written by an earlier medel) is migrated in place when opened: the log
 * and its hash chain untouched, verify ok, and the account and edge
 * databases byte for byte those of a new ledger given the same batches.
 * Its log records, decoded and encoded again by this medel, come out
 * byte for byte as the earlier one wrote them. A ledger of format 2 is
 * migrated to the current format and reads the same. A ledger of format
 * 3 (no spending per activity) gets it built, and one of format 4 its
 * activities' day records per account (pday), equal byte for byte to
 * what appending gives, corrections of expenses included.
 */
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_buf.h"
#include "ml_ledger.h"
#include "ml_record.h"
#include "ml_store.h"
#include "mt.h"
#include "tl.h"

#define FIXTURE MEDEL_SOURCE_DIR "/tests/fixtures/format-1"
#define HEAD_HEX                                                               \
	"8e52c0134892550e8167f5ebd2d7bdde87209b588bfe274d884d03983e188d05"

/* The batches data.mdb was written from: the worked examples as they were
 * then (frozen beside it; docs/examples/ has moved on since), and
 * extra.jsonl. */
static const char *const batches[] = {
    FIXTURE "/examples/malmo-2020.jsonl",
    FIXTURE "/examples/storsthlm-2020.jsonl",
    FIXTURE "/examples/stockholm-2012.jsonl",
    FIXTURE "/extra.jsonl",
};

static void copy_file(const char *from, const char *to)
{
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	char buf[65536];
	size_t n;
	MT_REQUIRE(in != NULL && out != NULL);
	for (n = fread(buf, 1, sizeof buf, in); n > 0;
	     n = fread(buf, 1, sizeof buf, in))
		MT_REQUIRE(fwrite(buf, 1, n, out) == n);
	fclose(in);
	MT_REQUIRE(fclose(out) == 0);
}

/* A JSON Lines file as one JSON array: one batch, as medel append does. */
static void append_file(struct ml_ledger *lg, const char *path)
{
	FILE *f = fopen(path, "rb");
	char line[65536];
	struct ml_buf b;
	struct ml_errinfo err;
	MT_REQUIRE(f != NULL);
	ml_buf_init(&b, 1u << 16);
	ml_buf_add_char(&b, '[');
	while (fgets(line, sizeof line, f) != NULL) {
		if (line[0] == '\n')
			continue;
		if (b.len > 1)
			ml_buf_add_char(&b, ',');
		ml_buf_add(&b, line, strlen(line));
	}
	fclose(f);
	ml_buf_add_char(&b, ']');
	ml_buf_add_char(&b, '\0');
	int rc = tl_append(lg, b.data, &err, NULL);
	if (rc != 0)
		MT_FAIL_AT("%s: %s", path, err.message);
	ml_buf_free(&b);
}

/* The database the same in a and b, with more than day_records records
 * (the day records and their chunks). */
static void same_db(struct ml_ledger *a, struct ml_ledger *b, enum ml_db db,
                    const char *name, long day_records)
{
	long n;
	MT_CHECK(tl_same_db(a, b, db, name, &n));
	MT_CHECK(n > day_records);
}

static void head_and_verify(struct ml_ledger *lg)
{
	MDB_txn *txn;
	cJSON *doc = NULL;
	struct ml_errinfo err;
	char hex[65];
	MT_CHECK_INT((long)tl_head(lg), 120);
	tl_head_hash(lg, hex);
	MT_CHECK_STR(hex, HEAD_HEX);
	MT_REQUIRE(ml_ledger_read_begin_txn(lg, &txn) == 0);
	MT_CHECK_INT(
	    ml_answer_verify(lg, ml_read_of(txn), &doc, NULL, NULL, &err), 0);
	ml_ledger_read_end(lg, ml_read_of(txn));
	MT_REQUIRE(doc != NULL);
	MT_CHECK(cJSON_IsTrue(cJSON_GetObjectItem(doc, "ok")));
	cJSON_Delete(doc);
}

static void records_reencode(struct ml_ledger *lg)
{
	MDB_txn *txn;
	struct ml_store *st = ml_ledger_store(lg);
	struct ml_buf rec;
	long same = 0;
	ml_buf_init(&rec, ML_RECORD_BYTES_MAX);
	MT_REQUIRE(ml_ledger_read_begin_txn(lg, &txn) == 0);
	for (uint64_t seq = 1; seq <= tl_head(lg); seq++) {
		unsigned char k[8];
		ml_be64_put(k, seq);
		MDB_val key = {8, k}, val;
		struct ml_event ev;
		MT_REQUIRE(mdb_get(txn, st->dbi[ML_DB_LOG], &key, &val) == 0);
		MT_REQUIRE(
		    ml_record_decode(val.mv_data, val.mv_size, seq, &ev) == 0);
		ml_buf_reset(&rec);
		MT_CHECK_INT(ml_record_encode(&ev, &rec), 0);
		same += rec.len == val.mv_size &&
		        memcmp(rec.data, val.mv_data, rec.len) == 0;
	}
	ml_ledger_read_end(lg, ml_read_of(txn));
	MT_CHECK_INT(same, 120);
	ml_buf_free(&rec);
}

static void test_migrate_format_1(void)
{
	char old_dir[4096], new_dir[4096], path[4200];
	struct ml_ledger *old_lg, *new_lg;
	struct ml_errinfo err;
	tl_tmpdir(old_dir, "format-1");
	snprintf(path, sizeof path, "%s/data.mdb", old_dir);
	copy_file(FIXTURE "/data.mdb", path);
	MT_REQUIRE(ml_ledger_open(old_dir, NULL, &old_lg, &err) == 0);
	head_and_verify(old_lg);
	records_reencode(old_lg);
	new_lg = tl_open(new_dir, "format-2");
	for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++)
		append_file(new_lg, batches[i]);
	same_db(old_lg, new_lg, ML_DB_ACCT, "acct", 98);
	same_db(old_lg, new_lg, ML_DB_EDGE, "edge", 41);
	same_db(old_lg, new_lg, ML_DB_ACT, "act", 30);
	same_db(old_lg, new_lg, ML_DB_ACTN, "actn", 30);
	same_db(old_lg, new_lg, ML_DB_PDAY, "pday", 5);
	tl_close(new_lg, new_dir);
	/* Opened again, it is current already and stays as it is. */
	ml_ledger_close(old_lg);
	MT_REQUIRE(ml_ledger_open(old_dir, NULL, &old_lg, &err) == 0);
	head_and_verify(old_lg);
	tl_close(old_lg, old_dir);
}

/* The format record of the ledger in dir: written (set ≥ 0) or read. */
static unsigned format_record(const char *dir, int set)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = {6, "format"}, v;
	unsigned char ver[4] = {0, 0, 0, (unsigned char)set};
	unsigned got = 0;
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 20);
	if (mdb_env_open(env, dir, 0, 0600) != 0 ||
	    mdb_txn_begin(env, NULL, 0, &txn) != 0) {
		MT_FAIL_AT("cannot open %s with LMDB", dir);
		mdb_env_close(env);
		return 0;
	}
	MT_CHECK_INT(mdb_dbi_open(txn, "meta", 0, &dbi), 0);
	if (set >= 0) {
		v = (MDB_val){4, ver};
		MT_CHECK_INT(mdb_put(txn, dbi, &k, &v, 0), 0);
	} else if (mdb_get(txn, dbi, &k, &v) == 0 && v.mv_size == 4) {
		const unsigned char *b = v.mv_data;
		got = (unsigned)b[0] << 24 | (unsigned)b[1] << 16 |
		      (unsigned)b[2] << 8 | b[3];
	}
	mdb_txn_commit(txn);
	mdb_env_close(env);
	return got;
}

static void test_migrate_format_2(void)
{
	char dir[4096], before[65], after[65];
	struct ml_ledger *lg = tl_open(dir, "format-2");
	struct ml_errinfo err;
	append_file(lg, batches[0]);
	tl_head_hash(lg, before);
	ml_ledger_close(lg);
	MT_CHECK_INT(format_record(dir, -1), ML_FORMAT_VERSION);
	format_record(dir, 2);
	MT_CHECK_INT(format_record(dir, -1), 2);
	MT_REQUIRE(ml_ledger_open(dir, NULL, &lg, &err) == 0);
	tl_head_hash(lg, after);
	MT_CHECK_STR(after, before);
	ml_ledger_close(lg);
	MT_CHECK_INT(format_record(dir, -1), ML_FORMAT_VERSION);
	tl_rmtree(dir);
}

/* Expenses of two activities (one with a unit) corrected every way the
 * ledger knows: withdrawn, counting again (a correction of a
 * correction), and in a closed period (reversal records of the
 * correction's own). */
static const char *const acts_batch =
    "["
    "{\"type\":\"expense\",\"date\":\"2020-06-02\",\"grant\":"
    "\"psykisk-halsa-2020\",\"party\":\"malmo-asn\",\"activity\":"
    "\"Samtalsstöd\",\"unit\":\"timmar\",\"amount\":300000,\"id\":\"m:a\"},"
    "{\"type\":\"expense\",\"date\":\"2020-06-03\",\"grant\":"
    "\"psykisk-halsa-2020\",\"party\":\"malmo-asn\",\"activity\":"
    "\"Samtalsstöd\",\"amount\":200000,\"id\":\"m:b\"},"
    "{\"type\":\"expense\",\"date\":\"2020-06-04\",\"grant\":"
    "\"psykisk-halsa-2020\",\"party\":\"malmo-asn\",\"activity\":"
    "\"Utbildning\",\"amount\":100000,\"id\":\"m:c\"}"
    "]";

/* Deletes the databases named (NULL-terminated) from the ledger in dir
 * and stamps it with format version. */
static void make_format(const char *dir, unsigned version,
                        const char *const *dbs)
{
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 20);
	MT_REQUIRE(mdb_env_open(env, dir, 0, 0600) == 0);
	MT_REQUIRE(mdb_txn_begin(env, NULL, 0, &txn) == 0);
	for (size_t i = 0; dbs[i] != NULL; i++) {
		MT_CHECK_INT(mdb_dbi_open(txn, dbs[i], 0, &dbi), 0);
		MT_CHECK_INT(mdb_drop(txn, dbi, 1), 0);
	}
	MT_CHECK_INT(mdb_txn_commit(txn), 0);
	mdb_env_close(env);
	format_record(dir, (int)version);
}

static void append_text(struct ml_ledger *lg, const char *json)
{
	struct ml_errinfo err;
	if (tl_append(lg, json, &err, NULL) != 0)
		MT_FAIL_AT("%s: %s", json, err.message);
}

/* A ledger of format `version` (made by make_format from one of this
 * medel, with corrections of expenses) migrated when opened: verify ok,
 * and its derived databases the same bytes as a new ledger's given the
 * same events one batch each. */
static void migrate_from(unsigned version, const char *const *dbs)
{
	char dir[4096], fresh_dir[4096], text[512];
	struct ml_ledger *lg = tl_open(dir, "format-3");
	struct ml_ledger *fresh;
	struct ml_errinfo err;
	for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++)
		append_file(lg, batches[i]);
	append_text(lg, acts_batch);
	uint64_t a = tl_head(lg) - 2, b = a + 1;
	snprintf(text, sizeof text,
	         "[{\"type\":\"correction\",\"date\":\"2021-01-11\","
	         "\"corrects\":%llu,\"note\":\"fel\"}]",
	         (unsigned long long)a);
	append_text(lg, text);
	snprintf(text, sizeof text,
	         "[{\"type\":\"correction\",\"date\":\"2021-01-12\","
	         "\"corrects\":%llu,\"note\":\"rätt ändå\"}]",
	         (unsigned long long)tl_head(lg));
	append_text(lg, text);
	append_text(lg, "[{\"type\":\"close\",\"date\":\"2020-12-31\"}]");
	snprintf(text, sizeof text,
	         "[{\"type\":\"correction\",\"date\":\"2021-01-13\","
	         "\"corrects\":%llu,\"note\":\"efter bokslut\"}]",
	         (unsigned long long)b);
	append_text(lg, text);
	ml_ledger_close(lg);
	make_format(dir, version, dbs);
	MT_CHECK_INT(format_record(dir, -1), version);
	MT_REQUIRE(ml_ledger_open(dir, NULL, &lg, &err) == 0);
	MT_CHECK_INT(format_record(dir, -1), ML_FORMAT_VERSION);
	MDB_txn *txn;
	cJSON *doc = NULL;
	MT_REQUIRE(ml_ledger_read_begin_txn(lg, &txn) == 0);
	MT_CHECK_INT(
	    ml_answer_verify(lg, ml_read_of(txn), &doc, NULL, NULL, &err), 0);
	ml_ledger_read_end(lg, ml_read_of(txn));
	MT_CHECK(doc != NULL && cJSON_IsTrue(cJSON_GetObjectItem(doc, "ok")));
	cJSON_Delete(doc);
	/* The same events appended to a new ledger, one batch each. */
	fresh = tl_open(fresh_dir, "format-4");
	MT_REQUIRE(ml_ledger_read_begin_txn(lg, &txn) == 0);
	for (uint64_t seq = 1; seq <= tl_head(lg); seq++) {
		struct ml_event ev;
		struct ml_append_result res;
		MT_REQUIRE(ml_ledger_event(lg, ml_read_of(txn), seq, &ev) == 0);
		MT_REQUIRE(ml_ledger_append_batch(fresh, &ev, 1, NULL, &res,
		                                  &err) == 0);
	}
	ml_ledger_read_end(lg, ml_read_of(txn));
	same_db(lg, fresh, ML_DB_ACT, "act", 30);
	same_db(lg, fresh, ML_DB_ACTN, "actn", 30);
	same_db(lg, fresh, ML_DB_ACCT, "acct", 98);
	same_db(lg, fresh, ML_DB_PDAY, "pday", 5);
	tl_close(fresh, fresh_dir);
	tl_close(lg, dir);
}

/* Format 3: no spending per activity (act, actn) and so no pday. */
static void test_migrate_format_3(void)
{
	static const char *const dbs[] = {"act", "actn", "pday", NULL};
	migrate_from(3, dbs);
}

/* Format 4: no day records of an account's activities (pday). */
static void test_migrate_format_4(void)
{
	static const char *const dbs[] = {"pday", NULL};
	migrate_from(4, dbs);
}

/* Migrates a compact copy of the format-3 ledger in src opened with a map
 * of its used size plus slack_pages; it must open and verify. */
static void migrate_in_map(const char *src, size_t slack_pages)
{
	char work[4096];
	MDB_env *env;
	MDB_stat ms;
	MDB_envinfo info;
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 20);
	MT_REQUIRE(mdb_env_open(env, src, MDB_RDONLY, 0600) == 0);
	tl_tmpdir(work, "format-3-compact");
	MT_REQUIRE(mdb_env_copy2(env, work, MDB_CP_COMPACT) == 0);
	mdb_env_close(env);
	mdb_env_create(&env);
	mdb_env_set_maxdbs(env, 20);
	MT_REQUIRE(mdb_env_open(env, work, MDB_RDONLY, 0600) == 0);
	MT_REQUIRE(mdb_env_stat(env, &ms) == 0 &&
	           mdb_env_info(env, &info) == 0);
	mdb_env_close(env);
	struct ml_open_opts opts = {
	    .map_bytes_initial =
	        (uint64_t)(info.me_last_pgno + 1 + slack_pages) * ms.ms_psize};
	struct ml_ledger *lg;
	struct ml_errinfo err;
	if (ml_ledger_open(work, &opts, &lg, &err) != 0) {
		MT_FAIL_AT("%zu pages free: %s", slack_pages, err.message);
		tl_rmtree(work);
		return;
	}
	MT_CHECK(tl_verify_ok(lg));
	ml_ledger_close(lg);
	tl_rmtree(work);
}

/* The migration outgrows a map of any size: it must grow the map and run
 * again, wherever in the migration the map fills (a 1 000 000-event
 * ledger was refused as "stored data fails its checks" when the map
 * filled while spending entries were copied). A compact copy has no free
 * pages; it is opened with 0 to 63 pages to spare, so the map fills at a
 * different point each time. */
static void test_migrate_grows_the_map(void)
{
	char dir[4096], text[8192];
	struct ml_ledger *lg = tl_open(dir, "format-3-big");
	append_file(lg, batches[0]);
	for (int b = 0; b < 20; b++) {
		size_t len = 0;
		len += (size_t)snprintf(text + len, sizeof text - len, "[");
		for (int i = 0; i < 40; i++)
			len += (size_t)snprintf(
			    text + len, sizeof text - len,
			    "%s{\"type\":\"expense\",\"date\":\"2020-06-02\","
			    "\"grant\":\"psykisk-halsa-2020\",\"party\":"
			    "\"kammarkollegiet\",\"activity\":\"Aktivitet %d\","
			    "\"amount\":100}",
			    i ? "," : "", (b * 40 + i) % 7);
		snprintf(text + len, sizeof text - len, "]");
		append_text(lg, text);
	}
	ml_ledger_close(lg);
	static const char *const dbs[] = {"act", "actn", "pday", NULL};
	make_format(dir, 3, dbs);
	for (size_t slack = 0; slack < 64; slack++)
		migrate_in_map(dir, slack);
	tl_rmtree(dir);
}

int main(void)
{
	MT_RUN(test_migrate_format_1);
	MT_RUN(test_migrate_format_2);
	MT_RUN(test_migrate_format_3);
	MT_RUN(test_migrate_format_4);
	MT_RUN(test_migrate_grows_the_map);
	return MT_EXIT();
}
