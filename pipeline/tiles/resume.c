/* resume.c - the key of a scan's resume folder (see resume.h). */
#include "resume.h"

#include <cpl_string.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>

#include "mw.h"
#include "tiles.h"

enum {
    FOLDER_NONE,    /* not prepared yet: the key is only computed */
    FOLDER_WAITING, /* emptied for this run: the key is written when known */
    FOLDER_KEYED,   /* holds this run's key */
    FOLDER_OFF      /* not journaled, or the run failed: nothing is written */
};

struct mw_resume {
    pthread_mutex_t mu;
    char *meta;          /* build and configuration, as text */
    char **inputs;       /* the files whose content the tiles depend on */
    int have_key;        /* key computed from the digests */
    char key[2 * 32 + 1];
    int folder;          /* FOLDER_* */
    char dir[MW_PATH_MAX + 32];
    int write_err;       /* errno of a failed write of the key by the callback */
};

mw_resume *mw_resume_new(const mw_config *cfg, const mw_scene *s)
{
    mw_resume *r = mw_calloc(1, sizeof *r);
    if (!r)
        return NULL;
    pthread_mutex_init(&r->mu, NULL);
    size_t len = 0;
    FILE *m = open_memstream(&r->meta, &len);
    if (!m) {
        mw_resume_free(r);
        mw_error(MW_EXIT_INTERNAL, "out of memory");
        return NULL;
    }
    fprintf(m, "minewatch %s build %s comp %zu\n", MW_VERSION, mw_build_id(), sizeof(mw_comp));
    mw_config_write(cfg, m);
    fclose(m);
    r->inputs = CSLDuplicate(s->inputs);
    return r;
}

/* The key from the digests of every input (each hashed now by this thread
 * where not done yet).  0, or -1 if an input cannot be read (then there is
 * no key: the manifest reports the file). */
static int compute_key(const mw_resume *r, mw_digests *d, char key[65])
{
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) &&
             EVP_DigestUpdate(ctx, r->meta, strlen(r->meta));
    for (int i = 0; ok && r->inputs && r->inputs[i]; i++) {
        char hex[65], line[MW_PATH_MAX + 128];
        long long bytes = 0;
        ok = mw_digest_get(d, r->inputs[i], hex, &bytes) == 0;
        int n = snprintf(line, sizeof line, "%s %lld %s\n", r->inputs[i], bytes, hex);
        ok = ok && EVP_DigestUpdate(ctx, line, (size_t)n);
    }
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen) && mdlen == 32;
    EVP_MD_CTX_free(ctx);
    for (unsigned int i = 0; ok && i < mdlen; i++)
        snprintf(key + 2 * i, 3, "%02x", md[i]);
    return ok ? 0 : -1;
}

/* Write r->key into the folder (a temporary name, then renamed).  Locked.
 * 0, or -1 with errno. */
