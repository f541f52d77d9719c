/* truth.c - truth.csv: one row per planted event, its pixels' statistics
 * and coordinates in EPSG:32649. */
#include "sample.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- truth.csv ---- */

/* Pixel statistics of one truth row. */
typedef struct {
    long pixels, n; /* pixels reported; n distinct pixels behind centroid and bbox */
    double sc, sr;
    int cmin, rmin, cmax, rmax;
} stats;

static void stats_add(stats *st, int c, int r)
{
    st->n++;
    st->sc += c + 0.5;
    st->sr += r + 0.5;
    st->cmin = c < st->cmin ? c : st->cmin;
    st->cmax = c > st->cmax ? c : st->cmax;
    st->rmin = r < st->rmin ? r : st->rmin;
    st->rmax = r > st->rmax ? r : st->rmax;
}

static void write_row(FILE *f, int id, const event *ev, const stats *st)
{
    const char *lic = !ev->flagged      ? ""
                      : ev->licence >= 0 ? LICENCES[ev->licence].id
                      : ev->expl >= 0    ? EXPLORATION[ev->expl].id
                                         : "";
    const char *county = ev->flagged && ev->county >= 0 ? COUNTIES[ev->county].name : "";
    fprintf(f, "%d,%s,%s,%s,%d,%ld,%ld,%.3f,%.3f,%.0f,%.0f,%.0f,%.0f,%s\n", id, ev->kind,
            ev->rules, lic, ev->flagged, st->pixels, st->pixels * 100,
            ORIGIN_X + PIXEL * st->sc / st->n, ORIGIN_Y - PIXEL * st->sr / st->n,
            ORIGIN_X + PIXEL * st->cmin, ORIGIN_Y - PIXEL * (st->rmax + 1),
            ORIGIN_X + PIXEL * (st->cmax + 1), ORIGIN_Y - PIXEL * st->rmin, county);
}

/* One row per event; the nodata stripes' row (nrect 0) has their pixels
 * summed over both dates, centroid and bbox of their union. */
int stage_truth(run *rn)
{
    stats st[NEVENTS];
    int stripes = 0;
    for (int e = 0; e < NEVENTS; e++) {
        st[e] = (stats){0, 0, 0, 0, W, H, -1, -1};
        stripes = EVENTS[e].nrect ? stripes : e;
    }
    for (int r = 0; r < H; r++)
        for (int c = 0; c < W; c++) {
            int e = event_at(c, r);
            if (e >= 0)
                stats_add(&st[e], c, r);
            st[stripes].pixels += nodata_t1(r) + nodata_t2(c);
            if (nodata_t1(r) || nodata_t2(c))
                stats_add(&st[stripes], c, r);
        }
    FILE *f = fopen(rn->tmp[F_CSV], "w");
    if (!f)
        return fail(rn, "truth: cannot create %s", rn->tmp[F_CSV]);
    fputs("event,kind,expected_rules,licence_id,flagged,pixels,area_m2,"
          "centroid_x,centroid_y,min_x,min_y,max_x,max_y,county\n", f);
    for (int e = 0; e < NEVENTS; e++) {
        if (e != stripes)
            st[e].pixels = st[e].n;
        write_row(f, e + 1, &EVENTS[e], &st[e]);
    }
    if (ferror(f) | fclose(f))
        return fail(rn, "truth: writing %s failed", rn->tmp[F_CSV]);
    return 0;
}

