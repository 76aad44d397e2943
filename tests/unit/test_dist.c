/*
 * test_dist.c — distributions by key (DOMAIN.md, docs/rules.md).
 *
 * - The largest-remainder shares of ml_dist.c against a second
 *   computation written here another way (rank counting instead of a
 *   sort), on 10 000 random keys with many ties: the same shares, summing
 *   to the amount exactly, each within one unit of its exact part.
 * - Every refusal of a distribution, with its code, field and sentence,
 *   and the head hash unchanged.
 * - What a distribution does: one allocation per share on the edge
 *   from → party, declined, claimed and paid like any other; a
 *   correction withdraws every share; verify rebuilds it; the answer of
 *   GET /v1/distributions/{seq}.
 * - A key of 1 000 parties appended as one event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_answer.h"
#include "ml_dist.h"
#include "ml_json.h"
#include "ml_ledger.h"
#include "ml_record.h"
#include "mt.h"
#include "tl.h"

/* MT_REQUIRE for helpers that return a value. */
#define NEED(cond)                                                             \
	do {                                                                   \
		if (!(cond)) {                                                 \
			MT_FAIL_AT("%s", #cond);                               \
			abort();                                               \
		}                                                              \
	} while (0)

/* --- the shares, computed a second way --------------------------------- */

/* xorshift64*: a fixed sequence, so a failure repeats. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}
static int64_t rnd_in(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* Does party j come before party i for a leftover unit? Written from the
 * sentence of DOMAIN.md: larger remainder, then larger weight, then the
 * id first in code-point order. */
static bool before(const unsigned __int128 *rem, const struct ml_key_item *it,
                   size_t j, size_t i)
{
	if (rem[j] != rem[i])
		return rem[j] > rem[i];
	if (it[j].weight != it[i].weight)
		return it[j].weight > it[i].weight;
	size_t n = it[j].party.len < it[i].party.len ? it[j].party.len
	                                             : it[i].party.len;
	int c = memcmp(it[j].party.ptr, it[i].party.ptr, n);
	return c != 0 ? c < 0 : it[j].party.len < it[i].party.len;
}

/* The shares by counting, for each party, how many parties come before
 * it: it gets a leftover unit when fewer than R do. O(n²). */
static void shares_by_rank(int64_t amount_ore, int64_t unit,
                           const struct ml_key_item *it, size_t n, int64_t *out)
{
	unsigned __int128 total = 0,
	                  units = (unsigned __int128)(amount_ore / unit);
	unsigned __int128 rem[ML_KEY_PARTIES_MAX], given = 0;
	for (size_t i = 0; i < n; i++)
		total += (unsigned __int128)it[i].weight;
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 p = units * (unsigned __int128)it[i].weight;
		out[i] = (int64_t)(p / total);
		rem[i] = p - (p / total) * total;
		given += (unsigned __int128)out[i];
	}
	size_t left = (size_t)(units - given);
	for (size_t i = 0; i < n; i++) {
		size_t ahead = 0;
		for (size_t j = 0; j < n; j++)
			ahead += j != i && before(rem, it, j, i);
		out[i] = (out[i] + (ahead < left ? 1 : 0)) * unit;
	}
}

/* A random key of n distinct parties: ids of 1..6 letters from a small
 * alphabet (so that prefixes occur), weights from a small range (ties)
 * or up to the limit. */
static size_t random_key(struct ml_key_item *it, char (*ids)[8])
{
	size_t n = (size_t)(rnd() % 8 == 0 ? rnd_in(1, 300) : rnd_in(1, 12));
	int64_t wmax = rnd() % 3 == 0   ? 3
	               : rnd() % 2 == 0 ? 1000000
	                                : ML_KEY_WEIGHT_MAX;
	size_t made = 0;
	for (size_t tries = 0; made < n && tries < 4 * n + 20; tries++) {
		int len = (int)rnd_in(1, 6);
		for (int k = 0; k < len; k++)
			ids[made][k] = (char)('a' + rnd_in(0, 3));
		ids[made][len] = '\0';
		bool dup = false;
		for (size_t j = 0; j < made && !dup; j++)
			dup = strcmp(ids[j], ids[made]) == 0;
		if (dup)
			continue;
		it[made].party = ml_str_c(ids[made]);
		it[made].weight = rnd_in(1, wmax);
		made++;
	}
	return made;
}

