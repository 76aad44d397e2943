/*
 * ml_store.c — opening, locking, checking and growing the environment.
 *
 * Opening a directory goes: create it if allowed; take medel.lock (flock,
 * non-blocking); open LMDB; then in one write transaction either find the
 * format record and check its version, or, if the file holds nothing at
 * all, create every database and write the record. A file that holds data
 * but no format record is not a medel ledger and is refused untouched.
 */
#include "ml_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ml_assert.h"
#include "ml_limits.h"
#include "ml_reading.h"

static_assert(ML_DB_COUNT <= ML_DBS_MAX, "LMDB opens every database");

static const char *const ml_db_names[ML_DB_COUNT] = {
    [ML_DB_META] = "meta",       [ML_DB_LOG] = "log",
    [ML_DB_IDS] = "ids",         [ML_DB_NAMES] = "names",
    [ML_DB_NUMS] = "nums",       [ML_DB_DEFS] = "defs",
    [ML_DB_ACCT] = "acct",       [ML_DB_EDGE] = "edge",
    [ML_DB_CORR] = "corr",       [ML_DB_CLOSE] = "close",
    [ML_DB_REPORTS] = "reports", [ML_DB_CLAIMS] = "claims",
    [ML_DB_EVIDX] = "evidx",     [ML_DB_ACT] = "act",
    [ML_DB_ACTN] = "actn",       [ML_DB_PDAY] = "pday",
    [ML_DB_KNOWN] = "known",
};

/* mdb_dbi_open's flags of each database beyond MDB_CREATE (none now;
 * kept so a database with flags is one line). */
static const unsigned ml_db_flags[ML_DB_COUNT] = {0};

/* The format version that first had database i: an older ledger lacks
 * it until ml_migrate_open creates it. */
static unsigned ml_db_since(int i)
{
	if (i == ML_DB_KNOWN)
		return 6;
	if (i == ML_DB_PDAY)
		return 5;
	if (i == ML_DB_ACT || i == ML_DB_ACTN)
		return 4;
	return i == ML_DB_EVIDX ? 3 : 1;
}

static const char ml_format_key[] = "format";

const char *ml_store_db_name(enum ml_db db)
{
	ML_ASSERT(db < ML_DB_COUNT);
	return ml_db_names[db];
}

void ml_be32_put(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

void ml_be64_put(unsigned char *p, uint64_t v)
{
	ml_be32_put(p, (uint32_t)(v >> 32));
	ml_be32_put(p + 4, (uint32_t)v);
}

int ml_store_get_be(struct ml_store *st, MDB_txn *txn, enum ml_db db,
                    MDB_val key, size_t size, uint64_t *value, bool *found)
{
	MDB_val val;
	ML_ASSERT(db < ML_DB_COUNT && (size == 4 || size == 8));
	int rc = mdb_get(txn, st->dbi[db], &key, &val);
	*value = 0;
	if (found != NULL)
		*found = rc == 0;
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc != 0)
		return ml_error_from_mdb(rc);
	if (val.mv_size != size || (size != 4 && size != 8))
		return ML_E_CORRUPT;
	*value =
	    size == 4 ? ml_be32_get(val.mv_data) : ml_be64_get(val.mv_data);
	return 0;
}

