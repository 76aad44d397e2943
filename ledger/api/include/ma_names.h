/*
 * ma_names.h — the names a person reads instead of ids.
 *
 * Tables, trees and pictures name parties and grants as their
 * definitions do ("Södertälje kommun", not "sodertalje"), CLI.md and
 * the issue "answers in the controller's language" ask. The names come
 * from GET /v1/parties and GET /v1/grants (their "parties" and "grants"
 * arrays); JSON and CSV cells keep the ids, which programs join on.
 *
 * A name is only used when it says which one is meant: when two
 * definitions share a name (two "Socialnämnden" of two towns), or a
 * definition has none, the id is shown instead. The check is a scan of
 * the list (O(n) per look-up, n ≤ ML_ANSWER_ROWS_MAX definitions),
 * cheap beside the answer it labels.
 */
#ifndef MA_NAMES_H
#define MA_NAMES_H

#include <cjson/cJSON.h>

#include "ma_trace.h"

/* The label of id in list (an array of objects whose key member holds
 * the id: "party" or "grant", and whose "name" holds the name): the
 * name when it is unique in list, otherwise id. NULL id gives NULL; a
 * NULL list or an id not in it gives id. */
const char *ma_names_label(const cJSON *list, const char *key, const char *id);

/* Sets the labels of a trace's nodes (and its grant) from the parties
 * and grants arrays (either may be NULL: the ids stay). */
void ma_names_trace(struct ma_trace *t, const cJSON *parties,
                    const cJSON *grants);

#endif /* MA_NAMES_H */
