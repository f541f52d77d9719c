/* config.c - a key registry on top of inih. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mw.h"

typedef enum { K_INT, K_DOUBLE, K_FLOAT, K_STRING, K_PATH, K_DATE, K_NODATA } kind;

typedef struct {
    const char *section, *key;
    kind type;
    double min, max;   /* inclusive range for numbers */
    size_t offset;     /* field in mw_config */
    size_t size;       /* buffer size for strings */
    int required;
    const char *dflt;  /* default as text, NULL if required or none */
} key_def;

#define F(field) offsetof(mw_config, field), sizeof(((mw_config *)0)->field)
#define BIG 1e300
/* path, layer and encoding of one vector layer section */
#define LAYER_KEYS(sec, m)                                                     \
    {sec, "path", K_PATH, 0, 0, F(m.path), 0, NULL},                           \
    {sec, "layer", K_STRING, 0, 0, F(m.layer), 0, ""},                         \
    {sec, "encoding", K_STRING, 0, 0, F(m.encoding), 0, "GBK"}

static const key_def KEYS[] = {
    {"scene", "t1", K_PATH, 0, 0, F(t1), 1, NULL},
    {"scene", "t2", K_PATH, 0, 0, F(t2), 1, NULL},
    {"scene", "t1_date", K_DATE, 0, 0, F(t1_date), 1, NULL},
    {"scene", "t2_date", K_DATE, 0, 0, F(t2_date), 1, NULL},
    {"scene", "sensor", K_PATH, 0, 0, F(sensor), 0, NULL},
    {"scene", "area", K_STRING, 0, 0, F(area), 0, ""},
    {"bands", "blue", K_INT, 0, 64, F(blue), 0, "0"},
    {"bands", "green", K_INT, 0, 64, F(green), 0, "0"},
    {"bands", "red", K_INT, 1, 64, F(red), 1, NULL},
    {"bands", "nir", K_INT, 1, 64, F(nir), 1, NULL},
    {"bands", "swir1", K_INT, 0, 64, F(swir1), 0, "0"},
    {"bands", "swir2", K_INT, 0, 64, F(swir2), 0, "0"},
    {"bands", "files", K_STRING, 0, 0, F(band_files), 0, ""},
    {"bands", "saturation", K_DOUBLE, 0, BIG, F(saturation), 0, "0"},
    {"bands", "scale", K_DOUBLE, 1e-12, BIG, F(scale), 0, "1"},
    {"bands", "offset", K_DOUBLE, -BIG, BIG, F(offset), 0, "0"},
    {"bands", "nodata", K_NODATA, -BIG, BIG, F(nodata), 0, NULL},
    {"bands", "qa", K_INT, 0, 64, F(qa), 0, "0"},
    {"bands", "qa_t1", K_PATH, 0, 0, F(qa_t1), 0, NULL},
    {"bands", "qa_t2", K_PATH, 0, 0, F(qa_t2), 0, NULL},
    {"bands", "qa_type", K_STRING, 0, 0, F(qa_type), 0, ""},
    {"bands", "cloud_test", K_STRING, 0, 0, F(cloud_test), 0, "off"},
    {"detect", "ndvi_loss", K_FLOAT, 0, 2, F(thr.ndvi_loss), 0, "0.2"},
    {"detect", "bsi_gain", K_FLOAT, 0, 2, F(thr.bsi_gain), 0, "0.1"},
    {"detect", "bare_min", K_FLOAT, -1, 1, F(thr.bare_min), 0, "0.05"},
    {"detect", "ndvi_gain", K_FLOAT, 0, 2, F(thr.ndvi_gain), 0, "0.2"},
    {"detect", "bsi_loss", K_FLOAT, 0, 2, F(thr.bsi_loss), 0, "0.15"},
    {"detect", "open_radius", K_INT, 0, 8, F(open_radius), 0, "1"},
    {"detect", "confirm", K_INT, 1, MW_LOOKS_MAX, F(confirm), 0, "2"},
    {"detect", "min_area_m2", K_DOUBLE, 0, BIG, F(min_area_m2), 0, "2000"},
    {"detect", "engine", K_STRING, 0, 0, F(engine), 0, "threshold"},
    {"detect", "threshold", K_STRING, 0, 0, F(threshold), 0, "auto"},
    {"detect", "smooth_radius", K_INT, 0, 8, F(smooth_radius), 0, "1"},
    {"detect", "objects", K_STRING, 0, 0, F(objects), 0, "test"},
    {"survey", "max_pixels", K_INT, 65536, 1 << 26, F(survey_max_pixels), 0, "2097152"},
    {"survey", "iterations", K_INT, 1, 200, F(survey_iterations), 0, "50"},
    {"survey", "coregister", K_STRING, 0, 0, F(coregister), 0, "off"},
    {"tiles", "size", K_INT, 64, 8192, F(tile_size), 0, "512"},
    {"tiles", "threads", K_INT, 0, 1024, F(threads), 0, "0"},
    {"tiles", "max_pixels", K_DOUBLE, 1, 1e15, F(max_pixels), 0, "1000000000"},
    {"licences", "path", K_PATH, 0, 0, F(lic_path), 0, NULL},
    {"licences", "layer", K_STRING, 0, 0, F(lic_layer), 0, ""},
    {"licences", "id_field", K_STRING, 0, 0, F(lic_id_field), 0, "licence_id"},
    {"licences", "holder_field", K_STRING, 0, 0, F(lic_holder_field), 0, "holder"},
    {"licences", "mineral_field", K_STRING, 0, 0, F(lic_mineral_field), 0, "mineral"},
    {"licences", "valid_from_field", K_STRING, 0, 0, F(lic_from_field), 0, "valid_from"},
    {"licences", "valid_to_field", K_STRING, 0, 0, F(lic_to_field), 0, "valid_to"},
    {"licences", "status_field", K_STRING, 0, 0, F(lic_status_field), 0, "status"},
    {"licences", "reserves_field", K_STRING, 0, 0, F(lic_reserves_field), 0, ""},
    {"licences", "encoding", K_STRING, 0, 0, F(lic_encoding), 0, "GBK"},
    {"licences", "near_m", K_DOUBLE, 0, 100000, F(near_m), 0, "300"},
    LAYER_KEYS("exploration", expl),
    {"exploration", "id_field", K_STRING, 0, 0, F(expl_id_field), 0, "right_id"},
    {"exploration", "holder_field", K_STRING, 0, 0, F(expl_holder_field), 0, "holder"},
    LAYER_KEYS("redline", redline),
    {"redline", "name_field", K_STRING, 0, 0, F(redline_name_field), 0, "name"},
    LAYER_KEYS("farmland", farmland),
    LAYER_KEYS("urban", urban),
    LAYER_KEYS("restoration", resto),
    {"restoration", "id_field", K_STRING, 0, 0, F(resto_id_field), 0, "plot_id"},
    {"restoration", "county_field", K_STRING, 0, 0, F(resto_county_field), 0, "county"},
    {"restoration", "party_field", K_STRING, 0, 0, F(resto_party_field), 0, "party"},
    {"restoration", "baseline_field", K_STRING, 0, 0, F(resto_baseline_field), 0, "baseline"},
    {"restoration", "deadline_field", K_STRING, 0, 0, F(resto_deadline_field), 0, "deadline"},
    {"restoration", "target_field", K_STRING, 0, 0, F(resto_target_field), 0, "target"},
    {"restoration", "veg_ndvi", K_FLOAT, -1, 1, F(resto_veg_ndvi), 0, "0.4"},
    {"restoration", "plan", K_PATH, 0, 0, F(resto_plan), 0, NULL},
    LAYER_KEYS("counties", counties),
    {"counties", "name_field", K_STRING, 0, 0, F(county_name_field), 0, "name"},
    {"counties", "code_field", K_STRING, 0, 0, F(county_code_field), 0, ""},
    {"ledger", "path", K_PATH, 0, 0, F(ledger), 0, NULL},
    {"nightly", "catalog", K_PATH, 0, 0, F(catalog), 0, NULL},
    {"nightly", "state", K_PATH, 0, 0, F(state_dir), 0, "state"},
    {"nightly", "out", K_PATH, 0, 0, F(nightly_out), 0, "out/nightly"},
    {"nightly", "min_overlap", K_DOUBLE, 0, 1, F(min_overlap), 0, "0.5"},
    {"nightly", "max_cloud", K_DOUBLE, 0, 1, F(max_cloud), 0, "0.3"},
    {"nightly", "confirm", K_INT, 1, MW_LOOKS_MAX, F(nightly_confirm), 0, "1"},
    {"report", "language", K_STRING, 0, 0, F(language), 0, "en"},
    {"report", "csv_bom", K_INT, 0, 1, F(csv_bom), 0, "1"},
    {"report", "evidence", K_STRING, 0, 0, F(evidence), 0, "on"},
    {"report", "evidence_max", K_INT, 0, 1000000, F(evidence_max), 0, "500"},
    {"report", "font", K_STRING, 0, 0, F(font), 0, "Noto Sans CJK SC"},
    {"output", "dir", K_PATH, 0, 0, F(out_dir), 0, "out"},
};
#define NKEYS (sizeof KEYS / sizeof KEYS[0])

