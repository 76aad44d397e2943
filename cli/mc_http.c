/*
 * mc_http.c — medeld over HTTP, with libcurl.
 *
 * libcurl because it speaks HTTP/1.1 over a Unix socket
 * (CURLOPT_UNIX_SOCKET_PATH), which libevent 2.1's client cannot. One
 * easy handle serves the whole run, so consecutive requests (the pages
 * of `log`, a `--follow`) reuse one connection.
 *
 * An answer's body is collected in the reply (ceiling MA_ANSWER_BYTES_MAX,
 * past it the transfer is stopped) unless the call streams: then a 200
 * body goes straight from the write callback to the call's descriptor,
 * and only an error body is kept. A stream medeld cuts after its 200
 * (its producer failed) arrives as a transfer curl calls partial: that
 * is reported as such, never taken as a complete, shorter file.
 *
 * What cannot be answered (no socket, connection refused, a time-out)
 * becomes status 0 with an error document of our own whose message says
 * where medel looked and why it looked there.
 *
 * TLS (an https:// URL) is curl's: the peer's certificate and host name
 * are always verified (CURLOPT_SSL_VERIFYPEER and _VERIFYHOST set
 * explicitly, whatever curl's defaults), against --cacert/MEDEL_CACERT
 * (CURLOPT_CAINFO) when given. A certificate that does not verify, or a
 * handshake that fails, is reported in words with curl's detail
 * (CURLOPT_ERRORBUFFER) and what to do, as unreachable (exit 3).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ma_api.h"

#include "mc_conn.h"
#include "mc_curl.h"

struct mc_http {
	const struct mc_curl *f; /* libcurl, loaded by mc_curl_load */
	CURL *curl;
	char base[MC_URL_BYTES_MAX]; /* "http://localhost" or the URL */
	char auth[MA_TOKEN_BYTES_MAX + 32];
	const char *socket; /* NULL for a URL */
	const char *cacert; /* CURLOPT_CAINFO, or NULL */
	const char *cacert_from;
	char curl_why[CURL_ERROR_SIZE]; /* curl's detail of a failure */
	const char *where;              /* the socket path or the URL */
	const char *from;               /* what chose it */
};

/* What the write callback needs. */
struct mc_sink {
	struct mc_http *h;
	const struct mc_call *call;
	struct mc_reply *r;
	bool checked;    /* the status was looked at */
	bool streaming;  /* a 200 stream: bytes go to call->out_fd */
	bool too_large;  /* the body passed its ceiling */
	int write_errno; /* a failed write to out_fd */
};

