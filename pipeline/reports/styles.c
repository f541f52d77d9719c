/* styles.c - QGIS default styles: layer_styles in the GeoPackages, the PAM
 * sidecar and QML of change.tif. */
#include "styles.h"

#include <cpl_string.h>
#include <ogr_api.h>
#include <stdio.h>
#include <string.h>

#include "kernels.h"
#include "config.h"
#include "mw.h"
#include "textbuf.h"

/* ---- the patches: filled by their worst rule ------------------------------- */

/* severity -> worst rule (rules.h), colour, label */
static const struct { int severity; const char *code, *zh; int r, g, b; } WORST[] = {
    {7, "RED_LINE", "生态保护红线", 168, 0, 0},
    {6, "UNLICENSED", "无证开采", 255, 40, 0},
    {5, "AFTER_EXPIRY", "超期开采", 200, 0, 160},
    {4, "EXPLORATION_ONLY", "以探代采", 120, 60, 200},
    {3, "OUT_OF_BOUNDS", "越界开采", 255, 150, 0},
    {2, "FARMLAND", "占用永久基本农田", 230, 200, 0},
    {1, "URBAN_BOUNDARY", "城镇开发边界内开采", 0, 120, 255},
    {0, "NONE", "未违规", 130, 130, 130},
};
#define NWORST (sizeof WORST / sizeof WORST[0])

static const char QML_HEAD[] =
    "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n";

static void qml_fill(mw_text *t, const char *name, int r, int g, int b, int fill_alpha,
                     double width)
{
    mw_text_printf(t,
                   "   <symbol type=\"fill\" name=\"%s\" alpha=\"1\" clip_to_extent=\"1\" "
                   "force_rhr=\"0\">\n"
                   "    <layer class=\"SimpleFill\" enabled=\"1\" pass=\"0\" locked=\"0\">\n"
                   "     <prop k=\"color\" v=\"%d,%d,%d,%d\"/>\n"
                   "     <prop k=\"style\" v=\"%s\"/>\n"
                   "     <prop k=\"outline_color\" v=\"%d,%d,%d,255\"/>\n"
                   "     <prop k=\"outline_style\" v=\"solid\"/>\n"
                   "     <prop k=\"outline_width\" v=\"%.2f\"/>\n"
                   "     <prop k=\"outline_width_unit\" v=\"MM\"/>\n"
                   "     <prop k=\"joinstyle\" v=\"miter\"/>\n"
                   "    </layer>\n"
                   "   </symbol>\n",
                   name, r, g, b, fill_alpha, fill_alpha ? "solid" : "no", r, g, b, width);
}

static void patches_qml(mw_text *t)
{
    mw_text_put(t, QML_HEAD);
    mw_text_put(t, "<qgis version=\"3.28.0\" styleCategories=\"Symbology|Labeling\" "
                   "labelsEnabled=\"1\">\n"
                   " <renderer-v2 type=\"categorizedSymbol\" attr=\"severity\" "
                   "symbollevels=\"0\" enableorderby=\"0\" forceraster=\"0\">\n  <categories>\n");
    for (size_t i = 0; i < NWORST; i++)
        mw_text_printf(t, "   <category symbol=\"%zu\" value=\"%d\" label=\"%s %s\" "
                          "render=\"true\"/>\n",
                       i, WORST[i].severity, WORST[i].code, WORST[i].zh);
    mw_text_put(t, "  </categories>\n  <symbols>\n");
    for (size_t i = 0; i < NWORST; i++) {
        char name[16];
        snprintf(name, sizeof name, "%zu", i);
        qml_fill(t, name, WORST[i].r, WORST[i].g, WORST[i].b, WORST[i].severity ? 110 : 40,
                 WORST[i].severity ? 0.6 : 0.3);
    }
    mw_text_put(t, "  </symbols>\n </renderer-v2>\n");
    mw_text_put(t, " <labeling type=\"simple\">\n  <settings calloutType=\"simple\">\n"
                   "   <text-style fieldName=\"patch_id\" isExpression=\"0\" fontSize=\"8\" "
                   "fontSizeUnit=\"Point\" textColor=\"0,0,0,255\" fontFamily=\"Noto Sans CJK SC\"/>\n"
                   "   <text-buffer bufferDraw=\"1\" bufferSize=\"0.8\" bufferSizeUnits=\"MM\" "
                   "bufferColor=\"255,255,255,255\"/>\n"
                   "   <placement placement=\"0\"/>\n"
                   "   <rendering scaleVisibility=\"0\" obstacle=\"1\"/>\n"
                   "  </settings>\n </labeling>\n</qgis>\n");
}