static void test_shares_against_ranks(void)
{
	static struct ml_key_item it[ML_KEY_PARTIES_MAX];
	static char ids[ML_KEY_PARTIES_MAX][8];
	static int64_t mine[ML_KEY_PARTIES_MAX], theirs[ML_KEY_PARTIES_MAX];
	int bad = 0;
	for (int round = 0; round < 10000 && bad < 5; round++) {
		size_t n = random_key(it, ids);
		int64_t unit = rnd() % 2 == 0 ? 100 : 1;
		int64_t max_units = ML_AMOUNT_MAX_ORE / unit;
		int64_t units =
		    rnd() % 2 == 0 ? rnd_in(1, 1000) : rnd_in(1, max_units);
		int64_t amount = units * unit, sum = 0;
		MT_REQUIRE(ml_dist_shares(amount, unit, it, n, mine) == 0);
		shares_by_rank(amount, unit, it, n, theirs);
		for (size_t i = 0; i < n; i++) {
			sum += mine[i];
			if (mine[i] != theirs[i] || mine[i] % unit != 0) {
				MT_FAIL_AT(
				    "round %d party %s: %lld, by rank %lld",
				    round, ids[i], (long long)mine[i],
				    (long long)theirs[i]);
				bad++;
				break;
			}
		}
		if (sum != amount) {
			MT_FAIL_AT("round %d: shares sum to %lld, not %lld",
			           round, (long long)sum, (long long)amount);
			bad++;
		}
	}
}

/* Ties as DOMAIN.md orders them, on keys small enough to do by hand. */
static void test_shares_ties(void)
{
	struct ml_key_item it[3];
	int64_t s[3];
	/* 100 kr by 1:1:1 — 33 kr each, the leftover krona to 'a' (all
	 * remainders and weights equal: the first id). */
	it[0] = (struct ml_key_item){ml_str_c("c"), 1};
	it[1] = (struct ml_key_item){ml_str_c("a"), 1};
	it[2] = (struct ml_key_item){ml_str_c("b"), 1};
	MT_REQUIRE(ml_dist_shares(10000, 100, it, 3, s) == 0);
	MT_CHECK_INT(s[0], 3300);
	MT_CHECK_INT(s[1], 3400);
	MT_CHECK_INT(s[2], 3300);
	/* 3 kr by a:1, bb:2, c:3 (W = 6): 3·1 mod 6 = 3, 3·2 mod 6 = 0,
	 * 3·3 mod 6 = 3: a and c tie on the remainder, c has the larger
	 * weight and gets the one leftover krona: 0, 1, 2 kr. */
	it[0] = (struct ml_key_item){ml_str_c("a"), 1};
	it[1] = (struct ml_key_item){ml_str_c("bb"), 2};
	it[2] = (struct ml_key_item){ml_str_c("c"), 3};
	MT_REQUIRE(ml_dist_shares(300, 100, it, 3, s) == 0);
	MT_CHECK_INT(s[0], 0);
	MT_CHECK_INT(s[1], 100);
	MT_CHECK_INT(s[2], 200);
	/* The same in öre: 300 öre divides exactly. */
	MT_REQUIRE(ml_dist_shares(300, 1, it, 3, s) == 0);
	MT_CHECK_INT(s[0], 50);
	MT_CHECK_INT(s[1], 100);
	MT_CHECK_INT(s[2], 150);
	/* The largest amount by the largest weights: 128-bit products. */
	it[0] = (struct ml_key_item){ml_str_c("a"), ML_KEY_WEIGHT_MAX};
	it[1] = (struct ml_key_item){ml_str_c("b"), ML_KEY_WEIGHT_MAX - 1};
	MT_REQUIRE(ml_dist_shares(ML_AMOUNT_MAX_ORE, 1, it, 2, s) == 0);
	MT_CHECK(s[0] + s[1] == ML_AMOUNT_MAX_ORE);
	MT_CHECK(s[0] == 500000000000250LL && s[1] == 499999999999750LL);
}

/* --- the ledger -------------------------------------------------------- */

/* kk → malmo 500 000 kr in d-2020 (paid); parties a, bb, c, lund. */
static const char setup[] =
    "[{'type':'party','date':'2020-01-01','party':'kk','name':'K',"
    "'kind':'state'},"
    "{'type':'party','date':'2020-01-01','party':'malmo','name':'M',"
    "'kind':'municipality'},"
    "{'type':'party','date':'2020-01-01','party':'a','name':'A',"
    "'kind':'committee','parent':'malmo'},"
    "{'type':'party','date':'2020-01-01','party':'bb','name':'B',"
    "'kind':'committee','parent':'malmo'},"
    "{'type':'party','date':'2020-01-01','party':'c','name':'C',"
    "'kind':'committee','parent':'malmo'},"
    "{'type':'grant','date':'2020-02-06','grant':'d-2020','name':'D',"
    "'payer':'kk','total':100000000},"
    "{'type':'allocation','date':'2020-02-10','grant':'d-2020',"
    "'from':'kk','to':'malmo','amount':50000000},"
    "{'type':'payout','date':'2020-03-01','grant':'d-2020','from':'kk',"
    "'to':'malmo','amount':50000000}]";
