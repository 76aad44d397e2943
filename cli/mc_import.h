/*
 * mc_import.h — what import-csv understands of a file as Swedish Excel
 * saves it: its encoding, Swedish column and type names, and the id a
 * row gets when the file has none (mc_import_sv.c).
 */
#ifndef MC_IMPORT_H
#define MC_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Makes text[0..*len) UTF-8: valid UTF-8 (a BOM or not) is kept;
 * anything else is converted from Windows-1252 with iconv(3), replacing
 * *text (freed) by a new malloc'd buffer. *encoding is set to the words
 * the dry run prints. Returns 0, or -1 with the reason in why (bytes
 * that are neither, out of memory). */
int mc_import_decode(char **text, size_t *len, const char **encoding, char *why,
                     size_t why_size);

/* The API field a header cell names: a Swedish column name (the table
 * in mc_import_sv.c and docs/cli.md) or the API's own field name, case
 * and surrounding spaces ignored. Returns NULL when it names neither;
 * "" for an empty header cell (a column Excel left empty). */
const char *mc_import_column(const char *header, char *buf, size_t size);

/* The known column names, for a message, into buf. */
void mc_import_known_columns(char *buf, size_t size);

/* The event type a cell or --type names: Swedish ("förbrukning") or the
 * API's ("expense"), case and surrounding spaces ignored; NULL when
 * neither. */
const char *mc_import_type(const char *text);

/* The id of a row without one, the rule import-csv and append share:
 * PREFIX ":" and 16 hex digits of a 64-bit FNV-1a hash over the row's
 * cells (surrounding spaces trimmed, empty trailing cells dropped), its
 * type and its row number, into buf (≥ strlen(prefix) + 18 bytes).
 * import-csv: prefix "csv", the row's cells and type, the row as Excel
 * numbers it; append: prefix "jsonl", the line as one cell, type "",
 * the line number. The same file read again gives the same ids, so what
 * is stored already is answered as a duplicate and not stored twice. */
void mc_import_row_id(const char *prefix, const char *const *cells,
                      size_t n_cells, const char *type, unsigned row, char *buf,
                      size_t size);

/* `import-csv --template TYPE`: writes to f what Swedish Excel opens
 * as a sheet to fill in (a UTF-8 BOM, ';', CRLF): a header row of the
 * Swedish column names the type takes (Typ, Datum and the type's
 * fields) and one example row. false when type (the API's name) is not
 * an event type. */
bool mc_import_template(const char *type, FILE *f);

#endif /* MC_IMPORT_H */