static void outline_qml(mw_text *t, int r, int g, int b, const char *label_field)
{
    mw_text_put(t, QML_HEAD);
    mw_text_printf(t, "<qgis version=\"3.28.0\" styleCategories=\"Symbology|Labeling\" "
                      "labelsEnabled=\"%d\">\n"
                      " <renderer-v2 type=\"singleSymbol\" symbollevels=\"0\" "
                      "enableorderby=\"0\" forceraster=\"0\">\n  <symbols>\n",
                   label_field ? 1 : 0);
    qml_fill(t, "0", r, g, b, 0, 0.5);
    mw_text_put(t, "  </symbols>\n </renderer-v2>\n");
    if (label_field)
        mw_text_printf(t,
                       " <labeling type=\"simple\">\n  <settings calloutType=\"simple\">\n"
                       "   <text-style fieldName=\"%s\" isExpression=\"0\" fontSize=\"7\" "
                       "fontSizeUnit=\"Point\" textColor=\"%d,%d,%d,255\" "
                       "fontFamily=\"Noto Sans CJK SC\"/>\n"
                       "   <text-buffer bufferDraw=\"1\" bufferSize=\"0.7\" bufferSizeUnits=\"MM\" "
                       "bufferColor=\"255,255,255,255\"/>\n"
                       "   <placement placement=\"0\"/>\n"
                       "   <rendering scaleVisibility=\"0\"/>\n"
                       "  </settings>\n </labeling>\n",
                       label_field, r, g, b);
    mw_text_put(t, "</qgis>\n");
}

/* ---- SLD 1.1 (GeoServer, ArcGIS, QGIS) -------------------------------------- */

static void sld_head(mw_text *t, const char *layer)
{
    mw_text_printf(t,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<StyledLayerDescriptor version=\"1.1.0\" "
                   "xmlns=\"http://www.opengis.net/sld\" xmlns:se=\"http://www.opengis.net/se\" "
                   "xmlns:ogc=\"http://www.opengis.net/ogc\" "
                   "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
                   "xsi:schemaLocation=\"http://www.opengis.net/sld "
                   "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd\">\n"
                   " <NamedLayer>\n  <se:Name>%s</se:Name>\n  <UserStyle>\n"
                   "   <se:Name>%s</se:Name>\n   <se:FeatureTypeStyle>\n",
                   layer, layer);
}

static void sld_tail(mw_text *t)
{
    mw_text_put(t, "   </se:FeatureTypeStyle>\n  </UserStyle>\n </NamedLayer>\n"
                   "</StyledLayerDescriptor>\n");
}

static void sld_polygon(mw_text *t, int r, int g, int b, double fill_opacity)
{
    mw_text_put(t, "     <se:PolygonSymbolizer>\n");
    if (fill_opacity > 0)
        mw_text_printf(t,
                       "      <se:Fill>\n"
                       "       <se:SvgParameter name=\"fill\">#%02x%02x%02x</se:SvgParameter>\n"
                       "       <se:SvgParameter name=\"fill-opacity\">%.2f</se:SvgParameter>\n"
                       "      </se:Fill>\n",
                       r, g, b, fill_opacity);
    mw_text_printf(t,
                   "      <se:Stroke>\n"
                   "       <se:SvgParameter name=\"stroke\">#%02x%02x%02x</se:SvgParameter>\n"
                   "       <se:SvgParameter name=\"stroke-width\">2</se:SvgParameter>\n"
                   "      </se:Stroke>\n     </se:PolygonSymbolizer>\n",
                   r, g, b);
}

