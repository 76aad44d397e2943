/* placeholder until the assertion work is merged */
#ifndef ML_ASSERT_H
#define ML_ASSERT_H
#include <assert.h>
#define ML_ASSERT(c) assert(c)
#endif
