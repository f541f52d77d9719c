/* nightly.c - catalog, pairing, state, lock. */
#include "nightly.h"

#include <cpl_string.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dates.h"
#include "dist.h"
#include "kernels.h"
#include "mw.h"

typedef struct {
    char path[MW_PATH_MAX];
    char name[256];       /* file name without folder and extension */
    char date[16];        /* YYYY-MM-DD */
    double cloud;         /* 0..1, 0 if unknown */
    double minx, miny, maxx, maxy; /* footprint, WGS84 lon/lat */
    int bad;              /* found unreadable (state/bad/NAME): left out */
} scene;

/* One scan of the night. */
typedef struct {
    long t1, t2;
    /* [nightly] confirm >= 2: the series' later looks in date order, the
     * last t2, and t1 the clear scene before the first (nlooks = 0: a pair) */
    long look[MW_LOOKS_MAX];
    int nlooks;
    char key[600];
} pair;

/* YYYY-MM-DD, YYYY:MM:DD or YYYYMMDD anywhere in s: 1 (out set), 0 if
 * there is none, -1 if the first is not a day of the calendar (20240230;
 * dates.c judges), its text in out. */
static int date_in(const char *s, char out[16])
{
    for (const char *p = s; *p; p++) {
        int y, m, d;
        if (sscanf(p, "%4d-%2d-%2d", &y, &m, &d) == 3 || sscanf(p, "%4d:%2d:%2d", &y, &m, &d) == 3 ||
            (strlen(p) >= 8 && isdigit((unsigned char)p[7]) &&
             sscanf(p, "%4d%2d%2d", &y, &m, &d) == 3)) {
            if (y >= 1970 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31) {
                char text[16];
                int days;
                snprintf(text, sizeof text, "%04d-%02d-%02d", y, m, d);
                snprintf(out, 16, "%s", text);
                return mw_date_parse(text, &days) == 0 ? 1 : -1;
            }
        }
    }
    return 0;
}

/* A date in text that is not a day of the calendar: the scene is left out,
 * with a warning naming the catalog.  -1 then, else 0. */
static int impossible(int found, const char *cat, const scene *sc, const char *where,
                      const char *date)
{
    if (found >= 0)
        return 0;
    mw_warn("%s: %s: the date %s in its %s is not a day of the calendar; left out of the "
            "catalog", cat, sc->path, date, where);
    return -1;
}

