/*
 * ml_error.c — names, statuses and descriptions for every ML_E_* code,
 * generated from the one table in ml_error.h.
 */
#include "ml_error.h"

#include <assert.h>
#include <errno.h>
#include <lmdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct ml_error_row {
	int code;
	const char *wire;
	int status;
	const char *text;
};

/* Every code in the project's range: negative, from -32000 down, below
 * LMDB's -30800 ..= -30780, so no code is ever read as another's. */
#define ML_X_RANGE(name, value, wire, status, text)                            \
	static_assert((value) <= -32000 && (value) > -33000, #name " range");  \
	static_assert((status) >= 400 && (status) <= 599, #name " status");
ML_ERROR_TABLE(ML_X_RANGE)
#undef ML_X_RANGE

static const struct ml_error_row ml_error_rows[] = {
#define ML_X_ROW(name, value, wire, status, text) {value, wire, status, text},
    ML_ERROR_TABLE(ML_X_ROW)
#undef ML_X_ROW
};

static const struct ml_error_row *ml_error_find(int code)
{
	size_t n = sizeof ml_error_rows / sizeof ml_error_rows[0];
	for (size_t i = 0; i < n; i++) {
		if (ml_error_rows[i].code == code)
			return &ml_error_rows[i];
	}
	return NULL;
}

const char *ml_strerror(int code)
{
	if (code == 0)
		return "success";
	const struct ml_error_row *row = ml_error_find(code);
	if (row != NULL)
		return row->text;
	/* mdb_strerror also covers errno values via strerror. */
	return mdb_strerror(code);
}

const char *ml_error_name(int code)
{
	const struct ml_error_row *row = ml_error_find(code);
	return row != NULL ? row->wire : "internal";
}

int ml_error_status(int code)
{
	const struct ml_error_row *row = ml_error_find(code);
	return row != NULL ? row->status : 500;
}

void ml_errinfo_clear(struct ml_errinfo *info)
{
	if (info == NULL)
		return;
	info->code = 0;
	info->index = -1;
	info->field[0] = '\0';
	info->message[0] = '\0';
}

int ml_fail(struct ml_errinfo *info, int code, int32_t index, const char *field,
            const char *fmt, ...)
{
	if (info == NULL)
		return code;
	info->code = code;
	info->index = index;
	snprintf(info->field, sizeof info->field, "%s",
	         field != NULL ? field : "");
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(info->message, sizeof info->message, fmt, ap);
	va_end(ap);
	return code;
}

int ml_error_from_mdb(int mdb_rc)
{
	switch (mdb_rc) {
	case 0:
		return 0;
	case MDB_MAP_FULL:
		return ML_E_MAP_FULL;
	case ENOSPC:
	case EDQUOT:
		return ML_E_UNAVAILABLE;
	case ENOMEM:
		return ML_E_NOMEM;
	case MDB_CORRUPTED:
	case MDB_PAGE_NOTFOUND:
		return ML_E_CORRUPT;
	case MDB_INVALID:
	case MDB_VERSION_MISMATCH:
		return ML_E_FORMAT;
	case EIO:
		return ML_E_IO;
	default:
		return ML_E_STORAGE;
	}
}

int ml_error_norm(int rc)
{
	if (rc == 0 || ml_error_find(rc) != NULL)
		return rc;
	return ml_error_from_mdb(rc);
}
