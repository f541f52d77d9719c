/* test_journal.c - unit tests of the resume journal (pipeline/tiles/journal.h):
 * records written by several writers come back byte for byte, a record cut
 * anywhere is dropped (and only it), appends after a torn end are readable,
 * keys out of range and foreign files are ignored; a whole record whose
 * bytes changed (payload, key or CRC) is not returned, and journals of the
 * first format (no CRC) are not read. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "journal.h"
#include "tmpdir.h"

static int make_dir(void **state)
{
    (void)state;
    return tmpdir_make("journal");
}

/* payload of key k: k + 1 bytes of value k * 7 + i */
static void payload(size_t k, char *buf, size_t *n)
{
    *n = k + 1;
    for (size_t i = 0; i < *n; i++)
        buf[i] = (char)(k * 7 + i);
}

static void expect(mw_journal *j, size_t key, int present)
{
    char want[64], *got = NULL;
    size_t n = 0, wn;
    payload(key, want, &wn);
    assert_int_equal(mw_journal_get(j, key, &got, &n), present);
    if (present) {
        assert_int_equal(n, wn);
        assert_memory_equal(got, want, wn);
    } else {
        assert_null(got);
    }
    free(got);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static void test_roundtrip_and_torn_end(void **state)
{
    (void)state;
    mw_journal *j = mw_journal_open(g_dir, 10, 2);
    assert_non_null(j);
    assert_int_equal(mw_journal_count(j), 0);
    char buf[64];
    size_t n;
    for (size_t k = 0; k < 6; k++) { /* writers 0 and 1 take turns */
        payload(k, buf, &n);
        assert_int_equal(mw_journal_put(j, (int)(k % 2), k, buf, n), 0);
    }
    assert_int_equal(mw_journal_put(j, 2, 0, buf, n), -1); /* no writer 2 */
    mw_journal_close(j);

    j = mw_journal_open(g_dir, 10, 2);
    assert_non_null(j);
    assert_int_equal(mw_journal_count(j), 6);
    for (size_t k = 0; k < 10; k++)
        expect(j, k, k < 6);
    mw_journal_close(j);

    /* writer 1 holds keys 1, 3, 5: cut 3 bytes off its last record (key 5,
     * 6 bytes of payload and 40 of framing) */
    char path[128];
    snprintf(path, sizeof path, "%s/tiles-1.journal", g_dir);
    long size = file_size(path);
    assert_int_equal(size, (2 + 4 + 6) + 3 * 40);
    assert_int_equal(truncate(path, size - 3), 0);
    j = mw_journal_open(g_dir, 10, 2);
    assert_non_null(j);
    assert_int_equal(mw_journal_count(j), 5);
    expect(j, 5, 0);
    expect(j, 3, 1);
    /* the torn end was cut: a new record of writer 1 is readable */
    assert_int_equal(file_size(path), (2 + 4) + 2 * 40);
    payload(7, buf, &n);
    assert_int_equal(mw_journal_put(j, 1, 7, buf, n), 0);
    mw_journal_close(j);

    j = mw_journal_open(g_dir, 10, 1);
    assert_non_null(j);
    assert_int_equal(mw_journal_count(j), 6);
    expect(j, 7, 1);
    expect(j, 5, 0);
    mw_journal_close(j);

    /* fewer keys now (another tile size): records beyond are not indexed */
    j = mw_journal_open(g_dir, 3, 1);
    assert_non_null(j);
    assert_int_equal(mw_journal_count(j), 3);
    expect(j, 2, 1);
    char *got = NULL;
    assert_int_equal(mw_journal_get(j, 7, &got, &n), 0);
    mw_journal_close(j);
}

static void test_damage_and_foreign_files(void **state)
{
    (void)state;
    mw_journal *j = mw_journal_open(g_dir, 4, 1);
    assert_non_null(j);
    char buf[64];
    size_t n;
    for (size_t k = 0; k < 3; k++) {
        payload(k, buf, &n);
        assert_int_equal(mw_journal_put(j, 0, k, buf, n), 0);
    }
    mw_journal_close(j);
    char path[128], other[128];
    snprintf(path, sizeof path, "%s/tiles-0.journal", g_dir);
    snprintf(other, sizeof other, "%s/tiles-x.journal", g_dir);
    FILE *f = fopen(other, "w"); /* not a journal's name: never read */
    assert_non_null(f);
    fputs("garbage", f);
    fclose(f);
    /* overwrite the trailer magic of the second record (key 1: offset
     * 41 + 24 + 2 + 8): it and everything after it are dropped */
    f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, 41 + 24 + 2 + 8, SEEK_SET), 0);
    fputc('X', f);
    fclose(f);
    j = mw_journal_open(g_dir, 4, 1);
    assert_non_null(j);
    assert_int_equal(mw_journal_count(j), 1);
    expect(j, 0, 1);
    expect(j, 1, 0);
    expect(j, 2, 0);
    assert_int_equal(file_size(path), 41);
    mw_journal_close(j);

    assert_null(mw_journal_open("/nonexistent/minewatch", 4, 1));
}