static void sld_label(mw_text *t, const char *field)
{
    mw_text_printf(t,
                   "     <se:TextSymbolizer>\n"
                   "      <se:Label><ogc:PropertyName>%s</ogc:PropertyName></se:Label>\n"
                   "      <se:Font><se:SvgParameter name=\"font-size\">10</se:SvgParameter>"
                   "</se:Font>\n"
                   "      <se:Halo><se:Radius>1</se:Radius></se:Halo>\n"
                   "     </se:TextSymbolizer>\n",
                   field);
}

static void patches_sld(mw_text *t)
{
    sld_head(t, "patches");
    for (size_t i = 0; i < NWORST; i++) {
        mw_text_printf(t,
                       "    <se:Rule>\n     <se:Name>%s</se:Name>\n"
                       "     <se:Description><se:Title>%s %s</se:Title></se:Description>\n"
                       "     <ogc:Filter><ogc:PropertyIsEqualTo>"
                       "<ogc:PropertyName>severity</ogc:PropertyName>"
                       "<ogc:Literal>%d</ogc:Literal></ogc:PropertyIsEqualTo></ogc:Filter>\n",
                       WORST[i].code, WORST[i].code, WORST[i].zh, WORST[i].severity);
        sld_polygon(t, WORST[i].r, WORST[i].g, WORST[i].b, WORST[i].severity ? 0.45 : 0.15);
        sld_label(t, "patch_id");
        mw_text_put(t, "    </se:Rule>\n");
    }
    sld_tail(t);
}

static void outline_sld(mw_text *t, const char *layer, int r, int g, int b, const char *field)
{
    sld_head(t, layer);
    mw_text_printf(t, "    <se:Rule>\n     <se:Name>%s</se:Name>\n", layer);
    sld_polygon(t, r, g, b, 0);
    if (field)
        sld_label(t, field);
    mw_text_put(t, "    </se:Rule>\n");
    sld_tail(t);
}

/* ---- layer_styles ------------------------------------------------------------ */

typedef struct {
    const char *layer, *style, *description;
} style_def;

static const style_def STYLES[] = {
    {"patches", "minewatch patches", "patches filled by their worst rule (severity)"},
    {"licences", "minewatch licences", "licence boundaries outlined, labelled with the number"},
    {"restoration", "minewatch restoration", "restoration plots outlined"},
};

static void style_text(const char *layer, mw_text *qml, mw_text *sld)
{
    if (!strcmp(layer, "patches")) {
        patches_qml(qml);
        patches_sld(sld);
    } else if (!strcmp(layer, "licences")) {
        outline_qml(qml, 0, 70, 200, "licence_id");
        outline_sld(sld, layer, 0, 70, 200, "licence_id");
    } else {
        outline_qml(qml, 0, 150, 60, "plot_id");
        outline_sld(sld, layer, 0, 150, 60, "plot_id");
    }
}

