/*
 * mc_direction.c — events said in words (mc_direction.h).
 *
 * The template of the event's type (struct mc_words .direction) is
 * filled slot by slot from the event's members: parties and grants by
 * their names, the amount as ml_money_format writes it, text as it is.
 * An invoice adds its number (", faktura SOD-2020-77").
 */
#include "mc_direction.h"

#include <string.h>

#include "ml_event.h"
#include "ml_money.h"

#include "mc_words.h"

struct mc_slots {
	const struct mc_names *names;
	const cJSON *ev;
	char money[ML_MONEY_TEXT_MAX];
};

static const char *mc_slot(void *arg, const char *slot)
{
	struct mc_slots *s = arg;
	const char *v = ma_json_str(s->ev, slot);
	int64_t ore = 0;
	if (strcmp(slot, "amount") == 0)
		return ma_json_int(s->ev, "amount", &ore) == 0
		           ? ml_money_format(ore, s->money, sizeof s->money)
		           : NULL;
	if (strcmp(slot, "from") == 0 || strcmp(slot, "to") == 0 ||
	    strcmp(slot, "party") == 0)
		return mc_party_name(s->names, v);
	if (strcmp(slot, "grant") == 0 || strcmp(slot, "to_grant") == 0)
		return mc_grant_name(s->names, v);
	return v;
}

bool mc_direction(const struct mc_ctx *ctx, const struct mc_names *names,
                  const cJSON *ev, struct ml_buf *out)
{
	const struct mc_words *w = mc_words_of(ctx->lang);
	const char *type = ma_json_str(ev, "type");
	struct mc_slots s = {.names = names, .ev = ev};
	for (int t = 1; type != NULL && t < ML_TYPE_COUNT; t++) {
		if (strcmp(ml_types[t].name, type) != 0 ||
		    w->direction[t] == NULL)
			continue;
		mc_words_fill(out, w->direction[t], mc_slot, &s);
		if (ma_json_str(ev, "invoice_no") != NULL)
			mc_words_fill(out, w->invoice_no, mc_slot, &s);
		return true;
	}
	return false;
}

/* The event of body the error's index points at (the object itself
 * when body is one). */
static const cJSON *mc_refused_event(const cJSON *body, const cJSON *err)
{
	int64_t index = 0;
	if (cJSON_IsObject(body))
		return body;
	if (ma_json_int(err, "index", &index) != 0 || index < 0)
		return NULL;
	return cJSON_GetArrayItem(body, (int)index);
}

void mc_direction_explain(struct mc_ctx *ctx, const char *body, size_t len,
                          const struct mc_reply *r)
{
	cJSON *answer = mc_json_parse(r);
	const cJSON *err = cJSON_GetObjectItemCaseSensitive(answer, "error");
	const char *code = ma_json_str(err, "code");
	if (ctx->out == MC_OUT_JSON || code == NULL ||
	    strcmp(code, "over_claim") != 0) {
		cJSON_Delete(answer);
		return;
	}
	cJSON *events = cJSON_ParseWithLength(body, len);
	const cJSON *ev = mc_refused_event(events, err);
	struct mc_names names = {0};
	struct ml_buf said;
	ml_buf_init(&said, MC_LINE_BYTES_MAX);
	/* the names are a courtesy here: without them, the ids */
	if (ev != NULL && mc_names_load(ctx, NULL, &names) != MC_EXIT_OK)
		mc_names_free(&names);
	if (ev != NULL && mc_direction(ctx, &names, ev, &said))
		fprintf(
		    stderr,
		    "medel: as written: %s. In medel `from` (--payer) is "
		    "the one who pays and `to` (--by) the one who claims or "
		    "invoices: swap them if it was the other way round.\n",
		    said.data);
	ml_buf_free(&said);
	mc_names_free(&names);
	cJSON_Delete(events);
	cJSON_Delete(answer);
}
