/* dist.c - ranks and the few messages between them (see dist.h). */
#include "dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coreg.h"
#include "ingest.h"
#include "mw.h"
#include "survey.h"

#ifdef MW_MPI
#include <mpi.h>

/* TILE, and a rank's last message DONE or FAIL: to rank 0; STOP (end the
 * pass early) and RELEASE (rank 0 has every rank's last message): from it */
enum { TAG_TILE = 1, TAG_FAIL = 2, TAG_DONE = 3, TAG_STOP = 4, TAG_RELEASE = 5 };

static int g_rank, g_size = 1, g_mpi;

/* Rank 0: where the other ranks of a scan are, for mw_dist_release. */
static enum {
    PEERS_FREE,     /* not waiting for rank 0 (another command, or all ended) */
    PEERS_AT_SHARE, /* blocked in the broadcast of the survey */
    PEERS_SENDING   /* in the tile pass, until their last message */
} g_peers;
static char *g_ended; /* rank 0: [rank] its last message arrived */
static int g_nended;
static int g_stop;    /* another rank: rank 0 asked the pass to stop */

static void mark_ended(int source)
{
    if (source > 0 && source < g_size && !g_ended[source]) {
        g_ended[source] = 1;
        g_nended++;
    }
}

int mw_dist_all_ended(void) { return g_nended >= g_size - 1; }

void mw_dist_init(int *argc, char ***argv)
{
    int provided = 0;
    if (getenv("MW_NO_MPI"))
        return; /* one process, even when started by an MPI rank */
    /* OpenMP threads call MPI, one at a time (critical sections) */
    if (MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided) != MPI_SUCCESS) {
        fprintf(stderr, "minewatch: error: MPI_Init_thread failed\n");
        exit(MW_EXIT_INTERNAL);
    }
    if (provided < MPI_THREAD_SERIALIZED) {
        fprintf(stderr, "minewatch: error: this MPI does not allow calls from threads "
                        "(MPI_THREAD_SERIALIZED)\n");
        MPI_Abort(MPI_COMM_WORLD, MW_EXIT_INTERNAL);
    }
    g_mpi = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &g_rank);
    MPI_Comm_size(MPI_COMM_WORLD, &g_size);
    if (!(g_ended = calloc((size_t)g_size, 1))) {
        fprintf(stderr, "minewatch: error: out of memory for %d ranks\n", g_size);
        MPI_Abort(MPI_COMM_WORLD, MW_EXIT_INTERNAL);
    }
}

void mw_dist_finalize(void)
{
    if (g_mpi)
        MPI_Finalize();
    g_mpi = 0;
    free(g_ended);
    g_ended = NULL;
}

int mw_dist_rank(void) { return g_rank; }
int mw_dist_size(void) { return g_size; }

void mw_dist_scan_begin(void)
{
    if (g_mpi && g_size > 1 && g_rank == 0)
        g_peers = PEERS_AT_SHARE;
}

void mw_dist_abort(int code)
{
    if (g_mpi && g_size > 1) {
        fflush(NULL);
        MPI_Abort(MPI_COMM_WORLD, code);
    }
}

static int mpi_failed(const char *what, int rc)
{
    char text[MPI_MAX_ERROR_STRING] = "";
    int len = 0;
    MPI_Error_string(rc, text, &len);
    mw_error(MW_EXIT_INTERNAL, "MPI: %s failed (%s)", what, text);
    return -1;
}

/* What the other ranks need from rank 0's coreg and survey stages. */
typedef struct {
    int failed; /* rank 0's exit code: it failed before the survey */
    int applied;
    double dx, dy;
    mw_survey survey; /* enabled = 0 with engine = threshold */
} shared_state;

