/*
 * mc_text.c — the locale's UTF-8 question (mc_text.h), asked once per
 * run by mc_main.c from the environment alone (no setlocale: it would
 * change how the C library prints numbers).
 */
#include "mc_text.h"

#include <stdlib.h>
#include <string.h>

bool mc_locale_utf8(void)
{
	const char *names[] = {"LC_ALL", "LC_CTYPE", "LANG"};
	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(names[i]);
		if (v == NULL || v[0] == '\0')
			continue;
		return strcasestr(v, "utf-8") != NULL ||
		       strcasestr(v, "utf8") != NULL;
	}
	return false;
}

const char *mc_locale_lang(void)
{
	const char *names[] = {"LC_ALL", "LC_MESSAGES", "LANG"};
	for (size_t i = 0; i < 3; i++) {
		const char *v = getenv(names[i]);
		if (v == NULL || v[0] == '\0')
			continue;
		return strncmp(v, "sv", 2) == 0 ? "sv" : "en";
	}
	return "en";
}

void mc_text_pad(FILE *f, size_t n)
{
	static const char spaces[] = "                                ";
	while (n > 0) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		fwrite(spaces, 1, k, f);
		n -= k;
	}
}
