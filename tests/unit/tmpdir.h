/* tmpdir.h - a private folder under /tmp for the files of a unit test
 * program, made and removed as cmocka setup and teardown. */
#ifndef MW_TEST_TMPDIR_H
#define MW_TEST_TMPDIR_H

#include <stdio.h>
#include <stdlib.h>

static char g_dir[64];

/* mkdtemp /tmp/mw_NAME_XXXXXX into g_dir.  0 or -1. */
static inline int tmpdir_make(const char *name)
{
    snprintf(g_dir, sizeof g_dir, "/tmp/mw_%s_XXXXXX", name);
    return mkdtemp(g_dir) ? 0 : -1;
}

/* rm -rf g_dir.  0 or -1. */
static inline int tmpdir_remove(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

#endif
