/* digest.c - input checksums in the background, at the lowest priority.
 *
 * Each file is hashed a chunk at a time under its own lock, by whichever
 * thread holds the lock: the background threads (nice 19, so the tile
 * threads keep the cores while they have work, and the hash fills what they
 * leave idle), or the thread that asks for the digest, which then finishes
 * the file itself at its own priority.  A background thread holds a lock
 * for one chunk only, so on a machine busy with other work the asker waits
 * for at most one chunk of a starved thread, not for the whole file. */
#include "digest.h"

#include <cpl_vsi.h>
#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "tiffdirect.h"

#define MW_DIGEST_THREADS 2
#define MW_DIGEST_NICE 19
#define MW_DIGEST_CHUNK (1 << 16)

typedef struct {
    pthread_mutex_t mu;
    char *path;
    VSILFILE *f;      /* open while being hashed (GDAL's VSI: virtual paths too) */
    EVP_MD_CTX *ctx;
    unsigned char *buf;
    int done;         /* hashed (err 0) or failed (err set) */
    int err;          /* errno of a failed open or read */
    char hex[65];
    long long bytes;
    int check;        /* its DEFLATE streams are to be checked, after the hash */
    int checked;
    mw_tiffcheck *tc; /* open while being checked */
    char problem[512]; /* a damaged stream found ("" = none) */
} entry;

struct mw_digests {
    pthread_t thread[MW_DIGEST_THREADS];
    int nthreads;     /* started, not yet joined */
    atomic_int stop;  /* mw_digests_free: the background threads give up */
    atomic_int next;  /* the file the next thread starts on */
    atomic_size_t ndone; /* entries done (hashed or failed) */
    size_t n;
    entry *e;
    mw_digests_done_fn on_done; /* called once, when the last entry is done */
    void *done_arg;
};

static void finish(entry *e, int err)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!err && !EVP_DigestFinal_ex(e->ctx, md, &len))
        err = EIO;
    for (unsigned int i = 0; i < len; i++)
        snprintf(e->hex + 2 * i, 3, "%02x", md[i]);
    if (e->f)
        VSIFCloseL(e->f);
    EVP_MD_CTX_free(e->ctx);
    free(e->buf);
    e->f = NULL;
    e->ctx = NULL;
    e->buf = NULL;
    e->err = err;
    e->done = 1;
}

/* Hash the next chunk of e (opening it first); once hashed, with_check:
 * check the next of its DEFLATE streams (tiffdirect.h).  1 when e is done
 * (and checked, with_check).  The call that finishes the hash of the last
 * entry of d calls d->on_done (after unlocking). */
static int step(mw_digests *d, entry *e, int with_check)
{
    int finished = 0;
    pthread_mutex_lock(&e->mu);
    if (!e->done && !e->f) {
        errno = 0;
        e->f = VSIFOpenL(e->path, "rb");
        e->ctx = EVP_MD_CTX_new();
        e->buf = malloc(MW_DIGEST_CHUNK);
        if (!e->f)
            finish(e, errno ? errno : ENOENT);
        else if (!e->ctx || !e->buf || !EVP_DigestInit_ex(e->ctx, EVP_sha256(), NULL))
            finish(e, ENOMEM);
        finished = e->done;
    }
    if (!e->done) {
        size_t got = VSIFReadL(e->buf, 1, MW_DIGEST_CHUNK, e->f);
        if (got && !EVP_DigestUpdate(e->ctx, e->buf, got))
            finish(e, EIO);
        else if (got < MW_DIGEST_CHUNK)
            finish(e, VSIFEofL(e->f) ? 0 : EIO); /* short of a chunk: the end, or an error */
        e->bytes += (long long)got;
        finished = e->done;
    }
    else if (with_check && e->check && !e->checked) {
        if (!e->tc && !e->err)
            e->tc = mw_tiffcheck_open(e->path);
        int rc = e->tc ? mw_tiffcheck_step(e->tc, e->problem, sizeof e->problem) : 1;
        if (rc != 0) {
            if (rc > 0)
                e->problem[0] = '\0';
            mw_tiffcheck_close(e->tc);
            e->tc = NULL;
            e->checked = 1;
        }
    }
    int done = e->done && (!with_check || !e->check || e->checked);
    pthread_mutex_unlock(&e->mu);
    if (finished && d && atomic_fetch_add(&d->ndone, 1) + 1 == d->n && d->on_done)
        d->on_done(d->done_arg, d);
    return done;
}

static void *run(void *arg)
{
    mw_digests *d = arg;
    /* per thread on Linux; best effort */
    setpriority(PRIO_PROCESS, (id_t)gettid(), MW_DIGEST_NICE);
    /* the threads start on different files, then help with the others */
    size_t first = (size_t)atomic_fetch_add(&d->next, 1);
    for (size_t k = 0; k < d->n; k++) {
        entry *e = &d->e[(first + k) % d->n];
        while (!atomic_load(&d->stop) && !step(d, e, 1))
            ;
    }
    return NULL;
}

mw_digests *mw_digests_start(const char *const *paths, const unsigned char *check, size_t n,
                             mw_digests_done_fn on_done, void *done_arg)
{
    mw_digests *d = calloc(1, sizeof *d);
    if (!d || !(d->e = calloc(n ? n : 1, sizeof *d->e))) {
        free(d);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        if (!(d->e[d->n].path = strdup(paths[i])))
            break;
        d->e[d->n].check = check && check[i];
        pthread_mutex_init(&d->e[d->n].mu, NULL);
        d->n++;
    }
    d->on_done = on_done;
    d->done_arg = done_arg;
    if (d->n == 0 && on_done) /* nothing to hash: done now */
        on_done(done_arg, d);
    for (int k = 0; k < MW_DIGEST_THREADS && (size_t)k < d->n; k++)
        if (pthread_create(&d->thread[d->nthreads], NULL, run, d) == 0)
            d->nthreads++;
    return d; /* no thread: mw_digest_get hashes on demand */
}

int mw_digest_get(mw_digests *d, const char *path, char hex[65], long long *bytes)
{
    entry own = {.path = (char *)path}, *e = &own;
    for (size_t i = 0; d && i < d->n; i++)
        if (!strcmp(d->e[i].path, path))
            e = &d->e[i];
    if (e == &own)
        pthread_mutex_init(&own.mu, NULL);
    while (!step(e == &own ? NULL : d, e, 0)) /* finish it here, at this thread's priority */
        ;
    if (e == &own)
        pthread_mutex_destroy(&own.mu);
    if (e->err) {
        errno = e->err;
        return -1;
    }
    memcpy(hex, e->hex, 65);
    *bytes = e->bytes;
    return 0;
}

int mw_digests_check(mw_digests *d, char *why, size_t size)
{
    for (size_t i = 0; d && i < d->n; i++) {
        entry *e = &d->e[i];
        while (!step(d, e, 1)) /* finish it here, at this thread's priority */
            ;
        if (e->check && e->problem[0]) {
            snprintf(why, size, "%s: %s", e->path, e->problem);
            return -1;
        }
    }
    return 0;
}

void mw_digests_free(mw_digests *d)
{
    if (!d)
        return;
    atomic_store(&d->stop, 1);
    for (; d->nthreads > 0; d->nthreads--)
        pthread_join(d->thread[d->nthreads - 1], NULL);
    for (size_t i = 0; i < d->n; i++) {
        entry *e = &d->e[i];
        if (!e->done && e->f)
            finish(e, ECANCELED);
        mw_tiffcheck_close(e->tc);
        pthread_mutex_destroy(&e->mu);
        free(e->path);
    }
    free(d->e);
    free(d);
}
