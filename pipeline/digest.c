/* digest.c - input checksums in the background. */
#include "digest.h"

#include <errno.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char *path;
    char hex[65];
    long long bytes;
    int err; /* errno of a failed read, 0 if hashed */
} entry;

struct mw_digests {
    pthread_t thread;
    int joined;
    size_t n;
    entry *e;
};

static int sha256_file(const char *path, char hex[65], long long *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return errno ? errno : EIO;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char buf[1 << 16], md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    size_t got;
    long long total = 0;
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    while (ok && (got = fread(buf, 1, sizeof buf, f)) > 0) {
        ok = EVP_DigestUpdate(ctx, buf, got);
        total += (long long)got;
    }
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &len);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!ok)
        return EIO;
    for (unsigned int i = 0; i < len; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    *bytes = total;
    return 0;
}

static void *run(void *arg)
{
    mw_digests *d = arg;
    for (size_t i = 0; i < d->n; i++)
        d->e[i].err = sha256_file(d->e[i].path, d->e[i].hex, &d->e[i].bytes);
    return NULL;
}

mw_digests *mw_digests_start(const char *const *paths, size_t n)
{
    mw_digests *d = calloc(1, sizeof *d);
    if (!d || !(d->e = calloc(n ? n : 1, sizeof *d->e))) {
        free(d);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!(d->e[d->n].path = strdup(paths[i])))
            break;
        else
            d->n++;
    if (pthread_create(&d->thread, NULL, run, d) != 0) {
        d->joined = 1; /* nothing to wait for: hash on demand */
        for (size_t i = 0; i < d->n; i++)
            d->e[i].err = -1;
    }
    return d;
}

static void join(mw_digests *d)
{
    if (d && !d->joined) {
        pthread_join(d->thread, NULL);
        d->joined = 1;
    }
}

int mw_digest_get(mw_digests *d, const char *path, char hex[65], long long *bytes)
{
    join(d);
    for (size_t i = 0; d && i < d->n; i++) {
        if (strcmp(d->e[i].path, path) || d->e[i].err < 0)
            continue;
        if (d->e[i].err) {
            errno = d->e[i].err;
            return -1;
        }
        memcpy(hex, d->e[i].hex, 65);
        *bytes = d->e[i].bytes;
        return 0;
    }
    int err = sha256_file(path, hex, bytes);
    if (err)
        errno = err;
    return err ? -1 : 0;
}

void mw_digests_free(mw_digests *d)
{
    if (!d)
        return;
    join(d);
    for (size_t i = 0; i < d->n; i++)
        free(d->e[i].path);
    free(d->e);
    free(d);
}
