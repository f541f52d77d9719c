/* digest.h - SHA-256 of the input files for the manifest, computed in the
 * background while the scan runs, at the lowest priority (hashing the 1 GB
 * bench pair takes about 0.8 CPU-s, which would otherwise be serial at the
 * end of a scan, or taken from the tile threads).
 */
#ifndef MW_DIGEST_H
#define MW_DIGEST_H

#include <stddef.h>

typedef struct mw_digests mw_digests;

/* Start hashing paths (copied) in the background.  NULL on failure (then
 * mw_digest_get hashes on demand). */
mw_digests *mw_digests_start(const char *const *paths, size_t n);

/* The SHA-256 (hex) and size of path: what the background has not hashed
 * yet of it is hashed now, by the caller (also a path it was not given).
 * d may be NULL.  0, or -1 if the file cannot be read (errno set). */
int mw_digest_get(mw_digests *d, const char *path, char hex[65], long long *bytes);

/* Stop the background (files not finished are left) and free everything
 * (NULL-safe). */
void mw_digests_free(mw_digests *d);

#endif
