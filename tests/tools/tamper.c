/*
 * tamper.c — flips bytes of a stopped ledger's data.mdb, one copy at a
 * time, and requires each copy to be caught or to change nothing.
 *
 *     tamper LEDGER_DIR [--sample N] [--pages] [--limit N] [--jobs J]
 *                       [--work DIR] [--events N] [--child-seconds S]
 *
 * First the original is opened and a fixed set of questions asked through
 * the API layer (ma_api_handle, the code medeld and medel --db answer
 * with): the whole log, every event by seq, parties and grants, balances
 * of every grant and party on dates across the log and as known at times
 * across it, every grant's trace, repayments by grant and by year,
 * deadlines. Their exact bytes are the baseline.
 *
 * Then, for each chosen byte position, the byte is flipped in a working
 * copy and a child process (fork: LMDB may crash on a damaged page, and
 * that must be seen, not take the run down) opens the copy, runs GET
 * /v1/verify, and asks every question, comparing each answer with the
 * baseline byte for byte. Verify runs first; only a copy verify passes has its answers
 * compared (one verify catches needs none). Each copy ends in one class:
 *
 *   refused     the ledger would not open (a clear error)
 *   verify      verify answered ok:false and named the difference
 *   error       verify could not run (it said why: an error document)
 *   same        verify ok, and every answer is byte-identical
 *   UNDETECTED  verify ok, and some answer differs       (a failure)
 *   HANG        the child ran 20 s (--child-seconds: a 1 000 000-event
 *               copy's verify alone takes ~30 s on a shared machine)
 *                                                       (a failure)
 *   CRASH       the child died by a signal, or by one the damage guard
 *               did not claim (a fault while answering after verify said
 *               ok would be a real finding)
 *
 * LMDB 0.9 trusts the node offsets in its pages: one pointing outside its
 * page is read (SIGSEGV, SIGBUS). The child installs the handler `medel
 * verify` installs (cli/mc_guard.c), with the same sentence from the
 * library (ml_damage_message): a fault while the ledger opens counts as
 * refused, one while verify reads as verify, each with that sentence
 * naming the table ("caught SIGSEGV: …"); any other fault is a CRASH.
 *
 * --no-verify skips verify (every copy counts as verified ok): the test
 * runs a few hundred copies so, to see that the comparison of answers
 * finds the changes verify must catch.
 *
 * Positions: every byte when the file has at most --sample bytes (default
 * 20 000), else --sample positions spread evenly over the file (each in
 * its own stretch of size/N bytes, at a fixed pseudo-random offset in
 * it); with --pages one position per 4 KiB page (--limit N: N pages
 * spread over the file). Even positions get xor 0xff, odd ones a single
 * bit. Deterministic: the same file gives the same positions.
 *
 * --jobs J runs J workers, each with its own copy in --work (default
 * /dev/shm when writable, else $TMPDIR or /tmp). Exit 0 when no copy is
 * UNDETECTED or HANG; the summary's counts go to stdout.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ma_api.h"
#include "ml_damage.h"
#include "ml_ledger.h"

#define TP_PAGE_BYTES    4096u
#define TP_CHILD_S       20u /* a copy taking longer is a hang */
#define TP_QUESTIONS_MAX 4096u
#define TP_JOBS_MAX      16u
#define TP_EXIT_CAUGHT   3 /* a child's exit when the guard named damage */

struct tp_question {
	char *path, *query;
	int status;
	char *body; /* the original's answer */
	size_t len;
};

struct tp_opts {
	const char *ledger, *work;
	size_t sample, limit, events_max;
	bool pages;
	unsigned jobs;
};

static bool tp_no_verify;                /* --no-verify: the test's own teeth */
static unsigned tp_child_s = TP_CHILD_S; /* --child-seconds */

/* What a child leaves in the shared page. */
struct tp_result {
	int stage;      /* 1 opened, 2 answered, 3 verified */
	int opened;     /* 0: refused */
	int verify;     /* 1 ok, 0 a difference, -1 could not run */
	int first_diff; /* index of the first answer that differs, or -1 */
	int caught;     /* the signal the damage guard named, or 0 */
	char msg[400];
};

static struct tp_question tp_q[TP_QUESTIONS_MAX];
static size_t tp_nq;

