/* digest.h - SHA-256 of the input files for the manifest, computed in a
 * background thread while the tile pass runs (hashing a 1 GB pair takes
 * about 0.7 s that would otherwise be serial at the end of a scan).
 */
#ifndef MW_DIGEST_H
#define MW_DIGEST_H

#include <stddef.h>

typedef struct mw_digests mw_digests;

/* Start hashing paths (copied) in a background thread.  NULL on failure
 * (then mw_digest_get hashes on demand). */
mw_digests *mw_digests_start(const char *const *paths, size_t n);

/* The SHA-256 (hex) and size of path: waits for the background thread, or
 * hashes now for a path it was not given.  d may be NULL.  0, or -1 if the
 * file cannot be read (errno set). */
int mw_digest_get(mw_digests *d, const char *path, char hex[65], long long *bytes);

/* Wait for the thread and free everything (NULL-safe). */
void mw_digests_free(mw_digests *d);

#endif
