/*
 * mc_names.c — the definitions' names (mc_names.h), asked through the
 * run's connection like every other answer, so embedded and daemon
 * runs label alike.
 */
#include "mc_names.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ma_names.h"
#include "ma_text.h"

static int mc_names_get(struct mc_ctx *ctx, const char *path, const char *as_of,
                        cJSON **doc)
{
	struct mc_query q;
	struct mc_reply r;
	mc_query_init(&q);
	mc_query_add(&q, "as_of", as_of);
	mc_reply_init(&r, MA_ANSWER_BYTES_MAX);
	int exit = mc_ctx_get(ctx, path, q.text, &r);
	if (exit == MC_EXIT_OK) {
		*doc = mc_json_parse(&r);
		if (*doc == NULL)
			exit = mc_bad_answer(ctx, path);
	}
	mc_reply_free(&r);
	return exit;
}

int mc_names_load(struct mc_ctx *ctx, const char *as_of, struct mc_names *n)
{
	memset(n, 0, sizeof *n);
	int exit = mc_names_get(ctx, "/v1/parties", as_of, &n->parties_doc);
	if (exit == MC_EXIT_OK)
		exit = mc_names_get(ctx, "/v1/grants", as_of, &n->grants_doc);
	n->parties = ma_json_array(n->parties_doc, "parties");
	n->grants = ma_json_array(n->grants_doc, "grants");
	return exit;
}

void mc_names_free(struct mc_names *n)
{
	cJSON_Delete(n->parties_doc);
	cJSON_Delete(n->grants_doc);
	memset(n, 0, sizeof *n);
}

const char *mc_party_name(const struct mc_names *n, const char *id)
{
	return ma_names_label(n->parties, "party", id);
}

const char *mc_grant_name(const struct mc_names *n, const char *id)
{
	return ma_names_label(n->grants, "grant", id);
}

static const char *mc_cut(const struct mc_ctx *ctx, const char *text,
                          size_t cols, char *buf, size_t size)
{
	struct ml_buf cut;
	ml_buf_init(&cut, size);
	buf[0] = '\0';
	if (text != NULL && ma_text_add(&cut, text, cols, ctx->utf8) == 0 &&
	    cut.data != NULL)
		snprintf(buf, size, "%s", cut.data);
	ml_buf_free(&cut);
	return buf;
}

const char *mc_cell(const struct mc_ctx *ctx, const char *text, char *buf)
{
	return mc_cut(ctx, text, MC_NAME_COLS_MAX, buf, MC_NAME_BYTES_MAX);
}

const char *mc_whole(const struct mc_ctx *ctx, const char *text, char *buf)
{
	return mc_cut(ctx, text, 0, buf, MC_LINE_BYTES_MAX);
}

void mc_say(const struct mc_ctx *ctx, const char *fmt, ...)
{
	static char line[MC_LINE_BYTES_MAX], folded[MC_LINE_BYTES_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	printf("%s\n", mc_whole(ctx, line, folded));
}
