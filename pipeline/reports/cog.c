/* cog.c - change.tif, the COG copy of the class raster, on a thread of its own. */
#include "reports.h"

#include <cpl_string.h>
#include <gdal.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "mw.h"

/* The COG copy of the class raster.  Runs on its own thread (mw_cog_start),
 * so it reports GDAL's message of that thread, not the shared one. */
static int write_cog(const char *class_path, const char *dst, int threads, int *code,
                     char *msg, size_t msg_size)
{
    GDALDatasetH src = GDALOpenEx(class_path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL,
                                  NULL, NULL);
    if (!src) {
        *code = MW_EXIT_INTERNAL;
        snprintf(msg, msg_size, "%.480s: cannot reopen (%.480s)", class_path, CPLGetLastErrorMsg());
        return -1;
    }
    char **opt = NULL;
    opt = CSLSetNameValue(opt, "COMPRESS", "DEFLATE");
    opt = CSLSetNameValue(opt, "BLOCKSIZE", "512");
    /* the class raster's own nearest overviews, filled by the tile pass */
    opt = CSLSetNameValue(opt, "OVERVIEWS", "FORCE_USE_EXISTING");
    /* blocks compressed by as many threads as the scan has, not ALL_CPUS
     * (every CPU of the process's affinity, whatever --threads says) */
    char nthreads[16];
    snprintf(nthreads, sizeof nthreads, "%d", threads > 0 ? threads : 1);
    opt = CSLSetNameValue(opt, "NUM_THREADS", nthreads);
    CPLErrorReset();
    GDALDatasetH cog = GDALCreateCopy(GDALGetDriverByName("COG"), dst, src, FALSE, opt,
                                      NULL, NULL);
    CSLDestroy(opt);
    GDALClose(src);
    if (cog) {
        GDALClose(cog); /* GDAL 3.6: void; a failed flush shows as CPL's last error */
        if (CPLGetLastErrorType() < CE_Failure)
            return 0;
    }
    *code = MW_EXIT_OUTPUT;
    snprintf(msg, msg_size, "%.480s: cannot write the change map (%.480s)", dst,
             CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "unknown GDAL error");
    return -1;
}

struct mw_cog_job {
    pthread_t thread;
    int started;
    char src[MW_PATH_MAX + 64], dst[MW_PATH_MAX + 64];
    int threads;
    int rc, code;
    char msg[1024];
};

static void *cog_thread(void *arg)
{
    mw_cog_job *j = arg;
    j->rc = write_cog(j->src, j->dst, j->threads, &j->code, j->msg, sizeof j->msg);
    return NULL;
}

mw_cog_job *mw_cog_start(const char *class_path, const mw_outdir *od, int threads)
{
    mw_cog_job *j = calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->threads = threads;
    snprintf(j->src, sizeof j->src, "%s", class_path);
    mw_outdir_work_path(od, "change.tif", j->dst, sizeof j->dst);
    j->started = pthread_create(&j->thread, NULL, cog_thread, j) == 0;
    return j;
}

int mw_cog_finish(mw_cog_job *j)
{
    if (!j)
        return 0;
    if (!j->started) /* no thread: write it now */
        cog_thread(j);
    else
        pthread_join(j->thread, NULL);
    int rc = j->rc;
    if (rc)
        mw_error((mw_exit)j->code, "%s", j->msg);
    free(j);
    return rc;
}