int mw_styles_gpkg(GDALDatasetH ds, const char *const *layers, size_t n, const char *path)
{
    char **opt = CSLSetNameValue(NULL, "FID", "id");
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, "layer_styles", NULL, wkbNone, opt);
    CSLDestroy(opt);
    static const struct { const char *name; OGRFieldType type; int width; } F[] = {
        {"f_table_catalog", OFTString, 256}, {"f_table_schema", OFTString, 256},
        {"f_table_name", OFTString, 256},    {"f_geometry_column", OFTString, 256},
        {"styleName", OFTString, 30},        {"styleQML", OFTString, 0},
        {"styleSLD", OFTString, 0},          {"useAsDefault", OFTInteger, 0},
        {"description", OFTString, 0},       {"owner", OFTString, 30},
        {"ui", OFTString, 30},               {"update_time", OFTDateTime, 0},
    };
    int rc = lyr ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < sizeof F / sizeof F[0]; i++) {
        OGRFieldDefnH fd = OGR_Fld_Create(F[i].name, F[i].type);
        if (F[i].width)
            OGR_Fld_SetWidth(fd, F[i].width);
        if (!strcmp(F[i].name, "useAsDefault"))
            OGR_Fld_SetSubType(fd, OFSTBoolean);
        if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE)
            rc = -1;
        OGR_Fld_Destroy(fd);
    }
    for (size_t i = 0; rc == 0 && i < n; i++) {
        const style_def *s = NULL;
        for (size_t k = 0; k < sizeof STYLES / sizeof STYLES[0]; k++)
            if (!strcmp(STYLES[k].layer, layers[i]))
                s = &STYLES[k];
        OGRLayerH target = s ? GDALDatasetGetLayerByName(ds, s->layer) : NULL;
        if (!target)
            continue;
        mw_text qml = {0}, sld = {0};
        style_text(s->layer, &qml, &sld);
        if (qml.oom || sld.oom) {
            rc = -1;
        } else {
            OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
            OGR_F_SetFieldString(f, 0, "");
            OGR_F_SetFieldString(f, 1, "");
            OGR_F_SetFieldString(f, 2, s->layer);
            OGR_F_SetFieldString(f, 3, OGR_L_GetGeometryColumn(target));
            OGR_F_SetFieldString(f, 4, s->style);
            OGR_F_SetFieldString(f, 5, qml.s);
            OGR_F_SetFieldString(f, 6, sld.s);
            OGR_F_SetFieldInteger(f, 7, 1);
            OGR_F_SetFieldString(f, 8, s->description);
            OGR_F_SetFieldString(f, 9, "minewatch");
            OGR_F_SetFieldNull(f, 10);
            OGR_F_SetFieldDateTimeEx(f, 11, 2000, 1, 1, 0, 0, 0, 100); /* reproducible */
            if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
                rc = -1;
            OGR_F_Destroy(f);
        }
        mw_text_free(&qml);
        mw_text_free(&sld);
    }
    if (rc)
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write the layer_styles table (%s)", path,
                 mw_gdal_message());
    return rc;
}

/* ---- change.tif ----------------------------------------------------------------- */

static const struct { int value; const char *name; } CLASSES[] = {
    {MW_CLASS_NONE, "no change"},           {MW_CLASS_VEG_LOSS, "vegetation loss"},
    {MW_CLASS_BARE_GAIN, "bare-ground gain"}, {MW_CLASS_DISTURBANCE, "disturbance"},
    {MW_CLASS_REVEG, "revegetation"},       {MW_CLASS_OTHER, "other change"},
    {MW_CLASS_MASKED, "masked"},
};
#define NCLASSES (sizeof CLASSES / sizeof CLASSES[0])

/* class 0 and 255 (masked, no data) transparent, the others opaque */
static int class_alpha(int v)
{
    return v == MW_CLASS_NONE || v == MW_CLASS_MASKED ? 0 : 255;
}

