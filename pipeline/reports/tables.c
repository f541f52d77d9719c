/* tables.c - any report table (mw_table) as CSV and as a GeoPackage layer. */
#include "reports.h"

#include <cpl_string.h>
#include <gdal.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mw.h"
#include "styles.h"

/* ---- writing any table as CSV and as a GeoPackage layer ------------------ */

/* Chinese headers for [report] language = zh; unlisted names stay English. */
static const struct { const char *en, *zh; } ZH[] = {
    {"patch_id", "图斑编号"}, {"rules", "违法类型"}, {"severity", "严重程度"},
    {"finding", "矿权关系"}, {"licence_id", "许可证号"}, {"holder", "矿业权人"},
    {"licence_status", "许可证状态"}, {"area_m2", "面积(平方米)"},
    {"area_ha", "面积(公顷)"}, {"area_mu", "面积(亩)"}, {"pixels", "像元数"},
    {"inside_licence_m2", "矿区范围内面积(平方米)"},
    {"outside_licence_m2", "矿区范围外面积(平方米)"},
    {"beyond_boundary_m", "越界距离(米)"}, {"nearest_licence_m", "最近矿区距离(米)"},
    {"after_expiry_m2", "失效矿权内面积(平方米)"},
    {"exploration_m2", "探矿权内面积(平方米)"}, {"redline_m2", "生态红线内面积(平方米)"},
    {"redline_name", "红线名称"}, {"farmland_m2", "永久基本农田内面积(平方米)"},
    {"urban_m2", "城镇开发边界内面积(平方米)"}, {"county", "县(区)"},
    {"county_code", "行政区划代码"},
    {"ledger_id", "台账编号"}, {"ledger_state", "台账状态"}, {"case_status", "案件状态"},
    {"centroid_x", "中心X"}, {"centroid_y", "中心Y"}, {"lon", "经度"}, {"lat", "纬度"},
    {"field_check", "需外业核查"}, {"t1_date", "前时相日期"}, {"t2_date", "后时相日期"},
    {"plot_id", "图斑号"}, {"party", "责任主体"}, {"target", "目标植被覆盖率"},
    {"veg_fraction_t1", "前时相植被覆盖率"}, {"veg_fraction_t2", "后时相植被覆盖率"},
    {"status", "状态"}, {"overdue", "逾期"}, {"plots", "图斑数"}, {"ha", "面积(公顷)"},
    {"restored_ha", "已修复面积(公顷)"}, {"pct_of_target", "完成率(%)"},
    {"plan_plots", "规划图斑数"}, {"plan_ha", "规划面积(公顷)"},
    {"mineral", "矿种"}, {"consolidation_group", "整合组"},
    {"redline_overlap_m2", "与生态红线重叠(平方米)"},
    {"farmland_overlap_m2", "与永久基本农田重叠(平方米)"},
    {"urban_overlap_m2", "与城镇开发边界重叠(平方米)"},
    {"min_x", "最小X"}, {"min_y", "最小Y"}, {"max_x", "最大X"}, {"max_y", "最大Y"},
    {"mean_dndvi", "NDVI变化均值"}, {"min_dndvi", "NDVI变化最小值"},
    {"mean_dbsi", "裸土指数变化均值"}, {"confidence", "置信度"},
    {"confidence_level", "置信等级"}, {"masked_fraction", "遮挡比例"},
    {"change_margin", "变化强度倍数"}, {"confirmations", "确认次数"},
    {"first_seen", "首次发现日期"}, {"last_seen", "最近发现日期"}, {"baseline", "基准日期"}, {"deadline", "完成期限"},
    {"valid_pixels", "有效像元数"}, {"veg_change", "植被覆盖率变化"},
    {"bare_fraction_t2", "后时相裸地比例"}, {"disturbed_m2", "扰动面积(平方米)"},
    {"completed", "已完成"}, {"in_progress", "进行中"}, {"not_started", "未开始"},
    {"regressed", "退化"}, {"new_disturbance", "新增扰动"}, {"no_data", "无数据"},
    {"valid_from", "有效期起"}, {"valid_to", "有效期止"}, {"valid_at_t2", "后时相有效"},
    {"exempt", "豁免审查"}, {"disturbed_inside_m2", "矿区内扰动面积(平方米)"},
    {"disturbed_outside_m2", "矿区外扰动面积(平方米)"},
    {"consolidation_candidate", "整合候选"},
};