#define SETUP_EVENTS 8

static void dq(const char *in, char *out, size_t size)
{
	size_t i = 0;
	for (; in[i] != '\0' && i + 1 < size; i++)
		out[i] = in[i] == '\'' ? '"' : in[i];
	out[i] = '\0';
}

#define DIST(extra)                                                            \
	"{'type':'distribution','date':'2020-04-01','grant':'d-2020',"         \
	"'from':'malmo','key_name':'SCB folkmängd'," extra "}"

struct dist_case {
	const char *name;
	const char *json;
	int code;
	const char *field;
	const char *message;
};

static const struct dist_case cases[] = {
    {"unknown party in the key",
     DIST("'amount':100000,'key':{'a':1,'nobody':2}"), ML_E_UNKNOWN_PARTY,
     "key",
     "key: party 'nobody' is not defined; define it with a party "
     "event first"},
    {"not whole kronor", DIST("'amount':100050,'key':{'a':1}"),
     ML_E_INVALID_FIELD, "amount",
     "amount: 1 000,50 kr is not a whole number of kronor, the unit of "
     "round_to \"kr\" (give whole kronor, or round_to \"ore\")"},
    {"not whole kronor, round_to kr given",
     DIST("'amount':1,'round_to':'kr','key':{'a':1}"), ML_E_INVALID_FIELD,
     "amount",
     "amount: 0,01 kr is not a whole number of kronor, the unit of "
     "round_to \"kr\" (give whole kronor, or round_to \"ore\")"},
    {"the key names from", DIST("'amount':100000,'key':{'a':1,'malmo':1}"),
     ML_E_INVALID_FIELD, "key",
     "key: names malmo, the party distributing (from); the key may not "
     "name it"},
    {"weight 0", DIST("'amount':100000,'key':{'a':1,'bb':0}"),
     ML_E_INVALID_FIELD, "key",
     "key: the weight of bb is 0; a weight is a whole number from 1 to "
     "1 000 000 000 000"},
    {"negative weight", DIST("'amount':100000,'key':{'a':-5}"),
     ML_E_INVALID_FIELD, "key",
     "key: the weight of a is -5; a weight is a whole number from 1 to "
     "1 000 000 000 000"},
    {"weight over the limit", DIST("'amount':100000,'key':{'a':1000000000001}"),
     ML_E_INVALID_FIELD, "key",
     "key: the weight of a is 1000000000001; a weight is a whole number "
     "from 1 to 1 000 000 000 000"},
    {"weight beyond an exact JSON integer",
     DIST("'amount':100000,'key':{'a':90071992547409930}"), ML_E_INVALID_FIELD,
     "key",
     "key: the weight of a is over 1 000 000 000 000 (the largest weight)"},
    {"weight as text", DIST("'amount':100000,'key':{'a':'12'}"),
     ML_E_INVALID_FIELD, "key",
     "key: the weight of a is not a number; a weight is a positive whole "
     "number"},
    {"no party", DIST("'amount':100000,'key':{}"), ML_E_INVALID_FIELD, "key",
     "key: names 0 parties; a key names 1 to 1000 parties"},
    {"not an object", DIST("'amount':100000,'key':['a']"), ML_E_INVALID_FIELD,
     "key", "key: must be a JSON object of party id → weight"},
    {"not a party id", DIST("'amount':100000,'key':{'Malmö':1}"),
     ML_E_INVALID_FIELD, "key",
     "key: 'Malmö' is not a party id ([a-z0-9][a-z0-9._-]{0,63})"},
    {"round_to öre", DIST("'amount':100000,'round_to':'öre','key':{'a':1}"),
     ML_E_INVALID_FIELD, "round_to",
     "round_to: is 'öre'; it must be \"kr\" (shares in whole kronor) or "
     "\"ore\" (shares in öre)"},
    {"no key_name",
     "{'type':'distribution','date':'2020-04-01','grant':'d-2020',"
     "'from':'malmo','amount':100000,'key':{'a':1}}",
     ML_E_MISSING_FIELD, "key_name",
     "key_name: a distribution event needs this field"},
    {"decide_by without a condition",
     DIST("'amount':100000,'key':{'a':1},'decide_by':'2020-05-01'"),
     ML_E_INVALID_FIELD, "decide_by",
     "decide_by: needs a condition: only a conditional allocation or "
     "distribution has a date to decide by"},
    {"more than from may allocate",
     DIST("'amount':50000100,'key':{'a':1,'bb':1}"), ML_E_OVER_ALLOCATION,
     "from",
     "malmo would have allocated 1 kr more than it may allocate of d-2020 "
     "on 2020-04-01"},
    {"dated in a closed period",
     "[{'type':'close','date':'2020-04-30','grant':'d-2020'},"
     "{'type':'distribution','date':'2020-04-01','grant':'d-2020',"
     "'from':'malmo','amount':100,'key':{'a':1},'key_name':'x'}]",
     ML_E_PERIOD_CLOSED, "date",
     "date: 2020-04-01 is inside the period closed up to 2020-04-30 for "
     "d-2020"},
};