uint32_t ml_be32_get(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

uint64_t ml_be64_get(const unsigned char *p)
{
	return (uint64_t)ml_be32_get(p) << 32 | ml_be32_get(p + 4);
}

static int ml_path(char *buf, size_t size, const char *dir, const char *name)
{
	int n = snprintf(buf, size, "%s/%s", dir, name);
	return n > 0 && (size_t)n < size ? 0 : ML_E_ARG;
}

/* The refusal of a path too long for a file of the ledger in dir. */
static int ml_path_too_long(struct ml_errinfo *err, const char *dir, size_t max)
{
	return ml_fail(err, ML_E_PATH, -1, NULL,
	               "the ledger's directory path is %zu bytes long; at "
	               "most %zu",
	               strlen(dir), max);
}

/* What a failed mkdir/open of the ledger's own path means: an errno the
 * path given explains (missing, not allowed, read-only, too long) is
 * bad_path; the rest is a failure of the machine (io). */
static int ml_path_errno(int e)
{
	bool path = e == ENOENT || e == EACCES || e == EPERM || e == ENOTDIR ||
	            e == ENAMETOOLONG || e == EROFS || e == ELOOP;
	return path ? ML_E_PATH : ML_E_IO;
}

static int ml_store_lock(struct ml_store *st, unsigned flags,
                         struct ml_errinfo *err)
{
	char path[4096];
	if (ml_path(path, sizeof path, st->dir, "medel.lock") != 0)
		return ml_path_too_long(err, st->dir,
		                        sizeof path - sizeof "/medel.lock");
	st->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (st->lock_fd < 0)
		return ml_fail(err, ml_path_errno(errno), -1, NULL,
		               "cannot open %s: %s", path, strerror(errno));
	bool exclusive = flags & ML_STORE_EXCLUSIVE;
	if (flock(st->lock_fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0)
		return 0;
	if (errno != EWOULDBLOCK)
		return ml_fail(err, ML_E_IO, -1, NULL, "cannot lock %s: %s",
		               path, strerror(errno));
	if (!exclusive)
		return ml_fail(err, ML_E_LOCKED, -1, NULL,
		               "a running medeld holds the ledger in %s: use "
		               "the daemon (medel --socket %s/medeld.sock) "
		               "instead of --db",
		               st->dir, st->dir);
	return ml_fail(err, ML_E_LOCKED, -1, NULL,
	               "the ledger in %s is held by another process (a "
	               "running medeld, or medel --db)",
	               st->dir);
}

/* The files medel itself leaves in a ledger's directory before or
 * beside data.mdb: a new ledger is made only where nothing else is. */
static bool ml_store_own_file(const char *name)
{
	static const char *const own[] = {".", "..", "medel.lock", "lock.mdb",
	                                  "medeld.sock"};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (strcmp(name, own[i]) == 0)
			return true;
	return false;
}

/* `medel --db DIR` creates a new ledger only in a directory of its own:
 * one that holds nothing but medel's files. `medel --db /etc record …` (a
 * typing slip) once made /etc/data.mdb. medeld (ML_STORE_EXCLUSIVE) is
 * not held to it: --data is the operator's deliberate choice, made once,
 * and its directory often holds the daemon's log, pid and tokens files
 * before the first start (tools/demo, docs/operations.md). */
static int ml_store_dir_free(const char *dir, struct ml_errinfo *err)
{
	DIR *d = opendir(dir);
	if (d == NULL)
		return ml_fail(err, ml_path_errno(errno), -1, NULL,
		               "cannot read the ledger's directory %s: %s", dir,
		               strerror(errno));
	char first[256] = "";
	for (const struct dirent *e = readdir(d); e != NULL; e = readdir(d))
		if (!ml_store_own_file(e->d_name)) {
			snprintf(first, sizeof first, "%s", e->d_name);
			break;
		}
	closedir(d);
	if (first[0] == '\0')
		return 0;
	return ml_fail(err, ML_E_FORMAT, -1, NULL,
	               "%s is not a medel ledger (it has no data.mdb but "
	               "holds other files, such as %s): give the ledger's "
	               "directory, or a new or empty one to start a ledger in",
	               dir, first);
}

static int ml_store_prepare_dir(const char *dir, unsigned flags,
                                struct ml_errinfo *err)
{
	char path[4096];
	if (ml_path(path, sizeof path, dir, "data.mdb") != 0)
		return ml_path_too_long(err, dir,
		                        sizeof path - sizeof "/data.mdb");
	struct stat sb;
	if (flags & ML_STORE_NO_CREATE) {
		if (stat(path, &sb) != 0)
			return ml_fail(err, ML_E_FORMAT, -1, NULL,
			               "%s is not a medel ledger (it has no "
			               "data.mdb): give the directory medeld "
			               "--data uses",
			               dir);
		return 0;
	}
	if (mkdir(dir, 0750) != 0 && errno != EEXIST)
		return ml_fail(err, ml_path_errno(errno), -1, NULL,
		               "cannot create the ledger's directory %s: %s",
		               dir, strerror(errno));
	if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return ml_fail(err, ML_E_PATH, -1, NULL,
		               "%s is not a directory: a ledger is a directory "
		               "of its own",
		               dir);
	if (stat(path, &sb) == 0 || (flags & ML_STORE_EXCLUSIVE))
		return 0;
	return ml_store_dir_free(dir, err);
}

/* The format record of this version, for a new or a migrated ledger. */
static int ml_format_put(struct ml_store *st, MDB_txn *txn)
{
	static_assert(ML_FORMAT_VERSION > 0, "0 means no format record");
	unsigned char v[4];
	ml_be32_put(v, ML_FORMAT_VERSION);
	MDB_val key = {sizeof ml_format_key - 1, (void *)ml_format_key};
	MDB_val val = {sizeof v, v};
	return mdb_put(txn, st->dbi[ML_DB_META], &key, &val, 0);
}

static int ml_format_create(struct ml_store *st, MDB_txn *txn)
{
	int rc = 0;
	for (int i = 0; rc == 0 && i < ML_DB_COUNT; i++)
		rc = mdb_dbi_open(txn, ml_db_names[i],
		                  MDB_CREATE | ml_db_flags[i], &st->dbi[i]);
	if (rc == 0)
		st->format_version = ML_FORMAT_VERSION;
	return rc == 0 ? ml_format_put(st, txn) : rc;
}

int ml_store_db_create(struct ml_store *st, MDB_txn *txn, enum ml_db db)
{
	ML_ASSERT(db > ML_DB_META && db < ML_DB_COUNT);
	return ml_error_from_mdb(mdb_dbi_open(
	    txn, ml_db_names[db], MDB_CREATE | ml_db_flags[db], &st->dbi[db]));
}

int ml_store_format_get(struct ml_store *st, MDB_txn *txn, unsigned *version)
{
	MDB_val key = {sizeof ml_format_key - 1, (void *)ml_format_key};
	uint64_t v;
	bool found;
	int rc = ml_store_get_be(st, txn, ML_DB_META, key, 4, &v, &found);
	*version = (unsigned)v;
	return rc == 0 && !found ? ML_E_CORRUPT : rc;
}

int ml_store_format_set(struct ml_store *st, MDB_txn *txn)
{
	int rc = ml_error_norm(ml_format_put(st, txn));
	if (rc == 0)
		st->format_version = ML_FORMAT_VERSION;
	return rc;
}

/* Reads the first and last record of a database: its root and both
 * edges of the tree, a few pages, so a damaged root or spine is refused
 * when the ledger opens rather than met by a later answer. */
static int ml_db_ends(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_cursor *cur;
	MDB_val k, v;
	int rc = mdb_cursor_open(txn, dbi, &cur);
	if (rc != 0)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	if (rc == 0)
		rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

static int ml_format_check(struct ml_store *st, MDB_txn *txn,
                           struct ml_errinfo *err)
{
	unsigned version;
	int rc = ml_store_format_get(st, txn, &version);
	if (rc == ML_E_CORRUPT)
		return ml_fail(err, ML_E_FORMAT, -1, NULL,
		               "%s is not a medel ledger (no format record)",
		               st->dir);
	if (rc != 0)
		return rc;
	if (version == 0 || version > ML_FORMAT_VERSION)
		return ml_fail(err, ML_E_FORMAT, -1, NULL,
		               "%s has ledger format version %u; this medel "
		               "knows version %u",
		               st->dir, (unsigned)version, ML_FORMAT_VERSION);
	for (int i = 0; i < ML_DB_COUNT; i++) {
		if (version < ml_db_since(i))
			continue; /* created by the migration */
		ml_reading_db((enum ml_db)i);
		rc = mdb_dbi_open(txn, ml_db_names[i], ml_db_flags[i],
		                  &st->dbi[i]);
		if (rc == MDB_NOTFOUND)
			return ml_fail(err, ML_E_FORMAT, -1, NULL,
			               "%s lacks the database '%s'", st->dir,
			               ml_db_names[i]);
		if (rc != 0)
			return rc;
		/* Every database is plain (no DUPSORT, INTEGERKEY, …): LMDB
		 * takes the flags stored for it as they are, so a damaged
		 * byte there would change how its keys are compared. */
		unsigned flags = 0;
		rc = mdb_dbi_flags(txn, st->dbi[i], &flags);
		if (rc == 0 && flags != 0)
			return ml_fail(err, ML_E_CORRUPT, -1, NULL,
			               "%s is damaged: the database '%s' has "
			               "flags 0x%x (they are 0)",
			               st->dir, ml_db_names[i], flags);
		if (rc == 0)
			rc = ml_db_ends(txn, st->dbi[i]);
		if (rc != 0)
			return ml_fail(err, ml_error_from_mdb(rc), -1, NULL,
			               "%s is damaged: the database '%s' "
			               "cannot be read: %s",
			               st->dir, ml_db_names[i],
			               mdb_strerror(rc));
	}
	st->format_version = (unsigned)version; /* older: ml_migrate_open */
	return 0;
}

/* Is the main database empty (a new file)? */
static int ml_main_empty(MDB_txn *txn, bool *empty)
{
	MDB_dbi main_dbi;
	MDB_stat ms;
	int rc = mdb_dbi_open(txn, NULL, 0, &main_dbi);
	if (rc == 0)
		rc = mdb_stat(txn, main_dbi, &ms);
	if (rc == 0)
		*empty = ms.ms_entries == 0;
	return rc;
}

/* Opens the databases and checks the format record in a transaction
 * that is read-only (rdonly) or may write: a ledger that exists opens in
 * a read-only one, so a reader never waits on the write lock another
 * process holds while it appends; only a new file (no meta database:
 * MDB_NOTFOUND, nothing else tried) needs a write transaction, to
 * create its databases and stamp the format. LMDB keeps the handles a
 * read-only transaction opened once it commits. */
static int ml_store_format_txn(struct ml_store *st, bool rdonly,
                               struct ml_errinfo *err)
{
	MDB_txn *txn = NULL;
	int rc = mdb_txn_begin(st->env, NULL, rdonly ? MDB_RDONLY : 0, &txn);
	if (rc != 0)
		return ml_fail(err, ml_error_from_mdb(rc), -1, NULL,
		               "cannot begin a transaction: %s",
		               mdb_strerror(rc));
	MDB_dbi meta;
	rc = mdb_dbi_open(txn, ml_db_names[ML_DB_META], 0, &meta);
	if (rc == MDB_NOTFOUND && rdonly) {
		mdb_txn_abort(txn);
		return MDB_NOTFOUND;
	}
	if (rc == MDB_NOTFOUND) {
		bool empty = false;
		rc = ml_main_empty(txn, &empty);
		if (rc == 0 && !empty)
			rc = ml_fail(err, ML_E_FORMAT, -1, NULL,
			             "%s holds an LMDB file that is not a "
			             "medel ledger",
			             st->dir);
		else if (rc == 0)
			rc = ml_format_create(st, txn);
	} else if (rc == 0) {
		st->dbi[ML_DB_META] = meta;
		ml_reading_begin("the ledger was being opened");
		rc = ml_format_check(st, txn, err);
		ml_reading_end();
	}
	if (rc != 0 && ml_error_norm(rc) != rc)
		rc = ml_fail(err, ml_error_from_mdb(rc), -1, NULL,
		             "cannot prepare the ledger: %s", mdb_strerror(rc));
	if (rc != 0) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_txn_commit(txn);
	if (rc != 0)
		return ml_fail(err, ml_error_from_mdb(rc), -1, NULL,
		               "cannot commit the format record: %s",
		               mdb_strerror(rc));
	return 0;
}

static int ml_store_format(struct ml_store *st, struct ml_errinfo *err)
{
	int rc = ml_store_format_txn(st, true, err);
	return rc == MDB_NOTFOUND ? ml_store_format_txn(st, false, err) : rc;
}

static int ml_store_env(struct ml_store *st, unsigned flags,
                        struct ml_errinfo *err)
{
	unsigned env_flags = MDB_NOTLS;
	if (flags & ML_STORE_NORDAHEAD)
		env_flags |= MDB_NORDAHEAD; /* LMDB: madvise(MADV_RANDOM) */
	int rc = mdb_env_create(&st->env);
	if (rc == 0)
		rc = mdb_env_set_maxdbs(st->env, ML_DBS_MAX);
	if (rc == 0)
		rc = mdb_env_set_mapsize(st->env, st->map_bytes);
	if (rc == 0) {
		/* LMDB reads its meta pages here, and the root pages with
		 * the page size they give: a damaged one may fault */
		ml_reading_begin("the ledger was being opened");
		rc = mdb_env_open(st->env, st->dir, env_flags, 0600);
		ml_reading_end();
	}
	MDB_envinfo info;
	if (rc == 0)
		rc = mdb_env_info(st->env, &info);
	if (rc != 0)
		return ml_fail(err, ml_error_from_mdb(rc), -1, NULL,
		               "cannot open the ledger in %s: %s", st->dir,
		               mdb_strerror(rc));
	st->map_bytes = info.me_mapsize;
	return 0;
}

int ml_store_open(const char *dir, unsigned flags, uint64_t map_bytes_initial,
                  uint64_t map_bytes_max, struct ml_store **out,
                  struct ml_errinfo *err)
{
	ml_errinfo_clear(err);
	int rc = ml_store_prepare_dir(dir, flags, err);
	if (rc != 0)
		return rc;
	struct ml_store *st = calloc(1, sizeof *st);
	if (st == NULL || (st->dir = strdup(dir)) == NULL) {
		free(st);
		return ml_fail(err, ML_E_NOMEM, -1, NULL, "out of memory");
	}
	st->lock_fd = -1;
	st->map_bytes_max =
	    map_bytes_max ? map_bytes_max : ML_MAP_BYTES_DEFAULT_MAX;
	st->map_bytes =
	    map_bytes_initial ? map_bytes_initial : ML_MAP_BYTES_INITIAL;
	if (st->map_bytes > st->map_bytes_max)
		st->map_bytes = st->map_bytes_max;
	rc = ml_store_lock(st, flags, err);
	if (rc == 0)
		rc = ml_store_env(st, flags, err);
	if (rc == 0)
		rc = ml_store_format(st, err);
	if (rc != 0) {
		ml_store_close(st);
		return rc;
	}
	ML_ASSERT(st->format_version >= 1 &&
	          st->format_version <= ML_FORMAT_VERSION);
	*out = st;
	return 0;
}

void ml_store_close(struct ml_store *st)
{
	if (st == NULL)
		return;
	if (st->env != NULL)
		mdb_env_close(st->env);
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	free(st->dir);
	free(st);
}

int ml_store_grow(struct ml_store *st)
{
	if (st->map_bytes >= st->map_bytes_max)
		return ML_E_MAP_FULL;
	uint64_t next = st->map_bytes * 2;
	if (next > st->map_bytes_max)
		next = st->map_bytes_max;
	int rc = mdb_env_set_mapsize(st->env, next);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	st->map_bytes = next;
	ML_ASSERT(st->map_bytes <= st->map_bytes_max);
	return 0;
}

int ml_store_txn_begin(struct ml_store *st, MDB_txn *parent, bool rdonly,
                       MDB_txn **out)
{
	int rc = mdb_txn_begin(st->env, parent, rdonly ? MDB_RDONLY : 0, out);
	if (rc == MDB_MAP_RESIZED) {
		/* Another process grew the map: adopt its size and retry. */
		rc = mdb_env_set_mapsize(st->env, 0);
		if (rc == 0)
			rc = mdb_txn_begin(st->env, parent,
			                   rdonly ? MDB_RDONLY : 0, out);
		MDB_envinfo info;
		if (rc == 0 && mdb_env_info(st->env, &info) == 0)
			st->map_bytes = info.me_mapsize;
	}
	return ml_error_from_mdb(rc);
}

int ml_store_usage(struct ml_store *st, uint64_t *used_bytes,
                   uint64_t *map_bytes)
{
	MDB_envinfo info;
	MDB_stat ms;
	int rc = mdb_env_info(st->env, &info);
	if (rc == 0)
		rc = mdb_env_stat(st->env, &ms);
	if (rc != 0)
		return ml_error_from_mdb(rc);
	*used_bytes = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	*map_bytes = info.me_mapsize;
	return 0;
}

int ml_store_copy_fd(struct ml_store *st, int fd)
{
	return ml_error_from_mdb(mdb_env_copyfd2(st->env, fd, MDB_CP_COMPACT));
}

/* Where MDB_meta's mm_txnid sits in a meta page of LMDB 0.9 (lmdb.h's
 * file format): the 16-byte page header, then mm_magic, mm_version (4
 * each), mm_address, mm_mapsize (8 each), mm_dbs[2] (48 each) and
 * mm_last_pg (8). */
#define ML_LMDB_META_TXNID_AT 144
#define ML_LMDB_META_MAGIC_AT 16
#define ML_LMDB_MAGIC         0xBEEFC0DEu

static int ml_store_meta_txnid(int fd, off_t page_at, uint64_t *txnid,
                               bool *magic_ok)
{
	unsigned char b[ML_LMDB_META_TXNID_AT + 8];
	if (pread(fd, b, sizeof b, page_at) != (ssize_t)sizeof b)
		return ML_E_IO;
	uint32_t magic;
	memcpy(&magic, b + ML_LMDB_META_MAGIC_AT, 4); /* native order */
	memcpy(txnid, b + ML_LMDB_META_TXNID_AT, 8);
	*magic_ok = magic == ML_LMDB_MAGIC;
	return 0;
}

int ml_store_check_metas(struct ml_store *st, bool *ok, char *why,
                         size_t why_size)
{
	char path[4096];
	MDB_stat ms;
	uint64_t t[2] = {0, 0};
	bool magic[2] = {false, false};
	*ok = false;
	if (ml_path(path, sizeof path, st->dir, "data.mdb") != 0 ||
	    mdb_env_stat(st->env, &ms) != 0)
		return ML_E_IO;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ML_E_IO;
	int rc = ml_store_meta_txnid(fd, 0, &t[0], &magic[0]);
	if (rc == 0)
		rc = ml_store_meta_txnid(fd, (off_t)ms.ms_psize, &t[1],
		                         &magic[1]);
	close(fd);
	if (rc != 0)
		return rc;
	bool parity =
	    (t[0] == 0 || t[0] % 2 == 0) && (t[1] % 2 == 1 || t[1] == 0);
	bool consecutive =
	    t[0] + 1 == t[1] || t[1] + 1 == t[0] || (t[0] == 0 && t[1] == 0);
	*ok = magic[0] && magic[1] && parity && consecutive;
	snprintf(
	    why, why_size,
	    "LMDB's meta pages hold transactions %llu and %llu%s: the file "
	    "may have been opened at an older commit than its last",
	    (unsigned long long)t[0], (unsigned long long)t[1],
	    magic[0] && magic[1] ? "" : " (and a damaged magic number)");
	return 0;
}

/* The mapping of /proc/self/maps that holds inside: [*start, *end). */
static bool ml_store_mapping_of(const void *inside, uintptr_t *start,
                                uintptr_t *end)
{
	FILE *f = fopen("/proc/self/maps", "r");
	uintptr_t at = (uintptr_t)inside;
	bool found = false;
	if (f == NULL)
		return false;
	unsigned long lo, hi;
	while (!found && fscanf(f, "%lx-%lx%*[^\n]", &lo, &hi) == 2) {
		found = lo <= at && at < hi;
		*start = lo;
		*end = hi;
	}
	fclose(f);
	return found;
}

/* /proc/self/statm, opened once per process (a pread of it costs under a
 * microsecond, an fopen four): the descriptor names the process that
 * opened it, so a forked child opens its own. */
static int ml_statm_fd = -1;
static pid_t ml_statm_pid = 0;
static pthread_mutex_t ml_statm_lock = PTHREAD_MUTEX_INITIALIZER;

static int ml_statm_open(void)
{
	pid_t pid = getpid();
	pthread_mutex_lock(&ml_statm_lock);
	if (ml_statm_fd < 0 || ml_statm_pid != pid) {
		if (ml_statm_fd >= 0)
			close(ml_statm_fd);
		ml_statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
		ml_statm_pid = pid;
	}
	int fd = ml_statm_fd;
	pthread_mutex_unlock(&ml_statm_lock);
	return fd;
}

uint64_t ml_store_file_resident_bytes(void)
{
	char text[128];
	int fd = ml_statm_open();
	ssize_t n = fd >= 0 ? pread(fd, text, sizeof text - 1, 0) : -1;
	if (n <= 0)
		return 0;
	text[n] = '\0';
	unsigned long size, resident, shared = 0;
	if (sscanf(text, "%lu %lu %lu", &size, &resident, &shared) != 3)
		shared = 0;
	return (uint64_t)shared * (uint64_t)sysconf(_SC_PAGESIZE);
}

bool ml_store_map_trim(const void *inside, uint64_t resident_max_bytes)
{
	if (ml_store_file_resident_bytes() <= resident_max_bytes)
		return false;
	ml_store_map_release(inside);
	return true;
}

void ml_store_map_release(const void *inside)
{
	uintptr_t start, end;
	if (inside == NULL || !ml_store_mapping_of(inside, &start, &end))
		return;
	ML_ASSERT(start < end);
	/* clean file pages of a shared map: they stay in the page cache */
	(void)madvise((void *)start, end - start, MADV_DONTNEED);
}
