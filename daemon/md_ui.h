/*
 * md_ui.h — the web view's files, served by medeld itself.
 *
 * The page controllers and auditors open (GET /, its files under /ui/…)
 * is plain HTML, CSS and JavaScript modules in daemon/ui/, compiled into
 * medeld by daemon/ui/embed.cmake: nothing to install beside the binary
 * and nothing fetched from elsewhere, so it works on a closed network.
 * It is the daemon's, not the API layer's: medel (the CLI) shares the
 * router (ma_api.h) but has no page to serve.
 *
 * Access. The files are the same for everyone and hold no ledger data, so
 * GET and HEAD of them are answered without a token, over TCP too: a
 * browser that opens a link cannot send `Authorization: Bearer`, and the
 * page must load before it can read the token from the URL's fragment or
 * ask for one. Every figure the page shows comes from the API, which asks
 * for the token as always (docs/web.md).
 *
 * Every answer carries a strict Content-Security-Policy (only medeld's
 * own files, no inline script or style, pictures also from blob: URLs
 * the page makes of the API's SVG), X-Content-Type-Options: nosniff, an
 * ETag (the file's SHA-256, cut) with Cache-Control: no-cache, so a
 * browser asks again each time and gets 304 while the file is unchanged.
 * A path under /ui/ that names no file is 404 with the API's JSON error.
 */
#ifndef MD_UI_H
#define MD_UI_H

#include <stdbool.h>
#include <stddef.h>

/* One file of the page (the generated md_ui_assets.c holds the table). */
struct md_ui_asset {
	const char *path;          /* "/ui/app.js" */
	const unsigned char *data; /* its bytes */
	size_t bytes;
	const char *etag; /* quoted, e.g. "\"3f9a…\"" */
};

extern const struct md_ui_asset md_ui_assets[];
extern const size_t md_ui_asset_count;

/* The Content-Security-Policy every file of the page is sent with. */
#define MD_UI_CSP                                                              \
	"default-src 'self'; img-src 'self' blob:; object-src 'none'; "        \
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

/* Whether path is the page's: "/" or under "/ui/". */
bool md_ui_path(const char *path);

/* Whether the request is answered without a token: GET or HEAD of one of
 * the page's paths (a request with a body never is). */
bool md_ui_public(const char *method, const char *path);

/* The asset at path ("/" is /ui/index.html), or NULL. */
const struct md_ui_asset *md_ui_find(const char *path);

struct md_req;

/* Answers r (a path md_ui_path accepts): the file, 304, 404 or 405. */
void md_ui_serve(struct md_req *r);

#endif /* MD_UI_H */