/* Open a scene: date (given, metadata, or file name), footprint. */
static int describe(scene *sc, const char *cat)
{
    GDALDatasetH ds = GDALOpenEx(sc->path, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) {
        mw_warn("%s: not a raster GDAL can read; left out of the catalog", sc->path);
        return -1;
    }
    const char *md = GDALGetMetadataItem(ds, "ACQUISITION_DATE", NULL);
    char seen[16];
    int got = 0;
    if (!sc->date[0] && md && (got = date_in(md, seen)) != 0) {
        if (impossible(got, cat, sc, "ACQUISITION_DATE metadata", seen)) {
            GDALClose(ds);
            return -1;
        }
        snprintf(sc->date, sizeof sc->date, "%s", seen);
    }
    if (!sc->date[0] && (got = date_in(sc->name, seen)) != 0) {
        if (impossible(got, cat, sc, "file name", seen)) {
            GDALClose(ds);
            return -1;
        }
        snprintf(sc->date, sizeof sc->date, "%s", seen);
    }
    if (!sc->date[0]) {
        md = GDALGetMetadataItem(ds, "TIFFTAG_DATETIME", NULL);
        if (!(md && date_in(md, sc->date) > 0)) {
            mw_warn("%s: no acquisition date (metadata ACQUISITION_DATE, or a date in the "
                    "file name); left out of the catalog", sc->path);
            GDALClose(ds);
            return -1;
        }
    }
    const char *cc = GDALGetMetadataItem(ds, "CLOUD_COVER", NULL);
    if (cc && sc->cloud == 0)
        sc->cloud = strtod(cc, NULL) > 1 ? strtod(cc, NULL) / 100 : strtod(cc, NULL);
    double gt[6];
    int rc = -1;
    OGRSpatialReferenceH srs = OSRNewSpatialReference(GDALGetProjectionRef(ds));
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
    OSRSetWellKnownGeogCS(wgs, "WGS84");
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct =
        GDALGetProjectionRef(ds)[0] ? OCTNewCoordinateTransformation(srs, wgs) : NULL;
    if (GDALGetGeoTransform(ds, gt) == CE_None && ct) {
        double w = GDALGetRasterXSize(ds), h = GDALGetRasterYSize(ds);
        double x[4] = {gt[0], gt[0] + w * gt[1], gt[0], gt[0] + w * gt[1]};
        double y[4] = {gt[3], gt[3], gt[3] + h * gt[5], gt[3] + h * gt[5]};
        if (OCTTransform(ct, 4, x, y, NULL)) {
            sc->minx = sc->maxx = x[0];
            sc->miny = sc->maxy = y[0];
            for (int i = 1; i < 4; i++) {
                sc->minx = x[i] < sc->minx ? x[i] : sc->minx;
                sc->maxx = x[i] > sc->maxx ? x[i] : sc->maxx;
                sc->miny = y[i] < sc->miny ? y[i] : sc->miny;
                sc->maxy = y[i] > sc->maxy ? y[i] : sc->maxy;
            }
            rc = 0;
        }
    }
    if (rc)
        mw_warn("%s: no georeferencing; left out of the catalog", sc->path);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(srs);
    OSRDestroySpatialReference(wgs);
    GDALClose(ds);
    return rc;
}

static void set_name(scene *sc)
{
    const char *b = strrchr(sc->path, '/');
    snprintf(sc->name, sizeof sc->name, "%.200s", b ? b + 1 : sc->path);
    char *dot = strrchr(sc->name, '.');
    if (dot)
        *dot = '\0';
}

static int add(scene **v, size_t *n, size_t *cap, const scene *sc)
{
    if (*n == *cap) {
        *cap = *cap ? 2 * *cap : 32;
        scene *g = realloc(*v, *cap * sizeof **v);
        if (!g) {
            mw_error(MW_EXIT_INTERNAL, "out of memory (catalog)");
            return -1;
        }
        *v = g;
    }
    (*v)[(*n)++] = *sc;
    return 0;
}

static int is_image(const char *name)
{
    const char *dot = strrchr(name, '.');
    return dot && (!strcasecmp(dot, ".tif") || !strcasecmp(dot, ".tiff") ||
                   !strcasecmp(dot, ".vrt") || !strcasecmp(dot, ".jp2") ||
                   !strcasecmp(dot, ".img"));
}

static int by_date(const void *a, const void *b)
{
    const scene *x = a, *y = b;
    int c = strcmp(x->date, y->date);
    return c ? c : strcmp(x->name, y->name);
}

