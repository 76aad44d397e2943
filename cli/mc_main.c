/*
 * mc_main.c — medel's entry: global options, the command, the exit.
 *
 *   medel [CONNECTION] [--json | --csv] COMMAND [ARGS]
 *
 * The global options (--db, --url, --token, --socket, --cacert, --json, --csv,
 * --lang, --help, --version) are taken out of argv wherever they stand, so
 * `medel repayments --year 2020 --csv` works as well as
 * `medel --csv repayments --year 2020`; what remains is the command and
 * its own arguments. The connection is opened by the command when it
 * first needs it (mc_ctx_conn), so `--help` and usage errors never touch
 * the ledger, and only writing commands may create one.
 *
 * stdout is fully buffered (one write per 64 KiB, not per line): a
 * balance of every account or an export of every event is written in
 * large pieces. Commands that print as they go (`log --follow`) flush.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mc_cli.h"
#include "mc_text.h"

#ifndef MEDEL_VERSION
#define MEDEL_VERSION "0.0.0"
#endif

static const struct mc_command *const mc_commands[] = {
    &mc_cmd_append,    &mc_cmd_record,  &mc_cmd_import_csv, &mc_cmd_distribute,
    &mc_cmd_log,       &mc_cmd_balance, &mc_cmd_trace,      &mc_cmd_repayments,
    &mc_cmd_deadlines, &mc_cmd_verify,  &mc_cmd_export,     &mc_cmd_backup,
    &mc_cmd_statement,
};
#define MC_COMMAND_COUNT (sizeof mc_commands / sizeof mc_commands[0])

static const char mc_usage_text[] =
    "usage: medel [CONNECTION] [--json | --csv] [--lang en|sv] COMMAND "
    "[ARGS]\n"
    "\n"
    "medel reads and writes the ledger of state grant money, embedded\n"
    "(--db DIR) or through a running medeld.\n"
    "\n"
    "Connection (the first that applies):\n"
    "  --db DIR          open the ledger in DIR directly (no medeld; refused\n"
    "                    while a medeld holds DIR)\n"
    "  --url URL         a medeld over TCP, with --token TOKEN or "
    "$MEDEL_TOKEN\n"
    "  --socket PATH     a medeld's Unix socket\n"
    "  --cacert FILE     for an https:// URL: verify medeld's certificate\n"
    "                    with the CA certificates in FILE (PEM) instead\n"
    "                    of the system's; also $MEDEL_CACERT\n"
    "  $MEDEL_URL, $MEDEL_SOCKET, then ./medel-data/medeld.sock\n"
    "\n"
    "Output:\n"
    "  (default)         tables for people; amounts as 22 949 683 kr\n"
    "  --json            exactly the API's JSON (errors: its error object)\n"
    "  --csv             for Swedish Excel: ';', decimal comma, UTF-8 BOM\n"
    "  --lang en|sv      the words of tables, --csv and trace's svg\n"
    "                    (default: the locale's, sv where it is Swedish,\n"
    "                    else en)\n"
    "\n"
    "Commands:\n";

static const char mc_usage_tail[] =
    "\n"
    "Run 'medel COMMAND --help' for a command's options and examples.\n"
    "Exit status: 0 ok, 1 the ledger said no (a rule, not found, verify\n"
    "failed), 2 usage error, 3 the ledger cannot be reached.\n"
    "Colour only on a terminal, never with NO_COLOR set.\n";

static void mc_print_usage(FILE *f)
{
	fputs(mc_usage_text, f);
	for (size_t i = 0; i < MC_COMMAND_COUNT; i++)
		fprintf(f, "  %-12s %s\n", mc_commands[i]->name,
		        mc_commands[i]->summary);
	fputs(mc_usage_tail, f);
}

static const struct mc_command *mc_find_command(const char *name)
{
	for (size_t i = 0; i < MC_COMMAND_COUNT; i++)
		if (strcmp(mc_commands[i]->name, name) == 0)
			return mc_commands[i];
	return NULL;
}

/* What the global options said. */
struct mc_globals {
	const char *db, *url, *token, *socket, *cacert, *lang;
	bool json, csv, help, version;
};

/* A global option at argv[*i] (which may take argv[*i + 1]): 1 taken,
 * 0 not a global option, -1 a value is missing. */
static int mc_global(int argc, char **argv, int *i, struct mc_globals *g)
{
	static const struct {
		const char *name;
		size_t offset;
	} valued[] = {
	    {"db", offsetof(struct mc_globals, db)},
	    {"url", offsetof(struct mc_globals, url)},
	    {"token", offsetof(struct mc_globals, token)},
	    {"socket", offsetof(struct mc_globals, socket)},
	    {"cacert", offsetof(struct mc_globals, cacert)},
	    {"lang", offsetof(struct mc_globals, lang)},
	};
	const char *a = argv[*i];
	if (strcmp(a, "--json") == 0 || strcmp(a, "--csv") == 0) {
		*(a[2] == 'j' ? &g->json : &g->csv) = true;
		return 1;
	}
	if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
		g->help = true;
		return 1;
	}
	if (strcmp(a, "--version") == 0) {
		g->version = true;
		return 1;
	}
	for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++) {
		size_t n = strlen(valued[k].name);
		if (strncmp(a, "--", 2) != 0 ||
		    strncmp(a + 2, valued[k].name, n) != 0)
			continue;
		const char **slot =
		    (const char **)((char *)g + valued[k].offset);
		if (a[2 + n] == '=') {
			*slot = a + 3 + n;
			return 1;
		}
		if (a[2 + n] != '\0')
			continue;
		if (*i + 1 >= argc)
			return -1;
		*slot = argv[++*i];
		return 1;
	}
	return 0;
}

