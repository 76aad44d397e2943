/*
 * mc_import_sv.c — a file as Swedish Excel saves it, made into what the
 * API reads (mc_import.h).
 *
 * Encoding: Excel's "CSV UTF-8" is UTF-8 with a BOM; its default "CSV
 * (semikolonavgränsad)" is Windows-1252, where å is one byte 0xE5 and the
 * thousands separator Excel writes in amounts is the no-break space 0xA0.
 * A file that is valid UTF-8 is read as UTF-8 (a Windows-1252 text with
 * å, ä or ö is practically never valid UTF-8); any other file is
 * converted by glibc's iconv, which turns 0xA0 into U+00A0, a space the
 * money parser accepts (ml_money.h).
 *
 * The column and type tables below are the ones docs/cli.md shows; keep
 * them equal.
 *
 * Row ids: a 64-bit FNV-1a hash, not a cryptographic one. It only has to
 * tell rows apart that differ in content, type or row: two rows of one
 * ledger collide with a chance near n²/2⁶⁵ (10⁻¹¹ for 10 000 rows). The
 * CLI links no hash library (libcrypto is the ledger's, private).
 */
#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ml_event.h"
#include "ml_text.h"

#include "mc_import.h"
#include "mc_post.h"

/* Swedish column names, as a header shows them → API fields. */
static const char *const mc_columns_sv[][2] = {
    {"Datum", "date"},
    {"Typ", "type"},
    {"Bidrag", "grant"},
    {"Från", "from"},
    {"Till", "to"},
    {"Part", "party"},
    {"Aktivitet", "activity"},
    {"Enhet", "unit"},
    {"Belopp", "amount"},
    {"Referens", "ref"},
    {"Fakturanummer", "invoice_no"},
    {"Anteckning", "note"},
    {"Id", "id"},
    {"Villkor", "condition"},
    {"Beslut senast", "decide_by"},
    {"Avser tilldelning", "allocation"},
    {"Rekvirera senast", "claim_by"},
    {"Till bidrag", "to_grant"},
    {"Rättar", "corrects"},
    {"Förfallodag", "due"},
};
#define MC_COLUMNS_SV_COUNT (sizeof mc_columns_sv / sizeof mc_columns_sv[0])

/* Swedish type names → API types. */
static const char *const mc_types_sv[][2] = {
    {"tilldelning", "allocation"}, {"rekvirering", "requisition"},
    {"faktura", "invoice"},        {"utbetalning", "payout"},
    {"förbrukning", "expense"},    {"återbetalning", "repayment"},
    {"överföring", "carryover"},   {"återrapportering", "report"},
    {"rättelse", "correction"},    {"avslag", "decline"},
    {"bekräftelse", "confirm"},    {"bortfall", "lapse"},
};
#define MC_TYPES_SV_COUNT (sizeof mc_types_sv / sizeof mc_types_sv[0])

int mc_import_decode(char **text, size_t *len, const char **encoding, char *why,
                     size_t why_size)
{
	*encoding = "UTF-8";
	if (ml_utf8_valid(*text, *len))
		return 0;
	iconv_t cd = iconv_open("UTF-8", "WINDOWS-1252");
	size_t out_size = *len * 3 + 1, left_in = *len, left_out = out_size;
	char *out = malloc(out_size), *in = *text, *o = out;
	if (cd == (iconv_t)-1 || out == NULL) {
		snprintf(why, why_size, "cannot convert from Windows-1252: %s",
		         strerror(errno));
		if (cd != (iconv_t)-1)
			iconv_close(cd);
		free(out);
		return -1;
	}
	size_t rc = iconv(cd, &in, &left_in, &o, &left_out);
	iconv_close(cd);
	if (rc == (size_t)-1) {
		snprintf(why, why_size,
		         "byte %zu is neither UTF-8 nor Windows-1252: save "
		         "the file as CSV UTF-8 or CSV (semikolonavgränsad)",
		         (size_t)(in - *text) + 1);
		free(out);
		return -1;
	}
	free(*text);
	*text = out;
	*len = (size_t)(o - out);
	*encoding = "Windows-1252 (converted)";
	return 0;
}

/* s trimmed of spaces, ASCII and Å Ä Ö in lower case, into buf. */
static const char *mc_fold(const char *s, char *buf, size_t size)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = 0;
	for (; s[n] != '\0' && n + 1 < size; n++) {
		unsigned char c = (unsigned char)s[n];
		bool upper_aao = n > 0 && (unsigned char)s[n - 1] == 0xC3 &&
		                 (c == 0x85 || c == 0x84 || c == 0x96);
		buf[n] = upper_aao                ? (char)(c + 0x20)
		         : (c >= 'A' && c <= 'Z') ? (char)(c + 32)
		                                  : (char)c;
	}
	while (n > 0 && (buf[n - 1] == ' ' || buf[n - 1] == '\t'))
		n--;
	buf[n] = '\0';
	return buf;
}