typedef struct {
    mw_config *cfg;
    char dir[MW_PATH_MAX];   /* folder of the config file */
    unsigned char seen[NKEYS];
    char err[512];
    int profile;             /* reading the sensor profile */
} parse_state;

static int handler(void *user, const char *section, const char *name, const char *value);

/* The longest line read, without its end: a key and a path of MW_PATH_MAX
 * bytes fit (a 70-character Chinese path is 210 bytes of UTF-8). */
#define LINE_MAX_BYTES (MW_PATH_MAX + 4096)

/* inih reads through this: fgets that counts lines and stops at a line
 * longer than inih's buffer (instead of handing inih its pieces). */
typedef struct {
    FILE *f;
    int line;       /* lines read */
    int too_long;   /* the line that did not fit, 0 if none */
} line_reader;

static char *read_line(char *str, int num, void *stream)
{
    line_reader *r = stream;
    if (!fgets(str, num, r->f))
        return NULL;
    r->line++;
    size_t n = strlen(str);
    if (n == (size_t)num - 1 && str[n - 1] != '\n') {
        int c = getc(r->f);
        if (c != EOF) { /* more of this line: it does not fit */
            r->too_long = r->line;
            return NULL;
        }
    }
    return str;
}

/* inih over f: lines up to LINE_MAX_BYTES; an indented line is a line like
 * any other (not the continuation of the previous value, which would read
 * an indented key as the previous key given twice); ';' starts a comment at
 * the start of a line or after a space.  inih's result, or the number of an
 * over-long line with st->err set. */
