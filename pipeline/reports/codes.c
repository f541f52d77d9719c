/* codes.c - Chinese names of the report codes; county administrative codes. */
#include "codes.h"

#include <gdal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mw.h"

typedef struct { const char *code, *zh; } name;

static const name RULE_ZH[] = {
    {"RED_LINE", "生态保护红线"},   {"UNLICENSED", "无证开采"},
    {"NO_LICENCE", "无证开采"},     {"AFTER_EXPIRY", "超期开采"},
    {"EXPLORATION_ONLY", "以探代采"}, {"OUT_OF_BOUNDS", "越界开采"},
    {"FARMLAND", "占用永久基本农田"}, {"URBAN_BOUNDARY", "城镇开发边界内开采"},
    {NULL, NULL}};
static const name RULE_EN[] = {
    {"RED_LINE", "inside an ecological red line"},
    {"UNLICENSED", "mining without a licence"},
    {"AFTER_EXPIRY", "mining after the licence expired"},
    {"EXPLORATION_ONLY", "mining on an exploration right"},
    {"OUT_OF_BOUNDS", "mining beyond the licence boundary"},
    {"FARMLAND", "on permanent basic farmland"},
    {"URBAN_BOUNDARY", "inside the urban development boundary"},
    {NULL, NULL}};
static const name FINDING_ZH[] = {
    {"INSIDE", "矿区范围内"}, {"OUT_OF_BOUNDS", "越出矿区范围"},
    {"UNLICENSED", "无矿业权"}, {"NOT_JUDGED", "未判定"}, {NULL, NULL}};
static const name STATUS_ZH[] = {
    {"valid", "有效"},     {"active", "有效"},     {"expired", "已过期"},
    {"cancelled", "已注销"}, {"canceled", "已注销"}, {"revoked", "已吊销"},
    {"closed", "已关闭"},   {"suspended", "已暂停"}, {"exploration", "探矿权"},
    {NULL, NULL}};
static const name RESTO_ZH[] = {
    {"COMPLETED", "已完成"},      {"IN_PROGRESS", "进行中"},
    {"NOT_STARTED", "未开始"},    {"REGRESSED", "退化"},
    {"NEW_DISTURBANCE", "新增扰动"}, {"NO_DATA", "无数据"}, {NULL, NULL}};
static const name LEDGER_ZH[] = {
    {"NEW", "新增"}, {"KNOWN", "已在台账"}, {"GROWN", "扩大"}, {NULL, NULL}};
static const name CASE_ZH[] = {
    {"reported", "已上报"}, {"field_checked", "已外业核查"}, {"confirmed", "已确认违法"},
    {"dismissed", "已排除"}, {"closed", "已结案"}, {NULL, NULL}};
static const name CONF_ZH[] = {
    {"low", "低"}, {"high", "高"}, {"highest", "最高"}, {NULL, NULL}};

static const struct { const char *column; mw_code_list list; } COLUMN_LIST[] = {
    {"rules", MW_CODES_RULES},         {"worst_rule", MW_CODES_RULES},
    {"finding", MW_CODES_FINDING},     {"licence_status", MW_CODES_LICENCE_STATUS},
    {"ledger_state", MW_CODES_LEDGER_STATE}, {"case_status", MW_CODES_CASE_STATUS},
    {"confidence_level", MW_CODES_CONFIDENCE},
};

mw_code_list mw_code_list_of(const char *column)
{
    for (size_t i = 0; i < sizeof COLUMN_LIST / sizeof COLUMN_LIST[0]; i++)
        if (!strcmp(COLUMN_LIST[i].column, column))
            return COLUMN_LIST[i].list;
    return MW_CODES_NONE;
}

static const name *list_names(mw_code_list list)
{
    switch (list) {
    case MW_CODES_RULES: return RULE_ZH;
    case MW_CODES_FINDING: return FINDING_ZH;
    case MW_CODES_LICENCE_STATUS: return STATUS_ZH;
    case MW_CODES_RESTORATION: return RESTO_ZH;
    case MW_CODES_LEDGER_STATE: return LEDGER_ZH;
    case MW_CODES_CASE_STATUS: return CASE_ZH;
    case MW_CODES_CONFIDENCE: return CONF_ZH;
    case MW_CODES_NONE: break;
    }
    return NULL;
}

static const char *lookup(const name *t, const char *code, int nocase)
{
    for (; t && t->code; t++)
        if (nocase ? !strcasecmp(t->code, code) : !strcmp(t->code, code))
            return t->zh;
    return code;
}

const char *mw_code_zh(mw_code_list list, const char *code)
{
    /* licence statuses come from the layer, in any case */
    return lookup(list_names(list), code, list == MW_CODES_LICENCE_STATUS);
}