static int write_key(const mw_resume *r)
{
    char path[MW_PATH_MAX + 64], tmp[MW_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/key", r->dir);
    snprintf(tmp, sizeof tmp, "%s/key.tmp", r->dir);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int bad = fprintf(f, "%s\n", r->key) < 0;
    bad = fclose(f) != 0 || bad;
    if (bad || rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

/* The key is known: write it if the folder waits for it.  Locked. */
static void key_known(mw_resume *r)
{
    if (r->have_key && r->folder == FOLDER_WAITING) {
        if (write_key(r) == 0)
            r->folder = FOLDER_KEYED;
        else
            r->write_err = errno ? errno : EIO;
    }
}

void mw_resume_digested(void *arg, mw_digests *d)
{
    mw_resume *r = arg;
    pthread_mutex_lock(&r->mu);
    if (!r->have_key)
        r->have_key = compute_key(r, d, r->key) == 0;
    key_known(r);
    pthread_mutex_unlock(&r->mu);
}

/* 1 when dir holds a journal with something in it. */
static int has_journals(const char *dir)
{
    DIR *dd = opendir(dir);
    if (!dd)
        return 0;
    struct dirent *e;
    int found = 0;
    while (!found && (e = readdir(dd)) != NULL) {
        int w = -1, used = 0;
        char p[MW_PATH_MAX + 300];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        found = sscanf(e->d_name, "tiles-%d.journal%n", &w, &used) == 1 && w >= 0 &&
                e->d_name[used] == '\0' && stat(p, &st) == 0 && st.st_size > 0;
    }
    closedir(dd);
    return found;
}

int mw_resume_prepare(mw_resume *r, mw_outdir *od, mw_digests *d, int enabled)
{
    snprintf(od->resume_dir, sizeof od->resume_dir, "%s/.minewatch-resume", od->out_dir);
    snprintf(r->dir, sizeof r->dir, "%s", od->resume_dir);
    char kpath[MW_PATH_MAX + 64], old[128] = "";
    snprintf(kpath, sizeof kpath, "%s/key", r->dir);
    FILE *f = enabled ? fopen(kpath, "r") : NULL;
    if (f) {
        if (!fgets(old, sizeof old, f))
            old[0] = '\0';
        fclose(f);
    }
    old[strcspn(old, "\n")] = '\0';
    if (old[0] && has_journals(r->dir)) {
        /* tiles to reuse, if these are the inputs they were made of: the
         * inputs hashed now, before any tile is reused */
        double t0 = mw_now();
        char key[65];
        int known = compute_key(r, d, key) == 0;
        pthread_mutex_lock(&r->mu);
        if (known && !r->have_key) {
            memcpy(r->key, key, sizeof key);
            r->have_key = 1;
        }
        int same = r->have_key && !strcmp(old, r->key);
        if (same)
            r->folder = FOLDER_KEYED;
        pthread_mutex_unlock(&r->mu);
        mw_log("resume: the inputs hashed in %.2f s: %s", mw_now() - t0,
               same ? "the same as the interrupted run's, its tiles are reused"
                    : "not those of the interrupted run, its tiles are not used");
        if (same)
            return 0;
    } else if (has_journals(r->dir)) {
        mw_log("resume: the saved tiles have no key (their run was killed before its "
               "inputs were hashed); they are not used");
    }
    mw_outdir_resume_done(od); /* empties it */
    if (!enabled) {
        pthread_mutex_lock(&r->mu);
        r->folder = FOLDER_OFF;
        pthread_mutex_unlock(&r->mu);
        return 0;
    }
    if (mkdir(r->dir, 0777) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot prepare the resume folder: %s", r->dir,
                 strerror(errno));
        return -1;
    }
    pthread_mutex_lock(&r->mu);
    r->folder = FOLDER_WAITING;
    key_known(r); /* the digests may be done already */
    pthread_mutex_unlock(&r->mu);
    return 0;
}

/* n bytes as text, in the largest unit that keeps it above 1. */
static void human(double n, char *buf, size_t size)
{
    static const char *unit[] = {"B", "kB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (n >= 1024 && u < 5) {
        n /= 1024;
        u++;
    }
    snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", n, unit[u]);
}

/* Bytes of the resume journal files already in dir. */
static double journal_bytes(const char *dir)
{
    DIR *dd = opendir(dir);
    double total = 0;
    if (!dd)
        return 0;
    struct dirent *e;
    while ((e = readdir(dd)) != NULL) {
        char p[MW_PATH_MAX + 300];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        if (strstr(e->d_name, ".journal") && stat(p, &st) == 0)
            total += (double)st.st_size;
    }
    closedir(dd);
    return total;
}

int mw_resume_check_space(const mw_outdir *od, const mw_scene *s, int tile_size, int journaled)
{
    const double w = s->width, h = s->height, px = w * h;
    /* the work class raster (1 byte a pixel, uncompressed) and its nearest
     * overviews (a third more at most), with its tile index */
    double need = px * 4 / 3 + 16 * ceil(w / tile_size) * ceil(h / tile_size) + (1 << 20);
    if (journaled) { /* a record per tile: framing, header, class counts,
                      * edge labels, class codes (components not counted) */
        double tiles = ceil(w / tile_size) * ceil(h / tile_size);
        need += tiles * (40 + 20 + 256 * 8) + 8 * (w * ceil(h / tile_size) +
                                                   h * ceil(w / tile_size)) + px;
        need -= journal_bytes(od->resume_dir); /* saved already */
    }
    struct statvfs v;
    if (statvfs(od->work_dir[0] ? od->work_dir : od->out_dir, &v) != 0)
        return 0; /* not known: the writes will tell */
    double avail = (double)v.f_bavail * (double)v.f_frsize;
    if (avail >= need)
        return 0;
    char a[32], b[32];
    human(need, a, sizeof a);
    human(avail, b, sizeof b);
    mw_error(MW_EXIT_OUTPUT, "%s: not enough free space: the %s of this %d x %d px scene "
             "need about %s, %s are free", od->out_dir,
             journaled ? "resume journal and work files" : "work files", s->width,
             s->height, a, b);
    return -1;
}

int mw_resume_commit(mw_resume *r, mw_digests *d)
{
    /* every input hashed to its end here (the manifest needs them next):
     * the callback then writes the key if it has not */
    char key[65];
    int known = compute_key(r, d, key) == 0;
    pthread_mutex_lock(&r->mu);
    if (known && !r->have_key) {
        memcpy(r->key, key, sizeof key);
        r->have_key = 1;
    }
    key_known(r);
    int err = r->folder == FOLDER_WAITING && r->have_key ? r->write_err : 0;
    pthread_mutex_unlock(&r->mu);
    if (err) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write the resume key: %s", r->dir, strerror(err));
        return -1;
    }
    return 0;
}

void mw_resume_cancel(mw_resume *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->mu);
    r->folder = FOLDER_OFF;
    pthread_mutex_unlock(&r->mu);
}

void mw_resume_free(mw_resume *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->mu);
    free(r->meta);
    CSLDestroy(r->inputs);
    free(r);
}
