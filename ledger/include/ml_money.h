/*
 * ml_money.h — money as integer öre: parsing what people type, formatting
 * what people read, and arithmetic that never wraps.
 *
 * 1 kr = 100 öre. The ledger never holds money in floating point. Event
 * amounts are 1 ..= 10^15 öre (ML_AMOUNT_*); balances are sums of event
 * amounts and are int64_t, with every addition checked.
 *
 * Parsing (CLI.md "Amounts typed by a person") accepts:
 *   650000          650 000 kr        650 000,50 kr
 *   26 800 tkr      13,4 mkr          650000,5
 * with ordinary (U+0020), no-break (U+00A0), narrow no-break (U+202F) or
 * thin (U+2009) spaces as thousands separators, a comma as the decimal
 * sign, and an optional unit kr, tkr (1 000 kr) or mkr (1 000 000 kr).
 * It rejects, each with a sentence saying why: a value that does not come
 * to whole öre (0,005 kr, 0,000001 tkr), a value that could be read two
 * ways (a '.', which Swedish writes as a thousands separator and English as
 * a decimal sign), grouping that is not in threes, signs, empty input,
 * unknown units, and anything above ML_AMOUNT_MAX_ORE.
 *
 * Formatting gives "22 949 683 kr" and "4 570 307,50 kr": ordinary spaces
 * between groups of three, ",dd" only when the öre are not zero, "-" for
 * negative balances.
 */
#ifndef ML_MONEY_H
#define ML_MONEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ml_limits.h"

/* Parses text (NUL-terminated UTF-8) into *ore_out (0 ..= 10^15).
 * Returns 0, or ML_E_INVALID_FIELD with a reason in why (≤ why_size bytes,
 * always NUL-terminated when why_size > 0), or ML_E_AMOUNT_RANGE when the
 * value is well-formed but above 10^15 öre. Zero parses to 0: whether zero
 * is allowed is the caller's rule. Form is checked before size, so
 * ML_E_AMOUNT_RANGE means the text was otherwise acceptable. No leading
 * or trailing space is accepted (trim first), at most one space goes
 * before the unit, and "650000kr" (no space) is fine. The reason quotes
 * the input (cut after 40 bytes, unprintable bytes shown as '?').
 * *ore_out is written only on success. ML_E_ARG if text or ore_out is
 * NULL. */
int ml_money_parse(const char *text, int64_t *ore_out, char *why,
                   size_t why_size);

/* Formats ore as "22 949 683 kr" / "4 570 307,50 kr" / "-120 000 kr" into
 * buf (≥ ML_MONEY_TEXT_MAX bytes; a smaller buffer gets a truncated,
 * NUL-terminated text). Every int64_t, INT64_MIN included, formats.
 * Returns buf. */
char *ml_money_format(int64_t ore, char *buf, size_t buf_size);

/* Formats ore for Swedish spreadsheets: kronor with a decimal comma and no
 * thousands separator, always two decimals: "4570307,50", "-120000,00".
 * Returns buf. */
char *ml_money_format_csv(int64_t ore, char *buf, size_t buf_size);

/* *sum = a + b unless that overflows int64_t; returns true on overflow
 * (and leaves *sum unchanged). */
bool ml_add_overflows(int64_t a, int64_t b, int64_t *sum);

/* *diff = a - b unless that overflows; returns true on overflow. */
bool ml_sub_overflows(int64_t a, int64_t b, int64_t *diff);

#endif /* ML_MONEY_H */