static void tp_die(const char *what)
{
	fprintf(stderr, "tamper: %s: %s\n", what, strerror(errno));
	exit(2);
}

static void tp_ask(const char *path, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void tp_ask(const char *path, const char *fmt, ...)
{
	char q[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q, sizeof q, fmt, ap);
	va_end(ap);
	if (tp_nq == TP_QUESTIONS_MAX)
		return;
	tp_q[tp_nq].path = strdup(path);
	tp_q[tp_nq].query = strdup(q);
	tp_nq++;
}

/* Asks q of api; the status and body into *status, resp. */
static void tp_answer(struct ma_api *api, const struct tp_question *q,
                      struct ma_response *resp)
{
	struct ma_request req = {
	    .method = "GET",
	    .path = q->path,
	    .query = q->query,
	    .caller = {.name = "tamper", .role = MA_ROLE_ADMIN}};
	ma_response_free(resp);
	ma_response_init(resp);
	ma_api_handle(api, &req, resp);
}

static int tp_open(const char *dir, struct ml_ledger **lg, char *msg,
                   size_t size)
{
	struct ml_open_opts opts = {.flags = ML_OPEN_NO_CREATE};
	struct ml_errinfo err;
	ml_errinfo_clear(&err);
	int rc = ml_ledger_open(dir, &opts, lg, &err);
	if (rc != 0)
		snprintf(msg, size, "%s", err.message);
	return rc;
}

/* --- the questions, from the original's log -------------------------- */

struct tp_facts {
	char grants[256][130], parties[512][130];
	size_t ngrants, nparties;
	char dates[8][11], known[2][40];
	size_t ndates, nknown;
	int years[64];
	size_t nyears;
	uint64_t head;
};

static int tp_date_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void tp_add_year(struct tp_facts *f, int y)
{
	for (size_t i = 0; i < f->nyears; i++) {
		if (f->years[i] == y)
			return;
	}
	if (f->nyears < 64)
		f->years[f->nyears++] = y;
}

/* Collects ids, dates, years and recorded_at times from a log page. */
static void tp_learn(struct tp_facts *f, cJSON *events, char (*all)[11],
                     size_t *nall, size_t cap)
{
	const cJSON *e;
	cJSON_ArrayForEach(e, events)
	{
		const char *type = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "type"));
		const char *date = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "date"));
		const char *g = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "grant"));
		const char *p = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "party"));
		if (type && !strcmp(type, "grant") && g && f->ngrants < 256)
			snprintf(f->grants[f->ngrants++], 130, "%s", g);
		if (type && !strcmp(type, "party") && p && f->nparties < 512)
			snprintf(f->parties[f->nparties++], 130, "%s", p);
		if (date != NULL && *nall < cap) {
			snprintf(all[(*nall)++], 11, "%s", date);
			tp_add_year(f, (int)strtol(date, NULL, 10));
		}
	}
}

/* Dates at quantiles of the log's dates; known_at at 1/3 and 2/3. */
static void tp_pick(struct tp_facts *f, char (*all)[11], size_t nall,
                    cJSON *first_page)
{
	qsort(all, nall, 11, tp_date_cmp);
	for (size_t i = 0; nall > 0 && i < 8; i++)
		memcpy(f->dates[f->ndates++], all[(nall - 1) * i / 7], 11);
	size_t n = (size_t)cJSON_GetArraySize(first_page);
	for (size_t k = 1; n > 0 && k <= 2; k++) {
		cJSON *e = cJSON_GetArrayItem(first_page, (int)(n * k / 3));
		const char *t = cJSON_GetStringValue(
		    cJSON_GetObjectItemCaseSensitive(e, "recorded_at"));
		if (t != NULL)
			snprintf(f->known[f->nknown++], 40, "%s", t);
	}
}