static int parse_ini(FILE *f, parse_state *st)
{
    ini_max_line = LINE_MAX_BYTES + 3; /* "\r\n" and the NUL */
    ini_allow_multiline = false;
    line_reader r = {.f = f};
    int line = ini_parse_stream(read_line, &r, handler, st);
    if (r.too_long) {
        if (!st->err[0])
            snprintf(st->err, sizeof st->err, "line is longer than %d bytes", LINE_MAX_BYTES);
        return line ? line : r.too_long;
    }
    if (ferror(f) && !st->err[0]) {
        snprintf(st->err, sizeof st->err, "cannot read: %s", strerror(errno));
        return line ? line : r.line + 1;
    }
    return line;
}

/* f opened from path: not a folder.  0, or -1 with mw_error. */
static int regular_input(FILE *f, const char *path, const char *what)
{
    struct stat sb;
    if (fstat(fileno(f), &sb) == 0 && S_ISDIR(sb.st_mode)) {
        mw_error(MW_EXIT_CONFIG, "%s: is a directory, not a%s", path, what);
        return -1;
    }
    return 0;
}

static const key_def *find_key(const char *section, const char *key)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (!strcmp(KEYS[i].section, section) && !strcmp(KEYS[i].key, key))
            return &KEYS[i];
    return NULL;
}