/* The catalog: a folder of images, or a list file. */
static long read_catalog(const char *cat, scene **out)
{
    scene *v = NULL, sc;
    size_t n = 0, cap = 0;
    struct stat st;
    if (stat(cat, &st) != 0) {
        mw_error(MW_EXIT_RASTER, "%s: cannot read the catalog: %s", cat, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        struct dirent **list;
        int k = scandir(cat, &list, NULL, alphasort);
        if (k < 0) {
            mw_error(MW_EXIT_RASTER, "%s: cannot list the catalog: %s", cat, strerror(errno));
            return -1;
        }
        for (int i = 0; i < k; i++) {
            if (is_image(list[i]->d_name)) {
                memset(&sc, 0, sizeof sc);
                int len = snprintf(sc.path, sizeof sc.path, "%s/%s", cat, list[i]->d_name);
                set_name(&sc);
                if (len > 0 && (size_t)len < sizeof sc.path && describe(&sc, cat) == 0 &&
                    add(&v, &n, &cap, &sc)) {
                    n = (size_t)-1;
                }
            }
            free(list[i]);
        }
        free(list);
    } else {
        FILE *f = fopen(cat, "r");
        char line[MW_PATH_MAX + 1024], dir[MW_PATH_MAX];
        snprintf(dir, sizeof dir, "%s", cat);
        char *slash = strrchr(dir, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(dir, sizeof dir, ".");
        int lineno = 0;
        while (f && fgets(line, sizeof line, f)) {
            lineno++;
            line[strcspn(line, "\r\n")] = '\0';
            if (!line[0] || line[0] == '#')
                continue;
            /* a CSV line: "quoted, with commas" and empty fields kept */
            char **cell = CSLTokenizeString2(line, ",", CSLT_HONOURSTRINGS | CSLT_ALLOWEMPTYTOKENS |
                                                            CSLT_STRIPLEADSPACES |
                                                            CSLT_STRIPENDSPACES);
            if (CSLCount(cell) < 1 || !cell[0][0]) {
                mw_warn("%s:%d: no path in the first field; left out", cat, lineno);
                CSLDestroy(cell);
                continue;
            }
            memset(&sc, 0, sizeof sc);
            int len = cell[0][0] == '/'
                          ? snprintf(sc.path, sizeof sc.path, "%s", cell[0])
                          : snprintf(sc.path, sizeof sc.path, "%s/%s", dir, cell[0]);
            if (len < 0 || (size_t)len >= sizeof sc.path) {
                mw_warn("%s:%d: path too long; left out", cat, lineno);
                CSLDestroy(cell);
                continue;
            }
            set_name(&sc);
            int days;
            if (CSLCount(cell) > 1 && cell[1][0]) {
                if (mw_date_parse(cell[1], &days) == 0 && days != MW_NO_DATE) {
                    mw_date_format(days, sc.date, sizeof sc.date);
                } else {
                    mw_warn("%s:%d: '%s' is not a date (%s) or not a day of the calendar; "
                            "using the image's own", cat, lineno, cell[1], MW_DATE_FORMS);
                }
            }
            if (CSLCount(cell) > 2 && cell[2][0])
                sc.cloud = strtod(cell[2], NULL);
            CSLDestroy(cell);
            if (describe(&sc, cat) == 0 && add(&v, &n, &cap, &sc))
                n = (size_t)-1;
        }
        if (f)
            fclose(f);
        else {
            mw_error(MW_EXIT_RASTER, "%s: cannot read the catalog: %s", cat, strerror(errno));
            return -1;
        }
    }
    if (n == (size_t)-1) {
        free(v);
        return -1;
    }
    if (n > 1)
        qsort(v, n, sizeof *v, by_date);
    *out = v;
    return (long)n;
}

static double overlap(const scene *a, const scene *b)
{
    double w = (a->maxx < b->maxx ? a->maxx : b->maxx) - (a->minx > b->minx ? a->minx : b->minx);
    double h = (a->maxy < b->maxy ? a->maxy : b->maxy) - (a->miny > b->miny ? a->miny : b->miny);
    if (w <= 0 || h <= 0)
        return 0;
    double aa = (a->maxx - a->minx) * (a->maxy - a->miny);
    double ab = (b->maxx - b->minx) * (b->maxy - b->miny);
    double small = aa < ab ? aa : ab;
    return small > 0 ? w * h / small : 0;
}

/* `self scan INI -o OUT` as a child process; its exit code.  The child
 * dies with this process (PR_SET_PDEATHSIG): a night killed at its time
 * limit leaves no scan running on into its folder, where the next night's
 * scan of the pair would find it (the folder is locked while written). */
static int run_scan(const char *self, const char *ini, const char *out, int quiet,
                    const char *key, char *err, size_t errsz)
{
    fflush(NULL);
    err[0] = '\0';
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        mw_error(MW_EXIT_INTERNAL, "cannot run a scan: %s", strerror(errno));
        return MW_EXIT_INTERNAL;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
            _exit(MW_EXIT_INTERNAL); /* the parent is already gone */
        dup2(fds[1], STDERR_FILENO); /* its lines pass through us (below) */
        char *argv[] = {(char *)self, "scan", (char *)ini, "-o", (char *)out,
                        quiet ? "-q" : NULL, NULL};
        execv(self, argv);
        _exit(MW_EXIT_INTERNAL);
    }
    close(fds[1]);
    /* the scan's stderr, passed on as it comes; its error line kept */
    FILE *in = pid > 0 ? fdopen(fds[0], "r") : NULL;
    char line[MW_PATH_MAX + 1024];
    while (in && fgets(line, sizeof line, in)) {
        fputs(line, stderr);
        if (!strncmp(line, "minewatch: error: ", 18)) {
            line[strcspn(line, "\n")] = '\0';
            snprintf(err, errsz, "%s", line + 18);
        }
    }
    if (in)
        fclose(in);
    else
        close(fds[0]);
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) < 0) {
        mw_error(MW_EXIT_INTERNAL, "cannot run a scan: %s", strerror(errno));
        return MW_EXIT_INTERNAL;
    }
    if (WIFSIGNALED(status)) {
        mw_warn("pair %s: scan killed by signal %d", key, WTERMSIG(status));
        return MW_EXIT_INTERNAL;
    }
    return WEXITSTATUS(status);
}

