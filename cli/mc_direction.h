/*
 * mc_direction.h — which way an event moves money, said in words.
 *
 * In medel `from` is always the one whose money it is (the payer) and
 * `to` the one it goes to, also for a requisition or an invoice, where
 * `to` is the one who claims or invoices: the opposite of how an invoice
 * reads ("Södertälje invoices Storsthlm" is from storsthlm to
 * sodertalje). So `medel record` says each event in words before it
 * stores it ("Södertälje fakturerar Storsthlm 433 012 kr, faktura
 * SOD-2020-77"), and a batch the ledger refuses as over_claim (a claim
 * against the wrong party: the claim-edge rule) is explained the same
 * way, whichever command sent it. The sentences are templates of the
 * run's language (mc_words.h), filled with names (mc_names.h).
 */
#ifndef MC_DIRECTION_H
#define MC_DIRECTION_H

#include <stdbool.h>

#include <cjson/cJSON.h>

#include "ml_buf.h"

#include "mc_cli.h"
#include "mc_names.h"

/* Appends the direction of event ev (an event object as sent or
 * stored) to out. Returns false, appending nothing, for a type that
 * moves no money (party, grant, correction, close). */
bool mc_direction(const struct mc_ctx *ctx, const struct mc_names *names,
                  const cJSON *ev, struct ml_buf *out);

/* After a refused POST of body (a JSON object or array): when the
 * answer r is over_claim, prints on stderr, in words, what the refused
 * event said (who invoiced or claimed from whom) and which option or
 * column names which role. Nothing otherwise, and nothing with --json. */
void mc_direction_explain(struct mc_ctx *ctx, const char *body, size_t len,
                          const struct mc_reply *r);

#endif /* MC_DIRECTION_H */
