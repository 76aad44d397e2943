/*
 * mc_cmd_distribute.c — `medel distribute`: a distribution event from a
 * key file, its shares shown before it is stored.
 *
 * The key file is read as import-csv reads a spreadsheet (mc_csv.h,
 * mc_import.h: UTF-8 with or without BOM, or Windows-1252; ';' or ','):
 * a header row (any words: "Part;Folkmängd", "party;weight"), then one
 * party and its weight per row, the party id in the first column and
 * the weight in the second. A weight is a whole number and may carry
 * spaces (ordinary, no-break or thin) between its thousands, as Excel
 * and SCB's tables write populations: "975 551". Blank rows are skipped.
 * A bad row stops the command before anything is sent, naming the row
 * and column as the spreadsheet shows them.
 *
 * The shares are computed here with the ledger's own function
 * (ml_dist.h), so what is printed is what the ledger will store; the
 * ledger recomputes them from the event and checks every rule. The table
 * names each party by its name (GET /v1/parties), its weight and share,
 * and ends with the total. Then the event is posted (--dry-run: checked
 * and not stored), and its seq printed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ml_dist.h"
#include "ml_money.h"
#include "ml_text.h"

#include "mc_import.h"
#include "mc_post.h"
#include "mc_table.h"

struct mc_key {
	struct mc_csv_in in;
	char *text; /* the file, UTF-8 */
	const char *encoding;
	size_t n;
	char ids[ML_KEY_PARTIES_MAX][ML_PARTY_ID_MAX + 1];
	uint32_t rows[ML_KEY_PARTIES_MAX];
	struct ml_key_item items[ML_KEY_PARTIES_MAX];
	int64_t shares[ML_KEY_PARTIES_MAX];
};

/* Skips a space a person or Excel puts between thousands: ' ', U+00A0
 * (C2 A0), U+2009 thin space (E2 80 89), U+202F (E2 80 AF). */
static size_t mc_space_len(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] == ' ' || u[0] == '\t')
		return 1;
	if (u[0] == 0xc2 && u[1] == 0xa0)
		return 2;
	if (u[0] == 0xe2 && u[1] == 0x80 && (u[2] == 0x89 || u[2] == 0xaf))
		return 3;
	return 0;
}

/* A weight "975 551" → 975551; -1 when the cell is not a whole number
 * from 1 to the limit. */
static int64_t mc_weight(const char *s)
{
	int64_t w = 0;
	int digits = 0;
	while (*s != '\0') {
		size_t sp = mc_space_len(s);
		if (sp > 0) {
			s += sp;
			continue;
		}
		if (*s < '0' || *s > '9' || digits >= 13)
			return -1;
		w = w * 10 + (*s++ - '0');
		digits++;
	}
	return digits > 0 && w >= 1 && w <= ML_KEY_WEIGHT_MAX ? w : -1;
}

/* The cell trimmed of surrounding blanks, into buf. */
static const char *mc_cell_trim(const char *s, char *buf, size_t size)
{
	while (mc_space_len(s) > 0)
		s += mc_space_len(s);
	size_t n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	n = n < size - 1 ? n : size - 1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return buf;
}

static int mc_key_row(struct mc_ctx *ctx, struct mc_key *k, const char *file)
{
	char party[MC_CSV_CELL_BYTES_MAX], weight[MC_CSV_CELL_BYTES_MAX];
	const struct mc_csv_in *in = &k->in;
	mc_cell_trim(in->cell[0], party, sizeof party);
	mc_cell_trim(in->n_cells > 1 ? in->cell[1] : "", weight, sizeof weight);
	if (party[0] == '\0' && weight[0] == '\0')
		return MC_EXIT_OK; /* a blank row */
	if (!ml_party_id_valid(party, strlen(party)))
		return mc_refuse(ctx, "invalid_field",
		                 "%s row %u, column A: '%.64s' is not a party "
		                 "id ([a-z0-9][a-z0-9._-]{0,63})",
		                 file, in->row, party);
	int64_t w = mc_weight(weight);
	if (w < 0)
		return mc_refuse(
		    ctx, "invalid_field",
		    "%s row %u, column B: the weight of %s is "
		    "'%.40s'; a weight is a whole number from 1 to "
		    "1 000 000 000 000",
		    file, in->row, party, weight);
	if (k->n == ML_KEY_PARTIES_MAX)
		return mc_refuse(ctx, "invalid_field",
		                 "%s row %u: a key names at most %d parties",
		                 file, in->row, ML_KEY_PARTIES_MAX);
	for (size_t i = 0; i < k->n; i++)
		if (strcmp(k->ids[i], party) == 0)
			return mc_refuse(ctx, "invalid_field",
			                 "%s row %u: %s is in the key already, "
			                 "on row %u",
			                 file, in->row, party, k->rows[i]);
	/* A valid party id is at most ML_PARTY_ID_MAX bytes. */
	memcpy(k->ids[k->n], party, strlen(party) + 1);
	k->rows[k->n] = in->row;
	k->items[k->n] = (struct ml_key_item){ml_str_c(k->ids[k->n]), w};
	k->n++;
	return MC_EXIT_OK;
}

