/*
 * md_ui_words.c — writes the web view's figures.js from the API layer's
 * word tables (ma_words.h), at build time.
 *
 * The figures of an account ("tilldelat vidare", "allocated out") and
 * the words of the answers' codes ("förfaller", "återrapportera") are
 * said in one table per language, ledger/api/ma_words.c, which medel's
 * tables, the API's CSV headers and the statement read. The web view
 * (daemon/ui/i18n.js) reads the same words from figures.js, which this
 * program writes and daemon/CMakeLists.txt embeds beside daemon/ui's own
 * files: there is no second table to keep equal. A figure that a balance
 * and a repayments row both show must have one word in both, or this
 * program fails and so does the build.
 *
 *   md_ui_words OUT   writes OUT (an ES module), rewritten only when it
 *                     changes
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ma_words.h"

/* Adds key: [sv, en] to obj; false when key is there with other words. */
static bool md_words_put(cJSON *obj, const char *key, const char *sv,
                         const char *en)
{
	const cJSON *had = cJSON_GetObjectItem(obj, key);
	if (had != NULL)
		return strcmp(cJSON_GetArrayItem(had, 0)->valuestring, sv) ==
		           0 &&
		       strcmp(cJSON_GetArrayItem(had, 1)->valuestring, en) == 0;
	const char *pair[2] = {sv, en};
	cJSON *arr = cJSON_CreateStringArray(pair, 2);
	return arr != NULL && cJSON_AddItemToObject(obj, key, arr);
}

/* {key: [sv, en]} of every balance and repayments figure. */
static cJSON *md_words_figures(void)
{
	const struct ma_figure_words *sv = &ma_figure_words_sv;
	const struct ma_figure_words *en = &ma_figure_words_en;
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;
	for (size_t i = 0; ok && i < MA_BALANCE_FIGURES; i++)
		ok = md_words_put(o, ma_balance_keys[i], sv->balance[i],
		                  en->balance[i]);
	for (size_t i = 0; ok && i < MA_REPAY_FIGURES; i++)
		ok = md_words_put(o, ma_repay_keys[i], sv->repay[i],
		                  en->repay[i]);
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* {code: [sv, en]} of the statuses and deadline kinds. */
static cJSON *md_words_codes(void)
{
	const struct ma_figure_words *sv = &ma_figure_words_sv;
	const struct ma_figure_words *en = &ma_figure_words_en;
	cJSON *o = cJSON_CreateObject();
	bool ok = o != NULL;
	for (size_t i = 0; ok && i < sv->n_codes; i++) {
		const char *code = sv->codes[i][0];
		ok = md_words_put(o, code, sv->codes[i][1],
		                  ma_code_word(en, code));
	}
	if (!ok) {
		cJSON_Delete(o);
		return NULL;
	}
	return o;
}

/* The module's text (malloc'd), or NULL. */
static char *md_words_module(void)
{
	cJSON *figures = md_words_figures(), *codes = md_words_codes();
	char *f = figures ? cJSON_Print(figures) : NULL;
	char *c = codes ? cJSON_Print(codes) : NULL;
	char *text = NULL;
	if (f != NULL && c != NULL) {
		static const char head[] =
		    "// figures.js — written by daemon/md_ui_words.c from "
		    "ledger/api/ma_words.c\n// at build time: do not edit. "
		    "The words of the figures and codes, [sv, en].\n";
		size_t n = sizeof head + strlen(f) + strlen(c) + 64;
		text = malloc(n);
		if (text != NULL)
			snprintf(text, n,
			         "%sexport const FIGURES = %s;\n\n"
			         "export const CODES = %s;\n",
			         head, f, c);
	}
	free(f);
	free(c);
	cJSON_Delete(figures);
	cJSON_Delete(codes);
	return text;
}

/* Whether the file at path holds exactly text. */
static bool md_words_same(const char *path, const char *text)
{
	FILE *in = fopen(path, "rb");
	if (in == NULL)
		return false;
	size_t n = strlen(text), i = 0;
	int ch;
	bool same = true;
	while (same && (ch = fgetc(in)) != EOF)
		same = i < n && (char)ch == text[i++];
	fclose(in);
	return same && i == n;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: md_ui_words OUT\n");
		return 2;
	}
	char *text = md_words_module();
	if (text == NULL) {
		fprintf(stderr, "md_ui_words: a figure has two different words "
		                "in ma_words.c (balance and repayments)\n");
		return 1;
	}
	int rc = 0;
	if (!md_words_same(argv[1], text)) {
		FILE *out = fopen(argv[1], "wb");
		rc = out != NULL && fputs(text, out) >= 0 ? 0 : 1;
		if (out != NULL && fclose(out) != 0)
			rc = 1;
		if (rc != 0)
			perror(argv[1]);
	}
	free(text);
	return rc;
}
