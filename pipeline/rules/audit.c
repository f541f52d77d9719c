/* audit.c - control-line overlaps, disturbance and consolidation per licence. */
#include "audit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "mw.h"

static int by_id(const void *a, const void *b)
{
    const mw_licence_row *x = a, *y = b;
    int c = strcmp(x->f->attr[LIC_ID], y->f->attr[LIC_ID]);
    return c ? c : (x->f->fid > y->f->fid) - (x->f->fid < y->f->fid);
}

/* The disturbed area inside licence r and within near_m outside it: the
 * patches found through pix (an index over their envelopes), in patch order. */
static void disturbance(const mw_config *cfg, const mw_patchset *ps, const mw_index *pix,
                        mw_hits *h, mw_licence_row *r)
{
    if (!ps) { /* no imagery: nothing measured */
        r->disturbed_inside_m2 = r->disturbed_outside_m2 = NAN;
        return;
    }
    OGRGeometryH zone = OGR_G_Buffer(r->f->geom, cfg->near_m, 8);
    OGREnvelope ze;
    if (zone)
        OGR_G_GetEnvelope(zone, &ze);
    if (zone)
        mw_index_query(pix, &ze, 0, h);
    for (size_t k = 0; zone && k < mw_hits_count(h, ps->n); k++) {
        size_t i = mw_hits_at(h, k);
        OGRGeometryH g = mw_patch_mgeom(&ps->p[i]);
        if (!zone || !OGR_G_Intersects(g, zone))
            continue;
        OGRGeometryH in = OGR_G_Intersection(g, r->f->geom);
        OGRGeometryH near = OGR_G_Intersection(g, zone);
        double a_in = in ? OGR_G_Area(in) : 0, a_near = near ? OGR_G_Area(near) : 0;
        r->disturbed_inside_m2 += a_in;
        r->disturbed_outside_m2 += a_near > a_in ? a_near - a_in : 0;
        if (in) OGR_G_DestroyGeometry(in);
        if (near) OGR_G_DestroyGeometry(near);
    }
    if (zone)
        OGR_G_DestroyGeometry(zone);
}

/* Union-find over candidates within 500 m (the pairs found through an index
 * over the licences' envelopes); groups of two or more, numbered in
 * licence-id order of their first member. */
static int consolidation(mw_audit *a)
{
    uint32_t *parent = mw_calloc(a->n + 1, sizeof *parent);
    int *label = mw_calloc(a->n + 1, sizeof *label), *size = mw_calloc(a->n + 1, sizeof *size);
    OGREnvelope *env = mw_calloc(a->n + 1, sizeof *env);
    mw_index ix = {0};
    if (!parent || !label || !size || !env) {
        free(parent); free(label); free(size); free(env);
        return -1;
    }
    for (size_t i = 0; i < a->n; i++) {
        parent[i] = (uint32_t)i;
        env[i] = a->l[i].f->env;
    }
    if (mw_index_build(&ix, env, a->n, sizeof *env)) {
        free(parent); free(label); free(size); free(env);
        return -1;
    }
    mw_hits h = {0};
    for (size_t i = 0; i < a->n; i++) {
        if (!a->l[i].candidate)
            continue;
        mw_index_query(&ix, &env[i], MW_CONSOLIDATE_DIST_M, &h);
        for (size_t k = 0; k < mw_hits_count(&h, a->n); k++) {
            size_t j = mw_hits_at(&h, k);
            if (j <= i || !a->l[j].candidate)
                continue;
            double d = OGR_G_Distance(a->l[i].f->geom, a->l[j].f->geom);
            if (d >= 0 && d <= MW_CONSOLIDATE_DIST_M)
                mw_uf_union(parent, (uint32_t)i, (uint32_t)j);
        }
    }
    mw_hits_free(&h);
    mw_index_free(&ix);
    free(env);
    for (size_t i = 0; i < a->n; i++)
        size[mw_uf_find(parent, (uint32_t)i)]++;
    for (size_t i = 0; i < a->n; i++) {
        uint32_t r = mw_uf_find(parent, (uint32_t)i);
        if (size[r] < 2)
            continue;
        if (!label[r])
            label[r] = ++a->ngroups;
        a->l[i].group = label[r];
    }
    free(parent); free(label); free(size);
    return 0;
}

int mw_audit_run(const mw_config *cfg, const mw_layers *L, const mw_patchset *ps,
                 mw_audit *a)
{
    memset(a, 0, sizeof *a);
    if (!L->lic.present)
        return 0;
    a->l = mw_calloc(L->lic.n, sizeof *a->l);
    if (!a->l)
        return -1;
    a->n = L->lic.n;
    /* the patches' envelopes, indexed: each licence looks at the ones near it */
    mw_index pix = {0};
    mw_hits h = {0};
    OGREnvelope *penv = ps ? mw_calloc(ps->n + 1, sizeof *penv) : NULL;
    if (ps && !penv) {
        mw_audit_free(a);
        return -1;
    }
    for (size_t i = 0; ps && i < ps->n; i++)
        OGR_G_GetEnvelope(mw_patch_mgeom(&ps->p[i]), &penv[i]);
    if (ps && mw_index_build(&pix, penv, ps->n, sizeof *penv)) {
        free(penv);
        mw_audit_free(a);
        return -1;
    }
    free(penv);
    for (size_t i = 0; i < a->n; i++) {
        mw_licence_row *r = &a->l[i];
        r->f = &L->lic.f[i];
        r->valid = L->lic_valid[i];
        r->exempt = L->lic_exempt[i];
        r->area_m2 = OGR_G_Area(r->f->geom);
        /* exempt licences and layers not configured: no value */
        const mw_layer *lines[3] = {&L->redline, &L->farmland, &L->urban};
        double *to[3] = {&r->redline_m2, &r->farmland_m2, &r->urban_m2};
        for (int k = 0; k < 3; k++)
            *to[k] = !r->exempt && lines[k]->present
                         ? mw_layer_overlap(lines[k], r->f->geom, &r->f->env)
                         : NAN;
        double res = r->f->num[LIC_RESERVES]; /* NaN: not given */
        r->candidate = !r->exempt && r->area_m2 < MW_CONSOLIDATE_AREA_M2 &&
                       (isnan(res) || res < MW_CONSOLIDATE_RESERVES_T);
        disturbance(cfg, ps, &pix, &h, r);
    }
    mw_hits_free(&h);
    mw_index_free(&pix);
    qsort(a->l, a->n, sizeof *a->l, by_id);
    return consolidation(a);
}

void mw_audit_free(mw_audit *a)
{
    if (!a)
        return;
    free(a->l);
    memset(a, 0, sizeof *a);
}