/* Flip one bit of the byte at off in path. */
static void flip(const char *path, long off, int bit)
{
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    int c = fgetc(f);
    assert_int_not_equal(c, EOF);
    assert_int_equal(fseek(f, off, SEEK_SET), 0);
    fputc(c ^ (1 << bit), f);
    fclose(f);
}

/* Records of keys 0..3 (payloads of 1..4 bytes) in one journal: record k
 * starts at 40 k + k (k - 1) / 2, its payload 24 bytes further. */
static void write_four(void)
{
    mw_journal *j = mw_journal_open(g_dir, 8, 1);
    assert_non_null(j);
    char buf[64];
    size_t n;
    for (size_t k = 0; k < 4; k++) {
        payload(k, buf, &n);
        assert_int_equal(mw_journal_put(j, 0, k, buf, n), 0);
    }
    mw_journal_close(j);
}

static long record_at(size_t k)
{
    return (long)(40 * k + k * (k + 1) / 2);
}

static void test_crc(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/tiles-0.journal", g_dir);
    write_four();
    /* a bit of key 1's payload, a bit of key 2's CRC, and key 3's key
     * turned into 0 (the record then claims key 0, and replaces it): the
     * framing holds, the CRCs do not */
    flip(path, record_at(1) + 24 + 1, 3);
    flip(path, record_at(2) + 4, 0);
    flip(path, record_at(3) + 8, 0);
    flip(path, record_at(3) + 8, 1);
    mw_journal *j = mw_journal_open(g_dir, 8, 1);
    assert_non_null(j);
    assert_int_equal(mw_journal_count(j), 3); /* keys 0 (the false one), 1, 2 */
    char *got = (char *)1;
    size_t n = 1;
    for (size_t k = 0; k < 4; k++) {
        assert_int_equal(mw_journal_get(j, k, &got, &n), 0);
        assert_null(got);
    }
    assert_int_equal(mw_journal_count(j), 0);
    /* done again: the new records are read, the damaged ones stay unread */
    char buf[64];
    for (size_t k = 0; k < 4; k++) {
        payload(k, buf, &n);
        assert_int_equal(mw_journal_put(j, 0, k, buf, n), 0);
    }
    mw_journal_close(j);
    j = mw_journal_open(g_dir, 8, 1);
    assert_non_null(j);
    for (size_t k = 0; k < 4; k++)
        expect(j, k, 1);
    mw_journal_close(j);

    /* the same records in the first format ("MWJ1", CRC field 0): not read */
    assert_int_equal(unlink(path), 0);
    write_four();
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    for (size_t k = 0; k < 4; k++) {
        static const char zero[4] = {0};
        assert_int_equal(fseek(f, record_at(k), SEEK_SET), 0);
        fputs("MWJ1", f);
        fwrite(zero, 1, 4, f);
    }
    fclose(f);
    j = mw_journal_open(g_dir, 8, 1);
    assert_non_null(j);
    assert_int_equal(mw_journal_count(j), 0);
    expect(j, 0, 0);
    mw_journal_close(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_roundtrip_and_torn_end, make_dir, tmpdir_remove),
        cmocka_unit_test_setup_teardown(test_damage_and_foreign_files, make_dir, tmpdir_remove),
        cmocka_unit_test_setup_teardown(test_crc, make_dir, tmpdir_remove),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