const char *mw_column_title(const char *en, int zh)
{
    for (size_t i = 0; zh && i < sizeof ZH / sizeof ZH[0]; i++)
        if (!strcmp(ZH[i].en, en))
            return ZH[i].zh;
    return en;
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* Row i's cells; text cut at MW_CELL is cut on a UTF-8 character boundary. */
void mw_table_row(const mw_table *t, size_t i, char (*cells)[MW_CELL])
{
    t->format(t, i, cells);
    for (size_t c = 0; c < t->ncols; c++)
        if (strlen(cells[c]) == MW_CELL - 1)
            mw_utf8_trim(cells[c]);
}

int mw_table_write_csv(const mw_table *t, const mw_config *cfg, const char *path)
{
    FILE *f = fopen(path, "w");
    char (*cells)[MW_CELL] = calloc(t->ncols, MW_CELL);
    if (!f || !cells) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create: %s", path, strerror(errno));
        if (f)
            fclose(f);
        free(cells);
        return -1;
    }
    if (cfg->csv_bom)
        fputs("\xEF\xBB\xBF", f); /* Excel and WPS then read UTF-8 */
    int zh = !strcmp(cfg->language, "zh");
    for (size_t c = 0; c < t->ncols; c++) {
        if (c)
            fputc(',', f);
        csv_field(f, mw_column_title(t->cols[c].name, zh));
    }
    fputc('\n', f);
    for (size_t i = 0; i < t->nrows; i++) {
        mw_table_row(t, i, cells);
        for (size_t c = 0; c < t->ncols; c++) {
            if (c)
                fputc(',', f);
            /* OWASP: a text cell a spreadsheet would run as a formula is
             * shown as text; numbers (a negative mean_dndvi) stay numbers */
            if (t->cols[c].type == COL_S && cells[c][0] && strchr("=+-@\t\r", cells[c][0])) {
                char quoted[MW_CELL + 1];
                snprintf(quoted, sizeof quoted, "'%s", cells[c]);
                csv_field(f, quoted);
            } else {
                csv_field(f, cells[c]);
            }
        }
        fputc('\n', f);
    }
    free(cells);
    int bad = ferror(f);
    if (fflush(f) != 0 || fsync(fileno(f)) != 0)
        bad = 1;
    if (fclose(f) != 0 || bad) {
        mw_error(MW_EXIT_OUTPUT, "%s: write failed: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int write_layer(GDALDatasetH ds, const mw_table *t, OGRSpatialReferenceH srs,
                       const char *path)
{
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, t->name, t->geom ? srs : NULL,
                                           t->geom ? wkbMultiPolygon : wkbNone, NULL);
    int rc = lyr ? 0 : -1;
    for (size_t c = 0; c < t->ncols && rc == 0; c++) {
        OGRFieldType ft = t->cols[c].type == COL_S ? OFTString
                          : t->cols[c].type == COL_I ? OFTInteger64 : OFTReal;
        OGRFieldDefnH fd = OGR_Fld_Create(t->cols[c].name, ft);
        if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE)
            rc = -1;
        OGR_Fld_Destroy(fd);
    }
    char (*cells)[MW_CELL] = rc == 0 ? calloc(t->ncols, MW_CELL) : NULL;
    if (rc == 0 && !cells)
        rc = -1;
    for (size_t i = 0; i < t->nrows && rc == 0; i++) {
        mw_table_row(t, i, cells);
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        for (size_t c = 0; c < t->ncols; c++) {
            if (t->cols[c].type != COL_S && !cells[c][0])
                OGR_F_SetFieldNull(f, (int)c); /* no value */
            else if (t->cols[c].type == COL_S)
                OGR_F_SetFieldString(f, (int)c, cells[c]);
            else if (t->cols[c].type == COL_I)
                OGR_F_SetFieldInteger64(f, (int)c, strtoll(cells[c], NULL, 10));
            else
                OGR_F_SetFieldDouble(f, (int)c, strtod(cells[c], NULL));
        }
        if (t->geom) {
            OGRGeometryH g = t->geom(t, i);
            if (g)
                OGR_F_SetGeometryDirectly(f, OGR_G_ForceToMultiPolygon(OGR_G_Clone(g)));
        }
        if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
            rc = -1;
        OGR_F_Destroy(f);
    }
    free(cells);
    if (rc)
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write layer '%s' (%s)", path, t->name,
                 mw_gdal_message());
    return rc;
}

/* All tables as layers of one GeoPackage, in one transaction. */
int mw_tables_write_gpkg(const char *wkt, const mw_table *tables, size_t n, const char *path)
{
    GDALDatasetH ds = GDALCreate(GDALGetDriverByName("GPKG"), path, 0, 0, 0,
                                 GDT_Unknown, NULL);
    if (!ds) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot create (%s)", path, mw_gdal_message());
        return -1;
    }
    OGRSpatialReferenceH srs = OSRNewSpatialReference(wkt);
    OSRSetAxisMappingStrategy(srs, OAMS_TRADITIONAL_GIS_ORDER);
    int rc = GDALDatasetStartTransaction(ds, FALSE) == OGRERR_NONE ? 0 : -1;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = write_layer(ds, &tables[i], srs, path);
    const char *layer_names[16];
    for (size_t i = 0; i < n && i < 16; i++)
        layer_names[i] = tables[i].name;
    if (rc == 0) /* QGIS's default styles */
        rc = mw_styles_gpkg(ds, layer_names, n < 16 ? n : 16, path);
    if (rc == 0 && GDALDatasetCommitTransaction(ds) != OGRERR_NONE) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot commit (%s)", path, mw_gdal_message());
        rc = -1;
    }
    OSRDestroySpatialReference(srs);
    if (mw_gdal_close(ds, path))
        rc = -1;
    return rc;
}