static int parse_number(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    while (isspace((unsigned char)*end))
        end++;
    if (end == text || *end || errno || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int valid_date(const char *s)
{
    int y, m, d;
    char tail;
    if (strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
        return 0;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
        return 0;
    if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 0;
    return y >= 1970 && y <= 2200;
}

static int store(parse_state *st, const key_def *k, const char *text);

/* [scene] t2, t2_date and [bands] qa_t2 of a series: "a;b;c", each item
 * stored as the key's one value would be (a path resolved, a date checked)
 * into the series' list; the key's own field keeps the last. */
static int store_list(parse_state *st, const key_def *k, const char *text, int *count,
                      char *list, size_t stride)
{
    mw_config *cfg = st->cfg;
    char *field = (char *)cfg + k->offset;
    *count = 0;
    for (const char *p = text;;) {
        const char *end = strchr(p, ';');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && isspace((unsigned char)*p))
            p++, len--;
        while (len && isspace((unsigned char)p[len - 1]))
            len--;
        if (*count == MW_LOOKS_MAX) {
            snprintf(st->err, sizeof st->err, "[%s] %s lists more than %d looks", k->section,
                     k->key, MW_LOOKS_MAX);
            return -1;
        }
        char item[MW_PATH_MAX];
        if (!len || len >= sizeof item) {
            snprintf(st->err, sizeof st->err, "[%s] %s: look %d of the list is %s", k->section,
                     k->key, *count + 1, len ? "too long" : "empty");
            return -1;
        }
        memcpy(item, p, len);
        item[len] = '\0';
        if (store(st, k, item))
            return -1;
        snprintf(list + (size_t)(*count)++ * stride, stride, "%s", field);
        if (!end)
            return 0;
        p = end + 1;
    }
}

/* Store text (as read from the file, or a default) into the field of k. */
static int store(parse_state *st, const key_def *k, const char *text)
{
    if (strchr(text, ';') && !st->profile) {
        mw_config *c = st->cfg;
        if (k->offset == offsetof(mw_config, t2))
            return store_list(st, k, text, &c->nlooks, c->look[0], sizeof c->look[0]);
        if (k->offset == offsetof(mw_config, t2_date))
            return store_list(st, k, text, &c->nlook_dates, c->look_date[0],
                              sizeof c->look_date[0]);
        if (k->offset == offsetof(mw_config, qa_t2))
            return store_list(st, k, text, &c->nlook_qa, c->look_qa[0], sizeof c->look_qa[0]);
    }
    char *base = (char *)st->cfg;
    void *dst = base + k->offset;
    double v = 0;
    switch (k->type) {
    case K_STRING:
    case K_PATH:
        if (k->type == K_PATH && text[0] != '/' && text[0] && strncmp(text, "PG:", 3)) {
            if ((size_t)snprintf(dst, k->size, "%s/%s", st->dir, text) >= k->size)
                goto too_long;
        } else if ((size_t)snprintf(dst, k->size, "%s", text) >= k->size) {
            goto too_long;
        }
        if (k->type == K_PATH && !text[0]) {
            snprintf(st->err, sizeof st->err, "[%s] %s is empty", k->section, k->key);
            return -1;
        }
        return 0;
    case K_DATE:
        if (!valid_date(text)) {
            snprintf(st->err, sizeof st->err,
                     "[%s] %s = '%s' is not a date YYYY-MM-DD", k->section, k->key, text);
            return -1;
        }
        snprintf(dst, k->size, "%s", text);
        return 0;
    case K_NODATA:
        if (!strcmp(text, "none")) {
            st->cfg->has_nodata = 0;
            return 0;
        }
        /* fall through */
    case K_INT:
    case K_DOUBLE:
    case K_FLOAT:
        if (parse_number(text, &v) ||
            (k->type == K_INT && v != floor(v))) {
            snprintf(st->err, sizeof st->err, "[%s] %s = '%s' is not %s", k->section,
                     k->key, text, k->type == K_INT ? "an integer" : "a number");
            return -1;
        }
        if (v < k->min || v > k->max) {
            snprintf(st->err, sizeof st->err, "[%s] %s = %s is out of range [%g, %g]",
                     k->section, k->key, text, k->min, k->max);
            return -1;
        }
        if (k->type == K_INT)
            *(int *)dst = (int)v;
        else if (k->type == K_FLOAT)
            *(float *)dst = (float)v;
        else
            *(double *)dst = v;
        if (k->type == K_NODATA)
            st->cfg->has_nodata = 1;
        return 0;
    }
    return 0;
too_long:
    snprintf(st->err, sizeof st->err, "[%s] %s is too long", k->section, k->key);
    return -1;
}

static int handler(void *user, const char *section, const char *name,
                   const char *value)
{
    parse_state *st = user;
    if (st->err[0])
        return 0;
    const key_def *k = find_key(section, name);
    if (!k) {
        snprintf(st->err, sizeof st->err, "unknown key '%s' in section [%s]", name, section);
        return 0;
    }
    size_t i = (size_t)(k - KEYS);
    if (st->profile) { /* a sensor profile: defaults the scan file overrides */
        if (strcmp(section, "bands") && strcmp(section, "detect") &&
            strcmp(section, "survey")) {
            snprintf(st->err, sizeof st->err,
                     "[%s] %s: a sensor profile holds only [bands], [detect], [survey]",
                     section, name);
            return 0;
        }
        if (st->seen[i])
            return 1;
        st->seen[i] = 1;
        return store(st, k, value) == 0;
    }
    if (st->seen[i]) {
        snprintf(st->err, sizeof st->err, "[%s] %s is given twice", section, name);
        return 0;
    }
    st->seen[i] = 1;
    return store(st, k, value) == 0;
}

/* Read the sensor profile named by [scene] sensor: its keys fill what the
 * scan file left unset; its paths are relative to its own folder. */
static int read_profile(parse_state *st, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        mw_error(MW_EXIT_CONFIG, "%s: cannot open sensor profile: %s", path, strerror(errno));
        return -1;
    }
    char dir[MW_PATH_MAX];
    memcpy(dir, st->dir, sizeof dir);
    snprintf(st->dir, sizeof st->dir, "%s", path);
    char *slash = strrchr(st->dir, '/');
    if (slash)
        *slash = '\0';
    st->profile = 1;
    int line = regular_input(f, path, " sensor profile") ? -2 : parse_ini(f, st);
    fclose(f);
    if (line == -2) {
        st->profile = 0;
        memcpy(st->dir, dir, sizeof dir);
        return -1;
    }
    st->profile = 0;
    memcpy(st->dir, dir, sizeof dir);
    if (line != 0 || st->err[0]) {
        mw_error(MW_EXIT_CONFIG, "%s:%d: %s", path, line,
                 st->err[0] ? st->err : "syntax error");
        return -1;
    }
    return 0;
}

int mw_config_load(const char *path, mw_config *cfg)
{
    return mw_config_load_mode(path, cfg, 1);
}

int mw_config_load_mode(const char *path, mw_config *cfg, int need_scene)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        memset(cfg, 0, sizeof *cfg);
        mw_error(MW_EXIT_CONFIG, "%s: cannot open configuration: %s", path, strerror(errno));
        return -1;
    }
    if (regular_input(f, path, " configuration file")) {
        memset(cfg, 0, sizeof *cfg);
        fclose(f);
        return -1;
    }
    int rc = mw_config_parse(f, path, cfg, need_scene);
    fclose(f);
    return rc;
}

