/*
 * mc_cmd_record.c — `medel record TYPE --field VALUE…`: one event from
 * options.
 *
 * Every event field is an option: its JSON name with '-' for '_'
 * (--to-grant, --invoice-no, --carry-over, --claim-by). The options are
 * made from the ledger's field table (ml_event.h) when the command runs,
 * so a field added to the ledger is an option here without a change.
 * Values are typed as mc_field_add types them: --amount "650 000 kr",
 * --total "26 800 tkr", --carry-over ja. --date defaults to today; the
 * fields the ledger sets (seq, hash, recorded_*) are not options.
 *
 * A value medel cannot read (an amount that is not one) is a usage error
 * naming the option; anything else (an unknown party, a rule) is the
 * ledger's answer, reported with the option that holds the field.
 *
 * A requisition or an invoice may name its parties by role: --by (the
 * one who claims or invoices: `to`) and --payer (`from`), because
 * "--from the one who invoices" is how an invoice reads and the opposite
 * of what medel means. For people the event is said in words before it
 * is stored (mc_direction.h).
 */
#include <string.h>

#include "ml_date.h"
#include "ml_event.h"

#include "mc_direction.h"
#include "mc_import.h"
#include "mc_names.h"
#include "mc_post.h"
#include "mc_words.h"

/* Option names for every field a client may send, plus the command's
 * own two. names[] holds the spellings ("to-grant"). */
struct mc_record_opts {
	struct mc_opt opt[ML_F_COUNT + 3];
	char names[ML_F_COUNT][ML_FIELD_NAME_MAX];
	enum ml_field field[ML_F_COUNT];
	size_t n, n_fields;
	size_t by, dry_run, expected_head; /* the command's own options */
};

static void mc_record_opts_init(struct mc_record_opts *o)
{
	memset(o, 0, sizeof *o);
	for (int f = 0; f < ML_F_COUNT; f++) {
		if ((ML_STORED_FIELDS & ML_BIT(f)) || f == ML_F_TYPE)
			continue;
		char *name = o->names[o->n_fields];
		snprintf(name, ML_FIELD_NAME_MAX, "%s", ml_fields[f].name);
		for (char *p = name; *p; p++)
			*p = *p == '_' ? '-' : *p;
		o->field[o->n_fields] = (enum ml_field)f;
		o->opt[o->n++] = (struct mc_opt){name, MC_OPT_VALUE, NULL};
		o->n_fields++;
	}
	o->by = o->n;
	o->opt[o->n++] = (struct mc_opt){"by", MC_OPT_VALUE, NULL};
	o->dry_run = o->n;
	o->opt[o->n++] = (struct mc_opt){"dry-run", MC_OPT_FLAG, NULL};
	o->expected_head = o->n;
	o->opt[o->n++] = (struct mc_opt){"expected-head", MC_OPT_VALUE, NULL};
}

/* The option of a field. */
static struct mc_opt *mc_record_field(struct mc_record_opts *o, enum ml_field f)
{
	for (size_t i = 0; i < o->n_fields; i++)
		if (o->field[i] == f)
			return &o->opt[i];
	return NULL;
}

/* A role option into the field option it names: --by is --to, --payer
 * is --from. Both given with different parties is a usage error. */
static int mc_record_role(struct mc_ctx *ctx, const char *role,
                          const char *role_value, struct mc_opt *field)
{
	if (role_value == NULL)
		return MC_EXIT_OK;
	if (field->value != NULL && strcmp(field->value, role_value) != 0)
		return mc_usage(
		    ctx,
		    "--%s '%s' and --%s '%s' name different parties: "
		    "--%s is --%s (give one of them)",
		    role, role_value, field->name, field->value, role,
		    field->name);
	field->value = role_value;
	return MC_EXIT_OK;
}

/* The role flags of a requisition or an invoice (--by, the one who
 * claims or invoices = to; --payer = from), and Swedish party kinds
 * (--kind kommun = municipality). */