/* One pair as a child `minewatch scan`; returns its exit code. */
static int scan_pair(const mw_config *cfg, const char *self, const scene *v, const pair *p,
                     int quiet, char *err, size_t errsz)
{
    const scene *t1 = &v[p->t1], *t2 = &v[p->t2];
    const char *key = p->key;
    char ini[MW_PATH_MAX + 1024], out[MW_PATH_MAX + 1024];
    snprintf(ini, sizeof ini, "%s/configs/%s.ini", cfg->state_dir, key);
    snprintf(out, sizeof out, "%s/%s", cfg->nightly_out, key);
    mw_config *c = malloc(sizeof *c);
    if (!c) {
        mw_error(MW_EXIT_INTERNAL, "out of memory");
        return MW_EXIT_INTERNAL;
    }
    *c = *cfg;
    snprintf(c->t1, sizeof c->t1, "%s", t1->path);
    snprintf(c->t2, sizeof c->t2, "%s", t2->path);
    snprintf(c->t1_date, sizeof c->t1_date, "%s", t1->date);
    snprintf(c->t2_date, sizeof c->t2_date, "%s", t2->date);
    c->nlooks = c->nlook_dates = c->nlook_qa = 0;
    if (p->nlooks) { /* a series: the looks, confirmed on all of them */
        c->nlooks = c->nlook_dates = p->nlooks;
        for (int k = 0; k < p->nlooks; k++) {
            snprintf(c->look[k], sizeof c->look[k], "%s", v[p->look[k]].path);
            snprintf(c->look_date[k], sizeof c->look_date[k], "%s", v[p->look[k]].date);
        }
        c->confirm = p->nlooks;
    }
    c->catalog[0] = '\0'; /* the child is a plain scan */
    c->area[0] = '\0';    /* each pair's area is its footprint: tiles of one
                           * date are different areas of the ledger */
    FILE *f = fopen(ini, "w");
    int bad = !f || mw_config_write(c, f) != 0;
    if (f && fclose(f) != 0)
        bad = 1;
    free(c);
    if (bad) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write: %s", ini, strerror(errno));
        return MW_EXIT_OUTPUT;
    }
    if (p->nlooks)
        mw_log("pair %s: %s (%s) -> %d looks %s (%s) .. %s (%s)", key, t1->name, t1->date,
               p->nlooks, v[p->look[0]].name, v[p->look[0]].date, t2->name, t2->date);
    else
        mw_log("pair %s: %s (%s) -> %s (%s)", key, t1->name, t1->date, t2->name, t2->date);
    /* The pair's folder held by another run (exit 8): the scan of a killed
     * night still ending, or an operator's scan; waited for up to a minute. */
    for (int tries = 0;; tries++) {
        int code = run_scan(self, ini, out, quiet, key, err, errsz);
        if (code != MW_EXIT_BUSY || tries == 60)
            return code;
        if (tries == 0)
            mw_log("pair %s: %s is being written by another run; waiting", key, out);
        sleep(1);
    }
}