int mw_styles_change(const char *work_dir)
{
    char tif[MW_PATH_MAX + 64], qml_path[MW_PATH_MAX + 64];
    snprintf(tif, sizeof tif, "%s/change.tif", work_dir);
    snprintf(qml_path, sizeof qml_path, "%s/change.qml", work_dir);
    /* read-only: the TIFF is not touched; GDAL writes what is set into its
     * PAM sidecar, change.tif.aux.xml, when the dataset is closed */
    GDALDatasetH ds = GDALOpenEx(tif, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot reopen (%s)", tif, mw_gdal_message());
        return -1;
    }
    GDALRasterBandH band = GDALGetRasterBand(ds, 1);
    GDALColorTableH ct = GDALGetRasterColorTable(band);
    GDALColorEntry col[256];
    for (int i = 0; i < 256; i++) {
        const GDALColorEntry *e = ct ? GDALGetColorEntry(ct, i) : NULL;
        col[i] = e ? *e : (GDALColorEntry){0, 0, 0, 255};
    }
    char **cat = NULL;
    for (int i = 0; i < 256; i++) {
        const char *nm = "";
        for (size_t k = 0; k < NCLASSES; k++)
            if (CLASSES[k].value == i)
                nm = CLASSES[k].name;
        cat = CSLAddString(cat, nm);
    }
    GDALRasterAttributeTableH rat = GDALCreateRasterAttributeTable();
    GDALRATCreateColumn(rat, "value", GFT_Integer, GFU_MinMax);
    GDALRATCreateColumn(rat, "class", GFT_String, GFU_Name);
    GDALRATCreateColumn(rat, "red", GFT_Integer, GFU_Red);
    GDALRATCreateColumn(rat, "green", GFT_Integer, GFU_Green);
    GDALRATCreateColumn(rat, "blue", GFT_Integer, GFU_Blue);
    GDALRATCreateColumn(rat, "alpha", GFT_Integer, GFU_Alpha);
    GDALRATSetTableType(rat, GRTT_THEMATIC);
    for (size_t k = 0; k < NCLASSES; k++) {
        int v = CLASSES[k].value, row = (int)k;
        GDALRATSetValueAsInt(rat, row, 0, v);
        GDALRATSetValueAsString(rat, row, 1, CLASSES[k].name);
        GDALRATSetValueAsInt(rat, row, 2, col[v].c1);
        GDALRATSetValueAsInt(rat, row, 3, col[v].c2);
        GDALRATSetValueAsInt(rat, row, 4, col[v].c3);
        GDALRATSetValueAsInt(rat, row, 5, class_alpha(v));
    }
    int rc = 0;
    CPLErrorReset();
    if (GDALSetRasterCategoryNames(band, cat) != CE_None ||
        GDALSetDefaultRAT(band, rat) != CE_None)
        rc = -1;
    CSLDestroy(cat);
    GDALDestroyRasterAttributeTable(rat);
    GDALClose(ds);
    if (rc || CPLGetLastErrorType() >= CE_Failure) {
        mw_error(MW_EXIT_OUTPUT, "%s: cannot write its category names (%s)", tif,
                 mw_gdal_message());
        return -1;
    }
    char aux[MW_PATH_MAX + 80];
    snprintf(aux, sizeof aux, "%s.aux.xml", tif);
    VSIStatBufL st;
    if (VSIStatL(aux, &st) != 0) {
        mw_error(MW_EXIT_OUTPUT, "%s: GDAL wrote no PAM sidecar (GDAL_PAM_ENABLED=NO?)", aux);
        return -1;
    }

    mw_text q = {0};
    mw_text_put(&q, QML_HEAD);
    mw_text_put(&q, "<qgis version=\"3.28.0\" styleCategories=\"Symbology\">\n <pipe>\n"
                    "  <rasterrenderer type=\"paletted\" band=\"1\" opacity=\"1\" "
                    "alphaBand=\"-1\" nodataColor=\"\">\n   <colorPalette>\n");
    for (size_t k = 0; k < NCLASSES; k++) {
        int v = CLASSES[k].value;
        mw_text_printf(&q, "    <paletteEntry value=\"%d\" color=\"#%02x%02x%02x\" "
                           "alpha=\"%d\" label=\"%s\"/>\n",
                       v, col[v].c1, col[v].c2, col[v].c3, class_alpha(v), CLASSES[k].name);
    }
    mw_text_put(&q, "   </colorPalette>\n  </rasterrenderer>\n </pipe>\n</qgis>\n");
    rc = mw_text_save(&q, qml_path);
    mw_text_free(&q);
    if (rc)
        return -1;
    return 0;
}