/* Reads the log (up to events_max events, 1 000 a page) into f. */
static void tp_facts_read(struct ma_api *api, struct tp_facts *f,
                          size_t events_max)
{
	static char all[100000][11];
	size_t nall = 0;
	struct ma_response resp;
	ma_response_init(&resp);
	cJSON *first = NULL;
	memset(f, 0, sizeof *f);
	struct tp_question hz = {.path = "/healthz", .query = ""};
	tp_answer(api, &hz, &resp);
	cJSON *h = cJSON_ParseWithLength(resp.body.data, resp.body.len);
	f->head = (uint64_t)cJSON_GetNumberValue(
	    cJSON_GetObjectItemCaseSensitive(h, "head_seq"));
	cJSON_Delete(h);
	for (uint64_t after = 0; after < events_max; after += 1000) {
		char q[64];
		snprintf(q, sizeof q, "after=%llu&limit=1000",
		         (unsigned long long)after);
		struct tp_question tq = {.path = "/v1/events", .query = q};
		tp_answer(api, &tq, &resp);
		cJSON *doc =
		    cJSON_ParseWithLength(resp.body.data, resp.body.len);
		cJSON *ev = cJSON_GetObjectItemCaseSensitive(doc, "events");
		int n = cJSON_GetArraySize(ev);
		tp_learn(f, ev, all, &nall, 100000);
		if (first == NULL)
			first = cJSON_DetachItemFromObject(doc, "events");
		cJSON_Delete(doc);
		if (n < 1000)
			break;
	}
	tp_pick(f, all, nall, first);
	cJSON_Delete(first);
	ma_response_free(&resp);
}

static void tp_questions_log(const struct tp_facts *f, size_t events_max)
{
	tp_ask("/healthz", "%s", "");
	for (uint64_t a = 0; a < f->head; a += 1000)
		tp_ask("/v1/events", "after=%llu&limit=1000",
		       (unsigned long long)a);
	size_t n = f->head < events_max ? f->head : events_max;
	for (size_t i = 0; i < n; i++) {
		char path[64];
		uint64_t s = n == f->head ? i + 1 : 1 + i * f->head / n;
		snprintf(path, sizeof path, "/v1/events/%llu",
		         (unsigned long long)s);
		tp_ask(path, "%s", "");
	}
	for (size_t i = 0; i < f->ngrants; i++)
		tp_ask("/v1/events", "grant=%s&limit=1000", f->grants[i]);
	/* Filtered reads scan the log: four parties are enough to cover
	 * the filter; every party's balances are asked below. */
	for (size_t i = 0; i < f->nparties && i < 4; i++)
		tp_ask("/v1/events", "party=%s&limit=1000", f->parties[i]);
}

static void tp_questions_money(const struct tp_facts *f)
{
	const char *last = f->ndates ? f->dates[f->ndates - 1] : "2020-12-31";
	for (size_t i = 0; i < f->ndates; i++) {
		tp_ask("/v1/parties", "as_of=%s", f->dates[i]);
		tp_ask("/v1/grants", "as_of=%s", f->dates[i]);
		tp_ask("/v1/balances", "as_of=%s", f->dates[i]);
		tp_ask("/v1/deadlines", "as_of=%s", f->dates[i]);
	}
	for (size_t k = 0; k < f->nknown; k++) {
		tp_ask("/v1/balances", "as_of=%s&known_at=%s", last,
		       f->known[k]);
		tp_ask("/v1/deadlines", "as_of=%s&known_at=%s", last,
		       f->known[k]);
	}
	for (size_t i = 0; i < f->ngrants; i++) {
		const char *g = f->grants[i];
		tp_ask("/v1/balances", "grant=%s&posts=1&as_of=%s", g, last);
		tp_ask("/v1/trace", "grant=%s&as_of=%s", g, last);
		tp_ask("/v1/trace", "grant=%s&posts=1&as_of=%s", g, last);
		for (size_t k = 0; k < f->nknown; k++)
			tp_ask("/v1/trace", "grant=%s&as_of=%s&known_at=%s", g,
			       last, f->known[k]);
		tp_ask("/v1/repayments", "grant=%s&as_of=%s", g, last);
	}
	for (size_t i = 0; i < f->nparties; i++)
		tp_ask("/v1/balances", "party=%s&rollup=1&as_of=%s",
		       f->parties[i], last);
	for (size_t i = 0; i < f->nyears; i++)
		tp_ask("/v1/repayments", "year=%d&as_of=%s", f->years[i], last);
}

