/* error.c - the error buffer and the logger. */
#include "mw.h"

#include <cpl_error.h>
#include <gdal.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

static char g_message[1024];
static mw_exit g_code = MW_OK;
/* GDAL's last message, per thread: a thread's failed call is reported with
 * its own message, whatever other threads' calls fail meanwhile. */
static _Thread_local char g_gdal_message[512];
static int g_quiet;

void mw_set_quiet(int quiet)
{
    g_quiet = quiet;
}

/* The first error, whole: threads (OpenMP's and the background writers')
 * record under one lock, and the message is complete before the code says
 * there is one. */
static pthread_mutex_t g_error_lock = PTHREAD_MUTEX_INITIALIZER;

void mw_error(mw_exit code, const char *fmt, ...)
{
    pthread_mutex_lock(&g_error_lock);
    if (g_code == MW_OK) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(g_message, sizeof g_message, fmt, ap);
        va_end(ap);
        g_code = code == MW_OK ? MW_EXIT_INTERNAL : code;
    }
    pthread_mutex_unlock(&g_error_lock);
}

const char *mw_error_message(void)
{
    pthread_mutex_lock(&g_error_lock);
    const char *m = g_code == MW_OK ? "no error" : g_message;
    pthread_mutex_unlock(&g_error_lock);
    return m;
}

mw_exit mw_error_code(void)
{
    pthread_mutex_lock(&g_error_lock);
    mw_exit c = g_code == MW_OK ? MW_EXIT_INTERNAL : g_code;
    pthread_mutex_unlock(&g_error_lock);
    return c;
}

void mw_error_clear(void)
{
    pthread_mutex_lock(&g_error_lock);
    g_code = MW_OK;
    g_message[0] = '\0';
    pthread_mutex_unlock(&g_error_lock);
}

/* Warnings held back (mw_warn_hold): each line as it would have been
 * printed, stamped when it was raised. */
#define HELD_MAX 10000
static pthread_mutex_t g_held_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_holding;
static char **g_held;
static size_t g_nheld, g_held_cap, g_held_lost;

static void format_line(char *out, size_t size, const char *level, const char *fmt,
                        va_list ap)
{
    char stamp[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    char line[1200];
    vsnprintf(line, sizeof line, fmt, ap);
    snprintf(out, size, "%s minewatch %s%s\n", stamp, level, line);
}

static void vlog(const char *level, const char *fmt, va_list ap)
{
    char out[1300];
    format_line(out, sizeof out, level, fmt, ap);
    fputs(out, stderr);
}

/* Hold the line if warnings are held; 1 if it was taken (or counted). */
static int hold_line(const char *line)
{
    int held = 0;
    pthread_mutex_lock(&g_held_lock);
    if (g_holding) {
        held = 1;
        if (g_nheld == g_held_cap && g_held_cap < HELD_MAX) {
            size_t cap = g_held_cap ? 2 * g_held_cap : 16;
            char **g = realloc(g_held, cap * sizeof *g);
            if (g) {
                g_held = g;
                g_held_cap = cap;
            }
        }
        char *copy = g_nheld < g_held_cap ? strdup(line) : NULL;
        if (copy)
            g_held[g_nheld++] = copy;
        else
            g_held_lost++;
    }
    pthread_mutex_unlock(&g_held_lock);
    return held;
}

void mw_warn_hold(void)
{
    pthread_mutex_lock(&g_held_lock);
    g_holding = 1;
    pthread_mutex_unlock(&g_held_lock);
}

void mw_warn_release(int print)
{
    pthread_mutex_lock(&g_held_lock);
    for (size_t i = 0; i < g_nheld; i++) {
        if (print)
            fputs(g_held[i], stderr);
        free(g_held[i]);
    }
    if (print && g_held_lost)
        fprintf(stderr, "minewatch warning: %zu more warnings not shown\n", g_held_lost);
    free(g_held);
    g_held = NULL;
    g_nheld = g_held_cap = g_held_lost = 0;
    g_holding = 0;
    pthread_mutex_unlock(&g_held_lock);
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
    char out[1300];
    va_list ap;
    va_start(ap, fmt);
    format_line(out, sizeof out, "warning: ", fmt, ap);
    va_end(ap);
    if (!hold_line(out))
        fputs(out, stderr);
}

static void CPL_STDCALL gdal_handler(CPLErr cls, CPLErrorNum num,
                                     const char *msg)
{
    (void)num;
    if (cls == CE_Debug)
        return;
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