static bool mc_token_ok(const char *t)
{
	size_t n = strlen(t);
	if (n == 0 || n > MA_TOKEN_BYTES_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (t[i] <= 0x20 || t[i] >= 0x7f)
			return false;
	return true;
}

/* The CA file, for an https URL: one that cannot be read is a usage
 * error said at once, not a handshake failure later. 0 or -1. */
static int mc_http_cacert(struct mc_http *h, const struct mc_target *t,
                          struct mc_reply *failure)
{
	if (t->via != MC_VIA_URL || t->cacert == NULL ||
	    strncasecmp(t->url, "https://", 8) != 0)
		return 0;
	FILE *f = fopen(t->cacert, "r");
	if (f == NULL) {
		mc_reply_error(failure, 0, "usage", "%s %s cannot be read: %s",
		               t->cacert_from, t->cacert, strerror(errno));
		return -1;
	}
	fclose(f);
	h->cacert = t->cacert;
	h->cacert_from = t->cacert_from;
	return 0;
}

static int mc_http_setup(struct mc_http *h, const struct mc_target *t,
                         struct mc_reply *failure)
{
	const char *base = t->via == MC_VIA_URL ? t->url : "http://localhost";
	size_t n = strlen(base);
	while (n > 0 && base[n - 1] == '/')
		n--;
	if (n == 0 || n >= sizeof h->base) {
		mc_reply_error(failure, 0, "usage", "the URL '%s' is not one",
		               base);
		return -2;
	}
	memcpy(h->base, base, n);
	h->base[n] = '\0';
	if (t->token != NULL && !mc_token_ok(t->token)) {
		mc_reply_error(failure, 0, "usage",
		               "the token must be 1 to %d printable ASCII "
		               "characters without spaces",
		               MA_TOKEN_BYTES_MAX);
		return -2;
	}
	if (t->token != NULL)
		snprintf(h->auth, sizeof h->auth, "Authorization: Bearer %s",
		         t->token);
	if (mc_http_cacert(h, t, failure) != 0)
		return -2;
	h->socket = t->via == MC_VIA_SOCKET ? t->socket : NULL;
	h->where = h->socket ? h->socket : t->url;
	h->from = t->from;
	return 0;
}

int mc_http_open(const struct mc_target *t, struct mc_http **out,
                 struct mc_reply *failure)
{
	char why[256];
	const struct mc_curl *f = mc_curl_load(why, sizeof why);
	if (f == NULL) {
		mc_reply_error(failure, 0, "unreachable", "%s", why);
		return -1;
	}
	struct mc_http *h = calloc(1, sizeof *h);
	if (h == NULL || f->global_init(CURL_GLOBAL_DEFAULT) != 0) {
		free(h);
		mc_reply_error(failure, 0, "internal",
		               "cannot start the HTTP client");
		return -1;
	}
	h->f = f;
	int rc = mc_http_setup(h, t, failure);
	if (rc == 0) {
		h->curl = f->easy_init();
		if (h->curl == NULL)
			mc_reply_error(failure, 0, "internal",
			               "cannot start the HTTP client");
		rc = h->curl ? 0 : -1;
	}
	if (rc != 0) {
		free(h);
		f->global_cleanup();
		return rc;
	}
	*out = h;
	return 0;
}

void mc_http_close(struct mc_http *h)
{
	if (h == NULL)
		return;
	const struct mc_curl *f = h->f;
	f->easy_cleanup(h->curl);
	free(h);
	f->global_cleanup();
}

static size_t mc_on_data(char *p, size_t size, size_t nmemb, void *arg)
{
	struct mc_sink *s = arg;
	size_t len = size * nmemb;
	if (!s->checked) {
		long code = 0;
		s->h->f->easy_getinfo(s->h->curl, CURLINFO_RESPONSE_CODE,
		                      &code);
		s->streaming = s->call->out_fd >= 0 && code == 200;
		s->checked = true;
	}
	if (s->streaming) {
		if (ma_write_all(s->call->out_fd, p, len) != 0) {
			s->write_errno = errno ? errno : EIO;
			return 0;
		}
		s->r->streamed_bytes += len;
		mc_progress_update(s->call->progress, s->r->streamed_bytes, 0);
		return len;
	}
	if (ml_buf_add(&s->r->body, p, len) != 0) {
		s->too_large = true;
		return 0;
	}
	return len;
}

static int mc_on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
                          curl_off_t ultotal, curl_off_t ulnow)
{
	struct mc_sink *s = arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	mc_progress_update(s->call->progress, s->r->streamed_bytes, 0);
	return 0;
}

/* The options of one call; the header list is the caller's to free. */
static int mc_http_options(struct mc_http *h, const struct mc_call *call,
                           struct mc_sink *sink, struct curl_slist **headers)
{
	char url[MC_URL_BYTES_MAX];
	bool q = call->query != NULL && call->query[0] != '\0';
	int n = snprintf(url, sizeof url, "%s%s%s%s", h->base, call->path,
	                 q ? "?" : "", q ? call->query : "");
	if (n < 0 || (size_t)n >= sizeof url)
		return -1;
	CURL *c = h->curl;
	h->f->easy_setopt(c, CURLOPT_URL, url);
	if (h->socket != NULL)
		h->f->easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, h->socket);
	h->f->easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	h->f->easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
	h->f->easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
	if (h->cacert != NULL)
		h->f->easy_setopt(c, CURLOPT_CAINFO, h->cacert);
	h->curl_why[0] = '\0';
	h->f->easy_setopt(c, CURLOPT_ERRORBUFFER, h->curl_why);
	h->f->easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
	                  (long)MC_CONNECT_TIMEOUT_S);
	h->f->easy_setopt(c, CURLOPT_TIMEOUT,
	                  call->slow ? 0L : (long)MC_REQUEST_TIMEOUT_S);
	h->f->easy_setopt(c, CURLOPT_WRITEFUNCTION, mc_on_data);
	h->f->easy_setopt(c, CURLOPT_WRITEDATA, sink);
	h->f->easy_setopt(c, CURLOPT_NOPROGRESS, call->progress ? 0L : 1L);
	h->f->easy_setopt(c, CURLOPT_XFERINFOFUNCTION, mc_on_progress);
	h->f->easy_setopt(c, CURLOPT_XFERINFODATA, sink);
	*headers = h->f->slist_append(*headers, "Expect:");
	if (h->auth[0] != '\0')
		*headers = h->f->slist_append(*headers, h->auth);
	if (strcmp(call->method, "POST") == 0) {
		*headers = h->f->slist_append(*headers,
		                              "Content-Type: application/json");
		h->f->easy_setopt(c, CURLOPT_POST, 1L);
		h->f->easy_setopt(c, CURLOPT_POSTFIELDS,
		                  call->body ? call->body : "");
		h->f->easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE,
		                  (curl_off_t)call->body_bytes);
	} else {
		h->f->easy_setopt(c, CURLOPT_HTTPGET, 1L);
	}
	h->f->easy_setopt(c, CURLOPT_HTTPHEADER, *headers);
	return *headers != NULL ? 0 : -1;
}

