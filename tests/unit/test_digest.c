/* test_digest.c - the background SHA-256 of the inputs (pipeline/ingest/digest.h):
 * known digests (the empty file, "abc", a file of several chunks) whether
 * the background finished them or the asker finishes them; a path the
 * background was not given; a missing file; stopping with files unhashed;
 * the callback when all are done, called once, with every digest ready; a
 * GDAL virtual path hashed through VSI. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cpl_vsi.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"
#include "tmpdir.h"

static char g_path[4][128];

/* SHA-256 of "", of "abc" (FIPS 180-2 examples), and of 3,000,001 bytes
 * i * 7 mod 251 (sha256sum) */
static const char *const WANT[3] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    NULL, /* computed with sha256sum in setup */
};
static char g_big_hex[65];

static int setup(void **state)
{
    (void)state;
    if (tmpdir_make("digest"))
        return -1;
    const char *names[4] = {"empty", "abc", "big", "missing"};
    for (int i = 0; i < 4; i++)
        snprintf(g_path[i], sizeof g_path[i], "%s/%s", g_dir, names[i]);
    FILE *f = fopen(g_path[0], "wb");
    if (!f || fclose(f))
        return -1;
    f = fopen(g_path[1], "wb");
    if (!f || fputs("abc", f) < 0 || fclose(f))
        return -1;
    f = fopen(g_path[2], "wb");
    if (!f)
        return -1;
    for (long i = 0; i < 3000001; i++)
        fputc((int)(i * 7 % 251), f);
    if (fclose(f))
        return -1;
    char cmd[256];
    snprintf(cmd, sizeof cmd, "sha256sum '%s'", g_path[2]);
    FILE *p = popen(cmd, "r");
    if (!p || fscanf(p, "%64s", g_big_hex) != 1)
        return -1;
    return pclose(p) == 0 ? 0 : -1;
}


static void expect(mw_digests *d, int i, long long size)
{
    char hex[65];
    long long bytes = -1;
    assert_int_equal(mw_digest_get(d, g_path[i], hex, &bytes), 0);
    assert_string_equal(hex, i == 2 ? g_big_hex : WANT[i]);
    assert_int_equal(bytes, size);
}

/* Asked at once: the asker finishes what the background has not. */
static void asked_at_once(void **state)
{
    (void)state;
    const char *paths[3] = {g_path[2], g_path[0], g_path[1]};
    mw_digests *d = mw_digests_start(paths, NULL, 3, NULL, NULL);
    assert_non_null(d);
    expect(d, 2, 3000001);
    expect(d, 0, 0);
    expect(d, 1, 3);
    expect(d, 2, 3000001); /* twice: the same */
    mw_digests_free(d);
}

/* Asked after the background had time to finish. */
static void asked_later(void **state)
{
    (void)state;
    const char *paths[3] = {g_path[0], g_path[1], g_path[2]};
    mw_digests *d = mw_digests_start(paths, NULL, 3, NULL, NULL);
    assert_non_null(d);
    usleep(300 * 1000);
    expect(d, 2, 3000001);
    expect(d, 1, 3);
    mw_digests_free(d);
}

static void not_given_and_missing(void **state)
{
    (void)state;
    const char *paths[2] = {g_path[0], g_path[3]};
    mw_digests *d = mw_digests_start(paths, NULL, 2, NULL, NULL);
    assert_non_null(d);
    expect(d, 1, 3);    /* not given: hashed by the asker */
    expect(NULL, 2, 3000001);
    char hex[65];
    long long bytes = 0;
    errno = 0;
    assert_int_equal(mw_digest_get(d, g_path[3], hex, &bytes), -1);
    assert_int_equal(errno, ENOENT);
    mw_digests_free(d);
}

/* Freed at once (a scan that failed early): the background stops. */
static void stopped(void **state)
{
    (void)state;
    const char *paths[3] = {g_path[2], g_path[2], g_path[2]};
    for (int i = 0; i < 20; i++)
        mw_digests_free(mw_digests_start(paths, NULL, 3, NULL, NULL));
    mw_digests_free(NULL);
}

typedef struct {
    atomic_int calls;
    int ready;         /* every digest there when the callback ran */
    char big_hex[65];
} done_state;

static void on_done(void *arg, mw_digests *d)
{
    done_state *st = arg;
    char hex[65];
    long long bytes;
    int ready = 1;
    for (int i = 0; i < 3; i++)
        ready = ready && mw_digest_get(d, g_path[i], hex, &bytes) == 0 &&
                !strcmp(hex, i == 2 ? g_big_hex : WANT[i]);
    st->ready = ready;
    atomic_fetch_add(&st->calls, 1);
}

/* The callback runs once, when the last file is done, whoever hashed it
 * (the background, or an asker). */
static void done_callback(void **state)
{
    (void)state;
    const char *paths[3] = {g_path[2], g_path[0], g_path[1]};
    for (int asked = 0; asked < 2; asked++) {
        done_state st = {0};
        mw_digests *d = mw_digests_start(paths, NULL, 3, on_done, &st);
        assert_non_null(d);
        if (asked) { /* the asker finishes them */
            expect(d, 2, 3000001);
            expect(d, 0, 0);
            expect(d, 1, 3);
        } else {
            for (int k = 0; k < 500 && !atomic_load(&st.calls); k++)
                usleep(10 * 1000);
        }
        mw_digests_free(d);
        assert_int_equal(atomic_load(&st.calls), 1);
        assert_int_equal(st.ready, 1);
    }
}

/* A file GDAL names (here /vsimem/) is read through its VSI layer. */
static void virtual_path(void **state)
{
    (void)state;
    static char abc[] = "abc";
    VSILFILE *f = VSIFileFromMemBuffer("/vsimem/test_digest_abc", (GByte *)abc, 3, FALSE);
    assert_non_null(f);
    VSIFCloseL(f);
    char hex[65];
    long long bytes = 0;
    assert_int_equal(mw_digest_get(NULL, "/vsimem/test_digest_abc", hex, &bytes), 0);
    assert_string_equal(hex, WANT[1]);
    assert_int_equal(bytes, 3);
    VSIUnlink("/vsimem/test_digest_abc");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(asked_at_once),
        cmocka_unit_test(asked_later),
        cmocka_unit_test(not_given_and_missing),
        cmocka_unit_test(stopped),
        cmocka_unit_test(done_callback),
        cmocka_unit_test(virtual_path),
    };
    return cmocka_run_group_tests(tests, setup, tmpdir_remove);
}