/* state/done/KEY marks a pair done (written whole, then renamed). */
static int is_done(const mw_config *cfg, const char *key)
{
    char p[MW_PATH_MAX + 1024];
    snprintf(p, sizeof p, "%s/done/%s", cfg->state_dir, key);
    return access(p, F_OK) == 0;
}

static int mark_done(const mw_config *cfg, const char *key, const scene *a, const scene *b)
{
    char p[MW_PATH_MAX + 1024], tmp[MW_PATH_MAX + 1100];
    snprintf(p, sizeof p, "%s/done/%s", cfg->state_dir, key);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    FILE *f = fopen(tmp, "w");
    int bad = !f || fprintf(f, "%s\n%s\n", a->path, b->path) < 0;
    if (f && fclose(f) != 0)
        bad = 1;
    if (bad || rename(tmp, p) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot record the pair: %s", p, strerror(errno));
        return -1;
    }
    return 0;
}

/* state/bad/NAME marks a scene found unreadable: left out of every night
 * from then on (delete the file to try it again). */
static void bad_path(const mw_config *cfg, const scene *sc, char *p, size_t size)
{
    snprintf(p, size, "%s/bad/%s", cfg->state_dir, sc->name);
}

static void mark_bad(const mw_config *cfg, scene *sc, const char *why)
{
    char p[MW_PATH_MAX + 1024], tmp[MW_PATH_MAX + 1100];
    bad_path(cfg, sc, p, sizeof p);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    FILE *f = fopen(tmp, "w");
    int bad = !f || fprintf(f, "%s\n%s\n", sc->path, why) < 0;
    if (f && fclose(f) != 0)
        bad = 1;
    if (bad || rename(tmp, p) != 0)
        mw_warn("%s: cannot record the bad scene: %s", p, strerror(errno));
    sc->bad = 1;
}

/* The most recent earlier clear good scene of the same area as v[j], -1 if
 * none. */
static long pick_t1(const mw_config *cfg, const scene *v, long j)
{
    for (long i = j - 1; i >= 0; i--)
        if (!v[i].bad && strcmp(v[i].date, v[j].date) < 0 && v[i].cloud <= cfg->max_cloud &&
            overlap(&v[i], &v[j]) >= cfg->min_overlap)
            return i;
    return -1;
}

static void pair_key(const scene *v, long t1, long t2, char *key, size_t size)
{
    snprintf(key, size, "%s_%s__%s_%s", v[t1].date, v[t1].name, v[t2].date, v[t2].name);
}

/* Whether the error line of a failed scan names the scene's file (the
 * scan names the file it could not read). */
static int names_scene(const char *err, const scene *sc)
{
    return err[0] && strstr(err, sc->path) != NULL;
}

/* flock(2) on state/lock: released by the kernel if we die, so a lock file
 * left by a killed run never blocks the next one. */
