/* test_error.c - the error buffer and GDAL's messages under threads
 * (pipeline/core/error.c): each thread reads the GDAL message of its own failed
 * call, the first error recorded wins whole whatever the threads do, and
 * warnings held back during a stage are dropped or printed in order. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <cpl_error.h>
#include <gdal.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mw.h"

#define ROUNDS 200

static pthread_barrier_t g_barrier;

typedef struct {
    int id;
    int mismatches; /* rounds in which the message was not this thread's */
    char last[600];
} worker;

/* Each round: both threads fail to open a file of their own, wait for each
 * other, then read the message.  One message buffer for all threads would
 * hold whichever failure came last, so one of the two would read the
 * other's every round. */
static void *open_missing(void *arg)
{
    worker *w = arg;
    for (int r = 0; r < ROUNDS; r++) {
        char path[128];
        snprintf(path, sizeof path, "/nonexistent/mw-thread-%d-round-%d.tif", w->id, r);
        GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_RASTER | GDAL_OF_VERBOSE_ERROR, NULL, NULL, NULL);
        if (ds)
            GDALClose(ds);
        pthread_barrier_wait(&g_barrier);
        const char *msg = mw_gdal_message();
        if (!strstr(msg, path)) {
            w->mismatches++;
            snprintf(w->last, sizeof w->last, "%s", msg);
        }
        pthread_barrier_wait(&g_barrier);
    }
    return NULL;
}

static void test_gdal_message_is_per_thread(void **state)
{
    (void)state;
    worker w[2] = {{.id = 0}, {.id = 1}};
    pthread_t t[2];
    assert_int_equal(pthread_barrier_init(&g_barrier, NULL, 2), 0);
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&t[i], NULL, open_missing, &w[i]), 0);
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&g_barrier);
    for (int i = 0; i < 2; i++)
        if (w[i].mismatches)
            print_error("thread %d read another thread's message in %d of %d rounds, "
                        "e.g. '%s'\n", i, w[i].mismatches, ROUNDS, w[i].last);
    assert_int_equal(w[0].mismatches, 0);
    assert_int_equal(w[1].mismatches, 0);
}

/* A thread that has had no GDAL failure reads "unknown GDAL error", not
 * another thread's message. */
static void *fresh_thread(void *arg)
{
    snprintf(arg, 600, "%s", mw_gdal_message());
    return NULL;
}

static void test_gdal_message_fresh_thread(void **state)
{
    (void)state;
    GDALDatasetH ds = GDALOpenEx("/nonexistent/mw-main.tif", GDAL_OF_RASTER | GDAL_OF_VERBOSE_ERROR,
                                 NULL, NULL, NULL);
    assert_null(ds);
    assert_non_null(strstr(mw_gdal_message(), "/nonexistent/mw-main.tif"));
    char seen[600];
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, fresh_thread, seen), 0);
    pthread_join(t, NULL);
    assert_string_equal(seen, "unknown GDAL error");
}

#define WRITERS 8

static void *record(void *arg)
{
    int code = (int)(intptr_t)arg;
    pthread_barrier_wait(&g_barrier);
    mw_error((mw_exit)code, "error of code %d from its thread", code);
    return NULL;
}

/* WRITERS threads record an error at once: one of them is kept, its
 * message whole and with its own code. */
static void test_first_error_whole(void **state)
{
    (void)state;
    for (int round = 0; round < 50; round++) {
        mw_error_clear();
        pthread_t t[WRITERS];
        assert_int_equal(pthread_barrier_init(&g_barrier, NULL, WRITERS), 0);
        for (int i = 0; i < WRITERS; i++)
            assert_int_equal(pthread_create(&t[i], NULL, record, (void *)(intptr_t)(i % 7 + 2)),
                             0);
        for (int i = 0; i < WRITERS; i++)
            pthread_join(t[i], NULL);
        pthread_barrier_destroy(&g_barrier);
        char want[64];
        snprintf(want, sizeof want, "error of code %d from its thread", (int)mw_error_code());
        assert_string_equal(mw_error_message(), want);
    }
    mw_error_clear();
    assert_string_equal(mw_error_message(), "no error");
}

/* What f wrote on stderr (redirected to a temporary file meanwhile). */
static void capture_stderr(void (*f)(void), char *out, size_t size)
{
    fflush(stderr);
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDERR_FILENO);
    dup2(fileno(tmp), STDERR_FILENO);
    f();
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, size - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
}

static void *warn_from_thread(void *arg)
{
    (void)arg;
    CPLError(CE_Warning, CPLE_AppDefined, "GDAL's warning from a thread");
    return NULL;
}

static void held_then_dropped(void)
{
    mw_warn_hold();
    mw_warn("our warning");
    pthread_t t;
    pthread_create(&t, NULL, warn_from_thread, NULL);
    pthread_join(t, NULL);
    mw_warn_release(0);
}

static void held_then_printed(void)
{
    mw_warn_hold();
    mw_warn("our warning");
    pthread_t t;
    pthread_create(&t, NULL, warn_from_thread, NULL);
    pthread_join(t, NULL);
    fputs("a line printed meanwhile\n", stderr);
    mw_warn_release(1);
    mw_warn("not held any more");
}

/* Held warnings (ours and GDAL's, from any thread) are dropped or printed
 * in order when released; after that, warnings print at once. */
static void test_warnings_held(void **state)
{
    (void)state;
    char out[4096];
    capture_stderr(held_then_dropped, out, sizeof out);
    assert_string_equal(out, "");
    capture_stderr(held_then_printed, out, sizeof out);
    const char *meanwhile = strstr(out, "a line printed meanwhile\n");
    const char *ours = strstr(out, "minewatch warning: our warning\n");
    const char *gdal = strstr(out, "minewatch warning: GDAL: GDAL's warning from a thread\n");
    const char *after = strstr(out, "minewatch warning: not held any more\n");
    assert_non_null(meanwhile);
    assert_non_null(ours);
    assert_non_null(gdal);
    assert_non_null(after);
    assert_true(meanwhile < ours && ours < gdal && gdal < after);
}

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    mw_install_gdal_error_handler();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gdal_message_is_per_thread),
        cmocka_unit_test(test_gdal_message_fresh_thread),
        cmocka_unit_test(test_first_error_whole),
        cmocka_unit_test(test_warnings_held),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