static int mc_record_roles(struct mc_ctx *ctx, const char *type,
                           struct mc_record_opts *o)
{
	bool claim =
	    strcmp(type, "requisition") == 0 || strcmp(type, "invoice") == 0;
	struct mc_opt *payer = mc_record_field(o, ML_F_PAYER);
	struct mc_opt *kind = mc_record_field(o, ML_F_KIND);
	const char *by = o->opt[o->by].value;
	if (kind != NULL && mc_words_kind_api(kind->value) != NULL)
		kind->value = mc_words_kind_api(kind->value);
	if (!claim && by != NULL)
		return mc_usage(ctx,
		                "--by names the one who claims or invoices: "
		                "only requisition and invoice take it");
	if (!claim)
		return MC_EXIT_OK;
	int exit = mc_record_role(ctx, "by", by, mc_record_field(o, ML_F_TO));
	if (exit == MC_EXIT_OK && payer != NULL)
		exit = mc_record_role(ctx, "payer", payer->value,
		                      mc_record_field(o, ML_F_FROM));
	if (payer != NULL)
		payer->value = NULL; /* a claim has no payer field */
	return exit;
}

/* Says the event in words on stdout before it is stored (mc_direction.h):
 * people only; --json and --csv print the answer alone. */
static void mc_record_say(struct mc_ctx *ctx, const struct ml_buf *body)
{
	struct mc_names names = {0};
	struct ml_buf said;
	int exit = MC_EXIT_OK;
	if (ctx->out != MC_OUT_HUMAN || mc_ctx_conn(ctx, true, &exit) == NULL)
		return;
	cJSON *ev = cJSON_ParseWithLength(body->data, body->len);
	ml_buf_init(&said, MC_LINE_BYTES_MAX);
	if (ev != NULL && mc_names_load(ctx, NULL, &names) == MC_EXIT_OK &&
	    mc_direction(ctx, &names, ev, &said))
		printf("%s\n", said.data);
	fflush(stdout);
	ml_buf_free(&said);
	mc_names_free(&names);
	cJSON_Delete(ev);
}

/* The event as JSON: type, then the given fields in table order. */
static int mc_record_build(struct mc_ctx *ctx, const char *type,
                           const struct mc_record_opts *o, struct ml_buf *out)
{
	char why[ML_MESSAGE_MAX], today[ML_DATE_TEXT_MAX];
	bool first = true;
	if (mc_field_add(out, &first, "type", type, why, sizeof why) != 0)
		return mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal", "%s", why);
	for (size_t i = 0; i < o->n_fields; i++) {
		const char *v = o->opt[i].value;
		const char *name = ml_fields[o->field[i]].name;
		if (v == NULL && o->field[i] == ML_F_DATE)
			v = ml_date_format(ml_date_today(), today,
			                   sizeof today);
		if (v == NULL)
			continue;
		if (mc_field_add(out, &first, name, v, why, sizeof why) != 0)
			return mc_fail(ctx, MC_EXIT_USAGE, "invalid_field",
			               "--%s: %s", o->names[i], why);
	}
	if (ml_buf_add_char(out, '}') != 0)
		return mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "out of memory");
	return MC_EXIT_OK;
}

static int mc_record_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_record_opts o;
	struct mc_post post = {0};
	struct ml_buf body;
	char *pos[1];
	size_t n_pos = 0;
	mc_record_opts_init(&o);
	int exit = mc_args_parse(ctx, argc, argv, o.opt, o.n, pos, 1, &n_pos);
	if (exit != MC_EXIT_OK)
		return exit;
	if (n_pos != 1)
		return mc_usage(ctx, "record needs the event's TYPE");
	const char *type =
	    mc_import_type(pos[0]) ? mc_import_type(pos[0]) : pos[0];
	exit = mc_record_roles(ctx, type, &o);
	if (exit != MC_EXIT_OK)
		return exit;
	exit = mc_post_init(ctx, &post, o.opt[o.dry_run].value != NULL,
	                    o.opt[o.expected_head].value);
	if (exit != MC_EXIT_OK)
		return exit;
	ml_buf_init(&body, ML_BODY_BYTES_MAX);
	exit = ml_buf_add_char(&body, '{') == 0
	           ? mc_record_build(ctx, type, &o, &body)
	           : MC_EXIT_UNREACHABLE;
	if (exit == MC_EXIT_OK)
		mc_record_say(ctx, &body);
	if (exit == MC_EXIT_OK)
		exit = mc_post_batch(ctx, &post, body.data, body.len,
		                     mc_post_locate_flag, NULL);
	ml_buf_free(&body);
	return exit;
}