static void check_refusal(struct ml_ledger *lg, const struct dist_case *c,
                          const char *json)
{
	char before[65], after[65];
	struct ml_errinfo err;
	tl_head_hash(lg, before);
	int rc = tl_append(lg, json, &err, NULL);
	tl_head_hash(lg, after);
	if (rc != c->code || strcmp(err.field, c->field) != 0 ||
	    strcmp(err.message, c->message) != 0)
		MT_FAIL_AT("%s: got %s '%s' \"%s\"", c->name, ml_error_name(rc),
		           err.field, err.message);
	if (strcmp(before, after) != 0)
		MT_FAIL_AT("%s: the refusal moved the head", c->name);
}

static void test_refusals(void)
{
	char dir[4096], json[8192];
	struct ml_ledger *lg = tl_open(dir, "dist-rules");
	dq(setup, json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		dq(cases[i].json, json, sizeof json);
		check_refusal(lg, &cases[i], json);
	}
	/* 1 001 parties: refused before any is looked up. */
	static char big[64 * 1024];
	size_t n = (size_t)snprintf(big, sizeof big,
	                            "{\"type\":\"distribution\",\"date\":"
	                            "\"2020-04-01\",\"grant\":\"d-2020\","
	                            "\"from\":\"malmo\",\"amount\":100,"
	                            "\"key_name\":\"x\",\"key\":{");
	for (int i = 0; i < 1001; i++)
		n += (size_t)snprintf(big + n, sizeof big - n, "%s\"p%d\":1",
		                      i ? "," : "", i);
	snprintf(big + n, sizeof big - n, "}}");
	struct dist_case over = {
	    "1 001 parties", NULL, ML_E_INVALID_FIELD, "key",
	    "key: names 1001 parties; a key names 1 to 1000 parties"};
	check_refusal(lg, &over, big);
	tl_close(lg, dir);
}

/* One bucket of (grant, party) as of 2020-12-31 (0 when no row). */
static int64_t bucket(struct ml_ledger *lg, const char *party, const char *name)
{
	struct ml_read *rd;
	struct ml_query q;
	struct ml_errinfo err;
	cJSON *doc = NULL;
	int64_t v = 0;
	ml_query_init(&q);
	q.as_of = 125 * 365; /* 2024: after every event here */
	q.grant = "d-2020";
	q.party = party;
	NEED(ml_ledger_read_begin(lg, &rd) == 0);
	NEED(ml_answer_balances(lg, rd, &q, &doc, &err) == 0);
	ml_ledger_read_end(lg, rd);
	/* Integers are raw members (ml_json_add_int): read them back as a
	 * client does, from the printed text. */
	char *text = cJSON_PrintUnformatted(doc);
	cJSON *back = cJSON_Parse(text);
	cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(back, "rows"), 0);
	if (row != NULL)
		v = (int64_t)cJSON_GetObjectItem(row, name)->valuedouble;
	cJSON_Delete(back);
	free(text);
	cJSON_Delete(doc);
	return v;
}

/* The answer of GET /v1/distributions/{seq}, printed, or the error. */
static int answer(struct ml_ledger *lg, uint64_t seq, char *out, size_t size,
                  struct ml_errinfo *err)
{
	struct ml_read *rd;
	cJSON *doc = NULL;
	NEED(ml_ledger_read_begin(lg, &rd) == 0);
	int rc = ml_answer_distribution(lg, rd, seq, &doc, err);
	ml_ledger_read_end(lg, rd);
	if (rc == 0) {
		char *s = cJSON_PrintUnformatted(doc);
		snprintf(out, size, "%s", s);
		free(s);
	}
	cJSON_Delete(doc);
	return rc;
}

