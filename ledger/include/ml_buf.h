/*
 * ml_buf.h — growable byte buffers with a ceiling, and an arena.
 *
 * ml_buf is curl's dynbuf idea: a buffer that grows by doubling but is
 * given, when created, the most it may ever hold; reaching that is the
 * error ML_E_TOO_LARGE (a caller answers 413), never an unbounded realloc.
 * The bytes are always NUL-terminated so text can be used as a C string.
 *
 * ml_grow is the same rule for an array of items: every growing array of
 * the project goes through it with a ceiling on its number of items, so
 * none grows without end and none computes a size that overflows.
 *
 * ml_arena hands out stable pointers (a decoded event's strings point into
 * it) from a chain of blocks; everything is freed at once. It has a
 * ceiling too.
 */
#ifndef ML_BUF_H
#define ML_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "ml_limits.h"

struct ml_buf {
	char *data;       /* NUL-terminated; NULL until the first append */
	size_t len;       /* bytes used, not counting the NUL */
	size_t cap;       /* bytes allocated */
	size_t max_bytes; /* ceiling on len */
};

/* Starts an empty buffer that may hold up to max_bytes. */
void ml_buf_init(struct ml_buf *b, size_t max_bytes);
/* Frees the memory; the buffer is empty and usable again. NULL is fine. */
void ml_buf_free(struct ml_buf *b);
/* Empties the buffer, keeping its memory. */
void ml_buf_reset(struct ml_buf *b);
/* Appends bytes. Returns 0, ML_E_TOO_LARGE or ML_E_NOMEM (the buffer is
 * then unchanged). */
int ml_buf_add(struct ml_buf *b, const void *bytes, size_t len);
int ml_buf_add_str(struct ml_buf *b, const char *s);
int ml_buf_add_char(struct ml_buf *b, char c);
/* Room for n more bytes: *at points where they go. Write at most n bytes
 * there, then ml_buf_commit(b, the number written). Returns 0,
 * ML_E_TOO_LARGE or ML_E_NOMEM (the buffer is then unchanged). */
int ml_buf_room(struct ml_buf *b, size_t n, char **at);
void ml_buf_commit(struct ml_buf *b, size_t n);
/* Writes v in decimal at o (at most ML_INT_TEXT_MAX bytes, no NUL);
 * returns the end. */
char *ml_put_u64(char *o, uint64_t v);
char *ml_put_i64(char *o, int64_t v);
/* Appends a decimal integer. */
int ml_buf_add_i64(struct ml_buf *b, int64_t v);
int ml_buf_add_u64(struct ml_buf *b, uint64_t v);
/* Appends printf-formatted text. */
int ml_buf_addf(struct ml_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Makes *items (an array of *cap items of item_bytes each, NULL when *cap
 * is 0) hold at least need items: the capacity doubles from a first
 * allocation of ML_GROW_FIRST_BYTES, never past max_items, and the new
 * items are zeroed. Returns 0; ML_E_TOO_LARGE when need > max_items or
 * the array's bytes would not fit a size_t; ML_E_NOMEM. On error *items
 * and *cap are unchanged. */
int ml_grow(void **items, size_t *cap, size_t need, size_t item_bytes,
            size_t max_items);

struct ml_arena_block;
struct ml_arena {
	struct ml_arena_block *head;
	size_t used_bytes; /* total handed out, for the ceiling */
	size_t max_bytes;
};

void ml_arena_init(struct ml_arena *a, size_t max_bytes);
/* Frees every block. NULL is fine. */
void ml_arena_free(struct ml_arena *a);
/* Copies len bytes and a NUL; returns the copy or NULL when out of memory
 * or past the ceiling. */
char *ml_arena_strdup(struct ml_arena *a, const char *s, size_t len);
/* len bytes of zeroed, 8-byte aligned memory, or NULL. */
void *ml_arena_alloc(struct ml_arena *a, size_t len);

#endif /* ML_BUF_H */
