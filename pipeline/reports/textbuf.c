/* textbuf.c - a growing text buffer. */
#include "textbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mw.h"

static int grow(mw_text *t, size_t more)
{
    if (t->oom)
        return -1;
    if (t->len + more + 1 <= t->cap)
        return 0;
    size_t cap = t->cap ? t->cap : 4096;
    while (cap < t->len + more + 1)
        cap *= 2;
    char *s = realloc(t->s, cap);
    if (!s) {
        t->oom = 1;
        return -1;
    }
    t->s = s;
    t->cap = cap;
    return 0;
}

void mw_text_printf(mw_text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || grow(t, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

void mw_text_put(mw_text *t, const char *s)
{
    size_t n = strlen(s);
    if (grow(t, n))
        return;
    memcpy(t->s + t->len, s, n + 1);
    t->len += n;
}

void mw_text_escape(mw_text *t, const char *s)
{
    for (const char *p = s; *p; p++) {
        const char *rep = NULL;
        switch (*p) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: break;
        }
        if (rep) {
            mw_text_put(t, rep);
        } else {
            if (grow(t, 1))
                return;
            t->s[t->len++] = *p;
            t->s[t->len] = '\0';
        }
    }
}

void mw_text_free(mw_text *t)
{
    free(t->s);
    *t = (mw_text){0};
}

int mw_text_save(const mw_text *t, const char *path)
{
    if (t->oom) {
        mw_error(MW_EXIT_INTERNAL, "%s: out of memory", path);
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create: %s", path, strerror(errno));
        return -1;
    }
    int bad = t->len && fwrite(t->s, 1, t->len, f) != t->len;
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        bad = 1;
    if (fclose(f) != 0 || bad) {
        mw_error(MW_EXIT_OUTPUT, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
