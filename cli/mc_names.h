/*
 * mc_names.h — the names of parties and grants for medel's tables.
 *
 * A human table names parties and grants as their definitions do
 * (CLI.md). The names come from GET /v1/parties and GET /v1/grants,
 * asked once per table (two requests beside the answer itself, only for
 * the human form: --json and --csv keep the ids); ma_names_label's rule
 * picks the name, or the id where the name is shared or missing.
 *
 * A table of the whole log looks a name up for every line (10 000 000
 * lines, three look-ups each), so the labels are worked out once when the
 * lists arrive — ma_names_label's rule, with the lists sorted by name to
 * find the shared ones — and kept sorted by id: a look-up is a binary
 * search, not two scans of the list.
 */
#ifndef MC_NAMES_H
#define MC_NAMES_H

#include <cjson/cJSON.h>

#include "mc_cli.h"

/* An id and the label ma_names_label gives it (both point into the
 * list's document). */
struct mc_label {
	const char *id, *label;
};

struct mc_labels {
	struct mc_label *v; /* sorted by id, one per id */
	size_t n;
};

struct mc_names {
	struct ml_arena arena; /* the documents, parsed into it */
	cJSON *parties_doc, *grants_doc;
	const cJSON *parties, *grants; /* the arrays in them */
	struct mc_labels party_labels, grant_labels;
};

/* Asks for the definitions as of as_of (NULL: today). On failure the
 * error is reported and its exit status returned; *n is then empty (the
 * labels are the ids) and must still be freed. */
int mc_names_load(struct mc_ctx *ctx, const char *as_of, struct mc_names *n);
void mc_names_free(struct mc_names *n);

/* The label of a party or grant id (NULL stays NULL). */
const char *mc_party_name(const struct mc_names *n, const char *id);
const char *mc_grant_name(const struct mc_names *n, const char *id);

/* text as a table cell: cut to MC_NAME_COLS_MAX display columns with
 * "…", folded to ASCII on a terminal that is not UTF-8 (ma_text.h);
 * into buf (MC_NAME_BYTES_MAX bytes). Returns buf. */
const char *mc_cell(const struct mc_ctx *ctx, const char *text, char *buf);

/* text whole, folded to ASCII on a terminal that is not UTF-8, into
 * buf (MC_LINE_BYTES_MAX bytes; longer text is cut). Returns buf. */
const char *mc_whole(const struct mc_ctx *ctx, const char *text, char *buf);

/* Prints a line for people (fmt as printf, a newline added) on stdout,
 * folded to ASCII on a terminal that is not UTF-8, like every cell. */
void mc_say(const struct mc_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif /* MC_NAMES_H */
