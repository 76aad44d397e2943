/*
 * mc_args.c — a command's options, and the checks most commands share.
 *
 * Options are long only ("--as-of 2020-12-31" or "--as-of=2020-12-31"),
 * in any order and mixed with positional arguments, as people type them;
 * "--" ends them. getopt_long is not used: `record` takes any event
 * field as an option, a table built at run time, and the global options
 * (--db, --json, …) have already been taken out of argv by main, wherever
 * they stood. An option given twice is an error, not "the last one wins":
 * `--amount 100 --amount 200` is a mistake a person should hear about.
 */
#include <string.h>

#include "ml_date.h"

#include "mc_cli.h"

static struct mc_opt *mc_opt_find(struct mc_opt *opts, size_t n,
                                  const char *name, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(opts[i].name) == len &&
		    strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

/* One "--name[=value]" at argv[*i]; may take argv[*i + 1] as its value. */
static int mc_args_option(struct mc_ctx *ctx, int argc, char **argv, int *i,
                          struct mc_opt *opts, size_t n_opts)
{
	const char *arg = argv[*i] + 2;
	const char *eq = strchr(arg, '=');
	size_t len = eq ? (size_t)(eq - arg) : strlen(arg);
	struct mc_opt *o = mc_opt_find(opts, n_opts, arg, len);
	if (o == NULL)
		return mc_usage(ctx, "unknown option --%.*s", (int)len, arg);
	if (o->value != NULL)
		return mc_usage(ctx, "--%s is given twice", o->name);
	if (o->kind == MC_OPT_FLAG) {
		if (eq != NULL)
			return mc_usage(ctx, "--%s takes no value", o->name);
		o->value = "1";
		return MC_EXIT_OK;
	}
	if (eq != NULL) {
		o->value = eq + 1;
		return MC_EXIT_OK;
	}
	if (*i + 1 >= argc)
		return mc_usage(ctx, "--%s needs a value", o->name);
	o->value = argv[++*i];
	return MC_EXIT_OK;
}

int mc_args_parse(struct mc_ctx *ctx, int argc, char **argv,
                  struct mc_opt *opts, size_t n_opts, char **pos,
                  size_t pos_max, size_t *n_pos)
{
	bool options = true;
	*n_pos = 0;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (options && strcmp(a, "--") == 0) {
			options = false;
			continue;
		}
		if (options && strncmp(a, "--", 2) == 0) {
			int rc =
			    mc_args_option(ctx, argc, argv, &i, opts, n_opts);
			if (rc != MC_EXIT_OK)
				return rc;
			continue;
		}
		if (options && a[0] == '-' && a[1] != '\0')
			return mc_usage(ctx, "unknown option %s", a);
		if (*n_pos >= pos_max)
			return mc_usage(ctx, "unexpected argument '%s'", a);
		pos[(*n_pos)++] = argv[i];
	}
	return MC_EXIT_OK;
}

const char *mc_opt_get(const struct mc_opt *opts, size_t n_opts,
                       const char *name)
{
	for (size_t i = 0; i < n_opts; i++)
		if (strcmp(opts[i].name, name) == 0)
			return opts[i].value;
	return NULL;
}

int mc_check_date(struct mc_ctx *ctx, const char *name, const char *value)
{
	char why[ML_MESSAGE_MAX];
	ml_day day;
	if (value == NULL)
		return MC_EXIT_OK;
	if (ml_date_parse(value, strlen(value), &day, why, sizeof why) != 0)
		return mc_usage(ctx,
		                "--%s '%s' is not a date YYYY-MM-DD "
		                "from 1900-01-01 to 2199-12-31",
		                name, value);
	return MC_EXIT_OK;
}

int mc_check_count(struct mc_ctx *ctx, const char *name, const char *value,
                   uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	size_t i = 0;
	for (; value[i] >= '0' && value[i] <= '9' && i < 20; i++) {
		uint64_t d = (uint64_t)(value[i] - '0');
		if (n > max / 10 || (n == max / 10 && d > max % 10))
			return mc_usage(ctx, "--%s must be at most %llu", name,
			                (unsigned long long)max);
		n = n * 10 + d;
	}
	if (i == 0 || value[i] != '\0')
		return mc_usage(ctx, "--%s '%s' is not a whole number", name,
		                value);
	*out = n;
	return MC_EXIT_OK;
}
