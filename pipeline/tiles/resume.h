/* resume.h - the key of a scan's resume folder, and the room its files need.
 *
 * OUTDIR/.minewatch-resume holds the tiles a run has finished (journal.h),
 * and `key`: the SHA-256 of what those tiles depend on, namely the build
 * (version, build id, the size of a component), the configuration as read
 * (mw_config_write: every key, the tile size included) and the content of
 * every input file (the SHA-256 of each file of mw_scene.inputs: the images
 * or band files, every file behind a VRT, the QA rasters).  A later run
 * reuses the tiles only when its own key, computed from the content of its
 * inputs before any tile is reused, is the one in the folder; otherwise the
 * folder is emptied.
 *
 * The content digests are the ones the manifest needs anyway (digest.h):
 * hashed in the background at nice 19 while the scan runs.  So that a run
 * with nothing to resume starts its tiles at once and is no slower for the
 * key:
 *   - a folder with journals and a key: the inputs are hashed before the
 *     tile pass (by this thread, at its priority, with the background
 *     threads), and the tiles are reused only if the keys match;
 *   - otherwise (a fresh folder, or journals without a key): the folder is
 *     emptied and the tile pass starts; the key is written as soon as the
 *     last input is hashed (mw_digests' callback, mw_resume_digested), and
 *     at the latest by mw_resume_commit, before the reports.  A run killed
 *     before its key is written leaves journals without a key, which the
 *     next run does not trust.
 * The key file is written to a temporary name and renamed.
 */
#ifndef MW_RESUME_H
#define MW_RESUME_H

#include "config.h"
#include "digest.h"
#include "ingest.h"
#include "outdir.h"

typedef struct mw_resume mw_resume;

/* The key's parts for this configuration and scene (the inputs copied).
 * NULL with mw_error when out of memory. */
mw_resume *mw_resume_new(const mw_config *cfg, const mw_scene *s);

/* The mw_digests_done_fn to give mw_digests_start (arg: the mw_resume):
 * computes the key, and writes it if the folder is waiting for it. */
void mw_resume_digested(void *arg, mw_digests *d);

/* Prepare od->resume_dir for the tile pass: keep it when it holds journals
 * and the key of these inputs (hashed now, d's digests), else empty it.
 * enabled = 0 (MPI: the tiles are not journaled): the folder is only
 * emptied.  0, or -1 with mw_error (MW_EXIT_OUTPUT). */
int mw_resume_prepare(mw_resume *r, mw_outdir *od, mw_digests *d, int enabled);

/* Before the tile pass: the file system of OUTDIR must have room for the
 * work class raster and its overviews and, when journaled, the rest of the
 * resume journal (statvfs).  0, or -1 with mw_error (MW_EXIT_OUTPUT) giving
 * the space needed and the space free. */
int mw_resume_check_space(const mw_outdir *od, const mw_scene *s, int tile_size, int journaled);

/* After the tile pass, before the reports: the inputs hashed to the end
 * (by this thread) and the key written if it is not yet.  0, or -1 with
 * mw_error (MW_EXIT_OUTPUT) if the key cannot be written. */
int mw_resume_commit(mw_resume *r, mw_digests *d);

/* The run failed: the key is not written from now on (the folder is about
 * to be removed).  NULL-safe. */
void mw_resume_cancel(mw_resume *r);

/* After the digests are freed (no callback can run).  NULL-safe. */
void mw_resume_free(mw_resume *r);

#endif