/* value is one of the NULL-terminated choices; else the error line
 * "PATH: [SECTION] KEY = 'VALUE' is not A, B or C".  0, or -1. */
static int one_of(const char *path, const char *section, const char *key, const char *value,
                  const char *const *choices)
{
    size_t n = 0;
    for (; choices[n]; n++)
        if (!strcmp(value, choices[n]))
            return 0;
    char list[128] = "";
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(list);
        snprintf(list + len, sizeof list - len, "%s%s", i == 0 ? "" : i + 1 == n ? " or " : ", ",
                 choices[i]);
    }
    mw_error(MW_EXIT_CONFIG, "%s: [%s] %s = '%s' is not %s", path, section, key, value, list);
    return -1;
}
#define ONE_OF(section, key, value, ...) \
    one_of(path, section, key, value, (const char *const[]){__VA_ARGS__, NULL})

/* The values a key's type and range cannot check: the dates' order, the
 * words of the choice keys, the keys that go together or exclude each
 * other.  0, or -1 with mw_error naming the file. */
/* A series' lists: as many dates (and QA rasters) as looks, the dates
 * strictly increasing; a list of one look is a pair.  0, or -1. */
static int check_series(mw_config *cfg, const char *path)
{
    if (cfg->nlooks == 1)
        cfg->nlooks = 0;
    if (!cfg->nlooks && cfg->nlook_dates <= 1 && cfg->nlook_qa <= 1)
        return 0;
    if (cfg->nlook_dates != cfg->nlooks) {
        mw_error(MW_EXIT_CONFIG, "%s: [scene] t2 lists %d look(s) but t2_date %d date(s)", path,
                 cfg->nlooks ? cfg->nlooks : 1, cfg->nlook_dates ? cfg->nlook_dates : 1);
        return -1;
    }
    if (cfg->qa_t2[0] && cfg->nlook_qa != cfg->nlooks) {
        mw_error(MW_EXIT_CONFIG, "%s: [bands] qa_t2 lists %d raster(s) for %d looks of t2",
                 path, cfg->nlook_qa ? cfg->nlook_qa : 1, cfg->nlooks);
        return -1;
    }
    for (int k = 1; k < cfg->nlooks; k++)
        if (strcmp(cfg->look_date[k], cfg->look_date[k - 1]) <= 0) {
            mw_error(MW_EXIT_CONFIG, "%s: [scene] t2_date %s is not after %s: the looks go in "
                                     "date order", path, cfg->look_date[k], cfg->look_date[k - 1]);
            return -1;
        }
    if (cfg->confirm > cfg->nlooks) {
        mw_error(MW_EXIT_CONFIG, "%s: [detect] confirm = %d needs at least %d later looks "
                                 "(t2 lists %d)", path, cfg->confirm, cfg->confirm, cfg->nlooks);
        return -1;
    }
    return 0;
}