static int take_lock(const mw_config *cfg, int *fd_out)
{
    char p[MW_PATH_MAX + 1024];
    snprintf(p, sizeof p, "%s/lock", cfg->state_dir);
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot open the lock: %s", p, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        char holder[32] = "";
        ssize_t k = pread(fd, holder, sizeof holder - 1, 0);
        holder[k > 0 ? k : 0] = '\0';
        holder[strcspn(holder, "\n")] = '\0';
        mw_error(MW_EXIT_BUSY, "%s: another minewatch nightly (pid %s) is running; try later",
                 p, holder[0] ? holder : "?");
        close(fd);
        return -1;
    }
    char pid[32];
    int len = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)len, 0) != len)
        mw_warn("%s: cannot record our pid", p);
    *fd_out = fd;
    return 0;
}

/* What scene j is scanned against: the most recent earlier clear good
 * scene of the same area as t1 (a pair); with [nightly] confirm = N >= 2,
 * j and its N - 1 earlier clear good scenes as the looks and t1 the one
 * before them (a series).  0, or -1 when the catalog does not hold that
 * many yet. */
static int pick_series(const mw_config *cfg, const scene *v, long j, pair *p)
{
    const int n = cfg->nightly_confirm > 1 ? cfg->nightly_confirm : 1;
    long cur = j;
    p->look[n - 1] = j;
    for (int m = n - 2; m >= 0; m--) {
        if ((cur = pick_t1(cfg, v, cur)) < 0)
            return -1;
        p->look[m] = cur;
    }
    if ((p->t1 = pick_t1(cfg, v, cur)) < 0)
        return -1;
    p->t2 = j;
    p->nlooks = n > 1 ? n : 0;
    return 0;
}

/* A pair's key (pair_key), and for a series how many looks confirm. */
static void series_key(const scene *v, const pair *p, char *key, size_t size)
{
    pair_key(v, p->t1, p->t2, key, size);
    if (p->nlooks) {
        size_t len = strlen(key);
        snprintf(key + len, size - len, "__confirm%d", p->nlooks);
    }
}

/* A scene of p found bad tonight (the t1 or a look of a pair before): the
 * last good scenes instead.  0: p is to be scanned; -1: too few good scenes
 * now; 1: the new pair was done already. */
static int repick(const mw_config *cfg, const scene *v, pair *p)
{
    int bad = v[p->t1].bad;
    for (int m = 0; m < p->nlooks; m++)
        bad |= v[p->look[m]].bad;
    if (!bad)
        return 0;
    if (pick_series(cfg, v, p->t2, p))
        return -1;
    series_key(v, p, p->key, sizeof p->key);
    return is_done(cfg, p->key) ? 1 : 0;
}

/* Rank 0: folders, the lock, the catalog and the pairs not done yet. */
static int plan(const mw_config *cfg, int *lock, scene **sc, long *n, pair **pairs,
                long *npairs, long *skipped, long *unpaired)
{
    char sub[MW_PATH_MAX + 1024];
    snprintf(sub, sizeof sub, "%s/done", cfg->state_dir);
    int ok = mw_mkdirs(sub) == 0;
    snprintf(sub, sizeof sub, "%s/configs", cfg->state_dir);
    ok = ok && mw_mkdirs(sub) == 0 && mw_mkdirs(cfg->nightly_out) == 0;
    snprintf(sub, sizeof sub, "%s/bad", cfg->state_dir);
    ok = ok && mw_mkdirs(sub) == 0;
    if (!ok) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create state or output folders: %s",
                 cfg->state_dir, strerror(errno));
        return -1;
    }
    if (take_lock(cfg, lock))
        return -1;
    if ((*n = read_catalog(cfg->catalog, sc)) < 0)
        return -1;
    *pairs = mw_calloc(*n > 0 ? (size_t)*n : 1, sizeof **pairs);
    if (!*pairs)
        return -1;
    scene *v = *sc;
    for (long j = 0; j < *n; j++) { /* scenes found bad on an earlier night */
        bad_path(cfg, &v[j], sub, sizeof sub);
        v[j].bad = access(sub, F_OK) == 0;
    }
    for (long j = 0; j < *n; j++) {
        if (v[j].bad)
            continue;
        pair *p = &(*pairs)[*npairs];
        memset(p, 0, sizeof *p);
        if (pick_series(cfg, v, j, p)) {
            (*unpaired)++;
            continue;
        }
        series_key(v, p, p->key, sizeof p->key);
        if (is_done(cfg, p->key)) {
            (*skipped)++;
            continue;
        }
        (*npairs)++;
    }
    return 0;
}

