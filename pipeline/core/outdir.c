/* outdir.c - the output folder: prepare, lock, work folder, publish. */
#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mw.h"

/* ---- the output folder ------------------------------------------------ */

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    char p[MW_PATH_MAX + 256];
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            remove_tree(p);
        else
            unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* Remove work folders left by runs that are no longer alive. */
static void remove_stale_work(const char *out_dir)
{
    DIR *d = opendir(out_dir);
    if (!d)
        return;
    struct dirent *e;
    char p[MW_PATH_MAX + 256];
    while ((e = readdir(d)) != NULL) {
        long pid;
        if (sscanf(e->d_name, ".minewatch-work-%ld", &pid) != 1)
            continue;
        if (pid != (long)getpid() && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
            snprintf(p, sizeof p, "%s/%s", out_dir, e->d_name);
            remove_tree(p);
        }
    }
    closedir(d);
}

int mw_outdir_check_path(const char *out_dir, int code)
{
    /* the folder as it will be: the deepest existing ancestor resolved
     * (symlinks: OUTDIR/latest is a run folder), the rest as given */
    char path[MW_PATH_MAX], real[PATH_MAX], abs[MW_PATH_MAX + PATH_MAX + 2];
    snprintf(path, sizeof path, "%s", out_dir);
    size_t len = strlen(path);
    while (len > 1 && path[len - 1] == '/')
        path[--len] = '\0';
    const char *rest = "";
    char *cut = NULL;
    for (;;) {
        if (realpath(path[0] ? path : ".", real))
            break;
        char *slash = strrchr(path, '/');
        if (cut)
            *cut = '/';
        if (!slash) { /* nothing of it exists: relative to the current folder */
            if (!realpath(".", real))
                return 0;
            rest = out_dir;
            break;
        }
        *slash = '\0';
        cut = slash;
        rest = out_dir + (slash - path) + 1;
        if (slash == path) { /* "/x": the root */
            snprintf(real, sizeof real, "/");
            break;
        }
    }
    snprintf(abs, sizeof abs, "%s/%s", real, rest);
    /* walk its components */
    char prefix[sizeof abs] = "";
    size_t plen = 0;
    for (char *c = abs; *c;) {
        char *end = strchr(c, '/');
        size_t n = end ? (size_t)(end - c) : strlen(c);
        if (n && !(n == 1 && c[0] == '.')) {
            char comp[NAME_MAX + 1];
            snprintf(comp, sizeof comp, "%.*s", (int)(n < NAME_MAX ? n : NAME_MAX), c);
            char latest[sizeof abs + 8];
            snprintf(latest, sizeof latest, "%s/latest", prefix[0] ? prefix : "");
            struct stat st;
            const char *what = !strcmp(comp, ".minewatch-resume")         ? "a resume folder"
                               : !strncmp(comp, ".minewatch-work-", 16)   ? "a work folder"
                               : !strcmp(comp, "runs") && lstat(latest, &st) == 0 &&
                                         S_ISLNK(st.st_mode)
                                   ? "the run folders"
                                   : NULL;
            if (what) {
                mw_error(code, "%s: is inside %s of an output folder (%s/%s), which a "
                         "run replaces; give another folder", out_dir, what,
                         prefix[0] ? prefix : "", comp);
                return -1;
            }
            plen += (size_t)snprintf(prefix + plen, sizeof prefix - plen, "/%s", comp);
        }
        c += n;
        while (*c == '/')
            c++;
    }
    return 0;
}

int mw_outdir_prepare(const char *out_dir, mw_outdir *od)
{
    memset(od, 0, sizeof *od);
    od->lock_fd = -1;
    snprintf(od->out_dir, sizeof od->out_dir, "%s", out_dir);
    if (mw_mkdirs(out_dir) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create output folder: %s", out_dir,
                 strerror(errno));
        return -1;
    }
    /* Two runs into one folder would rename their reports over each other's
     * and share one resume folder.  The folder itself is locked: no lock
     * file to leave behind or to race on. */
    od->lock_fd = open(out_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (od->lock_fd >= 0 && flock(od->lock_fd, LOCK_EX | LOCK_NB) != 0) {
        int busy = errno == EWOULDBLOCK;
        close(od->lock_fd);
        od->lock_fd = -1;
        if (busy) {
            mw_error(MW_EXIT_BUSY, "%s: another minewatch run is writing into this "
                                   "output folder", out_dir);
            return -1;
        }
    }
    remove_stale_work(out_dir);
    snprintf(od->work_dir, sizeof od->work_dir, "%s/.minewatch-work-%ld", out_dir,
             (long)getpid());
    if (mkdir(od->work_dir, 0777) != 0 && errno != EEXIST) {
        mw_error(MW_EXIT_OUTPUT, "%s: output folder is not writable: %s", out_dir,
                 strerror(errno));
        od->work_dir[0] = '\0';
        mw_outdir_discard(od);
        return -1;
    }
    return 0;
}

