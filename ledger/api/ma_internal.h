/*
 * ma_internal.h — between the API layer's own files.
 *
 * As a user of the layer, you should not need to know about these:
 * ma_api.h is its whole public surface.
 */
#ifndef MA_INTERNAL_H
#define MA_INTERNAL_H

#include "ma_api.h"
#include "ma_params.h"

/* POST /v1/events (ma_api_write.c). */
enum ma_api_outcome ma_api_post_events(struct ma_api *api,
                                       const struct ma_request *req,
                                       struct ma_response *resp);

/* GET /v1/export and GET /v1/backup (ma_stream.c): checks what can be
 * checked before the first byte (the format, the grant) and answers
 * MA_API_STREAM with resp->stream set, or MA_API_DONE with an error. */
enum ma_api_outcome ma_stream_open(struct ma_api *api, enum ma_route route,
                                   const struct ma_params *p,
                                   struct ma_response *resp);

/* Limits a unit test lowers (as ml_limits_now in the ledger, see
 * ml_limits_internal.h): an answer's ceiling (MA_ANSWER_BYTES_MAX) and
 * the ceiling of one POST's warnings (MA_WARNINGS_BYTES_MAX). The layer
 * reads them from ma_limits_now (ma_api.c), which holds exactly those
 * values; only tests/unit/test_costly.c, after checking that, lowers
 * them to reach the refusals past them with a small ledger. */
struct ma_limits_tunable {
	uint32_t answer_bytes_max;   /* MA_ANSWER_BYTES_MAX */
	uint32_t warnings_bytes_max; /* MA_WARNINGS_BYTES_MAX */
};
extern struct ma_limits_tunable ma_limits_now;

#endif /* MA_INTERNAL_H */