/* The rank that scans each pair.  Pairs that share a scene are one area's
 * dates (union-find over the scenes, kernels/morph.c): they stay on one
 * rank, in date order, so that each finds the previous one in the ledger
 * (KNOWN, GROWN) as in a single process; the areas are dealt out to the
 * ranks in catalog order. */
static int *assign(const pair *p, long np, long nscenes, int ranks)
{
    uint32_t *parent = mw_calloc((size_t)nscenes + 1, sizeof *parent);
    long *ordinal = mw_calloc((size_t)nscenes + 1, sizeof *ordinal);
    int *owner = mw_calloc((size_t)np + 1, sizeof *owner);
    if (!parent || !ordinal || !owner) {
        free(parent);
        free(ordinal);
        free(owner);
        return NULL;
    }
    for (long i = 0; i < nscenes; i++) {
        parent[i] = (uint32_t)i;
        ordinal[i] = -1;
    }
    for (long k = 0; k < np; k++)
        mw_uf_union(parent, (uint32_t)p[k].t1, (uint32_t)p[k].t2);
    long areas = 0;
    for (long k = 0; k < np; k++) {
        uint32_t g = mw_uf_find(parent, (uint32_t)p[k].t1);
        if (ordinal[g] < 0)
            ordinal[g] = areas++;
        owner[k] = (int)(ordinal[g] % ranks);
    }
    free(parent);
    free(ordinal);
    return owner;
}

/* How many of the n scenes are bad (tonight or before: state/bad), their
 * names listed in names (", " between, as many as fit). */
static long bad_names(const mw_config *cfg, const scene *sc, long n, char *names, size_t size)
{
    long nbad = 0;
    for (long j = 0; j < n; j++) {
        char p[MW_PATH_MAX + 1024];
        bad_path(cfg, &sc[j], p, sizeof p);
        if (sc[j].bad || access(p, F_OK) == 0) {
            size_t len = strlen(names);
            if (len + strlen(sc[j].name) + 8 < size)
                snprintf(names + len, size - len, "%s%s", nbad ? ", " : "", sc[j].name);
            nbad++;
        }
    }
    return nbad;
}