/* Splits argv into the globals and the rest (the command and its
 * arguments), in order. Returns -1 with the option named in *bad when a
 * value is missing. */
static int mc_split(int argc, char **argv, struct mc_globals *g, char **rest,
                    int *n_rest, const char **bad)
{
	bool options = true;
	*n_rest = 0;
	for (int i = 1; i < argc; i++) {
		if (options && strcmp(argv[i], "--") == 0)
			options = false;
		int rc = options ? mc_global(argc, argv, &i, g) : 0;
		if (rc < 0) {
			*bad = argv[i];
			return -1;
		}
		if (rc == 0)
			rest[(*n_rest)++] = argv[i];
	}
	return 0;
}

static void mc_ctx_init(struct mc_ctx *ctx, const struct mc_globals *g)
{
	memset(ctx, 0, sizeof *ctx);
	ctx->out = g->json ? MC_OUT_JSON : g->csv ? MC_OUT_CSV : MC_OUT_HUMAN;
	ctx->lang = g->lang != NULL ? g->lang : mc_locale_lang();
	const char *term = getenv("TERM");
	ctx->colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL &&
	              !(term != NULL && strcmp(term, "dumb") == 0);
	ctx->utf8 = mc_locale_utf8();
	ctx->progress = isatty(STDERR_FILENO);
	mc_target_choose(&ctx->target, g->db, g->url, g->token, g->socket,
	                 g->cacert);
}

/* The command named by rest[0], run; or help. */
static int mc_dispatch(struct mc_ctx *ctx, const struct mc_globals *g,
                       char **rest, int n_rest)
{
	const char *name = n_rest > 0 ? rest[0] : NULL;
	if (name != NULL && strcmp(name, "help") == 0) {
		name = n_rest > 1 ? rest[1] : NULL;
		if (name == NULL) {
			mc_print_usage(stdout);
			return MC_EXIT_OK;
		}
		return mc_dispatch(ctx, &(struct mc_globals){.help = true},
		                   rest + 1, 1);
	}
	const struct mc_command *cmd = name ? mc_find_command(name) : NULL;
	if (name == NULL && g->help) {
		mc_print_usage(stdout);
		return MC_EXIT_OK;
	}
	if (name == NULL || cmd == NULL) {
		if (name != NULL)
			return mc_usage(ctx, "unknown command '%s'", name);
		return mc_usage(ctx, "no command given");
	}
	ctx->command = cmd->name;
	if (g->help) {
		fputs(cmd->help, stdout);
		return MC_EXIT_OK;
	}
	return cmd->run(ctx, n_rest - 1, rest + 1);
}

int main(int argc, char **argv)
{
	static char out_buf[64 * 1024];
	struct mc_globals g = {0};
	struct mc_ctx ctx;
	const char *bad = NULL;
	int n_rest = 0;
	char **rest = calloc((size_t)argc + 1, sizeof *rest);
	if (rest == NULL)
		return MC_EXIT_UNREACHABLE;
	setvbuf(stdout, out_buf, _IOFBF, sizeof out_buf);
	int split = mc_split(argc, argv, &g, rest, &n_rest, &bad);
	mc_ctx_init(&ctx, &g);
	int exit = MC_EXIT_OK;
	if (split != 0)
		exit = mc_usage(&ctx, "%s needs a value", bad);
	else if (g.json && g.csv)
		exit = mc_usage(&ctx, "--json and --csv exclude each other");
	else if (g.version)
		printf("medel %s\n", MEDEL_VERSION);
	else
		exit = mc_dispatch(&ctx, &g, rest, n_rest);
	exit = mc_finish_output(&ctx, exit);
	mc_conn_close(ctx.conn);
	free(rest);
	return exit;
}

/* --- the connection, opened on first use ------------------------------- */

struct mc_conn *mc_ctx_conn(struct mc_ctx *ctx, bool may_create, int *exit_out)
{
	struct mc_reply failure;
	if (ctx->conn != NULL)
		return ctx->conn;
	if (ctx->conn_failed != MC_EXIT_OK) { /* said already: once is enough */
		*exit_out = ctx->conn_failed;
		return NULL;
	}
	mc_reply_init(&failure, MC_ERROR_BODY_BYTES_MAX);
	int rc = mc_conn_open(&ctx->target, may_create, &ctx->conn, &failure);
	if (rc != 0) {
		*exit_out = mc_report(ctx, &failure, NULL, NULL);
		if (rc == -2)
			*exit_out = MC_EXIT_USAGE;
		ctx->conn = NULL;
		ctx->conn_failed = *exit_out;
	}
	mc_reply_free(&failure);
	return ctx->conn;
}

int mc_ctx_call(struct mc_ctx *ctx, const struct mc_call *call,
                struct mc_reply *r)
{
	int exit = MC_EXIT_OK;
	struct mc_conn *c = mc_ctx_conn(ctx, false, &exit);
	if (c == NULL)
		return exit;
	mc_conn_call(c, call, r);
	if (r->status >= 200 && r->status < 300)
		return MC_EXIT_OK;
	return mc_report(ctx, r, NULL, NULL);
}

int mc_ctx_get(struct mc_ctx *ctx, const char *path, const char *query,
               struct mc_reply *r)
{
	struct mc_call call = {
	    .method = "GET", .path = path, .query = query, .out_fd = -1};
	return mc_ctx_call(ctx, &call, r);
}
