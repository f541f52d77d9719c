/* journal.c - append-only files of finished work, for resuming a run. */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <isa-l/crc.h>

#include "config.h"
#include "mw.h"

#define HEAD_MAGIC 0x324a574du /* "MWJ2" ("MWJ1", without a CRC, is not read) */
#define TAIL_MAGIC 0x244a574du /* "MWJ$" */

typedef struct {
    uint32_t magic, crc;
    uint64_t key, len;
} head;

typedef struct {
    uint64_t len;
    uint32_t magic, zero;
} tail;

typedef struct {
    int file; /* index in files, -1: no record */
    off_t off; /* of the payload */
    size_t len;
    uint32_t crc; /* of key, length and payload, as the header holds it */
} slot;

struct mw_journal {
    char *dir;
    size_t nkeys, count;
    slot *slot;
    int nfiles;
    int *files;  /* read-only descriptors of the journals indexed */
    char **names;
    int nwriters;
    int *wfd;    /* [nwriters], -1 until first use */
};

/* CRC-32 (the gzip polynomial, ISA-L) of a record's key, length and payload. */
static uint32_t record_crc(uint64_t key, uint64_t len, const void *payload)
{
    const uint64_t kl[2] = {key, len};
    uint32_t c = crc32_gzip_refl(0, (const unsigned char *)kl, sizeof kl);
    return crc32_gzip_refl(c, payload, len);
}

static int full_pread(int fd, void *buf, size_t n, off_t off)
{
    char *p = buf;
    while (n > 0) {
        ssize_t got = pread(fd, p, n, off);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return -1;
        p += got;
        n -= (size_t)got;
        off += got;
    }
    return 0;
}

/* Index one journal; a torn last record is cut off. */
static int index_file(mw_journal *j, const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot open the resume journal: %s", path,
                 strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    int *files = realloc(j->files, (size_t)(j->nfiles + 1) * sizeof *files);
    char **names = realloc(j->names, (size_t)(j->nfiles + 1) * sizeof *names);
    if (files)
        j->files = files;
    if (names)
        j->names = names;
    if (!files || !names || !(j->names[j->nfiles] = strdup(path))) {
        close(fd);
        mw_error(MW_EXIT_INTERNAL, "out of memory indexing %s", path);
        return -1;
    }
    int id = j->nfiles++;
    j->files[id] = fd;

    off_t at = 0, size = st.st_size;
    for (;;) {
        head h;
        tail t;
        if (size - at < (off_t)(sizeof h + sizeof t) || full_pread(fd, &h, sizeof h, at))
            break;
        if (h.magic != HEAD_MAGIC || h.len > (uint64_t)(size - at) - sizeof h - sizeof t)
            break;
        off_t payload = at + (off_t)sizeof h;
        if (full_pread(fd, &t, sizeof t, payload + (off_t)h.len) || t.magic != TAIL_MAGIC ||
            t.len != h.len)
            break;
        if (h.key < j->nkeys) {
            j->count += j->slot[h.key].file < 0;
            j->slot[h.key] = (slot){id, payload, (size_t)h.len, h.crc};
        }
        at = payload + (off_t)h.len + (off_t)sizeof t;
    }
    if (at < size && ftruncate(fd, at) != 0) { /* appends start after the last whole record */
        mw_error(MW_EXIT_OUTPUT, "%s: cannot cut the torn end of the resume journal: %s",
                 path, strerror(errno));
        return -1;
    }
    return 0;
}

static int is_journal(const char *name)
{
    int w = -1, used = 0;
    return sscanf(name, "tiles-%d.journal%n", &w, &used) == 1 && w >= 0 &&
           name[used] == '\0';
}