/* The original's answers: the baseline every copy is held to. */
static int tp_baseline(const struct tp_opts *o)
{
	struct ml_ledger *lg = NULL;
	char msg[400];
	if (tp_open(o->ledger, &lg, msg, sizeof msg) != 0) {
		fprintf(stderr, "tamper: %s: %s\n", o->ledger, msg);
		return -1;
	}
	struct ma_api api;
	ma_api_init(&api, lg, ma_append_direct, lg);
	struct tp_facts *f = malloc(sizeof *f);
	if (f == NULL)
		tp_die("malloc");
	tp_facts_read(&api, f, o->events_max);
	tp_questions_log(f, o->events_max);
	tp_questions_money(f);
	struct ma_response resp;
	ma_response_init(&resp);
	for (size_t i = 0; i < tp_nq; i++) {
		tp_answer(&api, &tp_q[i], &resp);
		tp_q[i].status = resp.status;
		tp_q[i].len = resp.body.len;
		tp_q[i].body = malloc(resp.body.len + 1);
		if (tp_q[i].body == NULL)
			tp_die("malloc");
		memcpy(tp_q[i].body, resp.body.data, resp.body.len);
	}
	ma_response_free(&resp);
	printf("tamper: %zu questions; %llu events, %zu grants, %zu parties\n",
	       tp_nq, (unsigned long long)f->head, f->ngrants, f->nparties);
	free(f);
	ml_ledger_close(lg);
	return 0;
}

/* --- one copy ---------------------------------------------------------- */

static void tp_verify(struct ma_api *api, struct tp_result *r)
{
	struct tp_question q = {.path = "/v1/verify", .query = ""};
	struct ma_response resp;
	ma_response_init(&resp);
	tp_answer(api, &q, &resp);
	cJSON *doc = cJSON_ParseWithLength(resp.body.data, resp.body.len);
	cJSON *ok = cJSON_GetObjectItemCaseSensitive(doc, "ok");
	cJSON *diff = cJSON_GetObjectItemCaseSensitive(doc, "difference");
	cJSON *err = cJSON_GetObjectItemCaseSensitive(doc, "error");
	const char *kind = cJSON_GetStringValue(
	    cJSON_GetObjectItemCaseSensitive(diff, "kind"));
	const char *m = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    diff != NULL ? diff : err, "message"));
	r->verify = resp.status == 200 && cJSON_IsTrue(ok)    ? 1
	            : resp.status == 200 && cJSON_IsFalse(ok) ? 0
	                                                      : -1;
	if (r->verify != 1)
		snprintf(r->msg, sizeof r->msg, "%s: %s", kind ? kind : "error",
		         m ? m : "(no message)");
	cJSON_Delete(doc);
	ma_response_free(&resp);
}

/* One copy: open it, ask everything, compare, verify. */
static void tp_copy(const char *dir, struct tp_result *r)
{
	struct ml_ledger *lg = NULL;
	r->first_diff = -1;
	if (tp_open(dir, &lg, r->msg, sizeof r->msg) != 0)
		return;
	r->opened = 1;
	r->stage = 1;
	struct ma_api api;
	ma_api_init(&api, lg, ma_append_direct, lg);
	if (tp_no_verify)
		r->verify = 1;
	else
		tp_verify(&api, r);
	r->stage = 2;
	struct ma_response resp;
	ma_response_init(&resp);
	/* A copy verify caught needs no answers: it is detected. */
	for (size_t i = 0; i < tp_nq && r->verify == 1 && r->first_diff < 0;
	     i++) {
		tp_answer(&api, &tp_q[i], &resp);
		if (resp.status != tp_q[i].status ||
		    resp.body.len != tp_q[i].len ||
		    memcmp(resp.body.data, tp_q[i].body, tp_q[i].len) != 0)
			r->first_diff = (int)i;
	}
	ma_response_free(&resp);
	r->stage = 3;
	ml_ledger_close(lg);
}

