/*
 * mc_curl.c — looking up libcurl's functions (mc_curl.h).
 *
 * One process, one thread: the table is filled once and kept. The
 * library is never closed: curl may keep threads or handlers of its own
 * (the resolver) until exit.
 */
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

#include "mc_curl.h"

static struct mc_curl mc_curl_fns;
static int mc_curl_state; /* 0 not tried, 1 loaded, -1 failed */
static char mc_curl_why[256];

/* Looks up name into *slot; -1 when it is missing. */
static int mc_curl_sym(void *lib, const char *name, void *slot)
{
	void *p = dlsym(lib, name);
	if (p == NULL) {
		snprintf(mc_curl_why, sizeof mc_curl_why, "libcurl has no %s",
		         name);
		return -1;
	}
	memcpy(slot, &p, sizeof p); /* object → function pointer, POSIX */
	return 0;
}

static int mc_curl_open(void)
{
	void *lib = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL)
		lib = dlopen("libcurl.so", RTLD_NOW | RTLD_LOCAL);
	if (lib == NULL) {
		snprintf(mc_curl_why, sizeof mc_curl_why,
		         "cannot load libcurl (install libcurl4): %s",
		         dlerror());
		return -1;
	}
	struct mc_curl *f = &mc_curl_fns;
	if (mc_curl_sym(lib, "curl_global_init", &f->global_init) ||
	    mc_curl_sym(lib, "curl_global_cleanup", &f->global_cleanup) ||
	    mc_curl_sym(lib, "curl_easy_init", &f->easy_init) ||
	    mc_curl_sym(lib, "curl_easy_cleanup", &f->easy_cleanup) ||
	    mc_curl_sym(lib, "curl_easy_setopt", &f->easy_setopt) ||
	    mc_curl_sym(lib, "curl_easy_perform", &f->easy_perform) ||
	    mc_curl_sym(lib, "curl_easy_getinfo", &f->easy_getinfo) ||
	    mc_curl_sym(lib, "curl_easy_strerror", &f->easy_strerror) ||
	    mc_curl_sym(lib, "curl_slist_append", &f->slist_append) ||
	    mc_curl_sym(lib, "curl_slist_free_all", &f->slist_free_all))
		return -1;
	return 0;
}

const struct mc_curl *mc_curl_load(char *why, size_t why_size)
{
	if (mc_curl_state == 0)
		mc_curl_state = mc_curl_open() == 0 ? 1 : -1;
	if (mc_curl_state > 0)
		return &mc_curl_fns;
	snprintf(why, why_size, "%s", mc_curl_why);
	return NULL;
}
