/* dist.h - one process, or many under MPI (built with make MPI=1).
 *
 * A scan under `mpirun -np N build/minewatch-mpi scan ...` runs as N ranks.
 * Rank 0 is the whole pipeline as in a single process: it opens the output,
 * co-registers and surveys the pair, loads the layers, and writes every
 * report.  Right after the survey it broadcasts what the other ranks need to
 * read the pair exactly as it does (the shift applied to t2 and the survey's
 * normalization and MAD transformation), so every rank classifies with the
 * same numbers.  The tile pass then gives each rank its own stripes of
 * tiles; the other ranks send each finished tile (class codes, component
 * statistics, edge labels) to rank 0, which writes the classes and merges
 * the components across all tile borders, rank borders included.  The
 * reports are therefore byte-identical to a single-process run.
 *
 * Errors end the job in order, never by MPI_Abort (which Open MPI 4.1 may
 * answer with a hang or a crash of mpirun).  Every other rank ends its scan
 * with one last message to rank 0, DONE or FAIL (its error line and code),
 * and then waits for rank 0's RELEASE; it prints nothing and exits 0.  Rank
 * 0 prints the one error line (its own, or the first rank's FAIL), removes
 * its work folder, and releases the others: before the survey is shared it
 * broadcasts its failure in place of the survey; during the tile pass it
 * asks every rank still computing to STOP and collects the last messages
 * (dropping the tiles still on their way).  It then exits with the code, and
 * mpirun with it.  MPI_Abort is left for MPI's own failures.
 *
 * Without MW_MPI every function here is the single-process answer: rank 0
 * of 1, and nothing to send.
 */
#ifndef MW_DIST_H
#define MW_DIST_H

#include <stddef.h>

struct mw_scene;
struct mw_survey;
struct mw_coreg;

/* MPI_Init_thread (serialized calls from OpenMP threads); no-op without MPI
 * or when MW_NO_MPI is set (the scans a nightly run starts as children). */
void mw_dist_init(int *argc, char ***argv);
void mw_dist_finalize(void);
int mw_dist_rank(void);
int mw_dist_size(void);
/* End every rank with this exit code (returns only in a single process):
 * for MPI's own failures, when the ranks can no longer talk. */
void mw_dist_abort(int code);

/* Rank 0, at the start of a scan: the other ranks wait for the survey. */
void mw_dist_scan_begin(void);
/* Rank 0, failed with code: let the other ranks of the scan end (see
 * above); nothing when they are not waiting for it. */
void mw_dist_release(int code);
/* Rank 0, its tile pass complete: every other rank's last message, then
 * RELEASE.  0, or -1 with mw_error (a rank's FAIL). */
int mw_dist_collect(void);
/* Rank 0: every other rank's last message has arrived. */
int mw_dist_all_ended(void);

/* Rank 0: send the applied shift and the survey to the other ranks.
 * Others: receive them (blocking until rank 0 has surveyed) into *coreg and
 * *survey; mw_dist_apply then makes the received shift for a scene opened
 * afterwards (mw_coreg_apply: coreg->t2), and the tile pass takes coreg and
 * survey as rank 0's does.  0, or -1 with mw_error. */
int mw_dist_share(struct mw_coreg *coreg, struct mw_survey *survey);
int mw_dist_apply(const struct mw_scene *scene, struct mw_coreg *coreg);

/* Rank 0's n bytes at buf to every rank; 0, or -1 with mw_error. */
int mw_dist_bcast(void *buf, size_t n);
/* Element-wise sum (v[0..n-1]) and maximum (*m) over the ranks, the result
 * on every rank; 0, or -1 with mw_error. */
int mw_dist_sum(long *v, int n);
int mw_dist_max(int *m);

/* Tile messages to rank 0.  A message is one packed tile (tag TILE).
 * Callers serialize these calls (OpenMP critical); 0, or -1 with mw_error.
 * send_tile takes buf (malloc'ed) and returns at once (MPI_Isend): the
 * buffer is freed when MPI is done with it; flush waits for every tile sent
 * and frees what is left. */
int mw_dist_send_tile(void *buf, size_t n);
int mw_dist_flush(void);
/* Another rank: rank 0 asked the tile pass to stop (it failed). */
int mw_dist_stop_asked(void);
/* Another rank, its scan over (tiles flushed): the last message to rank 0,
 * DONE (code 0) or FAIL with the error line, then wait for RELEASE. */
int mw_dist_end(int code, const char *message);

/* Rank 0: receive one message if one is waiting.  Returns 1 and a malloc'ed
 * tile in *buf / *n, 0 when nothing is waiting (or a rank's DONE came), or
 * -1 with mw_error (a failed rank's error, or MPI's). */
int mw_dist_recv_tile(void **buf, size_t *n);

#endif