const struct mc_command mc_cmd_record = {
    "record",
    "build one event from options and append it",
    "usage: medel record TYPE [--FIELD VALUE...] [--dry-run]\n"
    "                    [--expected-head SEQ]\n"
    "\n"
    "Builds one event of TYPE (party, grant, allocation, decline,\n"
    "requisition, invoice, payout, expense, repayment, carryover, report,\n"
    "correction, close, confirm, lapse, distribution) from options,\n"
    "appends it and prints its seq (a distribution's --key is a JSON\n"
    "object).\n"
    "Every field of the event is an option named like the field, with '-'\n"
    "for '_': --grant, --from, --to, --party, --amount, --date, --ref,\n"
    "--note, --id, --activity, --unit, --to-grant, --invoice-no,\n"
    "--settles, --corrects, --claim-by, --use-by, --report-by,\n"
    "--repay-by, --carry-over, --total, --payer, --parent, --kind,\n"
    "--name, --org-no, --year, --spent, --due, --meta, --condition,\n"
    "--decide-by, --allocation.\n"
    "An allocation with --condition TEXT is conditional (pending until\n"
    "`record confirm --allocation SEQ_OR_ID [--amount A]` or\n"
    "`record lapse --allocation SEQ_OR_ID`).\n"
    "\n"
    "Amounts are typed as people write them: 650000, '650 000 kr',\n"
    "'650 000,50 kr', '26 800 tkr', '13,4 mkr'. A '.' is refused (it\n"
    "could be read two ways). --date defaults to today (UTC).\n"
    "--carry-over takes true/false (ja/nej); --meta a JSON object.\n"
    "\n"
    "A requisition or an invoice names its parties by role, too:\n"
    "--by the one who claims or invoices (the event's `to`), --payer the\n"
    "one who pays (its `from`). --kind takes Swedish kinds as well (kommun,\n"
    "region, nämnd, enhet, stat, förening, länsförbund, annan); TYPE the\n"
    "Swedish type names (faktura, rekvirering, utbetalning, …).\n"
    "Before it stores, record says the event in words, in --lang's\n"
    "language: \"Södertälje kommun fakturerar Storsthlm 433 012 kr,\n"
    "faktura SOD-2020-77\".\n"
    "\n"
    "  --by PARTY           requisition, invoice: who claims (= --to)\n"
    "  --payer PARTY        requisition, invoice: who pays (= --from)\n"
    "  --dry-run            check every rule, store nothing\n"
    "  --expected-head SEQ  store only if the log still ends at SEQ\n"
    "\n"
    "Examples:\n"
    "  medel record expense --grant psykisk-halsa-2020 --party malmo-asn \\\n"
    "      --activity 'Psykologresurs' --unit 'IFO Utredning' \\\n"
    "      --amount '420 000 kr' --date 2020-12-15 --ref ASN-2020-12563\n"
    "  medel record payout --grant psykisk-halsa-2020 --from malmo \\\n"
    "      --to malmo-asn --amount '4 500 tkr' --date 2020-06-30\n"
    "  medel record faktura --grant psykisk-halsa-2020/lansgemensamma/"
    "sammanhallen-vard \\\n"
    "      --by sodertalje --payer storsthlm --amount '433 012 kr' \\\n"
    "      --invoice-no SOD-2020-77 --date 2020-11-25\n"
    "  medel record correction --corrects 27 --note 'Kursen ställdes in'\n",
    mc_record_run,
};
