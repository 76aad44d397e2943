/*
 * nocrypto.c — an LD_PRELOAD shim for tests: a machine without libssl3.
 *
 * medel loads libcrypto with dlopen at its first hash (ledger/ml_hash.c).
 * This dlopen refuses any name containing "libcrypto" the way the loader
 * refuses a library that is not installed: it asks the real dlopen for a
 * name that cannot exist, so dlerror() gives the loader's own words.
 * Everything else goes to the real dlopen. test_messages runs an append
 * and a verify under it and requires them to name the missing library.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <string.h>

void *dlopen(const char *file, int mode)
{
	void *(*real)(const char *, int) = NULL;
	void *next = dlsym(RTLD_NEXT, "dlopen");
	memcpy(&real, &next, sizeof real); /* object → function pointer */
	if (file != NULL && strstr(file, "libcrypto") != NULL)
		return real("libcrypto.so.3-not-installed", mode);
	return real(file, mode);
}
