/*
 * ma_csv.c — the CSV writer (ma_csv.h).
 *
 * Cells are appended to the caller's buffer as they come; the buffer's
 * ceiling is the only bound (an answer's is MA_ANSWER_BYTES_MAX), and the
 * first error sticks in w->rc so a renderer need not check every cell.
 */
#include "ma_csv.h"

#include <string.h>

#include "ml_money.h"

static void ma_csv_put(struct ma_csv_out *w, const char *s, size_t len)
{
	if (w->rc == 0)
		w->rc = ml_buf_add(w->out, s, len);
}

void ma_csv_cell(struct ma_csv_out *w, const char *s)
{
	if (w->col++ > 0)
		ma_csv_put(w, ";", 1);
	if (s == NULL)
		return;
	if (strpbrk(s, ";\"\r\n") == NULL) {
		ma_csv_put(w, s, strlen(s));
		return;
	}
	ma_csv_put(w, "\"", 1);
	for (const char *p = s; *p != '\0'; p++) {
		if (*p == '"')
			ma_csv_put(w, "\"", 1);
		ma_csv_put(w, p, 1);
	}
	ma_csv_put(w, "\"", 1);
}

void ma_csv_amount(struct ma_csv_out *w, int64_t ore)
{
	char buf[ML_MONEY_TEXT_MAX];
	ma_csv_cell(w, ml_money_format_csv(ore, buf, sizeof buf));
}

void ma_csv_int(struct ma_csv_out *w, int64_t n)
{
	char buf[24];
	*ml_put_i64(buf, n) = '\0';
	ma_csv_cell(w, buf);
}

void ma_csv_end_row(struct ma_csv_out *w)
{
	ma_csv_put(w, "\r\n", 2);
	w->col = 0;
}

void ma_csv_start(struct ma_csv_out *w, struct ml_buf *out,
                  const char *const *names, size_t n)
{
	w->out = out;
	w->col = 0;
	w->rc = 0;
	ma_csv_put(w, "\xef\xbb\xbf", 3);
	for (size_t i = 0; i < n; i++)
		ma_csv_cell(w, names[i]);
	ma_csv_end_row(w);
}
