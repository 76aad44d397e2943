/*
 * test_peer.c — the Unix socket peers' name cache (daemon/md_listen.h):
 * a real name is remembered, a failed lookup never is. After a
 * descriptor shortage getpwuid_r failed once, "uid:0" was cached, and
 * root's events were recorded by "uid:0" until medeld restarted (issue
 * 14). The lookup is replaced by one the test makes fail at will.
 */
#include <stdbool.h>
#include <stdio.h>

#include "md_listen.h"
#include "mt.h"

static bool lookup_fails;
static unsigned lookup_calls;

static int fake_lookup(uid_t uid, char *name, size_t name_size)
{
	lookup_calls++;
	if (lookup_fails) {
		snprintf(name, name_size, "uid:%u", (unsigned)uid);
		return -1;
	}
	snprintf(name, name_size, "user%u", (unsigned)uid);
	return 0;
}

static void test_failed_lookup_not_cached(void)
{
	struct md_peer_cache c = {.lookup = fake_lookup};
	char who[ML_RECORDED_BY_MAX + 1];
	lookup_calls = 0;
	lookup_fails = true; /* EMFILE while reading /etc/passwd, say */
	md_peer_cache_name(&c, 0, who, sizeof who);
	MT_CHECK_STR(who, "uid:0");
	MT_CHECK_INT(c.used, 0);
	lookup_fails = false;
	md_peer_cache_name(&c, 0, who, sizeof who);
	MT_CHECK_STR(who, "user0");
	MT_CHECK_INT(lookup_calls, 2);
	lookup_fails = true; /* now cached: no lookup, the real name */
	md_peer_cache_name(&c, 0, who, sizeof who);
	MT_CHECK_STR(who, "user0");
	MT_CHECK_INT(lookup_calls, 2);
}

static void test_cache_is_bounded(void)
{
	struct md_peer_cache c = {.lookup = fake_lookup};
	char who[ML_RECORDED_BY_MAX + 1];
	lookup_fails = false;
	for (uid_t u = 1000; u < 1000 + 3 * MD_PEER_CACHE_MAX; u++) {
		md_peer_cache_name(&c, u, who, sizeof who);
		MT_CHECK(c.used <= MD_PEER_CACHE_MAX);
	}
	MT_CHECK_INT(c.used, MD_PEER_CACHE_MAX);
}

static void test_real_lookup(void)
{
	/* The real md_user_name: root is uid 0 on every system this runs
	 * on; an unused uid has no name and gets the fallback. */
	struct md_peer_cache c = {0};
	char who[ML_RECORDED_BY_MAX + 1];
	md_peer_cache_name(&c, 0, who, sizeof who);
	MT_CHECK_STR(who, "root");
	MT_CHECK_INT(c.used, 1);
	md_peer_cache_name(&c, 4000000000u, who, sizeof who);
	MT_CHECK_STR(who, "uid:4000000000");
	MT_CHECK_INT(c.used, 1);
}

int main(void)
{
	MT_RUN(test_failed_lookup_not_cached);
	MT_RUN(test_cache_is_bounded);
	MT_RUN(test_real_lookup);
	return MT_EXIT();
}