static int check_values(mw_config *cfg, const char *path, int need_scene)
{
    if (check_series(cfg, path))
        return -1;
    if (need_scene && cfg->nlooks && strcmp(cfg->look_date[0], cfg->t1_date) <= 0) {
        mw_error(MW_EXIT_CONFIG, "%s: [scene] t2_date %s is not after t1_date %s",
                 path, cfg->look_date[0], cfg->t1_date);
        return -1;
    }
    if (need_scene && strcmp(cfg->t2_date, cfg->t1_date) <= 0) {
        mw_error(MW_EXIT_CONFIG, "%s: [scene] t2_date %s is not after t1_date %s",
                 path, cfg->t2_date, cfg->t1_date);
        return -1;
    }
    if (ONE_OF("report", "language", cfg->language, "en", "zh") ||
        ONE_OF("report", "evidence", cfg->evidence, "on", "off"))
        return -1;
    if (cfg->tile_size % 16) {
        mw_error(MW_EXIT_CONFIG, "%s: [tiles] size = %d is not a multiple of 16", path,
                 cfg->tile_size);
        return -1;
    }
    if (ONE_OF("detect", "engine", cfg->engine, "threshold", "irmad") ||
        ONE_OF("survey", "coregister", cfg->coregister, "auto", "subpixel", "off"))
        return -1;
    {
        char *end;
        double v = strtod(cfg->threshold, &end);
        if (strcmp(cfg->threshold, "auto") && strcmp(cfg->threshold, "otsu") &&
            strcmp(cfg->threshold, "kittler") && strcmp(cfg->threshold, "chi2") &&
            (end == cfg->threshold || *end || !(v > 0))) {
            mw_error(MW_EXIT_CONFIG, "%s: [detect] threshold = '%s' is not auto, otsu, "
                     "kittler, chi2 or a positive number", path, cfg->threshold);
            return -1;
        }
    }
    if (ONE_OF("detect", "objects", cfg->objects, "test", "mmu", "off") ||
        ONE_OF("bands", "cloud_test", cfg->cloud_test, "on", "off"))
        return -1;
    if (!cfg->qa_t1[0] != !cfg->qa_t2[0]) {
        mw_error(MW_EXIT_CONFIG, "%s: [bands] qa_t1 and qa_t2 go together (one QA raster "
                 "per date)", path);
        return -1;
    }
    if (cfg->qa && cfg->qa_t1[0]) {
        mw_error(MW_EXIT_CONFIG, "%s: [bands] qa (a band of each date) and qa_t1/qa_t2 "
                 "(QA files) exclude each other", path);
        return -1;
    }
    if ((cfg->qa || cfg->qa_t1[0]) && strcmp(cfg->qa_type, "landsat") &&
        strcmp(cfg->qa_type, "scl") && strcmp(cfg->qa_type, "scl_rgb")) {
        mw_error(MW_EXIT_CONFIG, "%s: [bands] qa_type = '%s' is not landsat, scl or scl_rgb "
                 "(needed with qa or qa_t1/qa_t2)", path, cfg->qa_type);
        return -1;
    }
    if (need_scene && cfg->blue == 0 && !strcmp(cfg->cloud_test, "on")) {
        mw_error(MW_EXIT_CONFIG, "%s: [bands] cloud_test = on needs the blue band (blue = 0)",
                 path);
        return -1;
    }
    if (need_scene && cfg->swir1 == 0 && cfg->green == 0) {
        mw_error(MW_EXIT_CONFIG,
                 "%s: [bands] needs swir1, or green for the visible/NIR bare-soil index",
                 path);
        return -1;
    }
    return 0;
}