static int mc_key_load(struct mc_ctx *ctx, struct mc_key *k, const char *file)
{
	FILE *f = fopen(file, "rb");
	if (f == NULL)
		return mc_fail(ctx, MC_EXIT_USAGE, "usage",
		               "cannot open %s: %s", file, strerror(errno));
	struct ml_buf b;
	char chunk[16 * 1024], why[ML_MESSAGE_MAX];
	size_t n;
	int rc = 0;
	ml_buf_init(&b, ML_BODY_BYTES_MAX);
	while (rc == 0 && (n = fread(chunk, 1, sizeof chunk, f)) > 0)
		rc = ml_buf_add(&b, chunk, n);
	bool bad = ferror(f) != 0;
	fclose(f);
	size_t len = b.len;
	k->text = b.data ? b.data : strdup("");
	if (rc != 0 || bad || k->text == NULL)
		return mc_refuse(ctx, rc ? "too_large" : "io", "cannot read %s",
		                 file);
	if (mc_import_decode(&k->text, &len, &k->encoding, why, sizeof why))
		return mc_refuse(ctx, "invalid_field", "%s: %s", file, why);
	mc_csv_in_init(&k->in, k->text, len);
	int got = mc_csv_in_next(&k->in, why, sizeof why); /* the header */
	int exit = MC_EXIT_OK;
	while (exit == MC_EXIT_OK && got == 1 &&
	       (got = mc_csv_in_next(&k->in, why, sizeof why)) == 1)
		exit = mc_key_row(ctx, k, file);
	if (exit == MC_EXIT_OK && got < 0)
		return mc_refuse(ctx, "invalid_field", "%s row %u: %s", file,
		                 k->in.next_row, why);
	if (exit == MC_EXIT_OK && k->n == 0)
		return mc_refuse(ctx, "invalid_field",
		                 "%s has no party and weight after its header "
		                 "row",
		                 file);
	return exit;
}

/* The event: {"type":"distribution",…,"key":{"id":w,…},…}. */
static int mc_dist_event(struct mc_ctx *ctx, const struct mc_opt *o,
                         const struct mc_key *k, int64_t amount_ore,
                         struct ml_buf *out)
{
	static const char *const fields[][2] = {{"date", "date"},
	                                        {"grant", "grant"},
	                                        {"from", "from"},
	                                        {"key_name", "key-name"},
	                                        {"round_to", "round-to"},
	                                        {"claim_by", "claim-by"},
	                                        {"id", "id"},
	                                        {"ref", "ref"},
	                                        {"note", "note"}};
	char why[ML_MESSAGE_MAX];
	bool first = true;
	int rc = ml_buf_add_str(out, "{");
	rc = rc ? rc
	        : mc_field_add(out, &first, "type", "distribution", why,
	                       sizeof why);
	for (size_t i = 0; rc == 0 && i < sizeof fields / sizeof *fields; i++) {
		const char *v = mc_opt_get(o, 13, fields[i][1]);
		if (v != NULL && mc_field_add(out, &first, fields[i][0], v, why,
		                              sizeof why) != 0)
			return mc_usage(ctx, "--%s: %s", fields[i][1], why);
	}
	rc = rc ? rc
	        : ml_buf_addf(out, ",\"amount\":%lld,\"key\":{",
	                      (long long)amount_ore);
	for (size_t i = 0; rc == 0 && i < k->n; i++)
		rc = ml_buf_addf(out, "%s\"%s\":%lld", i ? "," : "", k->ids[i],
		                 (long long)k->items[i].weight);
	rc = rc ? rc : ml_buf_add_str(out, "}}");
	return rc == 0 ? MC_EXIT_OK
	               : mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
	                         "out of memory");
}

/* The name of party id in the parties answer, or id. */
static const char *mc_party_name(const cJSON *parties, const char *id)
{
	const cJSON *p = ma_json_find(parties, "party", id);
	const char *name = p ? ma_json_str(p, "name") : NULL;
	return name ? name : id;
}