/* 1 000 kr by a:1, bb:1, c:1: 333, 333 and 334 kr? No: the leftover
 * krona goes to the first id, a: 334, 333, 333. The shares are read
 * from the ledger's balances and its answer; the expectation is the
 * rule applied by hand. */
static void test_effects(void)
{
	char dir[4096], json[8192], doc[4096];
	struct ml_errinfo err;
	uint64_t seq = 0;
	struct ml_ledger *lg = tl_open(dir, "dist-effects");
	dq(setup, json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	dq(DIST("'amount':100000,'claim_by':'2020-06-30',"
	        "'key':{'c':1,'a':1,'bb':1}"),
	   json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, &err, &seq) == 0);
	MT_CHECK_INT(seq, SETUP_EVENTS + 1);
	MT_CHECK_INT(bucket(lg, "malmo", "allocated_out"), 100000);
	MT_CHECK_INT(bucket(lg, "a", "allocated"), 33400);
	MT_CHECK_INT(bucket(lg, "bb", "allocated"), 33300);
	MT_CHECK_INT(bucket(lg, "c", "allocated"), 33300);
	MT_CHECK_INT(answer(lg, seq, doc, sizeof doc, &err), 0);
	dq("{'seq':9,'grant':'d-2020','from':'malmo','amount':100000,"
	   "'key_name':'SCB folkmängd','round_to':'kr','shares':["
	   "{'party':'a','weight':1,'amount':33400},"
	   "{'party':'bb','weight':1,'amount':33300},"
	   "{'party':'c','weight':1,'amount':33300}]}",
	   json, sizeof json);
	MT_CHECK_STR(doc, json);
	/* Each share is an allocation on malmo → party: claimed, paid and
	 * declined like one; a claim beyond the share is refused. */
	dq("[{'type':'requisition','date':'2020-04-02','grant':'d-2020',"
	   "'from':'malmo','to':'a','amount':33400},"
	   "{'type':'payout','date':'2020-04-03','grant':'d-2020',"
	   "'from':'malmo','to':'a','amount':33400},"
	   "{'type':'decline','date':'2020-04-03','grant':'d-2020',"
	   "'from':'bb','to':'malmo','amount':300}]",
	   json, sizeof json);
	MT_CHECK_INT(tl_append(lg, json, &err, NULL), 0);
	MT_CHECK_INT(bucket(lg, "a", "held"), 33400);
	MT_CHECK_INT(bucket(lg, "bb", "allocated"), 33000);
	MT_CHECK_INT(bucket(lg, "malmo", "allocated_out"), 99700);
	dq("{'type':'payout','date':'2020-04-04','grant':'d-2020',"
	   "'from':'malmo','to':'c','amount':33301}",
	   json, sizeof json);
	MT_CHECK_INT(tl_append(lg, json, &err, NULL), ML_E_NOT_ALLOCATED);
	MT_CHECK_STR(err.field, "to");
	/* A second distribution in öre, then corrected: every share goes. */
	dq(DIST("'amount':100,'round_to':'ore','key':{'a':1,'bb':1,'c':1}"),
	   json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, &err, &seq) == 0);
	MT_CHECK_INT(bucket(lg, "a", "allocated"), 33434);
	MT_CHECK_INT(bucket(lg, "c", "allocated"), 33333);
	snprintf(doc, sizeof doc,
	         "{\"type\":\"correction\",\"date\":\"2020-05-01\","
	         "\"corrects\":%llu,\"note\":\"fel nyckel\"}",
	         (unsigned long long)seq);
	MT_CHECK_INT(tl_append(lg, doc, &err, NULL), 0);
	MT_CHECK_INT(bucket(lg, "a", "allocated"), 33400);
	MT_CHECK_INT(bucket(lg, "bb", "allocated"), 33000);
	MT_CHECK_INT(bucket(lg, "c", "allocated"), 33300);
	MT_CHECK_INT(bucket(lg, "malmo", "allocated_out"), 99700);
	/* The first cannot be corrected: a's share is claimed (on 04-02,
	 * the first day without it that breaks a rule) and paid. */
	dq("{'type':'correction','date':'2020-05-01','corrects':9,"
	   "'note':'x'}",
	   json, sizeof json);
	MT_CHECK_INT(tl_append(lg, json, &err, NULL), ML_E_OVER_CLAIM);
	MT_CHECK_STR(err.field, "key");
	MT_CHECK_STR(err.message,
	             "a would have claimed 334 kr but been "
	             "allocated only 0 kr of d-2020 on 2020-04-02");
	MT_CHECK(tl_verify_ok(lg));
	/* Not a distribution: 404. */
	MT_CHECK_INT(answer(lg, 2, doc, sizeof doc, &err), ML_E_NOT_FOUND);
	MT_CHECK_STR(err.message, "seq 2 is a party event, not a distribution");
	MT_CHECK_INT(answer(lg, 999, doc, sizeof doc, &err), ML_E_NOT_FOUND);
	tl_close(lg, dir);
}