void mw_outdir_resume_done(mw_outdir *od)
{
    if (od->resume_dir[0])
        remove_tree(od->resume_dir);
}

void mw_outdir_work_path(const mw_outdir *od, const char *name, char *buf, size_t size)
{
    snprintf(buf, size, "%s/%s", od->work_dir, name);
}

void mw_outdir_discard(mw_outdir *od)
{
    if (od->work_dir[0])
        remove_tree(od->work_dir);
    od->work_dir[0] = '\0';
    if (od->lock_fd >= 0)
        close(od->lock_fd); /* releases the flock */
    od->lock_fd = -1;
}

/* ---- publish ------------------------------------------------------------
 *
 * OUTDIR/runs/RUN-ID/   one folder per published run (the work folder,
 *                       renamed whole), the last two kept;
 * OUTDIR/latest         a symlink to runs/RUN-ID, swapped by one rename;
 * OUTDIR/NAME           a symlink latest/NAME for every report NAME (made
 *                       once), so every path through OUTDIR flips at the
 *                       swap: a reader sees last night's set or tonight's. */

/* work files (NAME.work.EXT, and GDAL's side files of them) are not reports */
static int is_work_file(const char *name)
{
    return strstr(name, ".work.") != NULL;
}

static int is_entry(const struct dirent *e)
{
    return strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
}

int mw_outdir_publish_check(const mw_outdir *od)
{
    DIR *d = opendir(od->work_dir);
    if (!d) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot list: %s", od->work_dir, strerror(errno));
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    char to[MW_PATH_MAX + 256];
    struct stat st;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!is_entry(e) || is_work_file(e->d_name))
            continue;
        snprintf(to, sizeof to, "%s/%s", od->out_dir, e->d_name);
        if (lstat(to, &st) == 0 && S_ISDIR(st.st_mode)) { /* a symlink cannot replace it */
            mw_error(MW_EXIT_OUTPUT, "%s: a folder is in the way of the report", to);
            rc = -1;
        }
    }
    closedir(d);
    const char *own[] = {"latest", "runs"};
    for (int i = 0; i < 2 && rc == 0; i++) {
        snprintf(to, sizeof to, "%s/%s", od->out_dir, own[i]);
        if (lstat(to, &st) == 0 && (i == 0 ? !S_ISLNK(st.st_mode) : !S_ISDIR(st.st_mode))) {
            mw_error(MW_EXIT_OUTPUT, "%s: in the way of the run folders (%s expected)", to,
                     i == 0 ? "a symlink" : "a folder");
            rc = -1;
        }
    }
    return rc;
}

static int fsync_path(const char *path, int dir)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | (dir ? O_DIRECTORY : 0));
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    if (rc != 0 && dir && (errno == EINVAL || errno == EBADF)) /* some file systems */
        rc = 0;
    close(fd);
    return rc;
}

/* Drop the work files, fsync every file and folder below dir, dir last. */
static int settle_tree(const char *dir, char *bad, size_t size)
{
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(bad, size, "%s", dir);
        return -1;
    }
    struct dirent *e;
    char p[MW_PATH_MAX + 256];
    int rc = 0;
    while (rc == 0 && (e = readdir(d)) != NULL) {
        if (!is_entry(e))
            continue;
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(p, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode))
            rc = settle_tree(p, bad, size);
        else if (is_work_file(e->d_name))
            unlink(p);
        else if (S_ISREG(st.st_mode) && fsync_path(p, 0) != 0)
            rc = -1;
        if (rc && !bad[0])
            snprintf(bad, size, "%s", p);
    }
    closedir(d);
    if (rc == 0 && fsync_path(dir, 1) != 0) {
        snprintf(bad, size, "%s", dir);
        rc = -1;
    }
    return rc;
}

