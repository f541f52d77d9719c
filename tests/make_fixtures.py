"""Layer fixtures for tests/verdicts.sh, made from the generated sample.

usage: make_fixtures.py SAMPLE_DIR OUT_DIR

Writes OUT_DIR/fx.gpkg with layers that differ from the sample's own in one
thing each (all in the sample layers' CRS, EPSG:4547), and OUT_DIR/plan.csv:

  lic_dates     valid_from / valid_to written as agencies write them:
                2024年5月1日, 2024/5/1, 2024-5-1, 20240501, 2030/1/1, and a
                valid_from in the future (2024/10/1) with an empty valid_to
  lic_datefield valid_from / valid_to as OGR Date fields
  lic_garbage   one valid_to that is no date ('soon')
  lic_badday    one valid_to that is no day (2024-02-30)
  res_dates     restoration deadlines 2024/5/1, 20240501, 2024年5月1日, 2024-5-1
  lic_bowtie    the licence around P000003 is a bow-tie (figure-eight ring)
                with a spike on one edge; P000003 lies in its left lobe
  lic_inject    holders that a spreadsheet would run as formulas
  lic_long      a holder of 331 bytes (UTF-8), longer than any report cell
  expl_long     the exploration right's holder: 301 bytes
  redline_long  the red line's name: 182 bytes
  plan.csv      a restoration plan with a quoted comma and an empty cell
"""
import os
import sys

from osgeo import ogr, osr

ogr.UseExceptions()
osr.UseExceptions()

P3_LICENCE = "C1404002010121130089263"  # the valid licence P000003 lies in


def copy_layer(src_ds, name, dst_ds, new_name, edit=None, types=None):
    """Copy layer name as new_name; edit(attrs, geom) may change a feature
    (attrs is a dict, geom an OGR geometry; return the geometry);
    types overrides field types ({field: ogr.OFTDate})."""
    src = src_ds.GetLayerByName(name)
    dst = dst_ds.CreateLayer(new_name, src.GetSpatialRef(), ogr.wkbUnknown)
    defn = src.GetLayerDefn()
    names = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    for i, n in enumerate(names):
        t = (types or {}).get(n, defn.GetFieldDefn(i).GetType())
        dst.CreateField(ogr.FieldDefn(n, t))
    for f in src:
        attrs = {n: f.GetField(n) for n in names}
        g = f.GetGeometryRef().Clone()
        if edit:
            g = edit(attrs, g)
        o = ogr.Feature(dst.GetLayerDefn())
        for n in names:
            v = attrs[n]
            if v is None:
                o.SetFieldNull(n)
            elif (types or {}).get(n) == ogr.OFTDate:
                y, m, d = (int(x) for x in v.split("-"))
                o.SetField(n, y, m, d, 0, 0, 0, 0)
            else:
                o.SetField(n, v)
        o.SetGeometry(g)
        dst.CreateFeature(o)


def bowtie(srs):
    """The bow-tie in EPSG:32649 (the scene's CRS), as a geometry in srs.
    Lobes: triangles of 1000 m x 2000 m (1e6 m2 each); the left one holds
    P000003 (689900-690180 E, 4015780-4015960 N); a 300 m spike leaves the
    left edge."""
    x0, xm, x1, ym, h = 689700.0, 690700.0, 691700.0, 4015870.0, 1000.0
    y0, y1 = ym - h, ym + h
    ring = [(x0, y0), (x1, y1), (x1, y0), (x0, y1), (x0, ym), (x0 - 300, ym), (x0, ym), (x0, y0)]
    wkt = "POLYGON((" + ",".join(f"{x} {y}" for x, y in ring) + "))"
    g = ogr.CreateGeometryFromWkt(wkt)
    utm = osr.SpatialReference()
    utm.ImportFromEPSG(32649)
    utm.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    dst = srs.Clone()
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    g.Transform(osr.CoordinateTransformation(utm, dst))
    return g


def main():
    sample, out = sys.argv[1], sys.argv[2]
    src = ogr.Open(os.path.join(sample, "layers.gpkg"))
    path = os.path.join(out, "fx.gpkg")
    if os.path.exists(path):
        os.remove(path)
    ds = ogr.GetDriverByName("GPKG").CreateDataSource(path)

    dates = {
        P3_LICENCE: ("valid_to", "2024年5月1日"),
        "C1404002015091130139972": ("valid_to", "2024/5/1"),
        "C1404002011031130117745": ("valid_to", "2024-5-1"),
        "C1404002020111110150327": ("valid_to", "20240501"),
        "C1404272017081130145530": ("valid_to", "2030/1/1"),
    }

    def edit_dates(a, g):
        if a["licence_id"] in dates:
            k, v = dates[a["licence_id"]]
            a[k] = v
        if a["licence_id"] == "C1404272016051130142118":
            a["valid_from"], a["valid_to"] = "2024/10/1", ""
        return g
    copy_layer(src, "licences", ds, "lic_dates", edit_dates)

    def edit_datefield(a, g):
        if a["licence_id"] == P3_LICENCE:
            a["valid_to"] = "2024-05-01"
        return g
    copy_layer(src, "licences", ds, "lic_datefield", edit_datefield,
               {"valid_from": ogr.OFTDate, "valid_to": ogr.OFTDate})

    def edit_garbage(a, g):
        if a["licence_id"] == "C1404002015091130139972":
            a["valid_to"] = "soon"
        return g
    copy_layer(src, "licences", ds, "lic_garbage", edit_garbage)

    def edit_badday(a, g):
        if a["licence_id"] == "C1404002015091130139972":
            a["valid_to"] = "2024-02-30"
        return g
    copy_layer(src, "licences", ds, "lic_badday", edit_badday)

    deadlines = {"R2": "20240501", "R3": "2024/5/1", "R5": "2024-5-1", "R6": "2024年5月1日"}

    def edit_deadline(a, g):
        a["deadline"] = deadlines.get(a["plot_id"], a["deadline"])
        return g
    copy_layer(src, "restoration", ds, "res_dates", edit_deadline)

    srs = src.GetLayerByName("licences").GetSpatialRef()

    def edit_bowtie(a, g):
        return bowtie(srs) if a["licence_id"] == P3_LICENCE else g
    copy_layer(src, "licences", ds, "lic_bowtie", edit_bowtie)

    inject = {
        P3_LICENCE: '=HYPERLINK("http://x","y")',
        "C1404002012041130124850": "+1",
        "C1404002008061120004517": "-cmd",
        "C1404002013071130131206": "@SUM(A1)",
    }

    def edit_inject(a, g):
        a["holder"] = inject.get(a["licence_id"], a["holder"])
        return g
    copy_layer(src, "licences", ds, "lic_inject", edit_inject)

    def edit_long(a, g):
        if a["licence_id"] == "C1404002015091130139972":
            a["holder"] = "A" + "矿" * 110
        return g
    copy_layer(src, "licences", ds, "lic_long", edit_long)

    def edit_expl(a, g):
        a["holder"] = "A" + "矿" * 100
        return g
    copy_layer(src, "exploration", ds, "expl_long", edit_expl)

    def edit_red(a, g):
        a["name"] = "BB" + "线" * 60
        return g
    copy_layer(src, "redline", ds, "redline_long", edit_red)
    ds = None

    with open(os.path.join(out, "plan.csv"), "w", encoding="utf-8") as f:
        f.write("county_zh,county_en,plots,target_ha\n")
        f.write('上党区,"Shangdang, Changzhi",46,49.55\n')
        f.write("壶关县,,12,30.5\n")
        f.write('"平顺县","Pingshun",42,63.53\n')


if __name__ == "__main__":
    main()
