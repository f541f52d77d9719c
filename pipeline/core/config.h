/* config.h - the scan configuration: one INI file, every key registered.
 *
 * Keys are registered with a type, a range and a destination field
 * (config.c); unknown keys, wrong types and out-of-range values are errors
 * naming the file and line.  Relative paths are resolved against the folder
 * of the configuration file.
 */
#ifndef MW_CONFIG_H
#define MW_CONFIG_H

#include <limits.h>
#include <stdio.h>

#include "kernels.h"

#define MW_PATH_MAX 4096
#define MW_LOOKS_MAX 12 /* later looks of a series */

/* Where a vector layer is: file, layer name, text encoding of non-UTF-8
 * attributes. */
typedef struct {
    char path[MW_PATH_MAX];
    char layer[256];
    char encoding[32];
} mw_layer_cfg;

typedef struct {
    char file[MW_PATH_MAX]; /* the configuration file as given */

    /* [scene] */
    char t1[MW_PATH_MAX], t2[MW_PATH_MAX];
    char t1_date[16], t2_date[16]; /* YYYY-MM-DD */
    char sensor[MW_PATH_MAX];      /* sensor profile read for [bands], [detect],
                                    * [survey] defaults; "" = none */
    char area[128];                /* the area's id in the ledger; "" = the
                                    * scene's footprint */
    /* a series (issue 16): t2 = a;b;c with t2_date = d1;d2;d3 (and qa_t2 a
     * list alike): the later looks in date order; t2, t2_date and qa_t2
     * then hold the last.  nlooks = 0 for a pair (one t2). */
    int nlooks, nlook_dates, nlook_qa;
    char look[MW_LOOKS_MAX][MW_PATH_MAX];
    char look_date[MW_LOOKS_MAX][16];
    char look_qa[MW_LOOKS_MAX][MW_PATH_MAX];

    /* [bands]: 1-based band numbers; swir1 = 0 means no SWIR band, blue = 0 no
     * blue band (the bare-soil index then goes without its blue term) */
    int blue, green, red, nir, swir1, swir2;
    char band_files[512];  /* comma-separated names put for {band} in t1/t2 */
    double saturation;     /* DN >= saturation is saturated (masked); 0 = off */
    double scale, offset;
    int has_nodata;  /* 1 if nodata given in config (else the raster's) */
    double nodata;
    int qa;                /* band number of the QA band in each date's raster; 0 = none */
    char qa_t1[MW_PATH_MAX], qa_t2[MW_PATH_MAX]; /* QA rasters per date; "" = none */
    char qa_type[16];      /* landsat (QA_PIXEL bits) | scl (Sentinel-2 classes) |
                            * scl_rgb (the SCL as Sentinel Hub renders it in RGB) */
    char cloud_test[8];    /* on | off: spectral cloud test when there is no QA */

    /* [detect] */
    mw_thresholds thr;
    int open_radius;
    double min_area_m2;
    char engine[16];       /* threshold | irmad */
    char threshold[32];    /* irmad: auto | otsu | kittler | chi2 | a number */
    int smooth_radius;     /* irmad: box mean of the change magnitude */
    char objects[8];       /* irmad: test | mmu | off: the change objects kept
                            * (minimum mapping unit, peak test; survey.h) */
    int confirm;           /* a series: clear looks a change must hold on
                            * (mw_confirm); unused for a pair */

    /* [survey] */
    int survey_max_pixels; /* decimated survey read budget */
    int survey_iterations; /* IR-MAD iterations at most */
    char coregister[12];   /* auto | subpixel | off: phase-correlation co-registration */

    /* [tiles] */
    int tile_size;
    int threads; /* 0 = all cores */
    double max_pixels; /* scenes larger are refused before any work */

    /* [licences] */
    char lic_path[MW_PATH_MAX];
    char lic_layer[256];
    char lic_id_field[128];
    char lic_holder_field[128];
    char lic_mineral_field[128], lic_from_field[128], lic_to_field[128];
    char lic_status_field[128], lic_reserves_field[128];
    char lic_encoding[32];
    double near_m;

    /* the other legal layers: [exploration], [redline], [farmland], [urban],
     * [restoration], [counties]; path "" = not configured */
    mw_layer_cfg expl, redline, farmland, urban, resto, counties;
    char expl_id_field[128], expl_holder_field[128];
    char redline_name_field[128];
    char resto_id_field[128], resto_county_field[128], resto_party_field[128];
    char resto_baseline_field[128], resto_deadline_field[128], resto_target_field[128];
    char resto_plan[MW_PATH_MAX];
    float resto_veg_ndvi;
    char county_name_field[128];
    char county_code_field[128]; /* 行政区划代码 (6 digits); "" = none */

    /* [ledger] */
    char ledger[MW_PATH_MAX]; /* GeoPackage path or "PG:..." ("" = none) */

    /* [nightly] */
    char catalog[MW_PATH_MAX];   /* folder of scenes, or a list file */
    char state_dir[MW_PATH_MAX]; /* what was done, the lock */
    char nightly_out[MW_PATH_MAX];
    double min_overlap;          /* footprint overlap that makes "the same area" */
    double max_cloud;            /* a scene above this cloud fraction is not clear */
    int nightly_confirm;         /* 1: pairs; N >= 2: each new scene with the N - 1
                                  * clear scenes before it as a series (issue 16) */

    /* [report] */
    char language[8]; /* en | zh: CSV header language */
    int csv_bom;
    char evidence[8];        /* on | off: chips and map sheets (chips.h, mapsheet.h) */
    int evidence_max;        /* chips, and report.html cards, for the first N patches of suspects.csv */
    char font[128];          /* font family of chips and map sheets */

    /* [output] */
    char out_dir[MW_PATH_MAX];
} mw_config;

/* Read and validate path into cfg.  Returns 0, or -1 with mw_error set
 * (MW_EXIT_CONFIG). */
int mw_config_load(const char *path, mw_config *cfg);
/* The same; need_scene = 0 accepts a file without [scene] and [bands] (the
 * licence audit), t2_date then defaults to today. */
int mw_config_load_mode(const char *path, mw_config *cfg, int need_scene);
/* The same from an open stream; path names it in messages and anchors
 * relative paths. */
int mw_config_parse(FILE *f, const char *path, mw_config *cfg, int need_scene);

/* Write cfg as an INI file that loads back to the same values (paths
 * absolute).  0, or -1 on a write error. */
int mw_config_write(const mw_config *cfg, FILE *f);

/* Visit every registered key with its effective value as text (for the
 * manifest and the log). */
typedef void (*mw_config_visit_fn)(const char *section, const char *key,
                                   const char *value, void *arg);
void mw_config_visit(const mw_config *cfg, mw_config_visit_fn fn, void *arg);

#endif
