/*
 * ml_limits.c — the limits the code reads at run time
 * (ml_limits_internal.h, "limits a unit test lowers"): the production
 * values, which only a unit test changes.
 */
#include "ml_limits_internal.h"

struct ml_limits_tunable ml_limits_now = {
    .answer_rows_max = ML_ANSWER_ROWS_MAX,
    .answer_row_bytes_max = ML_ANSWER_ROW_BYTES_MAX,
    .parties_max = ML_PARTIES_MAX,
    .grants_max = ML_GRANTS_MAX,
};
