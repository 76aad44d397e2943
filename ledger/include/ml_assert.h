/*
 * ml_assert.h — medel's own assertions, for the ledger, the API layer,
 * medeld and medel alike.
 *
 * Two macros, after SQLite's assert() discipline and TigerBeetle's
 * TIGER_STYLE: assert what the code can prove — a precondition a caller
 * inside the library must meet, a postcondition of a pure helper, a loop
 * bound — and never what input decides. Bad JSON, a full disk or a record
 * that does not decode stay returned errors (ML_E_*); an assertion that
 * fires is a bug in medel, and the process stops before it does more harm.
 *
 *   ML_ASSERT(cond)  checked in Debug, sanitizer and fuzz builds; compiled
 *                    out (cond not evaluated) in RelWithDebInfo and
 *                    Release. Free to use anywhere, hot loops included.
 *   ML_VERIFY(cond)  always checked. Only for the few invariants whose
 *                    breach would write wrong bytes to the ledger file:
 *                    a record's size before it is put, a chunk that must
 *                    fit one LMDB page, the log's seq rising by one. Each
 *                    costs O(1) per record written, never per byte.
 *
 * ML_ASSERT is on when NDEBUG is not defined (CMake's Debug; the sanitizer
 * build is Debug), or under AddressSanitizer (gcc's __SANITIZE_ADDRESS__,
 * clang's __has_feature(address_sanitizer): tools/fuzz builds
 * RelWithDebInfo with ASan), or with clang's -fsanitize=fuzzer-no-link
 * (__has_feature(coverage_sanitizer); clang defines no
 * FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION by itself, OSS-Fuzz passes it
 * and it is honoured too), or when ML_ASSERT_ALWAYS is defined. So no
 * build flag is needed for any build the project makes.
 *
 * On failure both print "file:line: function: assertion `expr' failed"
 * to stderr and abort(), so a core dump or the sanitizer shows the stack.
 */
#ifndef ML_ASSERT_H
#define ML_ASSERT_H

#include <assert.h> /* static_assert */

#if defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(coverage_sanitizer)
#define ML_ASSERT_SANITIZED 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ML_ASSERT_SANITIZED 1
#endif

#if !defined(NDEBUG) || defined(ML_ASSERT_ALWAYS) ||                           \
    defined(ML_ASSERT_SANITIZED) ||                                            \
    defined(FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION)
#define ML_ASSERT_ON 1
#else
#define ML_ASSERT_ON 0
#endif

/* Prints where and what failed, then abort()s. Never returns. */
_Noreturn void ml_assert_fail(const char *expr, const char *file, int line,
                              const char *func);

#define ML_VERIFY(cond)                                                        \
	((cond) ? (void)0 : ml_assert_fail(#cond, __FILE__, __LINE__, __func__))

#if ML_ASSERT_ON
#define ML_ASSERT(cond) ML_VERIFY(cond)
#else
/* sizeof keeps cond compiled (its names checked, no unused-variable
 * warnings) without evaluating it. */
#define ML_ASSERT(cond) ((void)sizeof(!(cond)))
#endif

#endif /* ML_ASSERT_H */