int mw_config_parse(FILE *f, const char *path, mw_config *cfg, int need_scene)
{
    memset(cfg, 0, sizeof *cfg);
    snprintf(cfg->file, sizeof cfg->file, "%s", path);
    parse_state st = {.cfg = cfg};
    snprintf(st.dir, sizeof st.dir, "%s", path);
    char *slash = strrchr(st.dir, '/');
    if (slash)
        *slash = '\0';
    else
        snprintf(st.dir, sizeof st.dir, ".");
    /* paths become absolute, so a configuration can be rewritten elsewhere
     * (minewatch nightly) and still name the same files */
    char *abs = realpath(st.dir, NULL);
    if (abs && strlen(abs) < sizeof st.dir)
        snprintf(st.dir, sizeof st.dir, "%s", abs);
    free(abs);

    int line = parse_ini(f, &st);
    if (line != 0 || st.err[0]) {
        if (line > 0)
            mw_error(MW_EXIT_CONFIG, "%s:%d: %s", path, line,
                     st.err[0] ? st.err : "syntax error");
        else
            mw_error(MW_EXIT_CONFIG, "%s: %s", path, st.err[0] ? st.err : "cannot read");
        return -1;
    }
    if (cfg->sensor[0] && read_profile(&st, cfg->sensor))
        return -1;
    for (size_t i = 0; i < NKEYS; i++) {
        if (st.seen[i])
            continue;
        if (KEYS[i].required && (need_scene || (strcmp(KEYS[i].section, "scene") &&
                                                strcmp(KEYS[i].section, "bands")))) {
            mw_error(MW_EXIT_CONFIG, "%s: missing required key '%s' in section [%s]",
                     path, KEYS[i].key, KEYS[i].section);
            return -1;
        }
        if (KEYS[i].dflt && store(&st, &KEYS[i], KEYS[i].dflt)) {
            mw_error(MW_EXIT_CONFIG, "%s: bad default: %s", path, st.err);
            return -1;
        }
    }
    if (!need_scene && !cfg->t2_date[0]) { /* a licence audit judges validity today */
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(cfg->t2_date, sizeof cfg->t2_date, "%Y-%m-%d", &tm);
    }
    return check_values(cfg, path, need_scene);
}

