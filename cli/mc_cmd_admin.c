/*
 * mc_cmd_admin.c — `medel verify`, `medel export`, `medel backup`: the
 * commands that read the whole ledger.
 *
 * verify re-hashes the chain and rebuilds every figure from the log
 * (GET /v1/verify); it exits 1 when anything differs, whatever the
 * output form, so a nightly job needs no parsing. On a terminal it shows
 * progress: events checked of all (embedded), or the time waited
 * (through medeld, which answers once at the end).
 *
 * export and backup stream: the bytes go from the ledger (embedded) or
 * from curl's write callback (medeld) straight to their descriptor, never
 * whole in memory. A backup is written to FILE.part and renamed to FILE
 * only when complete and synced, so FILE is never a half copy.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc_cli.h"
#include "mc_csv.h"
#include "mc_words.h"

/* --- verify ----------------------------------------------------------------
 */

static void mc_verify_csv(const struct mc_ctx *ctx, const cJSON *doc,
                          const cJSON *diff)
{
	static const char *const ints[] = {"events", "head_seq"};
	struct mc_csv_out w;
	int64_t n = 0;
	mc_csv_start(&w, mc_words_of(ctx->lang)->verify_csv,
	             MC_WORDS_VERIFY_CSV);
	ma_csv_cell(&w.w, ma_json_bool(doc, "ok") ? "true" : "false");
	for (size_t i = 0; i < 2; i++) {
		ma_json_int(doc, ints[i], &n);
		ma_csv_int(&w.w, n);
	}
	ma_csv_cell(&w.w, ma_json_str(doc, "head_hash"));
	ma_json_int(doc, "entries_checked", &n);
	ma_csv_int(&w.w, n);
	ma_csv_cell(&w.w, ma_json_str(diff, "kind"));
	if (ma_json_int(diff, "seq", &n) == 0)
		ma_csv_int(&w.w, n);
	else
		ma_csv_cell(&w.w, NULL);
	ma_csv_cell(&w.w, ma_json_str(diff, "message"));
	mc_csv_end_row(&w);
}

static void mc_verify_human(struct mc_ctx *ctx, const cJSON *doc,
                            const cJSON *diff)
{
	int64_t events = 0, checked = 0, seq = 0;
	ma_json_int(doc, "events", &events);
	ma_json_int(doc, "entries_checked", &checked);
	if (diff == NULL) {
		printf("%sok%s: %lld events, the hash chain and %lld entries "
		       "rebuilt from the log agree\nhead %s\n",
		       mc_style(ctx, MC_STYLE_GREEN),
		       mc_style(ctx, MC_STYLE_RESET), (long long)events,
		       (long long)checked, ma_json_str(doc, "head_hash"));
		return;
	}
	printf("%sDIFFERENCE%s (%s", mc_style(ctx, MC_STYLE_RED),
	       mc_style(ctx, MC_STYLE_RESET), ma_json_str(diff, "kind"));
	if (ma_json_int(diff, "seq", &seq) == 0)
		printf(", seq %lld", (long long)seq);
	printf("): %s\n", ma_json_str(diff, "message"));
}

static int mc_verify_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_progress progress;
	struct mc_reply r;
	size_t n_pos = 0;
	int exit = mc_args_parse(ctx, argc, argv, NULL, 0, NULL, 0, &n_pos);
	if (exit != MC_EXIT_OK)
		return exit;
	/* A page LMDB crashes on is named, not a silent death (mc_guard.c);
	 * the ledger opens inside the call, so its open is guarded too. */
	mc_guard_verify();
	mc_progress_start(&progress, ctx->progress, "verifying", 0, false);
	struct mc_call call = {.method = "GET",
	                       .path = "/v1/verify",
	                       .slow = true,
	                       .out_fd = -1,
	                       .progress = &progress};
	mc_reply_init(&r, MA_ANSWER_BYTES_MAX);
	exit = mc_ctx_call(ctx, &call, &r);
	mc_progress_end(&progress);
	cJSON *doc = exit == MC_EXIT_OK ? mc_json_parse(&r) : NULL;
	const cJSON *diff = cJSON_GetObjectItemCaseSensitive(doc, "difference");
	if (exit == MC_EXIT_OK &&
	    !cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(doc, "ok")))
		exit = mc_bad_answer(ctx, "no ok");
	else if (exit == MC_EXIT_OK && ctx->out == MC_OUT_JSON)
		mc_print_body(ctx, &r);
	else if (exit == MC_EXIT_OK && ctx->out == MC_OUT_CSV)
		mc_verify_csv(ctx, doc, diff);
	else if (exit == MC_EXIT_OK)
		mc_verify_human(ctx, doc, diff);
	if (exit == MC_EXIT_OK && !ma_json_bool(doc, "ok"))
		exit = MC_EXIT_REFUSED;
	cJSON_Delete(doc);
	mc_reply_free(&r);
	return exit;
}