int mw_nightly_run(const mw_config *cfg, const char *self, int quiet)
{
    if (!cfg->catalog[0]) {
        mw_error(MW_EXIT_CONFIG, "%s: nightly needs [nightly] catalog", cfg->file);
        return -1;
    }
    const int rank = mw_dist_rank(), ranks = mw_dist_size();
    int lock = -1;
    scene *sc = NULL;
    pair *pairs = NULL;
    int *owner = NULL;
    long n = 0, np = 0, skipped = 0, unpaired = 0;
    int rc = MW_OK;
    /* rank 0 plans; under MPI the plan goes to every rank */
    long head[3] = {0, 0, 0};
    if (rank == 0) {
        if (plan(cfg, &lock, &sc, &n, &pairs, &np, &skipped, &unpaired))
            head[0] = mw_error_code();
        head[1] = n;
        head[2] = np;
    }
    if (mw_dist_bcast(head, sizeof head))
        rc = -1;
    else if (head[0]) /* rank 0 reports it */
        rc = rank == 0 ? -1 : MW_OK;
    else if (rank != 0) {
        n = head[1];
        np = head[2];
        sc = mw_calloc((size_t)n + 1, sizeof *sc);
        pairs = mw_calloc((size_t)np + 1, sizeof *pairs);
        if (!sc || !pairs)
            rc = -1;
    }
    if (rc == MW_OK && !head[0] &&
        (mw_dist_bcast(sc, (size_t)n * sizeof *sc) ||
         mw_dist_bcast(pairs, (size_t)np * sizeof *pairs) ||
         !(owner = assign(pairs, np, n, ranks))))
        rc = -1;
    if (rc != MW_OK || head[0]) {
        free(sc);
        free(pairs);
        if (lock >= 0)
            close(lock);
        return rc;
    }
    /* the scans are single processes, even when this is an MPI rank */
    setenv("MW_NO_MPI", "1", 1);
    long count[4] = {0, 0, 0, 0}; /* done, failed, found bad tonight, done already */
    for (long k = 0; k < np; k++) {
        if (owner[k] != rank)
            continue;
        pair *p = &pairs[k];
        if (sc[p->t2].bad) /* found bad tonight, as the t1 of a pair before */
            continue;
        int again = repick(cfg, sc, p);
        if (again) { /* no good scenes enough, or the new pair done already */
            if (again < 0)
                unpaired++;
            else
                count[3]++;
            continue;
        }
        if (ranks > 1)
            mw_log("pair %s on rank %d", p->key, rank);
        char err[MW_PATH_MAX + 1024];
        int code = scan_pair(cfg, self, sc, p, quiet, err, sizeof err);
        scene *bad = code != MW_EXIT_RASTER            ? NULL
                     : names_scene(err, &sc[p->t2]) ? &sc[p->t2]
                     : names_scene(err, &sc[p->t1]) ? &sc[p->t1]
                                                    : NULL;
        for (int m = 0; !bad && code == MW_EXIT_RASTER && m < p->nlooks; m++)
            if (names_scene(err, &sc[p->look[m]]))
                bad = &sc[p->look[m]];
        if (bad) {
            mark_bad(cfg, bad, err);
            count[2]++;
            mw_warn("scene %s (%s) is bad: %s; left out from now on (%s/bad/%s; delete it to "
                    "try the scene again), the next scene is paired with the last good one",
                    bad->name, bad->date, err, cfg->state_dir, bad->name);
        }
        if (code == MW_OK && mark_done(cfg, p->key, &sc[p->t1], &sc[p->t2]) == 0) {
            count[0]++;
        } else if (bad) {
            count[1]++;
            if (rc == MW_OK)
                rc = code;
        } else {
            count[1]++;
            mw_warn("pair %s failed (exit %d); it will be tried again next night", p->key,
                    code);
            if (rc == MW_OK)
                rc = code ? code : MW_EXIT_OUTPUT;
        }
    }
    free(owner);
    free(pairs);
    long unp = unpaired;
    if (mw_dist_sum(count, 4) || mw_dist_sum(&unp, 1) || mw_dist_max(&rc))
        rc = MW_EXIT_INTERNAL;
    if (rank != 0) {
        free(sc);
        return MW_OK; /* rank 0 reports the night */
    }
    /* the bad scenes: rank 0 knows those of earlier nights, and of tonight
     * its own; the others' are in state/bad */
    char names[1024] = "";
    long nbad = bad_names(cfg, sc, n, names, sizeof names);
    free(sc);
    mw_log("nightly: %ld scenes, %ld pairs scanned, %ld already done, %ld failed, %ld without "
           "an earlier scene, %ld bad scene%s left out%s%s%s (%ld found tonight)%s", n, count[0],
           skipped + count[3], count[1], unp, nbad, nbad == 1 ? "" : "s", nbad ? " (" : "", names,
           nbad ? ")" : "", count[2], ranks > 1 ? " (over MPI ranks)" : "");
    close(lock); /* releases the flock */
    if (rc > 0 && count[1])
        mw_error((mw_exit)rc, "%ld of %ld pairs failed%s; see the lines above", count[1],
                 count[0] + count[1], count[2] ? " (a bad scene, left out from now on)" : "");
    return rc;
}
