/*
 * mc_curl.h — libcurl, loaded the first time medel goes through medeld.
 *
 * libcurl brings some thirty shared libraries with it (TLS, HTTP/2, SSH,
 * LDAP, Kerberos, compression). Loading them costs a process about 4.6 ms
 * (an empty program linked with -lcurl starts in 5.2 ms, without it in
 * 0.6 ms), which was 60 % of `medel --db … balance` on a 100 000-event
 * ledger — and embedded mode never uses curl at all. So medel is not
 * linked with libcurl; the few functions mc_http.c calls are looked up
 * with dlopen("libcurl.so.4") when the first HTTP connection is opened.
 * The headers (and so the types and constants) are libcurl's own, from
 * the libcurl4-openssl-dev medel builds against.
 *
 * mc_curl_load returns NULL and a reason when the library cannot be
 * loaded (not installed), which medel reports as "cannot reach the
 * ledger" with that reason.
 */
#ifndef MC_CURL_H
#define MC_CURL_H

#include <curl/curl.h>
#include <stddef.h>

struct mc_curl {
	CURLcode (*global_init)(long flags);
	void (*global_cleanup)(void);
	CURL *(*easy_init)(void);
	void (*easy_cleanup)(CURL *c);
	CURLcode (*easy_setopt)(CURL *c, CURLoption o, ...);
	CURLcode (*easy_perform)(CURL *c);
	CURLcode (*easy_getinfo)(CURL *c, CURLINFO i, ...);
	const char *(*easy_strerror)(CURLcode rc);
	struct curl_slist *(*slist_append)(struct curl_slist *l, const char *s);
	void (*slist_free_all)(struct curl_slist *l);
};

/* The functions, loaded once (the library stays loaded until exit).
 * NULL with the reason in why when libcurl cannot be loaded. */
const struct mc_curl *mc_curl_load(char *why, size_t why_size);

#endif /* MC_CURL_H */