const char *mw_rule_en(const char *code)
{
    return lookup(RULE_EN, code, 0);
}

const char *mw_codes_zh(mw_code_list list, const char *value, char *buf, size_t size)
{
    if (list != MW_CODES_RULES) {
        snprintf(buf, size, "%s", mw_code_zh(list, value));
        return buf;
    }
    size_t used = 0;
    buf[0] = '\0';
    const char *s = value;
    while (*s && used + 1 < size) {
        const char *e = strchr(s, ';');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        char code[64];
        snprintf(code, sizeof code, "%.*s", (int)(n < 63 ? n : 63), s);
        int w = snprintf(buf + used, size - used, "%s%s", used ? "；" : "",
                         mw_code_zh(list, code));
        if (w < 0 || (size_t)w >= size - used)
            break;
        used += (size_t)w;
        s = e ? e + 1 : s + n;
    }
    return buf;
}

/* ---- administrative codes --------------------------------------------------- */

int mw_admin_code_valid(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (s[n] < '0' || s[n] > '9')
            return 0;
    return n == 6;
}

void mw_county_codes_free(mw_county_codes *c)
{
    if (!c)
        return;
    free(c->code);
    c->code = NULL;
    c->n = 0;
}

int mw_county_codes_load(const mw_config *cfg, const mw_layers *L, mw_county_codes *out)
{
    memset(out, 0, sizeof *out);
    const mw_layer *cl = &L->counties;
    const char *field = cfg->county_code_field;
    if (!field[0] || !cl->present)
        return 0;
    GDALDatasetH ds = GDALOpenEx(cl->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL,
                                 NULL);
    OGRLayerH lyr = !ds ? NULL : cl->name[0] ? GDALDatasetGetLayerByName(ds, cl->name)
                                              : GDALDatasetGetLayer(ds, 0);
    if (!lyr) {
        mw_error(MW_EXIT_VECTOR, "%s: cannot open the county layer '%s' (%s)", cl->path,
                 cl->name, mw_gdal_message());
        if (ds)
            GDALClose(ds);
        return -1;
    }
    int idx = OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), field);
    if (idx < 0) {
        mw_error(MW_EXIT_VECTOR, "%s: layer '%s' has no field '%s' ([counties] code_field)",
                 cl->path, OGR_L_GetName(lyr), field);
        GDALClose(ds);
        return -1;
    }
    out->code = mw_calloc(cl->n ? cl->n : 1, sizeof *out->code);
    int rc = out->code ? 0 : -1;
    for (size_t i = 0; i < cl->n && rc == 0; i++) {
        OGRFeatureH f = OGR_L_GetFeature(lyr, (GIntBig)cl->f[i].fid);
        const char *v = f && OGR_F_IsFieldSetAndNotNull(f, idx) ? OGR_F_GetFieldAsString(f, idx)
                                                                 : "";
        if (!mw_admin_code_valid(v)) {
            mw_error(MW_EXIT_VECTOR,
                     "%s: layer '%s' feature %lld: field '%s' = '%.40s' is not a 6-digit "
                     "administrative code (行政区划代码)",
                     cl->path, OGR_L_GetName(lyr), cl->f[i].fid, field, v);
            rc = -1;
        } else {
            snprintf(out->code[i], sizeof out->code[i], "%s", v);
        }
        if (f)
            OGR_F_Destroy(f);
    }
    GDALClose(ds);
    if (rc) {
        mw_county_codes_free(out);
        return -1;
    }
    out->n = cl->n;
    return 0;
}

void mw_county_codes_apply(const mw_county_codes *c, const mw_layers *L, mw_patchset *ps,
                           mw_restoration *r)
{
    if (!c || !c->n)
        return;
    for (size_t i = 0; ps && i < ps->n; i++) {
        mw_patch *p = &ps->p[i];
        const char *name = mw_county_of(L, mw_patch_mgeom(p));
        /* mw_county_of returns the feature's own attribute: which one */
        for (size_t k = 0; k < c->n; k++)
            if (name == L->counties.f[k].attr[CNTY_NAME]) {
                snprintf(p->v.county_code, sizeof p->v.county_code, "%s", c->code[k]);
                break;
            }
    }
    for (size_t i = 0; r && i < r->ncounty; i++)
        for (size_t k = 0; k < c->n; k++)
            if (!strcmp(r->c[i].county, L->counties.f[k].attr[CNTY_NAME])) {
                snprintf(r->c[i].county_code, sizeof r->c[i].county_code, "%s", c->code[k]);
                break;
            }
}
