/*
 * ml_text.h — checks on text: UTF-8, identifier syntax, hex digits.
 *
 * Every string the ledger stores is valid UTF-8 without NUL (RFC 3629:
 * no overlong forms, no surrogates, nothing above U+10FFFF). Identifiers
 * follow DOMAIN.md:
 *   party  [a-z0-9][a-z0-9._-]{0,63}
 *   grant  [a-z0-9][a-z0-9._/-]{0,127}
 *   event  [A-Za-z0-9._:/-]{1,128}
 */
#ifndef ML_TEXT_H
#define ML_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* True when s[0..len) is valid UTF-8 and contains no NUL byte. */
bool ml_utf8_valid(const char *s, size_t len);

bool ml_party_id_valid(const char *s, size_t len);
bool ml_grant_id_valid(const char *s, size_t len);
bool ml_event_id_valid(const char *s, size_t len);

/* The indefinite article for word in messages: "an" before a vowel
 * ("an expense", "an allocation", "an invoice"), else "a". Every type
 * name reads right by its first letter. Static storage; never NULL. */
const char *ml_article(const char *word);

/* True when s[0..len) is a Swedish organisation number: ten digits,
 * written "NNNNNN-NNNN" or without the hyphen "NNNNNNNNNN", whose tenth
 * digit is the Luhn check digit of the first nine (weights 2,1,2,… from
 * the left, digit sums of the products, 10 − sum mod 10, mod 10). No
 * other form is accepted: no spaces, no century prefix ("16…"), no other
 * separator. NULL is not valid. Used for the org_no warning (API.md),
 * never to refuse an event. */
bool ml_org_no_valid(const char *s, size_t len);

/* The value of the hex digit c (0-9, a-f, A-F), or -1. */
int ml_hex_digit(char c);

#endif /* ML_TEXT_H */
