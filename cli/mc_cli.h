/*
 * mc_cli.h — medel, the command line: what every command shares.
 *
 * medel is a client of the ledger for controllers and year-end jobs. It
 * reaches the ledger one of two ways (mc_conn.h): embedded, opening the
 * LMDB directory itself (--db DIR) and answering through the same request
 * router medeld uses (ma_api.h), or through a running medeld over
 * its Unix socket or HTTP. Either way a command is a handful of API
 * requests (GET /v1/balances, POST /v1/events, …) whose JSON answers the
 * command prints. Because the embedded mode builds exactly the request
 * the daemon would get and feeds it to the same router, and because
 * every printer below works only from the answer's bytes, a command's
 * output and exit status are the same byte for byte either way.
 *
 * Output has three forms, chosen once per run:
 *
 *   human  aligned tables and trees, amounts as "22 949 683 kr"
 *          (ml_money_format), colour only on a terminal without NO_COLOR;
 *   --json exactly the API's body (the router's or medeld's bytes), and
 *          on failure the API's error object on stderr;
 *   --csv  what Swedish Excel opens: UTF-8 with BOM, ';' separators,
 *          decimal comma, a header row, CRLF, RFC 4180 quoting. For an
 *          answer (balance, trace, repayments, deadlines) it is the
 *          API's format=csv in the words of --lang (the locale's by default),
 *          printed as received; for what medel builds itself (log,
 *          append results, verify) it is written with the API layer's
 *          writer (ma_csv.h, mc_csv.h).
 *
 * Errors are one line on stderr, "medel: CODE: message", and the exit
 * status says whose fault it was (enum mc_exit). Each command lives in
 * its own mc_cmd_*.c and is described by a struct mc_command: its name,
 * one line for `medel --help`, and the text of `medel COMMAND --help`
 * with examples.
 */
#ifndef MC_CLI_H
#define MC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cjson/cJSON.h>

#include "ml_error.h"

#include "ma_json.h"

#include "mc_conn.h"
#include "mc_limits.h"

/* Exit status (CLI.md). */
enum mc_exit {
	MC_EXIT_OK = 0,
	MC_EXIT_REFUSED = 1,    /* the ledger said no: a rule, not found,
	                           a conflict, verify found a difference */
	MC_EXIT_USAGE = 2,      /* what the person gave is wrong: the
	                           command line, a value typed or written in
	                           a file, a file that cannot be read */
	MC_EXIT_UNREACHABLE = 3 /* the ledger could not be reached or used */
};

enum mc_output { MC_OUT_HUMAN, MC_OUT_JSON, MC_OUT_CSV };

/* One run of medel. */
struct mc_ctx {
	enum mc_output out;
	const char *lang; /* the words people read: "en", "sv" (mc_words.h) */
	bool colour;      /* stdout is a terminal and NO_COLOR is unset */
	bool utf8;        /* LC_ALL / LC_CTYPE / LANG name a UTF-8 locale */
	bool progress;    /* stderr is a terminal: long work shows progress */
	const char *command;     /* the command's name, for messages */
	struct mc_target target; /* where the ledger is (mc_conn.h) */
	struct mc_conn *conn;    /* opened by mc_ctx_conn, closed by main */
	int conn_failed; /* the exit status of a failed open, said once */
};

/* A command. run gets the arguments after the command's name with the
 * global options already taken out; it returns an enum mc_exit. */
struct mc_command {
	const char *name;
	const char *summary; /* one line for `medel --help` */
	const char *help;    /* `medel NAME --help`: usage, options, examples */
	int (*run)(struct mc_ctx *ctx, int argc, char **argv);
};

extern const struct mc_command mc_cmd_append, mc_cmd_record, mc_cmd_import_csv,
    mc_cmd_log, mc_cmd_balance, mc_cmd_trace, mc_cmd_repayments,
    mc_cmd_deadlines, mc_cmd_verify, mc_cmd_export, mc_cmd_backup,
    mc_cmd_statement, mc_cmd_distribute;

/* --- options (mc_args.c) ------------------------------------------------ */

enum mc_opt_kind {
	MC_OPT_FLAG, /* --posts */
	MC_OPT_VALUE /* --as-of DATE or --as-of=DATE */
};

struct mc_opt {
	const char *name; /* without the dashes: "as-of" */
	enum mc_opt_kind kind;
	const char *value; /* after parsing: the value ("1" for a flag),
	                      NULL when not given */
};

/* Parses argv[0..argc) against opts[0..n_opts): options may come in any
 * order, before or after the positional arguments, which are collected
 * into pos[0..*n_pos) (at most pos_max; "--" ends the options). Returns
 * MC_EXIT_OK, or MC_EXIT_USAGE after reporting the problem (an unknown
 * option, a missing value, a repeated option, too many arguments). */
int mc_args_parse(struct mc_ctx *ctx, int argc, char **argv,
                  struct mc_opt *opts, size_t n_opts, char **pos,
                  size_t pos_max, size_t *n_pos);

/* The value of option name in opts (NULL when not given). */
const char *mc_opt_get(const struct mc_opt *opts, size_t n_opts,
                       const char *name);

/* Checks a YYYY-MM-DD date given to option name; MC_EXIT_USAGE (after
 * reporting) when it is not one. */
int mc_check_date(struct mc_ctx *ctx, const char *name, const char *value);

/* Parses a decimal count 0 ..= max given to option name into *out. */
int mc_check_count(struct mc_ctx *ctx, const char *name, const char *value,
                   uint64_t max, uint64_t *out);