static int mc_dist_table(struct mc_ctx *ctx, const struct mc_key *k,
                         const cJSON *parties, int64_t amount_ore)
{
	struct mc_table *t = mc_table_new(4);
	char w[ML_INT_TEXT_MAX + 8], m[ML_MONEY_TEXT_MAX], wt[32];
	int64_t total_w = 0;
	int rc = t ? 0 : ML_E_NOMEM;
	if (t == NULL)
		return mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "out of memory");
	mc_table_column(t, 0, "party", MC_LEFT);
	mc_table_column(t, 1, "name", MC_LEFT);
	mc_table_column(t, 2, "weight", MC_RIGHT);
	mc_table_column(t, 3, "share", MC_RIGHT);
	for (size_t i = 0; rc == 0 && i < k->n; i++) {
		snprintf(w, sizeof w, "%lld", (long long)k->items[i].weight);
		total_w += k->items[i].weight;
		const char *cells[4] = {
		    k->ids[i], mc_party_name(parties, k->ids[i]), w,
		    ml_money_format(k->shares[i], m, sizeof m)};
		rc = mc_table_row(t, cells, NULL);
	}
	snprintf(wt, sizeof wt, "%lld", (long long)total_w);
	const char *total[4] = {"total", NULL, wt,
	                        ml_money_format(amount_ore, m, sizeof m)};
	rc = rc ? rc : mc_table_row(t, total, NULL);
	if (rc == 0)
		mc_table_print(t, stdout, 0, 0, mc_style(ctx, MC_STYLE_DIM));
	mc_table_free(t);
	return rc == 0 ? MC_EXIT_OK
	               : mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
	                         "out of memory");
}

/* Prints the shares (not with --json or --csv: those print the API's
 * answer alone). */
static int mc_dist_show(struct mc_ctx *ctx, struct mc_key *k,
                        const char *key_name, int64_t amount_ore,
                        int64_t unit_ore)
{
	if (ml_dist_shares(amount_ore, unit_ore, k->items, k->n, k->shares))
		return mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "out of memory");
	if (ctx->out != MC_OUT_HUMAN)
		return MC_EXIT_OK;
	struct mc_reply r;
	mc_reply_init(&r, MA_ANSWER_BYTES_MAX);
	int exit = mc_ctx_get(ctx, "/v1/parties", "", &r);
	cJSON *doc = exit == MC_EXIT_OK ? mc_json_parse(&r) : NULL;
	char m[ML_MONEY_TEXT_MAX];
	if (exit == MC_EXIT_OK) {
		printf("%s by %s, %zu parties:\n",
		       ml_money_format(amount_ore, m, sizeof m), key_name,
		       k->n);
		exit = mc_dist_table(ctx, k, ma_json_array(doc, "parties"),
		                     amount_ore);
	}
	cJSON_Delete(doc);
	mc_reply_free(&r);
	return exit;
}

/* --amount as a whole number of round_to's units, or a usage error. */
static int mc_dist_amount(struct mc_ctx *ctx, const char *text,
                          int64_t unit_ore, int64_t *ore)
{
	char why[ML_MESSAGE_MAX], m[ML_MONEY_TEXT_MAX];
	if (ml_money_parse(text, ore, why, sizeof why) != 0)
		return mc_usage(ctx, "--amount: %s", why);
	if (*ore % unit_ore != 0)
		return mc_refuse(
		    ctx, "invalid_field",
		    "--amount: %s is not a whole number of kronor, "
		    "the unit of --round-to kr (give whole kronor, "
		    "or --round-to ore)",
		    ml_money_format(*ore, m, sizeof m));
	return MC_EXIT_OK;
}