const char *mc_import_column(const char *header, char *buf, size_t size)
{
	char folded[ML_FIELD_NAME_MAX], name[ML_FIELD_NAME_MAX];
	mc_fold(header, folded, sizeof folded);
	for (size_t i = 0; i < MC_COLUMNS_SV_COUNT; i++)
		if (strcmp(folded, mc_fold(mc_columns_sv[i][0], name,
		                           sizeof name)) == 0)
			return mc_field_name(mc_columns_sv[i][1], buf, size);
	mc_field_name(folded, buf, size);
	for (char *p = buf; *p; p++)
		*p = *p == ' ' ? '_' : *p;
	if (buf[0] == '\0' || ml_field_from_name(buf, strlen(buf)) < ML_F_COUNT)
		return buf;
	return NULL;
}

void mc_import_known_columns(char *buf, size_t size)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < MC_COLUMNS_SV_COUNT && n < size; i++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? ", " : "",
		                      mc_columns_sv[i][0]);
	if (n < size)
		snprintf(buf + n, size - n,
		         ", or the API's field names (date, type, grant, "
		         "from, to, party, activity, unit, amount, ref, "
		         "invoice_no, note, id, ...)");
}

const char *mc_import_type(const char *text)
{
	char folded[32];
	mc_fold(text, folded, sizeof folded);
	for (size_t i = 0; i < MC_TYPES_SV_COUNT; i++)
		if (strcmp(folded, mc_types_sv[i][0]) == 0 ||
		    strcmp(folded, mc_types_sv[i][1]) == 0)
			return mc_types_sv[i][1];
	enum ml_type t = ml_type_from_name(folded, strlen(folded));
	return t == ML_TYPE_NONE ? NULL : ml_types[t].name;
}

static uint64_t mc_fnv(uint64_t h, const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

void mc_import_row_id(const char *prefix, const char *const *cells,
                      size_t n_cells, const char *type, unsigned row, char *buf,
                      size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char num[16];
	while (n_cells > 0 &&
	       strspn(cells[n_cells - 1], " \t") == strlen(cells[n_cells - 1]))
		n_cells--; /* Excel's ";;;" tails do not make a row another */
	for (size_t c = 0; c < n_cells; c++) {
		const char *s = cells[c];
		size_t n = strlen(s);
		while (n > 0 && (*s == ' ' || *s == '\t'))
			s++, n--;
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		h = mc_fnv(mc_fnv(h, s, n), "\x1f", 1);
	}
	int k = snprintf(num, sizeof num, "%u", row);
	h = mc_fnv(mc_fnv(h, "\x1e", 1), type, strlen(type));
	h = mc_fnv(mc_fnv(h, "\x1e", 1), num, (size_t)k);
	snprintf(buf, size, "%s:%016llx", prefix, (unsigned long long)h);
}

/* --- the template (mc_import_template) ---------------------------------- */

/* An example value of each field a template shows: the worked example
 * (docs/examples), so a template imported as it is into that ledger
 * makes sense. */
static const char *const mc_examples[][2] = {
    {"date", "2020-12-15"},
    {"grant", "psykisk-halsa-2020"},
    {"from", "kammarkollegiet"},
    {"to", "malmo"},
    {"party", "malmo-asn"},
    {"activity", "Psykologresurs"},
    {"unit", "IFO Utredning"},
    {"amount", "420 000"},
    {"ref", "ASN-2020-12563"},
    {"invoice_no", "MAL-2020-1"},
    {"claim_by", "2020-12-31"},
    {"due", "2020-12-31"},
    {"to_grant", "psykisk-halsa-2021"},
    {"corrects", "27"},
};
#define MC_EXAMPLES_COUNT (sizeof mc_examples / sizeof mc_examples[0])

static const char *mc_example(const char *field)
{
	for (size_t i = 0; i < MC_EXAMPLES_COUNT; i++)
		if (strcmp(mc_examples[i][0], field) == 0)
			return mc_examples[i][1];
	return "";
}

/* The Swedish name of type t, as a Typ cell says it. */
static const char *mc_type_sv(const char *api)
{
	for (size_t i = 0; i < MC_TYPES_SV_COUNT; i++)
		if (strcmp(mc_types_sv[i][1], api) == 0)
			return mc_types_sv[i][0];
	return api;
}

/* Does type t take column i of mc_columns_sv? */
static bool mc_template_has(enum ml_type t, size_t i)
{
	const char *field = mc_columns_sv[i][1];
	enum ml_field f = ml_field_from_name(field, strlen(field));
	return f < ML_F_COUNT &&
	       ((ml_types[t].required | ml_types[t].optional) & ML_BIT(f));
}

bool mc_import_template(const char *type, FILE *f)
{
	enum ml_type t = ml_type_from_name(type, strlen(type));
	if (t == ML_TYPE_NONE)
		return false;
	fputs("\xef\xbb\xbf", f);
	for (int line = 0; line < 2; line++) {
		bool first = true;
		for (size_t i = 0; i < MC_COLUMNS_SV_COUNT; i++) {
			if (!mc_template_has(t, i))
				continue;
			const char *field = mc_columns_sv[i][1];
			const char *cell = line == 0 ? mc_columns_sv[i][0]
			                   : strcmp(field, "type") == 0
			                       ? mc_type_sv(type)
			                       : mc_example(field);
			fprintf(f, "%s%s", first ? "" : ";", cell);
			first = false;
		}
		fputs("\r\n", f);
	}
	return true;
}