static const char *tp_classify(const struct tp_result *r, int wstatus,
                               char *detail, size_t size)
{
	static const char *const stages[] = {"opening", "verifying",
	                                     "answering", "closing"};
	if (WIFSIGNALED(wstatus)) {
		int sig = WTERMSIG(wstatus);
		snprintf(detail, size, "signal %d (%s) while %s", sig,
		         strsignal(sig), stages[r->stage & 3]);
		return sig == SIGALRM ? "HANG" : "CRASH";
	}
	if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == TP_EXIT_CAUGHT &&
	    r->caught != 0 && r->stage <= 1) {
		snprintf(detail, size, "caught %s while %s: %s",
		         r->caught == SIGBUS    ? "SIGBUS"
		         : r->caught == SIGABRT ? "SIGABRT"
		                                : "SIGSEGV",
		         stages[r->stage], r->msg);
		return r->stage == 0 ? "refused" : "verify";
	}
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
		snprintf(detail, size, "exit status %d", WEXITSTATUS(wstatus));
		return "CRASH";
	}
	snprintf(detail, size, "%s", r->msg);
	if (!r->opened)
		return "refused";
	if (r->verify == 0)
		return "verify";
	if (r->verify < 0)
		return "error";
	if (r->first_diff < 0)
		return "same";
	snprintf(detail, size, "GET %s?%s differs", tp_q[r->first_diff].path,
	         tp_q[r->first_diff].query);
	return "UNDETECTED";
}

/* --- the damage guard (what cli/mc_guard.c does for medel verify) ------- */

static struct tp_result *volatile tp_guarded;

static void tp_on_fault(int sig)
{
	struct tp_result *r = tp_guarded;
	char msg[sizeof r->msg];
	size_t n = ml_damage_message(sig, msg, sizeof msg);
	if (r == NULL || n == 0) {
		signal(sig, SIG_DFL);
		raise(sig);
		return;
	}
	memcpy(r->msg, msg, n + 1);
	r->caught = sig;
	_exit(TP_EXIT_CAUGHT);
}

static void tp_guard(struct tp_result *r)
{
	static char stack[64 * 1024];
	stack_t ss = {.ss_sp = stack, .ss_size = sizeof stack};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = tp_on_fault;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = sigaltstack(&ss, NULL) == 0 ? SA_ONSTACK : 0;
	tp_guarded = r;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);
}

/* --- the workers --------------------------------------------------------- */

static void tp_write_file(const char *path, const unsigned char *data,
                          size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		tp_die(path);
	for (size_t done = 0; done < size;) {
		ssize_t n = write(fd, data + done, size - done);
		if (n <= 0)
			tp_die(path);
		done += (size_t)n;
	}
	close(fd);
}

/* Puts the copy back to the original if the child wrote to it. */
static void tp_restore(const char *path, int fd, const unsigned char *orig,
                       size_t size, unsigned char *scratch)
{
	struct stat sb;
	if (fstat(fd, &sb) == 0 && (size_t)sb.st_size == size &&
	    pread(fd, scratch, size, 0) == (ssize_t)size &&
	    memcmp(scratch, orig, size) == 0)
		return;
	if (ftruncate(fd, 0) != 0)
		tp_die(path);
	tp_write_file(path, orig, size);
}

/* What a worker's child shares with it: the copy it is on, its result. */
struct tp_shared {
	size_t i; /* index into pos of the copy under way */
	struct tp_result r;
};

struct tp_worker {
	char dir[4096], path[4200];
	int fd, out;
	const unsigned char *orig;
	unsigned char *scratch;
	size_t size, npos;
	const size_t *pos;
	unsigned jobs;
	struct tp_shared *sh;
};

static unsigned char tp_mask(size_t i)
{
	return i % 2 == 0 ? 0xff : (unsigned char)(1u << (i / 2 % 8));
}

static void tp_flip(struct tp_worker *w, size_t i, bool on)
{
	size_t p = w->pos[i];
	unsigned char b = on ? w->orig[p] ^ tp_mask(i) : w->orig[p];
	if (pwrite(w->fd, &b, 1, (off_t)p) != 1)
		tp_die("pwrite");
}

static void tp_line(struct tp_worker *w, size_t i, int ws)
{
	char detail[512];
	const char *cls = tp_classify(&w->sh->r, ws, detail, sizeof detail);
	dprintf(w->out, "%zu %02x %s %s\n", w->pos[i], tp_mask(i), cls, detail);
	tp_flip(w, i, false);
	tp_restore(w->path, w->fd, w->orig, w->size, w->scratch);
}

/* The child: copies i, i + jobs, … until the last or until one kills it
 * (its worker then writes that one's line). */
