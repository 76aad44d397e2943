/*
 * mc_conn.c — choosing the way to the ledger, and what both ways share:
 * answers, error documents of our own, query strings.
 *
 * The choice follows CLI.md exactly; `from` remembers which rule chose,
 * so an error can say "cannot reach medeld at ./medel-data/medeld.sock
 * (the default socket)" and the person knows what to change.
 */
#include "mc_conn.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_json.h"

#define MC_DEFAULT_SOCKET "./medel-data/medeld.sock"

struct mc_conn {
	enum mc_via via;
	struct mc_embed *embed;
	struct mc_http *http;
};

/* An environment variable, NULL when unset or empty. */
static const char *mc_env(const char *name)
{
	const char *v = getenv(name);
	return v != NULL && v[0] != '\0' ? v : NULL;
}

void mc_target_choose(struct mc_target *t, const char *db, const char *url,
                      const char *token, const char *socket, const char *cacert)
{
	memset(t, 0, sizeof *t);
	t->token = token ? token : mc_env("MEDEL_TOKEN");
	t->cacert = cacert ? cacert : mc_env("MEDEL_CACERT");
	t->cacert_from = cacert ? "--cacert" : "MEDEL_CACERT";
	if (db != NULL) {
		t->via = MC_VIA_EMBEDDED;
		t->db = db;
		t->from = "--db";
	} else if (url != NULL) {
		t->via = MC_VIA_URL;
		t->url = url;
		t->from = "--url";
	} else if (socket != NULL) {
		t->via = MC_VIA_SOCKET;
		t->socket = socket;
		t->from = "--socket";
	} else if (mc_env("MEDEL_URL") != NULL) {
		t->via = MC_VIA_URL;
		t->url = mc_env("MEDEL_URL");
		t->from = "MEDEL_URL";
	} else if (mc_env("MEDEL_SOCKET") != NULL) {
		t->via = MC_VIA_SOCKET;
		t->socket = mc_env("MEDEL_SOCKET");
		t->from = "MEDEL_SOCKET";
	} else {
		t->via = MC_VIA_SOCKET;
		t->socket = MC_DEFAULT_SOCKET;
		t->from = "the default socket";
	}
}

/* --- answers ------------------------------------------------------------ */

void mc_reply_init(struct mc_reply *r, size_t body_bytes_max)
{
	r->status = 0;
	r->streamed_bytes = 0;
	ml_buf_init(&r->body, body_bytes_max);
}

void mc_reply_free(struct mc_reply *r)
{
	if (r != NULL)
		ml_buf_free(&r->body);
}

void mc_reply_error(struct mc_reply *r, int status, const char *code,
                    const char *fmt, ...)
{
	char message[ML_MESSAGE_MAX];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	r->status = status;
	ml_buf_reset(&r->body);
	int rc = ml_buf_add_str(&r->body, "{\"error\":{\"code\":");
	rc = rc ? rc : ml_json_write_string(&r->body, code, strlen(code));
	rc = rc ? rc : ml_buf_add_str(&r->body, ",\"message\":");
	rc = rc ? rc : ml_json_write_string(&r->body, message, strlen(message));
	rc = rc ? rc : ml_buf_add_str(&r->body, "}}");
	if (rc != 0) {
		ml_buf_free(&r->body);
		ml_buf_add_str(&r->body, "{\"error\":{\"code\":\"internal\","
		                         "\"message\":\"out of memory\"}}");
	}
}

/* --- the connection ----------------------------------------------------- */

int mc_conn_open(const struct mc_target *t, bool may_create,
                 struct mc_conn **out, struct mc_reply *failure)
{
	struct mc_conn *c = calloc(1, sizeof *c);
	if (c == NULL) {
		mc_reply_error(failure, 0, "internal", "out of memory");
		return -1;
	}
	c->via = t->via;
	int rc = t->via == MC_VIA_EMBEDDED
	             ? mc_embed_open(t, may_create, &c->embed, failure)
	             : mc_http_open(t, &c->http, failure);
	if (rc != 0) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

int mc_conn_call(struct mc_conn *c, const struct mc_call *call,
                 struct mc_reply *r)
{
	r->status = 0;
	r->streamed_bytes = 0;
	ml_buf_reset(&r->body);
	if (c->via == MC_VIA_EMBEDDED)
		return mc_embed_call(c->embed, call, r);
	return mc_http_call(c->http, call, r);
}

void mc_conn_close(struct mc_conn *c)
{
	if (c == NULL)
		return;
	mc_embed_close(c->embed);
	mc_http_close(c->http);
	free(c);
}

/* --- query strings ------------------------------------------------------ */

void mc_query_init(struct mc_query *q)
{
	q->text[0] = '\0';
	q->len = 0;
	q->overflow = false;
}

static void mc_query_put(struct mc_query *q, char c)
{
	if (q->len + 1 >= sizeof q->text) {
		q->overflow = true;
		return;
	}
	q->text[q->len++] = c;
	q->text[q->len] = '\0';
}

static bool mc_unreserved(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	       c == '~';
}

static void mc_query_encoded(struct mc_query *q, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (mc_unreserved(*p)) {
			mc_query_put(q, (char)*p);
			continue;
		}
		mc_query_put(q, '%');
		mc_query_put(q, hex[*p >> 4]);
		mc_query_put(q, hex[*p & 15]);
	}
}

void mc_query_add(struct mc_query *q, const char *name, const char *value)
{
	if (value == NULL)
		return;
	if (q->len > 0)
		mc_query_put(q, '&');
	mc_query_encoded(q, name);
	mc_query_put(q, '=');
	mc_query_encoded(q, value);
}
