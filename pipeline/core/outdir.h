/* outdir.h - the output folder: locked, written in a work folder, published
 * whole or not at all.
 *
 * Everything is written into a private work folder inside the output folder
 * (OUTDIR/.minewatch-work-PID) and published as one set only when every
 * report is complete: the folder becomes OUTDIR/runs/RUN-ID, the symlink
 * OUTDIR/latest is swapped to it by one rename, and OUTDIR/NAME are links
 * latest/NAME.  A failed or killed run leaves the previous reports untouched
 * (a stale work folder is removed by the next run).
 */
#ifndef MW_OUTDIR_H
#define MW_OUTDIR_H

#include <stddef.h>

#include "config.h" /* MW_PATH_MAX */

typedef struct {
    char out_dir[MW_PATH_MAX];
    char work_dir[MW_PATH_MAX];
    char resume_dir[MW_PATH_MAX + 32]; /* tiles of an interrupted run ("" = none) */
    int lock_fd; /* OUTDIR itself, flock(2)ed while this run writes into it; -1: none */
} mw_outdir;

/* Create OUTDIR (and parents), lock it against other runs writing into it
 * (flock(2) on the folder, released by mw_outdir_discard or by the kernel
 * when the process ends; where the file system refuses locks on folders the
 * run goes on unlocked) and make the work folder.  0, or -1 with mw_error:
 * MW_EXIT_BUSY when another run holds OUTDIR, else MW_EXIT_OUTPUT. */
int mw_outdir_prepare(const char *out_dir, mw_outdir *od);
/* An output folder inside another's resume folder, work folder or run
 * folders (OUTDIR/.minewatch-resume, .minewatch-work-PID, runs/, latest),
 * which that folder's next run deletes, is refused: -1 with mw_error(code),
 * else 0. */
int mw_outdir_check_path(const char *out_dir, int code);
/* Path of a file name inside the work folder. */
void mw_outdir_work_path(const mw_outdir *od, const char *name, char *buf, size_t size);
/* A run that finished removes its resume folder, OUTDIR/.minewatch-resume
 * (od->resume_dir, "" = none: resume.h prepares it); an interrupted one
 * keeps it. */
void mw_outdir_resume_done(mw_outdir *od);

/* Whether the reports in the work folder can be published: nothing in their
 * way in OUTDIR.  0, or -1 with mw_error (MW_EXIT_OUTPUT).  A scan checks
 * before it commits its ledger, which it does before it publishes. */
int mw_outdir_publish_check(const mw_outdir *od);
/* Publish every entry of the work folder (files and folders alike; work
 * files, NAME.work.EXT, are dropped) in one step: fsynced, the folder
 * renamed to OUTDIR/runs/RUN-ID, OUTDIR/latest swapped to it, links
 * OUTDIR/NAME -> latest/NAME made where missing, run folders but this one and
 * the one it replaced removed.  0, or -1 with mw_error (MW_EXIT_OUTPUT). */
int mw_outdir_publish(mw_outdir *od);

/* Remove the work folder and everything in it; unlock OUTDIR. */
void mw_outdir_discard(mw_outdir *od);

#endif