static void tp_child(struct tp_worker *w, size_t from)
{
	tp_guard(&w->sh->r);
	for (size_t i = from; i < w->npos; i += w->jobs) {
		w->sh->i = i;
		memset(&w->sh->r, 0, sizeof w->sh->r);
		tp_flip(w, i, true);
		alarm(tp_child_s);
		tp_copy(w->dir, &w->sh->r);
		alarm(0);
		tp_line(w, i, 0);
	}
	_exit(0);
}

static void tp_worker_run(struct tp_worker *w, size_t first)
{
	for (size_t from = first; from < w->npos;) {
		w->sh->i = w->npos;
		pid_t pid = fork();
		if (pid < 0)
			tp_die("fork");
		if (pid == 0)
			tp_child(w, from);
		int ws = 0;
		while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
			;
		if (WIFEXITED(ws) && WEXITSTATUS(ws) == 0)
			return;
		size_t i = w->sh->i;
		if (i >= w->npos)
			tp_die("a child died before its first copy");
		tp_line(w, i, ws);
		from = i + w->jobs;
	}
}

static void tp_worker(const struct tp_opts *o, unsigned n,
                      const unsigned char *orig, size_t size, const size_t *pos,
                      size_t npos)
{
	static struct tp_worker w;
	snprintf(w.dir, sizeof w.dir, "%s/w%u", o->work, n);
	mkdir(w.dir, 0700);
	snprintf(w.path, sizeof w.path, "%s/data.mdb", w.dir);
	tp_write_file(w.path, orig, size);
	w.fd = open(w.path, O_RDWR | O_CLOEXEC);
	char txt[4200];
	snprintf(txt, sizeof txt, "%s/w%u.txt", o->work, n);
	w.out = open(txt, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	w.scratch = malloc(size);
	w.sh = mmap(NULL, sizeof *w.sh, PROT_READ | PROT_WRITE,
	            MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (w.fd < 0 || w.out < 0 || w.scratch == NULL || w.sh == MAP_FAILED)
		tp_die(w.dir);
	w.orig = orig;
	w.size = size;
	w.pos = pos;
	w.npos = npos;
	w.jobs = o->jobs;
	tp_worker_run(&w, n);
	close(w.out);
	_exit(0);
}

/* Evenly spread positions (every byte when there are few enough). */
static size_t *tp_positions(const struct tp_opts *o, size_t size, size_t *npos)
{
	size_t pages = size / TP_PAGE_BYTES;
	size_t n = o->pages ? pages : size <= o->sample ? size : o->sample;
	if (o->pages && o->limit > 0 && o->limit < pages)
		n = o->limit;
	size_t *pos = calloc(n ? n : 1, sizeof *pos);
	if (pos == NULL)
		tp_die("calloc");
	for (size_t i = 0; i < n; i++) {
		size_t from = (size_t)((unsigned __int128)i * size / n);
		size_t to = (size_t)((unsigned __int128)(i + 1) * size / n);
		uint64_t h = (i + 1) * UINT64_C(0x9e3779b97f4a7c15);
		pos[i] = from + (size_t)((h >> 33) % (to - from));
	}
	*npos = n;
	return pos;
}

/* --- the run ------------------------------------------------------------- */

static unsigned char *tp_read_file(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat sb;
	if (fd < 0 || fstat(fd, &sb) != 0)
		tp_die(path);
	unsigned char *b = malloc((size_t)sb.st_size + 1);
	if (b == NULL || read(fd, b, (size_t)sb.st_size) != (ssize_t)sb.st_size)
		tp_die(path);
	close(fd);
	*size = (size_t)sb.st_size;
	return b;
}

/* Counts the classes of every worker's lines; prints the failures. */
static int tp_summary(const struct tp_opts *o, size_t npos)
{
	static const char *const names[] = {"same",  "refused",    "verify",
	                                    "error", "UNDETECTED", "CRASH",
	                                    "HANG"};
	size_t count[7] = {0}, lines = 0, shown = 0, caught = 0;
	for (unsigned w = 0; w < o->jobs; w++) {
		char path[4200], line[1024], cls[32];
		snprintf(path, sizeof path, "%s/w%u.txt", o->work, w);
		FILE *f = fopen(path, "r");
		while (f != NULL && fgets(line, sizeof line, f) != NULL) {
			if (sscanf(line, "%*s %*s %31s", cls) != 1)
				continue;
			lines++;
			for (int k = 0; k < 7; k++)
				count[k] += strcmp(cls, names[k]) == 0;
			caught += strstr(line, " caught SIG") != NULL;
			if (cls[0] >= 'A' && cls[0] <= 'Z' && shown++ < 40)
				printf("  %s", line);
		}
		if (f != NULL)
			fclose(f);
	}
	printf("tamper: %zu copies of %zu positions:", lines, npos);
	for (int k = 0; k < 7; k++)
		printf(" %s %zu%s", names[k], count[k], k < 6 ? "," : "\n");
	printf("tamper: %zu of them caught by the damage guard (LMDB crashed "
	       "on a damaged page; counted as refused or verify)\n",
	       caught);
	bool bad = count[4] + count[6] > 0 || lines != npos;
	printf("tamper: %s\n", bad ? "FAIL" : "PASS");
	return bad ? 1 : 0;
}

static void tp_usage(void)
{
	fprintf(stderr, "usage: tamper LEDGER_DIR [--sample N] [--pages] "
	                "[--limit N] [--jobs J] [--work DIR] [--events N] "
	                "[--child-seconds S] [--no-verify]\n");
	exit(2);
}

static void tp_args(int argc, char **argv, struct tp_opts *o)
{
	const char *tmp = getenv("TMPDIR");
	*o = (struct tp_opts){.sample = 20000,
	                      .events_max = 2000,
	                      .jobs = 2,
	                      .work = access("/dev/shm", W_OK) == 0 ? "/dev/shm"
	                              : tmp                         ? tmp
	                                                            : "/tmp"};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--pages"))
			o->pages = true;
		else if (!strcmp(a, "--no-verify"))
			tp_no_verify = true;
		else if (v != NULL && !strcmp(a, "--sample") && ++i)
			o->sample = strtoul(v, NULL, 10);
		else if (v != NULL && !strcmp(a, "--limit") && ++i)
			o->limit = strtoul(v, NULL, 10);
		else if (v != NULL && !strcmp(a, "--events") && ++i)
			o->events_max = strtoul(v, NULL, 10);
		else if (v != NULL && !strcmp(a, "--jobs") && ++i)
			o->jobs = (unsigned)strtoul(v, NULL, 10);
		else if (v != NULL && !strcmp(a, "--work") && ++i)
			o->work = v;
		else if (v != NULL && !strcmp(a, "--child-seconds") && ++i)
			tp_child_s = (unsigned)strtoul(v, NULL, 10);
		else if (a[0] != '-' && o->ledger == NULL)
			o->ledger = a;
		else
			tp_usage();
	}
	if (o->ledger == NULL || o->jobs < 1 || o->jobs > TP_JOBS_MAX ||
	    o->sample < 1 || tp_child_s < 1)
		tp_usage();
}

int main(int argc, char **argv)
{
	struct tp_opts o;
	tp_args(argc, argv, &o);
	char path[4200], work[4200];
	snprintf(path, sizeof path, "%s/data.mdb", o.ledger);
	size_t size, npos;
	unsigned char *orig = tp_read_file(path, &size);
	snprintf(work, sizeof work, "%s/tamper-XXXXXX", o.work);
	if (mkdtemp(work) == NULL)
		tp_die(work);
	o.work = work;
	if (tp_baseline(&o) != 0)
		return 2;
	size_t *pos = tp_positions(&o, size, &npos);
	printf("tamper: data.mdb %zu bytes, %zu positions, %u jobs, in %s\n",
	       size, npos, o.jobs, work);
	fflush(stdout);
	for (unsigned w = 0; w < o.jobs; w++) {
		pid_t pid = fork();
		if (pid < 0)
			tp_die("fork");
		if (pid == 0)
			tp_worker(&o, w, orig, size, pos, npos);
	}
	while (wait(NULL) > 0 || errno == EINTR)
		;
	int rc = tp_summary(&o, npos);
	char cmd[4300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", work);
	if (system(cmd) != 0)
		fprintf(stderr, "tamper: could not remove %s\n", work);
	free(pos);
	free(orig);
	return rc;
}