mw_journal *mw_journal_open(const char *dir, size_t nkeys, int nwriters)
{
    mw_journal *j = mw_calloc(1, sizeof *j);
    if (!j)
        return NULL;
    j->nkeys = nkeys;
    j->nwriters = nwriters > 0 ? nwriters : 1;
    j->dir = strdup(dir);
    j->slot = malloc((nkeys ? nkeys : 1) * sizeof *j->slot);
    j->wfd = malloc((size_t)j->nwriters * sizeof *j->wfd);
    if (!j->dir || !j->slot || !j->wfd) {
        mw_error(MW_EXIT_INTERNAL, "out of memory for the resume journal");
        mw_journal_close(j);
        return NULL;
    }
    for (size_t k = 0; k < nkeys; k++)
        j->slot[k].file = -1;
    for (int w = 0; w < j->nwriters; w++)
        j->wfd[w] = -1;
    DIR *d = opendir(dir);
    if (!d) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot read the resume folder: %s", dir,
                 strerror(errno));
        mw_journal_close(j);
        return NULL;
    }
    struct dirent *e;
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!is_journal(e->d_name))
            continue;
        char path[MW_PATH_MAX + 300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        rc = index_file(j, path);
    }
    closedir(d);
    if (rc) {
        mw_journal_close(j);
        return NULL;
    }
    return j;
}

size_t mw_journal_count(const mw_journal *j)
{
    return j ? j->count : 0;
}

int mw_journal_get(mw_journal *j, size_t key, char **buf, size_t *n)
{
    *buf = NULL;
    *n = 0;
    if (key >= j->nkeys || j->slot[key].file < 0)
        return 0;
    const slot *s = &j->slot[key];
    char *p = malloc(s->len ? s->len : 1);
    if (!p) {
        mw_error(MW_EXIT_INTERNAL, "out of memory reading the resume journal");
        return -1;
    }
    if (full_pread(j->files[s->file], p, s->len, s->off)) {
        free(p);
        mw_error(MW_EXIT_OUTPUT, "%s: cannot read the resume journal: %s",
                 j->names[s->file], errno ? strerror(errno) : "short read");
        return -1;
    }
    if (record_crc(key, s->len, p) != s->crc) { /* damaged: as if never written */
        mw_log("%s: the record of item %zu is damaged (CRC); it is done again",
               j->names[s->file], key);
        free(p);
        j->slot[key].file = -1;
        j->count--;
        return 0;
    }
    *buf = p;
    *n = s->len;
    return 1;
}

int mw_journal_put(mw_journal *j, int w, size_t key, const void *payload, size_t n)
{
    char path[MW_PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/tiles-%d.journal", j->dir, w);
    if (w < 0 || w >= j->nwriters) {
        mw_error(MW_EXIT_INTERNAL, "%s: no such journal writer", path);
        return -1;
    }
    if (j->wfd[w] < 0 &&
        (j->wfd[w] = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666)) < 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot open the resume journal: %s", path,
                 strerror(errno));
        return -1;
    }
    head h = {HEAD_MAGIC, record_crc(key, n, payload), key, n};
    tail t = {n, TAIL_MAGIC, 0};
    struct iovec v[3] = {{&h, sizeof h}, {(void *)payload, n}, {&t, sizeof t}};
    size_t total = sizeof h + n + sizeof t;
    ssize_t put;
    do /* one call: with O_APPEND the record goes in one piece, or is torn */
        put = writev(j->wfd[w], v, 3);
    while (put < 0 && errno == EINTR);
    if (put < 0 || (size_t)put != total) { /* a torn record is dropped by the next open */
        mw_error(MW_EXIT_OUTPUT, "%s: cannot save the tile for resuming: %s", path,
                 put < 0 ? strerror(errno) : "short write (disk full?)");
        return -1;
    }
    return 0;
}

void mw_journal_close(mw_journal *j)
{
    if (!j)
        return;
    for (int i = 0; i < j->nfiles; i++) {
        close(j->files[i]);
        free(j->names[i]);
    }
    for (int w = 0; j->wfd && w < j->nwriters; w++)
        if (j->wfd[w] >= 0)
            close(j->wfd[w]);
    free(j->files);
    free(j->names);
    free(j->wfd);
    free(j->slot);
    free(j->dir);
    free(j);
}
