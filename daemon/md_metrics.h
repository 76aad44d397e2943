/*
 * md_metrics.h — counters and histograms for GET /metrics.
 *
 * Prometheus text format (version 0.0.4). What is counted:
 *
 *   medeld_requests_total{route,status}        counter
 *   medeld_request_duration_seconds{route}     histogram (le 100 µs … 60 s)
 *   medeld_events_appended_total               counter (stored, not dry)
 *   medeld_commits_total                       counter (successful)
 *   medeld_commit_batches{}                    histogram: batches per commit
 *   medeld_commit_events{}                     histogram: events per commit
 *   medeld_commit_duration_seconds             histogram
 *   medeld_commit_failures_total               counter
 *   medeld_map_grows_total                     counter
 *   medeld_map_used_bytes, medeld_map_size_bytes, medeld_map_max_bytes,
 *   medeld_head_seq, medeld_waiting_requests, medeld_write_queue_batches
 *                                              gauges, read when rendered
 *
 * Every counter is a C11 atomic updated with relaxed ordering from any
 * thread (event loops, writer); rendering reads them without a lock, so a
 * scrape is not a snapshot of one instant — Prometheus does not need one.
 * Routes and statuses are fixed arrays (enum ma_route × a table of the
 * statuses medeld can answer, others counted as "other"): the memory is
 * constant and no label set grows with what clients send.
 */
#ifndef MD_METRICS_H
#define MD_METRICS_H

#include <stdint.h>

#include "ml_buf.h"

#include "ma_api.h"

struct md_metrics;

/* Returns NULL when out of memory. */
struct md_metrics *md_metrics_new(void);
void md_metrics_free(struct md_metrics *m);

/* One answered request: its route, HTTP status and time to answer. */
void md_metrics_request(struct md_metrics *m, enum ma_route route, int status,
                        int64_t duration_us);

/* One successful commit of `batches` batches holding `events` new events. */
void md_metrics_commit(struct md_metrics *m, uint32_t batches, uint32_t events,
                       int64_t duration_us);
void md_metrics_commit_failed(struct md_metrics *m);
void md_metrics_grow(struct md_metrics *m);

/* The gauges, read by the caller when a scrape comes in. */
struct md_gauges {
	uint64_t head_seq;
	uint64_t map_used_bytes;
	uint64_t map_size_bytes;
	uint64_t map_max_bytes;
	uint64_t waiting_requests;
	uint64_t write_queue_batches;
	uint64_t tcp_connections;     /* open, refused ones included */
	uint64_t connections_evicted; /* md_conns.h: slots taken over */
};

/* Appends the whole exposition to out. Returns 0 or an ml_buf error. */
int md_metrics_render(struct md_metrics *m, const struct md_gauges *g,
                      struct ml_buf *out);

#endif /* MD_METRICS_H */