/* A key of 1 000 parties is one event; its 1 000 allocations are in
 * the ledger at once; the shares of 0 make none (and are in the
 * answer). */
static void test_thousand_parties(void)
{
	char dir[4096];
	static char json[256 * 1024];
	struct ml_errinfo err;
	uint64_t seq = 0;
	struct ml_ledger *lg = tl_open(dir, "dist-1000");
	dq(setup, json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	size_t n = (size_t)snprintf(json, sizeof json, "[");
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(
		    json + n, sizeof json - n,
		    "%s{\"type\":\"party\",\"date\":"
		    "\"2020-01-01\",\"party\":\"kommun-%04d\","
		    "\"name\":\"K\",\"kind\":\"municipality\"}",
		    i ? "," : "", i);
	snprintf(json + n, sizeof json - n, "]");
	MT_REQUIRE(tl_append(lg, json, &err, NULL) == 0);
	uint64_t head = tl_head(lg);
	/* Weights i + 1 for kommun-i, the largest ids with the largest
	 * weights; 10 000 kr leaves the first few with 0 kr. */
	n = (size_t)snprintf(json, sizeof json,
	                     "{\"type\":\"distribution\",\"date\":"
	                     "\"2020-04-01\",\"grant\":\"d-2020\",\"from\":"
	                     "\"malmo\",\"amount\":1000000,\"key_name\":"
	                     "\"index\",\"key\":{");
	for (int i = 0; i < 1000; i++)
		n += (size_t)snprintf(json + n, sizeof json - n,
		                      "%s\"kommun-%04d\":%d", i ? "," : "", i,
		                      i + 1);
	snprintf(json + n, sizeof json - n, "}}");
	MT_REQUIRE(tl_append(lg, json, &err, &seq) == 0);
	MT_CHECK_INT(seq, head + 1);
	MT_CHECK_INT(tl_head(lg), head + 1);
	MT_CHECK_INT(bucket(lg, "malmo", "allocated_out"), 1000000);
	/* W = 500 500; kommun-0999 gets ⌊10000·1000/500500⌋ = 19 kr plus
	 * maybe one; kommun-0000 ⌊10000/500500⌋ = 0 kr plus maybe one. */
	int64_t top = bucket(lg, "kommun-0999", "allocated");
	MT_CHECK(top == 1900 || top == 2000);
	static char doc[128 * 1024];
	MT_REQUIRE(answer(lg, seq, doc, sizeof doc, &err) == 0);
	cJSON *d = cJSON_Parse(doc), *s;
	cJSON *shares = cJSON_GetObjectItem(d, "shares");
	MT_CHECK_INT(cJSON_GetArraySize(shares), 1000);
	int64_t sum = 0, zeros = 0, i = 0;
	cJSON_ArrayForEach(s, shares)
	{
		int64_t a =
		    (int64_t)cJSON_GetObjectItem(s, "amount")->valuedouble;
		char id[32];
		snprintf(id, sizeof id, "kommun-%04lld", (long long)i++);
		MT_CHECK_STR(cJSON_GetObjectItem(s, "party")->valuestring, id);
		sum += a;
		zeros += a == 0;
	}
	MT_CHECK_INT(sum, 1000000);
	MT_CHECK(zeros > 0);
	MT_CHECK_INT(bucket(lg, "kommun-0000", "allocated"), 0);
	cJSON_Delete(d);
	MT_CHECK(tl_verify_ok(lg));
	tl_close(lg, dir);
}

/* The largest key: 1 000 parties with 64-byte ids and the largest
 * weight. Its text (over 64 KiB, so its length is a u32 in the record)
 * fits ML_KEY_BYTES_MAX with one byte to spare, the event's JSON
 * ML_EVENT_JSON_MAX and its record ML_RECORD_BYTES_MAX, and the record
 * reads back to the same canonical JSON. */
static void test_largest_key_round_trip(void)
{
	static char json[128 * 1024];
	size_t n = (size_t)snprintf(json, sizeof json,
	                            "{\"type\":\"distribution\",\"date\":"
	                            "\"2020-04-01\",\"grant\":\"g\",\"from\":"
	                            "\"f\",\"amount\":100,\"key_name\":\"x\","
	                            "\"key\":{");
	for (int i = 0; i < ML_KEY_PARTIES_MAX; i++)
		n += (size_t)snprintf(json + n, sizeof json - n,
		                      "%s\"%060d-xyz\":%lld", i ? "," : "", i,
		                      (long long)ML_KEY_WEIGHT_MAX);
	snprintf(json + n, sizeof json - n, "}}");
	struct ml_arena arena;
	struct ml_errinfo err;
	struct ml_event *ev = NULL, back;
	size_t count = 0;
	ml_arena_init(&arena, 1 << 20);
	MT_REQUIRE(ml_json_parse_batch(json, strlen(json), &arena, &ev, &count,
	                               &err) == 0);
	/* The bound counts a comma after every party; the last has none. */
	MT_CHECK_INT(ev->key.len, ML_KEY_BYTES_MAX - 1);
	struct ml_buf a, b, rec;
	ml_buf_init(&a, ML_EVENT_JSON_MAX);
	ml_buf_init(&b, ML_EVENT_JSON_MAX);
	ml_buf_init(&rec, ML_RECORD_BYTES_MAX);
	MT_CHECK_INT(ml_json_write_event(ev, ML_JSON_SUBMITTED, &a), 0);
	/* A record holds what the ledger stores (ml_record.c checks it). */
	ev->seq = 1;
	ev->recorded_by = ml_str_c("t");
	memset(ev->prev_hash, 0, 32);
	memset(ev->hash, 0xab, 32);
	ev->present |= ML_STORED_FIELDS;
	MT_CHECK_INT(ml_record_encode(ev, &rec), 0);
	MT_CHECK(rec.len > 65536);
	MT_CHECK_INT(ml_record_decode(rec.data, rec.len, 1, &back), 0);
	MT_CHECK_INT(ml_json_write_event(&back, ML_JSON_SUBMITTED, &b), 0);
	MT_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
	/* A record cut short is corrupt, not read past its end. */
	MT_CHECK_INT(ml_record_decode(rec.data, rec.len - 1, 1, &back),
	             ML_E_CORRUPT);
	ml_buf_free(&a);
	ml_buf_free(&b);
	ml_buf_free(&rec);
	ml_arena_free(&arena);
}

/* The condition deadline items of d-2020 as of 2020-04-30, as text:
 * "party amount decide_by;" each. */
static void condition_items(struct ml_ledger *lg, char *out, size_t size)
{
	struct ml_read *rd;
	struct ml_query q;
	struct ml_errinfo err;
	cJSON *doc = NULL;
	size_t n = 0;
	ml_query_init(&q);
	q.as_of = ml_date_from_ymd(2020, 4, 30);
	out[0] = '\0';
	NEED(ml_ledger_read_begin(lg, &rd) == 0);
	NEED(ml_answer_deadlines(lg, rd, &q, &doc, &err) == 0);
	ml_ledger_read_end(lg, rd);
	char *text = cJSON_PrintUnformatted(doc);
	cJSON *back = cJSON_Parse(text), *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(back, "items"))
	{
		if (strcmp(cJSON_GetObjectItem(it, "kind")->valuestring,
		           "condition") != 0)
			continue;
		n += (size_t)snprintf(
		    out + n, size - n, "%s %.0f %s;",
		    cJSON_GetObjectItem(it, "party")->valuestring,
		    cJSON_GetObjectItem(it, "amount")->valuedouble,
		    cJSON_GetObjectItem(it, "due")->valuestring);
	}
	cJSON_Delete(back);
	free(text);
	cJSON_Delete(doc);
}