/* --- reaching the ledger (mc_main.c) ------------------------------------ */

/* The connection, opened on first use. may_create: embedded mode may
 * create a new ledger (only commands that write may). On failure the
 * error is reported and *exit_out holds the exit status. */
struct mc_conn *mc_ctx_conn(struct mc_ctx *ctx, bool may_create, int *exit_out);

/* Installs verify's handler of SIGSEGV and SIGBUS (mc_guard.c): LMDB
 * crashing on a damaged page while verify or open reads it is reported on
 * stderr, naming what was read, with exit status MC_EXIT_REFUSED. */
void mc_guard_verify(void);

/* One request through the connection; the answer in *r (which the
 * caller initialised). Returns the exit status the answer means when it
 * is an error (after reporting it), or MC_EXIT_OK for a 2xx answer. */
int mc_ctx_call(struct mc_ctx *ctx, const struct mc_call *call,
                struct mc_reply *r);

/* GET path?query into *r, reporting errors: MC_EXIT_OK or the status. */
int mc_ctx_get(struct mc_ctx *ctx, const char *path, const char *query,
               struct mc_reply *r);

/* --- reporting (mc_report.c) ------------------------------------------- */

/* Says where a batch index is in the user's input ("malmo.jsonl line
 * 12", "row 3, column C (amount)"): appends that text to out. */
typedef void (*mc_locate_fn)(void *arg, int64_t index, const char *field,
                             struct ml_buf *out);

/* The exit status an answer's HTTP status means, the one table of
 * CLI.md's exit codes: 0 for 2xx; 2 for 400 and 413 (what the person
 * gave, typed or in a file, is wrong); 3 for 0 (no answer), 401 and 5xx;
 * 1 for every other refusal (403, 404, 409, 422). */
int mc_exit_for(int status);

/* Reports an error answer (status ≠ 2xx, or 0 when the ledger could not
 * be reached) on stderr: the body itself with --json, otherwise
 * "medel: CODE: [where: ]message (field F)". Returns mc_exit_for(status)
 * (1 for a status that is not an error). */
int mc_report(struct mc_ctx *ctx, const struct mc_reply *r, mc_locate_fn locate,
              void *locate_arg);

/* Reports a failure found by medel itself as "medel: CODE: message"
 * (with --json as {"error":{"code","message"}}) and returns exit. */
int mc_fail(struct mc_ctx *ctx, int exit, const char *code, const char *fmt,
            ...) __attribute__((format(printf, 4, 5)));

/* A finding of medel's own about the person's input, reported as the
 * ledger would with the API error code code ("invalid_field",
 * "invalid_json", "too_large") and exiting as mc_exit_for the status
 * API.md gives that code; a code only medel uses ("io" for a file that
 * cannot be read) is a usage error, 2. */
int mc_refuse(struct mc_ctx *ctx, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A usage error: "medel: usage: message" and a hint to --help. */
int mc_usage(struct mc_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* An answer medel could not read (not JSON, a missing member). */
int mc_bad_answer(struct mc_ctx *ctx, const char *what);

/* Prints an answer's body exactly, plus a newline, to stdout (--json). */
int mc_print_body(struct mc_ctx *ctx, const struct mc_reply *r);
/* With --csv, asks the API for its CSV of an answer: adds format=csv and
 * lang=ctx->lang to q. Otherwise adds nothing. */
void mc_csv_query(const struct mc_ctx *ctx, struct mc_query *q);
/* Prints an answer in the run's form: --json the body and a newline,
 * --csv the body as received (the API rendered it), otherwise
 * print(ctx, r), the command's tables. Returns an enum mc_exit. */
int mc_print_answer(struct mc_ctx *ctx, const struct mc_reply *r,
                    int (*print)(struct mc_ctx *ctx, const struct mc_reply *r));
/* Prints an answer's body exactly as received, nothing added: a format
 * the API rendered (format=csv, format=svg). */
int mc_print_raw(struct mc_ctx *ctx, const struct mc_reply *r);

/* Flushes stdout. A write error (a full disk) is reported and turns
 * exit into MC_EXIT_REFUSED when it was MC_EXIT_OK; otherwise exit is
 * returned unchanged. */
int mc_finish_output(struct mc_ctx *ctx, int exit);

/* --- reading answers (mc_report.c; members with ma_json.h) -------------- */

/* Parses an answer's body. NULL when it is not JSON. */
cJSON *mc_json_parse(const struct mc_reply *r);
/* Parses an answer's body into a (an arena, ml_buf.h): the tree is
 * freed with the arena, never by cJSON_Delete, and must not be changed.
 * One allocation a block instead of two a value, and no walk to free it:
 * a trace's 90 KB answer was ~0.1 ms of malloc and as much of
 * cJSON_Delete. NULL when it is not JSON or the arena is full. */
cJSON *mc_json_parse_in(struct ml_arena *a, const struct mc_reply *r);

/* --- shared formatting (mc_report.c) ------------------------------------- */

/* ANSI styles, used only when ctx->colour. */
#define MC_STYLE_BOLD   "\033[1m"
#define MC_STYLE_DIM    "\033[2m"
#define MC_STYLE_RED    "\033[31m"
#define MC_STYLE_GREEN  "\033[32m"
#define MC_STYLE_YELLOW "\033[33m"
#define MC_STYLE_RESET  "\033[0m"

/* style when colour is on, else "". */
const char *mc_style(const struct mc_ctx *ctx, const char *style);

/* The colour of a status word (ok, open, due, overdue), or NULL. */
const char *mc_status_style(const char *status);

#endif /* MC_CLI_H */
