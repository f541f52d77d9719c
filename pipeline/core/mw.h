/* mw.h - what every stage shares: exit codes, the error buffer, logging.
 *
 * Errors follow one convention: a function that can fail returns 0 on
 * success and -1 on failure, after recording one line with mw_error().  The
 * first error recorded wins (later ones are usually consequences); only main
 * prints it and exits with its code.
 */
#ifndef MW_H
#define MW_H

#include <stdarg.h>
#include <stddef.h>

#define MW_VERSION "0.1.0"

/* What this binary was built from (the Makefile's MW_BUILD_ID: the git
 * commit, and a hash of the sources, the Makefile, the compiler and its
 * flags): in manifest.json, `minewatch version` and the resume key, so that
 * tiles saved by another build are never loaded. */
const char *mw_build_id(void);

/* Exit codes, documented in README.md. */
typedef enum {
    MW_OK = 0,
    MW_EXIT_INTERNAL = 1, /* bug, out of memory, library failure */
    MW_EXIT_USAGE = 2,    /* bad command line */
    MW_EXIT_CONFIG = 3,   /* configuration file unreadable or invalid */
    MW_EXIT_RASTER = 4,   /* input imagery missing, unreadable or unusable */
    MW_EXIT_VECTOR = 5,   /* a vector layer missing, unreadable or unusable */
    MW_EXIT_OUTPUT = 6,   /* output folder or report cannot be written */
    MW_EXIT_LEDGER = 7,   /* the ledger cannot be opened, read or written */
    MW_EXIT_BUSY = 8      /* another nightly run, or a run into the same OUTDIR, holds the lock */
} mw_exit;

/* Record an error (printf format).  Keeps the first one. */
void mw_error(mw_exit code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The recorded error and its code (MW_EXIT_INTERNAL if none was coded). */
const char *mw_error_message(void);
mw_exit mw_error_code(void);
void mw_error_clear(void);

/* Timestamped log lines on stderr. */
void mw_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mw_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* quiet: mw_log prints nothing (warnings and errors still do). */
void mw_set_quiet(int quiet);

/* Warnings held back, so that a failing stage prints its one error line
 * only: from mw_warn_hold() on, warnings (mw_warn's and GDAL's, from any
 * thread) are kept, each stamped when raised; mw_warn_release(1) prints them
 * in order, mw_warn_release(0) drops them; either ends the holding. */
void mw_warn_hold(void);
void mw_warn_release(int print);

/* Route GDAL/CPL errors into mw_warn / the error buffer. */
void mw_install_gdal_error_handler(void);
/* The calling thread's last GDAL error message, or "unknown GDAL error"
 * (per thread: another thread's failure does not replace it). */
const char *mw_gdal_message(void);

/* Close a dataset opened for writing; GDAL 3.6's GDALClose returns nothing,
 * so failures are read from CPL's last error.  0, or -1 with mw_error
 * (MW_EXIT_OUTPUT) naming path. */
int mw_gdal_close(void *dataset, const char *path);

/* mkdir -p: 0, or -1 with errno. */
int mw_mkdirs(const char *path);

/* Wall clock seconds (monotonic). */
double mw_now(void);

/* Allocation that records an MW_EXIT_INTERNAL error on failure. */
void *mw_calloc(size_t n, size_t size);

#endif
