"""QGIS's view of a run: the layer_styles table of patches.gpkg read back with
OGR, its QML and SLD parsed; change.tif's category names and attribute table
(gdalinfo's JSON) and change.qml.

usage: check_styles.py RUN_DIR
"""
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

from osgeo import gdal, ogr

gdal.UseExceptions()
failed = 0


def check(name, cond, detail=""):
    global failed
    if cond:
        print("ok    " + name)
    else:
        failed += 1
        print("FAIL  " + name + (": " + str(detail) if detail else ""))


def main():
    run = sys.argv[1]
    ds = ogr.Open(os.path.join(run, "patches.gpkg"))
    lyr = ds.GetLayerByName("layer_styles")
    check("patches.gpkg has a layer_styles table", lyr is not None)
    if lyr is None:
        return 1
    defn = lyr.GetLayerDefn()
    cols = [defn.GetFieldDefn(i).GetName() for i in range(defn.GetFieldCount())]
    want = ["f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column",
            "styleName", "styleQML", "styleSLD", "useAsDefault", "description", "owner",
            "ui", "update_time"]
    check("layer_styles has QGIS's columns", cols == want, cols)
    check("its key column is id (QGIS's schema)", lyr.GetFIDColumn() == "id", lyr.GetFIDColumn())
    rows = {f.GetField("f_table_name"): f for f in lyr}
    check("one default style each for patches, licences and restoration",
          sorted(rows) == ["licences", "patches", "restoration"]
          and all(f.GetField("useAsDefault") == 1 for f in rows.values()), sorted(rows))
    p = rows.get("patches")
    if p is None:
        return 1
    check("the patches style names the geometry column", p.GetField("f_geometry_column")
          == ds.GetLayerByName("patches").GetGeometryColumn())
    q = ET.fromstring(p.GetField("styleQML"))
    r = q.find("renderer-v2")
    check("patches QML: categorized on severity (the worst rule)",
          r is not None and r.get("type") == "categorizedSymbol" and r.get("attr") == "severity")
    cats = {c.get("value"): c.get("label") for c in r.iter("category")}
    check("patches QML: 8 categories, 7 = RED_LINE 生态保护红线, 3 = OUT_OF_BOUNDS 越界开采",
          len(cats) == 8 and cats.get("7") == "RED_LINE 生态保护红线"
          and cats.get("3") == "OUT_OF_BOUNDS 越界开采", cats)
    syms = r.find("symbols").findall("symbol")
    check("patches QML: one fill symbol per category", len(syms) == 8 and all(
        s.get("type") == "fill" for s in syms))
    sld = ET.fromstring(p.GetField("styleSLD"))
    ns = {"se": "http://www.opengis.net/se", "ogc": "http://www.opengis.net/ogc"}
    rules = sld.findall(".//se:Rule", ns)
    check("patches SLD: 8 rules filtered on severity", len(rules) == 8 and all(
        x.find(".//ogc:PropertyName", ns).text == "severity" for x in rules), len(rules))
    lq = ET.fromstring(rows["licences"].GetField("styleQML"))
    props = {pr.get("k"): pr.get("v") for pr in lq.iter("prop")}
    check("licences QML: outlined (no fill)", props.get("style") == "no", props)
    ts = lq.find("labeling/settings/text-style")
    check("licences QML: labelled with licence_id", lq.get("labelsEnabled") == "1"
          and ts is not None and ts.get("fieldName") == "licence_id")
    ls = ET.fromstring(rows["licences"].GetField("styleSLD"))
    check("licences SLD: a label on licence_id",
          ls.find(".//se:TextSymbolizer/se:Label/ogc:PropertyName", ns).text == "licence_id")

    tif = os.path.join(run, "change.tif")
    info = json.loads(subprocess.run(["gdalinfo", "-json", tif], capture_output=True,
                                     check=True).stdout)
    band = info["bands"][0]
    check("change.tif: category names (0 no change ... 3 disturbance, 255 masked)",
          band.get("categories", [])[:4] == ["no change", "vegetation loss", "bare-ground gain",
                                             "disturbance"]
          and band["categories"][255] == "masked", band.get("categories", [])[:6])
    rat = info.get("rat") or band.get("rat")
    if rat:
        names = [f["name"] for f in rat["fieldDefn"]]
        rows_ = {r_["f"][0]: dict(zip(names, r_["f"])) for r_ in rat["row"]}
        check("change.tif: attribute table, class 0 alpha 0, class 3 opaque red",
              rows_[0]["alpha"] == 0 and rows_[0]["class"] == "no change"
              and (rows_[3]["red"], rows_[3]["alpha"]) == (230, 255), rows_)
    else:
        check("change.tif: a raster attribute table", False, list(band))
    aux = tif + ".aux.xml"
    os.rename(aux, aux + ".off")
    bare = json.loads(subprocess.run(["gdalinfo", "-json", tif], capture_output=True,
                                     check=True).stdout)["bands"][0]
    os.rename(aux + ".off", aux)
    check("the TIFF itself is untouched: no category names without change.tif.aux.xml",
          "categories" not in bare and bare["colorTable"]["count"] == 256)
    cq = ET.parse(os.path.join(run, "change.qml")).getroot()
    rr = cq.find("pipe/rasterrenderer")
    pal = {e.get("value"): e for e in rr.iter("paletteEntry")}
    check("change.qml: paletted, class 0 and 255 transparent, class 3 opaque #e60000",
          rr.get("type") == "paletted" and pal["0"].get("alpha") == "0"
          and pal["255"].get("alpha") == "0" and pal["3"].get("alpha") == "255"
          and pal["3"].get("color") == "#e60000", {k: v.attrib for k, v in pal.items()})
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