void mw_config_visit(const mw_config *cfg, mw_config_visit_fn fn, void *arg)
{
    const char *base = (const char *)cfg;
    char text[MW_PATH_MAX + 32];
    for (size_t i = 0; i < NKEYS; i++) {
        const key_def *k = &KEYS[i];
        const void *src = base + k->offset;
        switch (k->type) {
        case K_STRING:
        case K_PATH:
        case K_DATE:
            snprintf(text, sizeof text, "%s", (const char *)src);
            break;
        case K_INT:
            snprintf(text, sizeof text, "%d", *(const int *)src);
            break;
        case K_FLOAT:
            snprintf(text, sizeof text, "%.9g", *(const float *)src);
            break;
        case K_DOUBLE:
            snprintf(text, sizeof text, "%.17g", *(const double *)src);
            break;
        case K_NODATA:
            if (cfg->has_nodata)
                snprintf(text, sizeof text, "%.17g", *(const double *)src);
            else
                snprintf(text, sizeof text, "%s", "raster");
            break;
        }
        fn(k->section, k->key, text, arg);
    }
}

int mw_config_write(const mw_config *cfg, FILE *f)
{
    const char *base = (const char *)cfg;
    const char *section = "";
    fprintf(f, "; written by minewatch from %s\n", cfg->file);
    for (size_t i = 0; i < NKEYS; i++) {
        const key_def *k = &KEYS[i];
        const void *src = base + k->offset;
        if ((k->type == K_PATH && !((const char *)src)[0]) ||
            (k->type == K_NODATA && !cfg->has_nodata) ||
            (k->type == K_DATE && !((const char *)src)[0]))
            continue; /* unset optional keys stay unset */
        if (strcmp(section, k->section)) {
            section = k->section;
            fprintf(f, "\n[%s]\n", section);
        }
        const char *list = NULL; /* a series: the key's list, joined */
        size_t stride = 0;
        int count = 0;
        if (cfg->nlooks && k->offset == offsetof(mw_config, t2))
            list = cfg->look[0], stride = sizeof cfg->look[0], count = cfg->nlooks;
        else if (cfg->nlooks && k->offset == offsetof(mw_config, t2_date))
            list = cfg->look_date[0], stride = sizeof cfg->look_date[0], count = cfg->nlooks;
        else if (cfg->nlook_qa && k->offset == offsetof(mw_config, qa_t2))
            list = cfg->look_qa[0], stride = sizeof cfg->look_qa[0], count = cfg->nlook_qa;
        if (list) {
            fprintf(f, "%s = ", k->key);
            for (int j = 0; j < count; j++)
                fprintf(f, "%s%s", j ? ";" : "", list + (size_t)j * stride);
            fputc('\n', f);
            continue;
        }
        switch (k->type) {
        case K_STRING:
        case K_PATH:
        case K_DATE:
            fprintf(f, "%s = %s\n", k->key, (const char *)src);
            break;
        case K_INT:
            fprintf(f, "%s = %d\n", k->key, *(const int *)src);
            break;
        case K_FLOAT:
            fprintf(f, "%s = %.9g\n", k->key, *(const float *)src);
            break;
        case K_DOUBLE:
        case K_NODATA:
            fprintf(f, "%s = %.17g\n", k->key, *(const double *)src);
            break;
        }
    }
    return ferror(f) ? -1 : 0;
}
