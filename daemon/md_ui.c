/*
 * md_ui.c — answers GET / and GET /ui/… from the files compiled into
 * medeld (md_ui.h says what is served to whom, and why without a token).
 *
 * Called by md_request.c on a loop's thread, before the router: the
 * page's paths are not the API's. The table is small (a dozen files, a
 * linear search) and constant; an answer copies its file into the
 * response body (at most some tens of KiB) and leaves through
 * md_req_reply like every other answer, so it is logged and counted (as
 * the route "none": the page is not an API route).
 */
#include "md_ui.h"

#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "ml_assert.h"

#include "md_server_int.h"

#define MD_UI_PREFIX "/ui/"

bool md_ui_path(const char *path)
{
	return strcmp(path, "/") == 0 ||
	       strncmp(path, MD_UI_PREFIX, strlen(MD_UI_PREFIX)) == 0;
}

bool md_ui_public(const char *method, const char *path)
{
	return (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0) &&
	       md_ui_path(path);
}

const struct md_ui_asset *md_ui_find(const char *path)
{
	if (strcmp(path, "/") == 0)
		path = "/ui/index.html";
	for (size_t i = 0; i < md_ui_asset_count; i++)
		if (strcmp(md_ui_assets[i].path, path) == 0)
			return &md_ui_assets[i];
	return NULL;
}

/* The media type of a file, from its name's ending. */
static const char *md_ui_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".html", "text/html; charset=utf-8"},
	    {".js", "text/javascript; charset=utf-8"},
	    {".css", "text/css; charset=utf-8"},
	    {".svg", "image/svg+xml"},
	};
	const char *dot = strrchr(path, '.');
	for (size_t i = 0; dot != NULL && i < sizeof types / sizeof types[0];
	     i++)
		if (strcmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* The headers every answer of the page carries, the JSON errors too. */
static void md_ui_headers(struct md_req *r)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(r->evreq);
	evhttp_add_header(h, "Content-Security-Policy", MD_UI_CSP);
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cache-Control", "no-cache");
}

/* 405 for a method other than GET and HEAD (API.md's error shape). */
static void md_ui_method(struct md_req *r)
{
	ml_buf_reset(&r->resp.body);
	if (ml_buf_add_str(&r->resp.body,
	                   "{\"error\":{\"code\":\"method_not_allowed\","
	                   "\"message\":\"the web view's files take GET and "
	                   "HEAD only\"}}") != 0) {
		md_req_fail(r, ML_E_NOMEM, "out of memory");
		return;
	}
	r->resp.status = 405;
	r->resp.allow = "GET, HEAD";
	md_req_reply(r);
}

void md_ui_serve(struct md_req *r)
{
	ML_ASSERT(md_ui_path(r->path));
	md_ui_headers(r);
	if (!md_ui_public(r->method, r->path)) {
		md_ui_method(r);
		return;
	}
	const struct md_ui_asset *a = md_ui_find(r->path);
	if (a == NULL) {
		md_req_fail(r, ML_E_NOT_FOUND,
		            "no such file of the web view: %.160s", r->path);
		return;
	}
	struct evkeyvalq *in = evhttp_request_get_input_headers(r->evreq);
	struct evkeyvalq *out = evhttp_request_get_output_headers(r->evreq);
	const char *given = evhttp_find_header(in, "If-None-Match");
	evhttp_add_header(out, "ETag", a->etag);
	r->resp.content_type = md_ui_type(a->path);
	if (given != NULL && strcmp(given, a->etag) == 0) {
		r->resp.status = 304;
		md_req_reply(r);
		return;
	}
	if (ml_buf_add(&r->resp.body, a->data, a->bytes) != 0) {
		md_req_fail(r, ML_E_NOMEM, "out of memory for %s", a->path);
		return;
	}
	r->resp.status = 200;
	md_req_reply(r);
}