int mw_dist_share(mw_coreg *coreg, mw_survey *survey)
{
    if (g_size < 2)
        return 0;
    shared_state st;
    memset(&st, 0, sizeof st);
    if (g_rank == 0) {
        st.applied = coreg->applied;
        st.dx = coreg->applied_dx;
        st.dy = coreg->applied_dy;
        st.survey = *survey;
    }
    int rc = MPI_Bcast(&st, (int)sizeof st, MPI_BYTE, 0, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return mpi_failed("broadcast of the survey", rc);
    if (g_rank == 0)
        g_peers = PEERS_SENDING;
    else if (st.failed)
        return 1; /* rank 0 reports it */
    else {
        memset(coreg, 0, sizeof *coreg);
        coreg->applied = st.applied;
        coreg->applied_dx = st.dx;
        coreg->applied_dy = st.dy;
        *survey = st.survey;
    }
    return 0;
}

int mw_dist_bcast(void *buf, size_t n)
{
    if (g_size < 2)
        return 0;
    int rc = MPI_Bcast(buf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? 0 : mpi_failed("broadcast", rc);
}

int mw_dist_sum(long *v, int n)
{
    if (g_size < 2)
        return 0;
    int rc = MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? 0 : mpi_failed("sum over the ranks", rc);
}

int mw_dist_max(int *m)
{
    if (g_size < 2)
        return 0;
    int rc = MPI_Allreduce(MPI_IN_PLACE, m, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? 0 : mpi_failed("maximum over the ranks", rc);
}

/* Tiles on their way to rank 0: MPI_Isend, so a rank never waits for rank
 * 0 to post the receive (messages this size go by rendezvous), with the
 * buffers kept until MPI is done with them. */
typedef struct {
    MPI_Request req;
    void *buf;
} pending;
static pending *g_pend;
static int g_npend, g_cap;

/* Free the buffers of the sends that have completed (all = wait for all). */
static int reap(int all)
{
    int rc = MPI_SUCCESS;
    for (int i = 0; i < g_npend;) {
        int done = 0;
        rc = all ? MPI_Wait(&g_pend[i].req, MPI_STATUS_IGNORE)
                 : MPI_Test(&g_pend[i].req, &done, MPI_STATUS_IGNORE);
        if (rc != MPI_SUCCESS)
            return mpi_failed("sending a tile", rc);
        if (all || done) {
            free(g_pend[i].buf);
            g_pend[i] = g_pend[--g_npend];
        } else
            i++;
    }
    return 0;
}

int mw_dist_send_tile(void *buf, size_t n)
{
    if (reap(0)) {
        free(buf);
        return -1;
    }
    if (g_npend == g_cap) {
        int cap = g_cap ? 2 * g_cap : 16;
        pending *p = realloc(g_pend, (size_t)cap * sizeof *p);
        if (!p) {
            free(buf);
            mw_error(MW_EXIT_INTERNAL, "out of memory for a tile on its way");
            return -1;
        }
        g_pend = p;
        g_cap = cap;
    }
    int rc = MPI_Isend(buf, (int)n, MPI_BYTE, 0, TAG_TILE, MPI_COMM_WORLD,
                       &g_pend[g_npend].req);
    if (rc != MPI_SUCCESS) {
        free(buf);
        return mpi_failed("sending a tile", rc);
    }
    g_pend[g_npend++].buf = buf;
    return 0;
}

int mw_dist_flush(void)
{
    int rc = reap(1);
    free(g_pend);
    g_pend = NULL;
    g_npend = g_cap = 0;
    return rc;
}

int mw_dist_stop_asked(void)
{
    if (g_rank == 0 || g_size < 2 || g_stop)
        return g_stop;
    int asked = 0;
    MPI_Status st;
    if (MPI_Iprobe(0, TAG_STOP, MPI_COMM_WORLD, &asked, &st) == MPI_SUCCESS && asked) {
        int dummy;
        MPI_Recv(&dummy, 1, MPI_INT, 0, TAG_STOP, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        g_stop = 1;
    }
    return g_stop;
}

int mw_dist_end(int code, const char *message)
{
    if (g_size < 2 || g_rank == 0)
        return 0;
    char buf[1100];
    memcpy(buf, &code, sizeof code);
    snprintf(buf + sizeof code, sizeof buf - sizeof code, "%s", code ? message : "");
    size_t n = sizeof code + strlen(buf + sizeof code) + 1;
    int rc = MPI_Send(buf, (int)n, MPI_BYTE, 0, code ? TAG_FAIL : TAG_DONE, MPI_COMM_WORLD);
    if (rc != MPI_SUCCESS)
        return mpi_failed("sending the rank's last message", rc);
    /* a STOP sent while the last message was on its way comes first */
    for (;;) {
        MPI_Status st;
        int dummy;
        rc = MPI_Recv(&dummy, 1, MPI_INT, 0, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        if (rc != MPI_SUCCESS)
            return mpi_failed("waiting for rank 0", rc);
        if (st.MPI_TAG == TAG_RELEASE)
            return 0;
    }
}

/* Rank 0: a FAIL message of count bytes (its code, then its error line,
 * NUL-terminated at b[count]) from source as the error (mw_error). */
static void report_fail(int source, const char *b, int count)
{
    int code = MW_EXIT_INTERNAL;
    if (count >= (int)sizeof code)
        memcpy(&code, b, sizeof code);
    mw_error((mw_exit)code, "rank %d: %s", source,
             count > (int)sizeof code ? b + sizeof code : "failed");
}

/* Rank 0: every rank's last message (tiles still on their way are dropped
 * when failed), then RELEASE to every rank.  With keep, the first FAIL, or
 * a tile after the expected ones, is the error.  0, or -1 with mw_error. */
static int collect(int keep)
{
    int ret = 0;
    while (!mw_dist_all_ended()) {
        MPI_Status st;
        int rc = MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        int count = 0;
        if (rc == MPI_SUCCESS)
            MPI_Get_count(&st, MPI_BYTE, &count);
        char *b = rc == MPI_SUCCESS ? malloc((size_t)count + 1) : NULL;
        if (!b || MPI_Recv(b, count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
                           MPI_STATUS_IGNORE) != MPI_SUCCESS) {
            free(b);
            mw_error(MW_EXIT_INTERNAL, "MPI: collecting the other ranks' last messages failed");
            mw_dist_abort(MW_EXIT_INTERNAL);
            return -1;
        }
        b[count] = '\0';
        if (st.MPI_TAG == TAG_DONE || st.MPI_TAG == TAG_FAIL)
            mark_ended(st.MPI_SOURCE);
        if (keep && !ret && st.MPI_TAG == TAG_FAIL) {
            report_fail(st.MPI_SOURCE, b, count);
            ret = -1;
        } else if (keep && !ret && st.MPI_TAG == TAG_TILE) {
            mw_error(MW_EXIT_INTERNAL, "rank %d sent more tiles than its stripes hold",
                     st.MPI_SOURCE);
            ret = -1;
        }
        free(b);
    }
    int release = 0;
    for (int r = 1; r < g_size; r++)
        MPI_Send(&release, 1, MPI_INT, r, TAG_RELEASE, MPI_COMM_WORLD);
    g_peers = PEERS_FREE;
    return ret;
}

int mw_dist_collect(void)
{
    if (g_size < 2 || g_rank != 0 || g_peers != PEERS_SENDING)
        return 0;
    return collect(1);
}

void mw_dist_release(int code)
{
    if (g_size < 2 || g_rank != 0)
        return;
    if (g_peers == PEERS_AT_SHARE) {
        shared_state st;
        memset(&st, 0, sizeof st);
        st.failed = code ? code : MW_EXIT_INTERNAL;
        if (MPI_Bcast(&st, (int)sizeof st, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
            mw_dist_abort(code);
        g_peers = PEERS_FREE;
    } else if (g_peers == PEERS_SENDING) {
        int stop = 0;
        for (int r = 1; r < g_size; r++)
            if (!g_ended[r])
                MPI_Send(&stop, 1, MPI_INT, r, TAG_STOP, MPI_COMM_WORLD);
        collect(0);
    }
}

int mw_dist_recv_tile(void **buf, size_t *n)
{
    MPI_Status st;
    int ready = 0;
    int rc = MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &ready, &st);
    if (rc != MPI_SUCCESS)
        return mpi_failed("waiting for tiles", rc);
    if (!ready)
        return 0;
    int count = 0;
    MPI_Get_count(&st, MPI_BYTE, &count);
    char *b = malloc(count > 0 ? (size_t)count + 1 : 1);
    if (!b) {
        mw_error(MW_EXIT_INTERNAL, "out of memory for a tile of %d bytes", count);
        return -1;
    }
    rc = MPI_Recv(b, count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD,
                  MPI_STATUS_IGNORE);
    if (rc != MPI_SUCCESS) {
        free(b);
        return mpi_failed("receiving a tile", rc);
    }
    if (st.MPI_TAG == TAG_DONE || st.MPI_TAG == TAG_FAIL)
        mark_ended(st.MPI_SOURCE);
    if (st.MPI_TAG == TAG_DONE) {
        free(b);
        return 0;
    }
    if (st.MPI_TAG == TAG_FAIL) {
        b[count] = '\0';
        report_fail(st.MPI_SOURCE, b, count);
        free(b);
        return -1;
    }
    *buf = b;
    *n = (size_t)count;
    return 1;
}

#else /* one process */

void mw_dist_init(int *argc, char ***argv) { (void)argc; (void)argv; }
void mw_dist_finalize(void) {}
int mw_dist_rank(void) { return 0; }
int mw_dist_size(void) { return 1; }
void mw_dist_abort(int code) { (void)code; }
void mw_dist_scan_begin(void) {}
void mw_dist_release(int code) { (void)code; }
int mw_dist_collect(void) { return 0; }
int mw_dist_all_ended(void) { return 1; }
int mw_dist_stop_asked(void) { return 0; }
int mw_dist_share(mw_coreg *coreg, mw_survey *survey)
{
    (void)coreg;
    (void)survey;
    return 0;
}

int mw_dist_bcast(void *buf, size_t n)
{
    (void)buf;
    (void)n;
    return 0;
}

int mw_dist_sum(long *v, int n)
{
    (void)v;
    (void)n;
    return 0;
}

int mw_dist_max(int *m)
{
    (void)m;
    return 0;
}

int mw_dist_send_tile(void *buf, size_t n)
{
    (void)n;
    free(buf);
    mw_error(MW_EXIT_INTERNAL, "no other rank to send a tile to");
    return -1;
}

int mw_dist_flush(void)
{
    return 0;
}

int mw_dist_end(int code, const char *message)
{
    (void)code;
    (void)message;
    return 0;
}

int mw_dist_recv_tile(void **buf, size_t *n)
{
    (void)buf;
    (void)n;
    return 0;
}

#endif

int mw_dist_apply(const mw_scene *scene, mw_coreg *coreg)
{
    return mw_coreg_apply(scene, coreg);
}
