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

#endif /* MA_INTERNAL_H */