static int mc_dist_run(struct mc_ctx *ctx, int argc, char **argv)
{
	struct mc_opt o[13] = {{"grant", MC_OPT_VALUE, NULL},
	                       {"from", MC_OPT_VALUE, NULL},
	                       {"amount", MC_OPT_VALUE, NULL},
	                       {"key", MC_OPT_VALUE, NULL},
	                       {"key-name", MC_OPT_VALUE, NULL},
	                       {"round-to", MC_OPT_VALUE, NULL},
	                       {"date", MC_OPT_VALUE, NULL},
	                       {"claim-by", MC_OPT_VALUE, NULL},
	                       {"id", MC_OPT_VALUE, NULL},
	                       {"ref", MC_OPT_VALUE, NULL},
	                       {"note", MC_OPT_VALUE, NULL},
	                       {"dry-run", MC_OPT_FLAG, NULL},
	                       {"expected-head", MC_OPT_VALUE, NULL}};
	char today[ML_DATE_TEXT_MAX];
	size_t n_pos = 0;
	int64_t amount = 0;
	int exit = mc_args_parse(ctx, argc, argv, o, 13, NULL, 0, &n_pos);
	for (size_t i = 0; exit == MC_EXIT_OK && i < 5; i++)
		if (o[i].value == NULL)
			exit =
			    mc_usage(ctx, "distribute needs --%s", o[i].name);
	const char *round = o[5].value ? o[5].value : "kr";
	if (exit == MC_EXIT_OK && strcmp(round, "kr") != 0 &&
	    strcmp(round, "ore") != 0)
		exit =
		    mc_usage(ctx, "--round-to: '%s' is not kr or ore", round);
	int64_t unit = strcmp(round, "ore") == 0 ? 1 : 100;
	if (exit == MC_EXIT_OK)
		exit = mc_check_date(ctx, "date", o[6].value);
	if (exit == MC_EXIT_OK)
		exit = mc_dist_amount(ctx, o[2].value, unit, &amount);
	if (o[6].value == NULL)
		o[6].value =
		    ml_date_format(ml_date_today(), today, sizeof today);
	struct mc_key *k = exit == MC_EXIT_OK ? calloc(1, sizeof *k) : NULL;
	if (exit == MC_EXIT_OK && k == NULL)
		exit = mc_fail(ctx, MC_EXIT_UNREACHABLE, "internal",
		               "out of memory");
	if (exit == MC_EXIT_OK)
		exit = mc_key_load(ctx, k, o[3].value);
	if (exit == MC_EXIT_OK)
		exit = mc_dist_show(ctx, k, o[4].value, amount, unit);
	struct mc_post post = {0};
	struct ml_buf body;
	ml_buf_init(&body, ML_BODY_BYTES_MAX);
	if (exit == MC_EXIT_OK)
		exit =
		    mc_post_init(ctx, &post, o[11].value != NULL, o[12].value);
	if (exit == MC_EXIT_OK)
		exit = mc_dist_event(ctx, o, k, amount, &body);
	if (exit == MC_EXIT_OK)
		exit = mc_post_batch(ctx, &post, body.data, body.len,
		                     mc_post_locate_flag, NULL);
	ml_buf_free(&body);
	if (k != NULL) {
		mc_csv_in_free(&k->in);
		free(k->text);
	}
	free(k);
	return exit;
}

const struct mc_command mc_cmd_distribute = {
    "distribute",
    "split an amount among parties by a key (a population, say)",
    "usage: medel distribute --grant G --from P --amount A --key FILE\n"
    "                        --key-name TEXT [--round-to kr|ore]\n"
    "                        [--date D] [--claim-by D] [--id ID]\n"
    "                        [--ref REF] [--note TEXT] [--dry-run]\n"
    "                        [--expected-head SEQ]\n"
    "\n"
    "Records one distribution event: --amount of grant G, from party P,\n"
    "split among the parties of the key file in proportion to their\n"
    "weights (efter befolkningsmängd), in whole kronor (--round-to kr,\n"
    "the default) or in öre (--round-to ore). Each party's share is an\n"
    "allocation from P to it. The ledger computes the shares exactly by\n"
    "the largest remainder: each party first gets its share rounded down,\n"
    "and the kronor left over go one each to the parties with the largest\n"
    "remainders (ties: the larger weight, then the party id).\n"
    "\n"
    "FILE is read as import-csv reads a spreadsheet (UTF-8 or Windows-\n"
    "1252, ';' or ','): a header row, then the party id and its weight\n"
    "on each row. Weights are whole numbers; spaces between thousands\n"
    "are fine ('975 551'). --key-name says what the weights are\n"
    "('SCB folkmängd 2019-11-01'); it is stored with the event.\n"
    "\n"
    "Prints every share (party, name, weight, amount) and the total, then\n"
    "stores the event and prints its seq; --dry-run prints and checks\n"
    "every rule, and stores nothing. --date defaults to today (UTC).\n"
    "\n"
    "Example (befolkning.csv, saved from Excel):\n"
    "  Part;Folkmängd\n"
    "  stockholm;975 551\n"
    "  solna;82 918\n"
    "  medel distribute --grant psykisk-halsa-2020 --from storsthlm \\\n"
    "      --amount '10 570 973 kr' --key befolkning.csv \\\n"
    "      --key-name 'SCB folkmängd 2019-11-01' --date 2020-03-10\n",
    mc_dist_run,
};