/* A conditional distribution: every share pending until its confirm
 * (which takes no amount) or lapse; each share one condition item;
 * correcting the confirm makes every share pending again. */
static void test_conditional(void)
{
	char dir[4096], json[8192], items[1024];
	struct ml_errinfo err;
	uint64_t seq = 0;
	struct ml_ledger *lg = tl_open(dir, "dist-cond");
	dq(setup, json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, NULL, NULL) == 0);
	dq(DIST("'amount':100000,'claim_by':'2020-06-30','id':'cd',"
	        "'condition':'om länet ansöker','decide_by':'2020-05-01',"
	        "'key':{'c':1,'a':1,'bb':1}"),
	   json, sizeof json);
	MT_REQUIRE(tl_append(lg, json, &err, &seq) == 0);
	MT_CHECK_INT(bucket(lg, "malmo", "pending_out"), 100000);
	MT_CHECK_INT(bucket(lg, "malmo", "allocated_out"), 0);
	MT_CHECK_INT(bucket(lg, "a", "pending"), 33400);
	MT_CHECK_INT(bucket(lg, "bb", "pending"), 33300);
	MT_CHECK_INT(bucket(lg, "c", "allocated"), 0);
	condition_items(lg, items, sizeof items);
	MT_CHECK_STR(items, "a 33400 2020-05-01;bb 33300 2020-05-01;"
	                    "c 33300 2020-05-01;");
	/* Pending is not allocated: a cannot claim it yet. */
	dq("{'type':'requisition','date':'2020-04-02','grant':'d-2020',"
	   "'from':'malmo','to':'a','amount':100}",
	   json, sizeof json);
	MT_CHECK_INT(tl_append(lg, json, &err, NULL), ML_E_OVER_CLAIM);
	/* A confirm of it takes no amount. */
	dq("{'type':'confirm','date':'2020-04-10','allocation':'cd',"
	   "'amount':50000}",
	   json, sizeof json);
	MT_CHECK_INT(tl_append(lg, json, &err, NULL), ML_E_INVALID_FIELD);
	MT_CHECK_STR(err.field, "amount");
	MT_CHECK_STR(err.message,
	             "amount: seq 9 is a conditional distribution, whose "
	             "confirm confirms every share as computed and takes no "
	             "amount; to distribute another amount, let it lapse and "
	             "record a new one");
	uint64_t confirm = 0;
	dq("{'type':'confirm','date':'2020-04-10','allocation':'cd'}", json,
	   sizeof json);
	MT_REQUIRE(tl_append(lg, json, &err, &confirm) == 0);
	MT_CHECK_INT(bucket(lg, "malmo", "pending_out"), 0);
	MT_CHECK_INT(bucket(lg, "malmo", "allocated_out"), 100000);
	MT_CHECK_INT(bucket(lg, "a", "allocated"), 33400);
	MT_CHECK_INT(bucket(lg, "c", "allocated"), 33300);
	MT_CHECK_INT(bucket(lg, "c", "pending"), 0);
	condition_items(lg, items, sizeof items);
	MT_CHECK_STR(items, "");
	/* Resolved once; the lapse is refused. */
	dq("{'type':'lapse','date':'2020-04-11','allocation':'cd'}", json,
	   sizeof json);
	MT_CHECK_INT(tl_append(lg, json, &err, NULL), ML_E_ALREADY_RESOLVED);
	MT_CHECK(tl_verify_ok(lg));
	/* Correcting the confirm: every share pending again; then a lapse
	 * releases them all. The distribution itself cannot be corrected
	 * while a counting lapse resolves it. */
	snprintf(json, sizeof json,
	         "{\"type\":\"correction\",\"date\":\"2020-04-12\","
	         "\"corrects\":%llu,\"note\":\"villkoret ej uppfyllt\"}",
	         (unsigned long long)confirm);
	MT_REQUIRE(tl_append(lg, json, &err, NULL) == 0);
	MT_CHECK_INT(bucket(lg, "bb", "pending"), 33300);
	MT_CHECK_INT(bucket(lg, "bb", "allocated"), 0);
	dq("{'type':'lapse','date':'2020-04-13','allocation':9}", json,
	   sizeof json);
	MT_REQUIRE(tl_append(lg, json, &err, NULL) == 0);
	MT_CHECK_INT(bucket(lg, "a", "pending"), 0);
	MT_CHECK_INT(bucket(lg, "malmo", "pending_out"), 0);
	MT_CHECK_INT(bucket(lg, "malmo", "allocated_out"), 0);
	dq("{'type':'correction','date':'2020-04-14','corrects':9,"
	   "'note':'x'}",
	   json, sizeof json);
	MT_CHECK_INT(tl_append(lg, json, &err, NULL), ML_E_INVALID_FIELD);
	MT_CHECK_STR(err.field, "corrects");
	MT_CHECK(tl_verify_ok(lg));
	tl_close(lg, dir);
}

int main(void)
{
	MT_RUN(test_largest_key_round_trip);
	MT_RUN(test_shares_ties);
	MT_RUN(test_shares_against_ranks);
	MT_RUN(test_refusals);
	MT_RUN(test_effects);
	MT_RUN(test_conditional);
	MT_RUN(test_thousand_parties);
	return MT_EXIT();
}
