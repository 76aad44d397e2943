/*
 * mt.h — the smallest test harness that does the job.
 *
 * A test file is one executable with a main() that calls MT_RUN(fn) for
 * each test function. MT_CHECK records a failure and goes on, so one run
 * shows every broken assertion; MT_REQUIRE stops the current test. The
 * process exits 1 if anything failed, which is what ctest reads.
 */
#ifndef MT_H
#define MT_H

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

extern int mt_failures;
extern const char *mt_current;

#define MT_DEFINE_GLOBALS                                                      \
	int mt_failures;                                                       \
	const char *mt_current = "";

#define MT_FAIL_AT(...)                                                        \
	do {                                                                   \
		fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__,             \
		        mt_current);                                           \
		fprintf(stderr, __VA_ARGS__);                                  \
		fputc('\n', stderr);                                           \
		mt_failures++;                                                 \
	} while (0)

#define MT_CHECK(cond)                                                         \
	do {                                                                   \
		if (!(cond))                                                   \
			MT_FAIL_AT("check failed: %s", #cond);                 \
	} while (0)

#define MT_REQUIRE(cond)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			MT_FAIL_AT("required: %s", #cond);                     \
			return;                                                \
		}                                                              \
	} while (0)

#define MT_CHECK_INT(a, b)                                                     \
	do {                                                                   \
		long long mt_a_ = (long long)(a), mt_b_ = (long long)(b);      \
		if (mt_a_ != mt_b_)                                            \
			MT_FAIL_AT("%s == %lld, expected %s == %lld", #a,      \
			           mt_a_, #b, mt_b_);                          \
	} while (0)

#define MT_CHECK_STR(a, b)                                                     \
	do {                                                                   \
		const char *mt_a_ = (a), *mt_b_ = (b);                         \
		if (mt_a_ == NULL || mt_b_ == NULL ||                          \
		    strcmp(mt_a_, mt_b_) != 0)                                 \
			MT_FAIL_AT("%s == \"%s\", expected \"%s\"", #a,        \
			           mt_a_ ? mt_a_ : "(null)",                   \
			           mt_b_ ? mt_b_ : "(null)");                  \
	} while (0)

#define MT_RUN(fn)                                                             \
	do {                                                                   \
		mt_current = #fn;                                              \
		fn();                                                          \
	} while (0)

#define MT_EXIT()                                                              \
	(fprintf(stderr, "%s\n", mt_failures ? "FAILED" : "ok"),               \
	 mt_failures ? 1 : 0)

#endif /* MT_H */