/* A TLS failure in words: whose certificate, what failed, what to do.
 * Returns false when res is no TLS failure. */
static bool mc_http_tls_failed(struct mc_http *h, CURLcode res,
                               struct mc_reply *r)
{
	const char *detail =
	    h->curl_why[0] ? h->curl_why : h->f->easy_strerror(res);
	char fix[256];
	if (h->cacert != NULL)
		snprintf(fix, sizeof fix,
		         "check that %s %s holds the CA that signed medeld's "
		         "certificate",
		         h->cacert_from, h->cacert);
	else
		snprintf(fix, sizeof fix,
		         "give the CA that signed medeld's certificate with "
		         "--cacert FILE or MEDEL_CACERT");
	switch (res) {
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_INVALIDCERTSTATUS:
		mc_reply_error(r, 0, "unreachable",
		               "cannot reach medeld at %s (%s): its TLS "
		               "certificate could not be verified (%s): %s",
		               h->where, h->from, detail, fix);
		return true;
	case CURLE_SSL_CONNECT_ERROR:
		mc_reply_error(r, 0, "unreachable",
		               "cannot reach medeld at %s (%s): the TLS "
		               "handshake failed (%s): is medeld serving HTTPS "
		               "(--tls-cert) on that port?",
		               h->where, h->from, detail);
		return true;
	case CURLE_GOT_NOTHING: /* plain HTTP to a TLS port, most likely */
		if (h->socket != NULL || strncasecmp(h->where, "http://", 7))
			return false;
		mc_reply_error(r, 0, "unreachable",
		               "cannot reach medeld at %s (%s): it closed the "
		               "connection without an answer: if medeld serves "
		               "HTTPS (--tls-cert), use an https:// URL",
		               h->where, h->from);
		return true;
	default:
		return false;
	}
}

/* Why the transfer failed, in words, into r. */
static void mc_http_failed(struct mc_http *h, const struct mc_sink *s,
                           CURLcode res, struct mc_reply *r)
{
	long os_errno = 0;
	h->f->easy_getinfo(h->curl, CURLINFO_OS_ERRNO, &os_errno);
	struct stat sb;
	if (s->write_errno != 0)
		mc_reply_error(r, 0, "io", "cannot write the output: %s",
		               strerror(s->write_errno));
	else if (s->too_large)
		mc_reply_error(r, 0, "too_large",
		               "the answer is larger than %u bytes: ask for "
		               "less",
		               (unsigned)r->body.max_bytes);
	else if (s->streaming)
		mc_reply_error(r, 0, "unavailable",
		               "medeld stopped the stream after %llu bytes "
		               "(%s): the output is incomplete",
		               (unsigned long long)r->streamed_bytes,
		               h->f->easy_strerror(res));
	else if (mc_http_tls_failed(h, res, r))
		return;
	else if (h->socket != NULL && stat(h->socket, &sb) != 0)
		mc_reply_error(r, 0, "unreachable",
		               "no medeld socket at %s (%s): start medeld, or "
		               "use --db DIR",
		               h->socket, h->from);
	else
		mc_reply_error(r, 0, "unreachable",
		               "cannot reach medeld at %s (%s): %s%s%s",
		               h->where, h->from, h->f->easy_strerror(res),
		               os_errno ? ": " : "",
		               os_errno ? strerror((int)os_errno) : "");
}

int mc_http_call(struct mc_http *h, const struct mc_call *call,
                 struct mc_reply *r)
{
	struct mc_sink sink = {.h = h, .call = call, .r = r};
	struct curl_slist *headers = NULL;
	if (mc_http_options(h, call, &sink, &headers) != 0) {
		h->f->slist_free_all(headers);
		mc_reply_error(r, 0, "too_large",
		               "the request URL is too long");
		return -1;
	}
	CURLcode res = h->f->easy_perform(h->curl);
	h->f->easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	h->f->slist_free_all(headers);
	if (res != CURLE_OK) {
		mc_http_failed(h, &sink, res, r);
		return -1;
	}
	long code = 0;
	h->f->easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
	r->status = (int)code;
	return 0;
}
