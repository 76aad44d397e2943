/*
 * mc_names.c — the definitions' names (mc_names.h), asked through the
 * run's connection like every other answer, so embedded and daemon
 * runs label alike.
 */
#include "mc_names.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ma_names.h"
#include "ma_text.h"

static int mc_names_get(struct mc_ctx *ctx, const char *path, const char *as_of,
                        struct ml_arena *arena, cJSON **doc)
{
	struct mc_query q;
	struct mc_reply r;
	mc_query_init(&q);
	mc_query_add(&q, "as_of", as_of);
	mc_reply_init(&r, MA_ANSWER_BYTES_MAX);
	int exit = mc_ctx_get(ctx, path, q.text, &r);
	if (exit == MC_EXIT_OK) {
		*doc = mc_json_parse_in(arena, &r);
		if (*doc == NULL)
			exit = mc_bad_answer(ctx, path);
	}
	mc_reply_free(&r);
	return exit;
}

/* One definition of a list: its id, its name (or NULL) and its place in
 * the list (the first of an id counts, as in ma_json_find). */
struct mc_def {
	const char *id, *name;
	size_t at;
};

static int mc_def_by_name(const void *a, const void *b)
{
	const struct mc_def *x = a, *y = b;
	return strcmp(x->name, y->name);
}

static int mc_def_by_id(const void *a, const void *b)
{
	const struct mc_def *x = a, *y = b;
	int c = strcmp(x->id, y->id);
	return c != 0 ? c : (x->at > y->at) - (x->at < y->at);
}

static int mc_label_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct mc_label *)elem)->id);
}

/* Names two different ids carry make no label: those names become NULL
 * in d (sorted by name first, then back by id). */
static void mc_defs_drop_shared(struct mc_def *d, size_t n)
{
	size_t named = 0;
	for (size_t i = 0; i < n; i++) {
		if (d[i].name != NULL && d[i].name[0] != '\0') {
			struct mc_def t = d[named];
			d[named++] = d[i];
			d[i] = t;
		}
	}
	qsort(d, named, sizeof *d, mc_def_by_name);
	for (size_t i = 0; i < named;) {
		size_t j = i + 1;
		bool shared = false;
		for (; j < named && strcmp(d[j].name, d[i].name) == 0; j++)
			shared = shared || strcmp(d[j].id, d[i].id) != 0;
		for (size_t k = i; shared && k < j; k++)
			d[k].name = NULL;
		i = j;
	}
	qsort(d, n, sizeof *d, mc_def_by_id);
}

/* The labels of list (objects with key → id and "name"), sorted by id. */
static int mc_labels_build(const cJSON *list, const char *key,
                           struct mc_labels *out)
{
	size_t n = 0, cap = (size_t)cJSON_GetArraySize(list);
	const cJSON *it;
	memset(out, 0, sizeof *out);
	struct mc_def *d = calloc(cap ? cap : 1, sizeof *d);
	out->v = calloc(cap ? cap : 1, sizeof *out->v);
	if (d == NULL || out->v == NULL) {
		free(d);
		return -1;
	}
	cJSON_ArrayForEach(it, list)
	{
		const char *id = ma_json_str(it, key);
		if (id == NULL || n == cap)
			continue;
		d[n] = (struct mc_def){id, ma_json_str(it, "name"), n};
		n++;
	}
	mc_defs_drop_shared(d, n);
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && strcmp(d[i].id, d[i - 1].id) == 0)
			continue; /* a later definition of the same id */
		bool named = d[i].name != NULL && d[i].name[0] != '\0';
		out->v[out->n++] =
		    (struct mc_label){d[i].id, named ? d[i].name : d[i].id};
	}
	free(d);
	return 0;
}

static const char *mc_label_of(const struct mc_labels *l, const cJSON *list,
                               const char *key, const char *id)
{
	if (id == NULL || list == NULL)
		return id;
	if (l->v == NULL) /* no memory for the index: the scan */
		return ma_names_label(list, key, id);
	const struct mc_label *hit =
	    bsearch(id, l->v, l->n, sizeof *l->v, mc_label_cmp);
	return hit != NULL ? hit->label : id;
}

int mc_names_load(struct mc_ctx *ctx, const char *as_of, struct mc_names *n)
{
	memset(n, 0, sizeof *n);
	ml_arena_init(&n->arena, MC_JSON_ARENA_BYTES_MAX);
	int exit =
	    mc_names_get(ctx, "/v1/parties", as_of, &n->arena, &n->parties_doc);
	if (exit == MC_EXIT_OK)
		exit = mc_names_get(ctx, "/v1/grants", as_of, &n->arena,
		                    &n->grants_doc);
	n->parties = ma_json_array(n->parties_doc, "parties");
	n->grants = ma_json_array(n->grants_doc, "grants");
	if (n->parties != NULL)
		mc_labels_build(n->parties, "party", &n->party_labels);
	if (n->grants != NULL)
		mc_labels_build(n->grants, "grant", &n->grant_labels);
	return exit;
}

void mc_names_free(struct mc_names *n)
{
	ml_arena_free(&n->arena); /* the documents' */
	free(n->party_labels.v);
	free(n->grant_labels.v);
	memset(n, 0, sizeof *n);
}

const char *mc_party_name(const struct mc_names *n, const char *id)
{
	return mc_label_of(&n->party_labels, n->parties, "party", id);
}

const char *mc_grant_name(const struct mc_names *n, const char *id)
{
	return mc_label_of(&n->grant_labels, n->grants, "grant", id);
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
