/* textbuf.h - a growing text buffer for the reports written whole (QML,
 * SLD, report.html).  A failed allocation is remembered (oom) and makes
 * every later append a no-op; the writer checks it once at the end. */
#ifndef MW_TEXTBUF_H
#define MW_TEXTBUF_H

#include <stddef.h>

typedef struct {
    char *s;     /* NUL-terminated (owned); NULL until the first append */
    size_t len, cap;
    int oom;
} mw_text;

void mw_text_printf(mw_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void mw_text_put(mw_text *t, const char *s);
/* s with & < > " ' as character references (text and attribute values). */
void mw_text_escape(mw_text *t, const char *s);
void mw_text_free(mw_text *t);
/* Write t into path (created or truncated, fsync'ed).  0, or -1 with
 * mw_error (MW_EXIT_OUTPUT; MW_EXIT_INTERNAL when t ran out of memory). */
int mw_text_save(const mw_text *t, const char *path);

#endif
