/*
 * md_metrics.c — fixed-size atomic counters and their text exposition.
 *
 * Written to from every thread, read by whichever event loop serves
 * /metrics. All memory is allocated once in md_metrics_new (a few
 * kilobytes: routes × statuses counters and routes × buckets). Histogram
 * buckets are stored per bucket and summed into Prometheus' cumulative
 * `le` form when rendered.
 */
#include "md_metrics.h"

#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Statuses medeld answers; anything else is counted in the last slot. */
static const int md_statuses[] = {200, 201, 400, 401, 403, 404, 405,
                                  409, 413, 422, 500, 501, 503};
#define MD_STATUS_SLOTS (sizeof md_statuses / sizeof md_statuses[0] + 1)

/* Request latency bucket bounds in µs (the last, +Inf, is implicit). A
 * long-poll may take up to 60 s. */
static const int64_t md_latency_us[] = {
    100,     250,     500,     1000,     2500,     5000,
    10000,   25000,   50000,   100000,   250000,   500000,
    1000000, 2500000, 5000000, 10000000, 30000000, 60000000};
#define MD_LATENCY_SLOTS (sizeof md_latency_us / sizeof md_latency_us[0] + 1)

/* Batches and events per commit: powers of two up to the group limits. */
static const int64_t md_count_bounds[] = {
    1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384, 65536, 100000};
#define MD_COUNT_SLOTS (sizeof md_count_bounds / sizeof md_count_bounds[0] + 1)

struct md_hist {
	_Atomic uint64_t bucket[MD_LATENCY_SLOTS]; /* ≥ MD_COUNT_SLOTS */
	_Atomic uint64_t count;
	_Atomic uint64_t sum; /* µs, or items */
};

struct md_metrics {
	_Atomic uint64_t requests[MA_ROUTE_COUNT][MD_STATUS_SLOTS];
	struct md_hist latency[MA_ROUTE_COUNT];
	struct md_hist commit_batches, commit_events, commit_latency;
	_Atomic uint64_t events_appended, commits, commit_failures, grows;
};

_Static_assert(MD_LATENCY_SLOTS >= MD_COUNT_SLOTS, "md_hist too small");

struct md_metrics *md_metrics_new(void)
{
	return calloc(1, sizeof(struct md_metrics));
}

void md_metrics_free(struct md_metrics *m)
{
	free(m);
}