const struct mc_command mc_cmd_verify = {
    "verify",
    "check the hash chain and rebuild every figure from the log",
    "usage: medel verify\n"
    "\n"
    "Re-reads the whole log: every event must hash to its stored hash and\n"
    "link to the one before; then every balance is rebuilt from the\n"
    "events alone and compared with the stored one, and each grant's\n"
    "money is checked to add up. Prints ok, or the first difference.\n"
    "Exit status 1 when anything differs. On a terminal, progress is\n"
    "shown on stderr.\n"
    "\n"
    "Examples:\n"
    "  medel verify\n"
    "  medel --db /srv/medel-backup verify || mail -s 'medel' it@example.se\n",
    mc_verify_run,
};

/* --- export ----------------------------------------------------------------
 */

static bool mc_export_format_ok(const char *f)
{
	return strcmp(f, "jsonl") == 0 || strcmp(f, "csv") == 0 ||
	       strcmp(f, "ledger") == 0 || strcmp(f, "beancount") == 0;
}

/* GET path?query streamed to fd; reports errors. */
static int mc_stream(struct mc_ctx *ctx, const char *path, const char *query,
                     int fd, const char *label, uint64_t *bytes)
{
	struct mc_progress progress;
	struct mc_reply r;
	mc_progress_start(&progress, ctx->progress, label, 0, true);
	struct mc_call call = {.method = "GET",
	                       .path = path,
	                       .query = query,
	                       .slow = true,
	                       .out_fd = fd,
	                       .progress = &progress};
	mc_reply_init(&r, MC_ERROR_BODY_BYTES_MAX);
	fflush(stdout);
	int exit = mc_ctx_call(ctx, &call, &r);
	mc_progress_end(&progress);
	*bytes = r.streamed_bytes;
	mc_reply_free(&r);
	return exit;
}

static int mc_export_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_opt o[] = {{"format", MC_OPT_VALUE, NULL},
	                     {"grant", MC_OPT_VALUE, NULL}};
	struct mc_query q;
	size_t n_pos = 0;
	uint64_t bytes = 0;
	int exit = mc_args_parse(ctx, argc, argv, o, 2, NULL, 0, &n_pos);
	if (exit != MC_EXIT_OK)
		return exit;
	const char *format = o[0].value;
	if (format == NULL)
		format = ctx->out == MC_OUT_CSV ? "csv" : "jsonl";
	if (!mc_export_format_ok(format))
		return mc_usage(ctx,
		                "--format must be jsonl, csv, ledger or "
		                "beancount, not '%s'",
		                format);
	mc_query_init(&q);
	mc_query_add(&q, "format", format);
	mc_query_add(&q, "grant", o[1].value);
	if (q.overflow)
		return mc_usage(ctx, "--grant is too long");
	return mc_stream(ctx, "/v1/export", q.text, STDOUT_FILENO, "exporting",
	                 &bytes);
}

