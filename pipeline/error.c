/* error.c - the error buffer and the logger. */
#include "mw.h"

#include <cpl_error.h>
#include <gdal.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char g_message[1024];
static mw_exit g_code = MW_OK;
static char g_gdal_message[512];
static int g_quiet;

void mw_set_quiet(int quiet)
{
    g_quiet = quiet;
}

void mw_error(mw_exit code, const char *fmt, ...)
{
    int first;
#pragma omp critical(mw_error)
    {
        first = g_code == MW_OK;
        if (first) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(g_message, sizeof g_message, fmt, ap);
            va_end(ap);
            g_code = code == MW_OK ? MW_EXIT_INTERNAL : code;
        }
    }
    (void)first;
}

const char *mw_error_message(void)
{
    return g_code == MW_OK ? "no error" : g_message;
}

mw_exit mw_error_code(void)
{
    return g_code == MW_OK ? MW_EXIT_INTERNAL : g_code;
}

void mw_error_clear(void)
{
    g_code = MW_OK;
    g_message[0] = '\0';
}

static void vlog(const char *level, const char *fmt, va_list ap)
{
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char line[1200];
    vsnprintf(line, sizeof line, fmt, ap);
    fprintf(stderr, "%s minewatch %s%s\n", stamp, level, line);
}

void mw_log(const char *fmt, ...)
{
    if (g_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog("", fmt, ap);
    va_end(ap);
}

void mw_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warning: ", fmt, ap);
    va_end(ap);
}

static void CPL_STDCALL gdal_handler(CPLErr cls, CPLErrorNum num,
                                     const char *msg)
{
    (void)num;
    if (cls == CE_Debug)
        return;
#pragma omp critical(mw_gdal_message)
    snprintf(g_gdal_message, sizeof g_gdal_message, "%s", msg);
    if (cls == CE_Warning)
        mw_warn("GDAL: %s", msg);
    /* CE_Failure / CE_Fatal: the caller sees the failed return and reports
     * it with mw_gdal_message(), naming the file. */
}

void mw_install_gdal_error_handler(void)
{
    CPLSetErrorHandler(gdal_handler);
}

const char *mw_gdal_message(void)
{
    return g_gdal_message[0] ? g_gdal_message : "unknown GDAL error";
}

double mw_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

void *mw_calloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        mw_error(MW_EXIT_INTERNAL, "out of memory (%zu x %zu bytes)", n, size);
    return p;
}

int mw_gdal_close(void *dataset, const char *path)
{
    if (!dataset)
        return 0;
    CPLErrorReset();
    GDALClose((GDALDatasetH)dataset);
    if (CPLGetLastErrorType() == CE_Failure || CPLGetLastErrorType() == CE_Fatal) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot finish writing (%s)", path,
                 CPLGetLastErrorMsg());
        return -1;
    }
    return 0;
}

int mw_mkdirs(const char *path)
{
    char buf[4096];
    if ((size_t)snprintf(buf, sizeof buf, "%s", path) >= sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    return mkdir(buf, 0777) != 0 && errno != EEXIST ? -1 : 0;
}