/* symlink target -> path, made as path.tmp and renamed over path */
static int swap_link(const char *target, const char *path)
{
    char tmp[MW_PATH_MAX + 300];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    unlink(tmp);
    if (symlink(target, tmp) != 0)
        return -1;
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

int mw_outdir_publish(mw_outdir *od)
{
    char bad[MW_PATH_MAX + 256] = "", runs[MW_PATH_MAX + 16], run[MW_PATH_MAX + 96];
    char id[64], latest[MW_PATH_MAX + 16], prev[MW_PATH_MAX] = "";
    if (settle_tree(od->work_dir, bad, sizeof bad)) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write to disk: %s", bad, strerror(errno));
        return -1;
    }
    snprintf(runs, sizeof runs, "%s/runs", od->out_dir);
    if (mkdir(runs, 0777) != 0 && errno != EEXIST) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create: %s", runs, strerror(errno));
        return -1;
    }
    /* the run id: UTC time, then the pid (sorts by time) */
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    struct stat st;
    for (int k = 0;; k++) {
        if (k)
            snprintf(id, sizeof id, "%s-%ld-%d", stamp, (long)getpid(), k);
        else
            snprintf(id, sizeof id, "%s-%ld", stamp, (long)getpid());
        snprintf(run, sizeof run, "%s/%s", runs, id);
        if (lstat(run, &st) != 0)
            break;
    }
    if (rename(od->work_dir, run) != 0 || fsync_path(runs, 1) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot move the reports into place: %s", run,
                 strerror(errno));
        return -1;
    }
    od->work_dir[0] = '\0'; /* it is a run folder now: nothing to discard */
    snprintf(latest, sizeof latest, "%s/latest", od->out_dir);
    ssize_t n = readlink(latest, prev, sizeof prev - 1);
    prev[n > 0 ? n : 0] = '\0';
    char target[128];
    snprintf(target, sizeof target, "runs/%s", id);
    /* the one step that publishes the set */
    if (swap_link(target, latest) != 0 || fsync_path(od->out_dir, 1) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot publish the reports: %s", latest, strerror(errno));
        return -1;
    }
    /* OUTDIR/NAME -> latest/NAME for every report (made once; a file left
     * by a run before run folders is replaced), and none left dangling */
    DIR *d = opendir(run);
    struct dirent *e;
    char p[MW_PATH_MAX + 300], link[MW_PATH_MAX + 256], want[300];
    int rc = 0;
    while (rc == 0 && d && (e = readdir(d)) != NULL) {
        if (!is_entry(e))
            continue;
        snprintf(p, sizeof p, "%s/%s", od->out_dir, e->d_name);
        snprintf(want, sizeof want, "latest/%s", e->d_name);
        n = readlink(p, link, sizeof link - 1);
        link[n > 0 ? n : 0] = '\0';
        if (n > 0 && !strcmp(link, want))
            continue;
        if (swap_link(want, p) != 0) {
            mw_error(MW_EXIT_OUTPUT, "%s: cannot link to %s: %s", p, want, strerror(errno));
            rc = -1;
        }
    }
    if (d)
        closedir(d);
    if ((d = opendir(od->out_dir)) != NULL) {
        while ((e = readdir(d)) != NULL) {
            snprintf(p, sizeof p, "%s/%s", od->out_dir, e->d_name);
            n = readlink(p, link, sizeof link - 1);
            link[n > 0 ? n : 0] = '\0';
            if (n > 7 && !strncmp(link, "latest/", 7) && !strcmp(link + 7, e->d_name) &&
                stat(p, &st) != 0)
                unlink(p); /* tonight's set has no such report */
        }
        closedir(d);
    }
    fsync_path(od->out_dir, 1);
    /* the last two runs are kept: tonight's and the one it replaced */
    const char *prev_id = strncmp(prev, "runs/", 5) ? "" : prev + 5;
    if ((d = opendir(runs)) != NULL) {
        while ((e = readdir(d)) != NULL) {
            if (!is_entry(e) || !strcmp(e->d_name, id) || !strcmp(e->d_name, prev_id))
                continue;
            snprintf(p, sizeof p, "%s/%s", runs, e->d_name);
            remove_tree(p);
        }
        closedir(d);
    }
    return rc;
}