static void md_add(_Atomic uint64_t *c, uint64_t n)
{
	atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t md_get(_Atomic uint64_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

static void md_hist_add(struct md_hist *h, const int64_t *bounds,
                        size_t nbounds, int64_t value)
{
	size_t i = 0;
	while (i < nbounds && value > bounds[i])
		i++;
	md_add(&h->bucket[i], 1);
	md_add(&h->count, 1);
	md_add(&h->sum, value > 0 ? (uint64_t)value : 0);
}

static size_t md_status_slot(int status)
{
	size_t n = MD_STATUS_SLOTS - 1;
	for (size_t i = 0; i < n; i++)
		if (md_statuses[i] == status)
			return i;
	return n;
}

void md_metrics_request(struct md_metrics *m, enum ma_route route, int status,
                        int64_t duration_us)
{
	if (route >= MA_ROUTE_COUNT)
		route = MA_ROUTE_NONE;
	md_add(&m->requests[route][md_status_slot(status)], 1);
	md_hist_add(&m->latency[route], md_latency_us, MD_LATENCY_SLOTS - 1,
	            duration_us);
}

void md_metrics_commit(struct md_metrics *m, uint32_t batches, uint32_t events,
                       int64_t duration_us)
{
	md_add(&m->commits, 1);
	md_add(&m->events_appended, events);
	md_hist_add(&m->commit_batches, md_count_bounds, MD_COUNT_SLOTS - 1,
	            batches);
	md_hist_add(&m->commit_events, md_count_bounds, MD_COUNT_SLOTS - 1,
	            events);
	md_hist_add(&m->commit_latency, md_latency_us, MD_LATENCY_SLOTS - 1,
	            duration_us);
}

void md_metrics_commit_failed(struct md_metrics *m)
{
	md_add(&m->commit_failures, 1);
}

void md_metrics_grow(struct md_metrics *m)
{
	md_add(&m->grows, 1);
}

/* --- rendering --------------------------------------------------------- */

static int md_head(struct ml_buf *o, const char *name, const char *type,
                   const char *help)
{
	return ml_buf_addf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	                   type);
}

/* A histogram's lines; labels is "" or `route="x",`. seconds: bounds and
 * sum are µs shown as seconds. */
static int md_render_hist(struct ml_buf *o, const char *name,
                          const char *labels, struct md_hist *h,
                          const int64_t *bounds, size_t nbounds, bool seconds)
{
	uint64_t cum = 0;
	int rc = 0;
	for (size_t i = 0; rc == 0 && i < nbounds; i++) {
		cum += md_get(&h->bucket[i]);
		if (seconds)
			rc = ml_buf_addf(o, "%s_bucket{%sle=\"%g\"} %llu\n",
			                 name, labels, (double)bounds[i] / 1e6,
			                 (unsigned long long)cum);
		else
			rc = ml_buf_addf(o, "%s_bucket{%sle=\"%lld\"} %llu\n",
			                 name, labels, (long long)bounds[i],
			                 (unsigned long long)cum);
	}
	cum += md_get(&h->bucket[nbounds]);
	uint64_t sum = md_get(&h->sum);
	/* `route="x",` → `{route="x"}`; no labels → nothing. */
	char set[80] = "";
	size_t n = strlen(labels);
	if (n > 0)
		snprintf(set, sizeof set, "{%.*s}", (int)n - 1, labels);
	rc = rc ? rc
	        : ml_buf_addf(o, "%s_bucket{%sle=\"+Inf\"} %llu\n", name,
	                      labels, (unsigned long long)cum);
	if (seconds)
		rc = rc ? rc
		        : ml_buf_addf(o, "%s_sum%s %.6f\n", name, set,
		                      (double)sum / 1e6);
	else
		rc = rc ? rc
		        : ml_buf_addf(o, "%s_sum%s %llu\n", name, set,
		                      (unsigned long long)sum);
	return rc ? rc
	          : ml_buf_addf(o, "%s_count%s %llu\n", name, set,
	                        (unsigned long long)md_get(&h->count));
}

static int md_render_requests(struct md_metrics *m, struct ml_buf *o)
{
	int rc = md_head(o, "medeld_requests_total", "counter",
	                 "Requests answered, by route and HTTP status.");
	for (int r = 0; rc == 0 && r < MA_ROUTE_COUNT; r++) {
		for (size_t s = 0; rc == 0 && s < MD_STATUS_SLOTS; s++) {
			uint64_t n = md_get(&m->requests[r][s]);
			if (n == 0)
				continue;
			char status[16];
			if (s + 1 < MD_STATUS_SLOTS)
				snprintf(status, sizeof status, "%d",
				         md_statuses[s]);
			else
				snprintf(status, sizeof status, "other");
			rc = ml_buf_addf(o,
			                 "medeld_requests_total{route=\"%s\","
			                 "status=\"%s\"} %llu\n",
			                 ma_route_info((enum ma_route)r)->name,
			                 status, (unsigned long long)n);
		}
	}
	return rc;
}

static int md_render_latency(struct md_metrics *m, struct ml_buf *o)
{
	const char *name = "medeld_request_duration_seconds";
	int rc = md_head(o, name, "histogram",
	                 "Time from request to answer, by route.");
	for (int r = 0; rc == 0 && r < MA_ROUTE_COUNT; r++) {
		if (md_get(&m->latency[r].count) == 0)
			continue;
		char labels[64];
		snprintf(labels, sizeof labels, "route=\"%s\",",
		         ma_route_info((enum ma_route)r)->name);
		rc = md_render_hist(o, name, labels, &m->latency[r],
		                    md_latency_us, MD_LATENCY_SLOTS - 1, true);
	}
	return rc;
}

static int md_render_commits(struct md_metrics *m, struct ml_buf *o)
{
	int rc = md_head(o, "medeld_commit_batches", "histogram",
	                 "Batches (POSTs) per group commit.");
	rc = rc ? rc
	        : md_render_hist(o, "medeld_commit_batches", "",
	                         &m->commit_batches, md_count_bounds,
	                         MD_COUNT_SLOTS - 1, false);
	rc = rc ? rc
	        : md_head(o, "medeld_commit_events", "histogram",
	                  "New events per group commit.");
	rc = rc ? rc
	        : md_render_hist(o, "medeld_commit_events", "",
	                         &m->commit_events, md_count_bounds,
	                         MD_COUNT_SLOTS - 1, false);
	rc = rc ? rc
	        : md_head(o, "medeld_commit_duration_seconds", "histogram",
	                  "Time of one group commit, fsync included.");
	return rc ? rc
	          : md_render_hist(o, "medeld_commit_duration_seconds", "",
	                           &m->commit_latency, md_latency_us,
	                           MD_LATENCY_SLOTS - 1, true);
}

static int md_counter(struct ml_buf *o, const char *name, const char *help,
                      const char *type, uint64_t v)
{
	int rc = md_head(o, name, type, help);
	return rc ? rc
	          : ml_buf_addf(o, "%s %llu\n", name, (unsigned long long)v);
}

static int md_render_scalars(struct md_metrics *m, const struct md_gauges *g,
                             struct ml_buf *o)
{
	int rc = md_counter(o, "medeld_events_appended_total",
	                    "Events stored (re-sends and dry runs excluded).",
	                    "counter", md_get(&m->events_appended));
	rc = rc ? rc
	        : md_counter(o, "medeld_commits_total",
	                     "Successful write transactions.", "counter",
	                     md_get(&m->commits));
	rc = rc ? rc
	        : md_counter(o, "medeld_commit_failures_total",
	                     "Write transactions that failed to commit.",
	                     "counter", md_get(&m->commit_failures));
	rc = rc ? rc
	        : md_counter(o, "medeld_map_grows_total",
	                     "Times the LMDB map was doubled.", "counter",
	                     md_get(&m->grows));
	rc = rc ? rc
	        : md_counter(o, "medeld_map_used_bytes",
	                     "Bytes of the LMDB map in use.", "gauge",
	                     g->map_used_bytes);
	rc = rc ? rc
	        : md_counter(o, "medeld_map_size_bytes",
	                     "Current LMDB map size.", "gauge",
	                     g->map_size_bytes);
	rc = rc ? rc
	        : md_counter(o, "medeld_map_max_bytes",
	                     "The map's ceiling (--map-size).", "gauge",
	                     g->map_max_bytes);
	rc = rc ? rc
	        : md_counter(o, "medeld_head_seq",
	                     "Seq of the last stored event.", "gauge",
	                     g->head_seq);
	rc = rc ? rc
	        : md_counter(o, "medeld_tcp_connections",
	                     "Open TCP connections.", "gauge",
	                     g->tcp_connections);
	rc = rc ? rc
	        : md_counter(o, "medeld_connections_evicted_total",
	                     "TCP connections without a token that gave "
	                     "their slot to a newer one.",
	                     "counter", g->connections_evicted);
	rc = rc ? rc
	        : md_counter(o, "medeld_waiting_requests",
	                     "Long-polls being held.", "gauge",
	                     g->waiting_requests);
	return rc ? rc
	          : md_counter(o, "medeld_write_queue_batches",
	                       "Batches waiting for the writer.", "gauge",
	                       g->write_queue_batches);
}

int md_metrics_render(struct md_metrics *m, const struct md_gauges *g,
                      struct ml_buf *out)
{
	int rc = md_render_requests(m, out);
	rc = rc ? rc : md_render_latency(m, out);
	rc = rc ? rc : md_render_commits(m, out);
	return rc ? rc : md_render_scalars(m, g, out);
}
