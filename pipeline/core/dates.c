/* dates.c - dates as agencies write them, to day numbers. */
#include "dates.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The day number of y-m-d, or -1 when it is not a day of the calendar. */
static int to_days(int y, int m, int d, int *days)
{
    if (y < 1800 || y > 2999 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    struct tm tm = {0};
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = d;
    tm.tm_hour = 12;
    time_t t = timegm(&tm); /* normalizes: 2024-02-30 becomes March 1 */
    if (tm.tm_year != y - 1900 || tm.tm_mon != m - 1 || tm.tm_mday != d)
        return -1;
    *days = (int)((t - 12 * 3600) / 86400);
    return 0;
}

/* n decimal digits (at least lo, at most hi) at *p; advances *p. */
static int digits(const char **p, int lo, int hi, int *v)
{
    int n = 0;
    *v = 0;
    while (n < hi && isdigit((unsigned char)**p)) {
        *v = *v * 10 + (**p - '0');
        (*p)++;
        n++;
    }
    return n >= lo && !isdigit((unsigned char)**p) ? 0 : -1;
}

static int literal(const char **p, const char *s)
{
    size_t n = strlen(s);
    if (strncmp(*p, s, n))
        return -1;
    *p += n;
    return 0;
}

int mw_date_parse(const char *text, int *days)
{
    const char *p = text;
    while (isspace((unsigned char)*p))
        p++;
    size_t len = strlen(p);
    while (len && isspace((unsigned char)p[len - 1]))
        len--;
    if (len == 0) {
        *days = MW_NO_DATE;
        return 0;
    }
    char buf[64];
    if (len >= sizeof buf)
        return -1;
    memcpy(buf, p, len);
    buf[len] = '\0';
    p = buf;
    int y, m, d;
    if (len == 8 && strspn(buf, "0123456789") == 8) { /* 20240501 */
        y = (buf[0] - '0') * 1000 + (buf[1] - '0') * 100 + (buf[2] - '0') * 10 + buf[3] - '0';
        m = (buf[4] - '0') * 10 + buf[5] - '0';
        d = (buf[6] - '0') * 10 + buf[7] - '0';
        return to_days(y, m, d, days);
    }
    if (digits(&p, 4, 4, &y))
        return -1;
    if (!literal(&p, "年")) { /* 2024年5月1日 */
        if (digits(&p, 1, 2, &m) || literal(&p, "月") || digits(&p, 1, 2, &d) ||
            literal(&p, "日") || *p)
            return -1;
        return to_days(y, m, d, days);
    }
    char sep = *p;
    if (sep != '-' && sep != '/' && sep != '.')
        return -1;
    p++;
    if (digits(&p, 1, 2, &m) || *p != sep)
        return -1;
    p++;
    if (digits(&p, 1, 2, &d))
        return -1;
    /* a time of day may follow: "2024/05/01 00:00:00", "2024-05-01T08:00Z" */
    if (*p && *p != ' ' && *p != 'T')
        return -1;
    return to_days(y, m, d, days);
}

int mw_date_field(OGRFeatureH f, int i, int *days)
{
    if (!OGR_F_IsFieldSetAndNotNull(f, i)) {
        *days = MW_NO_DATE;
        return 0;
    }
    OGRFieldType t = OGR_Fld_GetType(OGR_F_GetFieldDefnRef(f, i));
    if (t == OFTDate || t == OFTDateTime) {
        int y, m, d, hh, mm, tz;
        float ss;
        if (!OGR_F_GetFieldAsDateTimeEx(f, i, &y, &m, &d, &hh, &mm, &ss, &tz))
            return -1;
        return to_days(y, m, d, days);
    }
    return mw_date_parse(OGR_F_GetFieldAsString(f, i), days);
}

void mw_date_format(int days, char *out, size_t size)
{
    struct tm tm;
    time_t t = (time_t)days * 86400;
    gmtime_r(&t, &tm);
    snprintf(out, size, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}
