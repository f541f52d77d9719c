/* journal.h - append-only files of finished work, for resuming a run.
 *
 * A folder holds one journal per writer (thread): tiles-W.journal.  A record
 * is a key and an opaque payload, framed by a header and a trailer that both
 * carry its length:
 *
 *   "MWJ2" u32 crc   u64 key   u64 length   payload   u64 length   "MWJ$" u32 0
 *
 * so a record cut short by a kill (or a full disk) is recognised and
 * dropped, and the journal is truncated after its last whole record before
 * anything is appended to it again.  crc is the CRC-32 (gzip polynomial,
 * ISA-L's crc32_gzip_refl; zlib.crc32 gives the same) of the key and the
 * length (little-endian u64 each) followed by the payload: a record whose
 * bytes changed on disk is not returned (mw_journal_get), so its work is
 * done again.  Journals of the first format ("MWJ1", no CRC) are not read.  One file per writer, appended to with
 * one write(2) per record: no file is created per item of work, and writers
 * never share a file. */
#ifndef MW_JOURNAL_H
#define MW_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

typedef struct mw_journal mw_journal;

/* Index the whole records of the journals in dir whose key is below nkeys
 * (a later record of a key replaces an earlier one); writers are numbered
 * 0 .. nwriters-1.  NULL with mw_error if the folder cannot be read or a
 * journal cannot be repaired. */
mw_journal *mw_journal_open(const char *dir, size_t nkeys, int nwriters);

/* The payload of key: 1 and a malloc'ed *buf of *n bytes; 0 if there is no
 * whole record of it, or if its CRC does not match (the record is then
 * forgotten, and logged); -1 with mw_error on a read error. */
int mw_journal_get(mw_journal *j, size_t key, char **buf, size_t *n);

/* Append a record to writer w's journal (opened on first use).  Writers may
 * append at the same time, each to its own file.  0, or -1 with mw_error. */
int mw_journal_put(mw_journal *j, int w, size_t key, const void *payload, size_t n);

/* Records indexed by mw_journal_open, less those found damaged since. */
size_t mw_journal_count(const mw_journal *j);

void mw_journal_close(mw_journal *j);

#endif