const struct mc_command mc_cmd_export = {
    "export",
    "the log as JSON Lines, CSV, a hledger/ledger journal or beancount",
    "usage: medel export [--format jsonl|csv|ledger|beancount] [--grant G]\n"
    "\n"
    "Writes the whole log, or the events of grant G and its posts, to\n"
    "standard output (default format jsonl; --csv alone means csv):\n"
    "\n"
    "  jsonl      the stored events, one JSON object a line, seq order\n"
    "  csv        one event a row for Swedish Excel\n"
    "  ledger     a journal that hledger and ledger-cli read, by date\n"
    "  beancount  a file that bean-check accepts, by date\n"
    "\n"
    "The journals name one account per grant, party and figure, so that\n"
    "`hledger bal -e D` shows what `medel balance --as-of D-1` shows (the\n"
    "tools' end dates are exclusive); docs/cli.md explains the names.\n"
    "On a terminal, progress is shown on stderr.\n"
    "\n"
    "Examples:\n"
    "  medel export --format ledger > medel.journal\n"
    "  hledger -f medel.journal bal -e 2021-01-01\n"
    "  medel export --format beancount --grant psykisk-halsa-2020 > "
    "ph2020.beancount\n"
    "  medel export --format jsonl | gzip > log.jsonl.gz\n",
    mc_export_run,
};

/* --- backup ----------------------------------------------------------------
 */

static int mc_backup_to(struct mc_ctx *ctx, const char *file)
{
	char part[MC_PATH_BYTES_MAX];
	uint64_t bytes = 0;
	int n = snprintf(part, sizeof part, "%s.part", file);
	if (n < 0 || (size_t)n >= sizeof part)
		return mc_usage(ctx, "the file name is too long");
	int fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return mc_fail(ctx, MC_EXIT_USAGE, "usage",
		               "cannot create %s: %s", part, strerror(errno));
	int exit = mc_stream(ctx, "/v1/backup", NULL, fd, "copying", &bytes);
	if (exit == MC_EXIT_OK && fsync(fd) != 0)
		exit = mc_fail(ctx, MC_EXIT_REFUSED, "io", "cannot sync %s: %s",
		               part, strerror(errno));
	if (close(fd) != 0 && exit == MC_EXIT_OK)
		exit = mc_fail(ctx, MC_EXIT_REFUSED, "io",
		               "cannot write %s: %s", part, strerror(errno));
	if (exit == MC_EXIT_OK && rename(part, file) != 0)
		exit = mc_fail(ctx, MC_EXIT_REFUSED, "io",
		               "cannot rename %s: %s", part, strerror(errno));
	if (exit != MC_EXIT_OK) {
		unlink(part);
		return exit;
	}
	if (ctx->out == MC_OUT_HUMAN)
		printf("wrote %s: %llu bytes, a compacted copy of the ledger "
		       "(restore: put it as data.mdb in an empty directory)\n",
		       file, (unsigned long long)bytes);
	return MC_EXIT_OK;
}

static int mc_backup_run(struct mc_ctx *ctx, int argc, char **argv)
{
	char *pos[1];
	size_t n_pos = 0;
	uint64_t bytes = 0;
	int exit = mc_args_parse(ctx, argc, argv, NULL, 0, pos, 1, &n_pos);
	if (exit != MC_EXIT_OK)
		return exit;
	if (n_pos != 1)
		return mc_usage(ctx, "backup needs a FILE (or - for stdout)");
	if (strcmp(pos[0], "-") == 0)
		return mc_stream(ctx, "/v1/backup", NULL, STDOUT_FILENO,
		                 "copying", &bytes);
	return mc_backup_to(ctx, pos[0]);
}

const struct mc_command mc_cmd_backup = {
    "backup",
    "a consistent, compacted copy of the ledger while it runs",
    "usage: medel backup FILE\n"
    "\n"
    "Writes a consistent copy of the ledger's data file, as of one moment,\n"
    "without its free pages, while writes go on. FILE '-' writes to\n"
    "standard output. The copy is written to FILE.part and renamed when\n"
    "complete. Through medeld this needs the admin role (the Unix socket\n"
    "has it). To restore: put the copy as data.mdb in an empty directory\n"
    "and start medeld (or medel --db) on it.\n"
    "\n"
    "Examples:\n"
    "  medel backup /srv/backup/medel-$(date +%F).mdb\n"
    "  medel --db ./medel-data backup - | gzip > medel.mdb.gz\n",
    mc_backup_run,
};
