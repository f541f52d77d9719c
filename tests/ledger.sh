#!/bin/sh
# The ledger across nights: NEW, KNOWN, GROWN, GONE, stable ids, case status
# kept, re-runs idempotent -- on a GeoPackage, and on a real PostgreSQL +
# PostGIS server on loopback when one can be installed (CI, or
# MW_TEST_POSTGIS=1 locally).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
B=${BUILD:-build}
MW=$PWD/$B/minewatch
S=$PWD/samples/generated
TMP=$(mktemp -d)
trap 'chattr -i "$TMP/immutable.gpkg" 2>/dev/null; rm -rf "$TMP"' EXIT

# Night 2's image: t2 with the unlicensed pit grown 10 px east (GROWN);
# night 3 compares t1 with itself: nothing changed, every place is GONE.
$PY - "$S" "$TMP" <<'PY'
import csv, sys
from osgeo import gdal
s, tmp = sys.argv[1], sys.argv[2]
ev = {r["kind"]: r for r in csv.DictReader(open(f"{s}/truth.csv", encoding="utf-8"))}["unlicensed_pit"]
src = gdal.Open(f"{s}/t2.tif")
gt = src.GetGeoTransform()
x0 = int((float(ev["min_x"]) - gt[0]) / gt[1]); x1 = int((float(ev["max_x"]) - gt[0]) / gt[1])
y0 = int((float(ev["max_y"]) - gt[3]) / gt[5]); y1 = int((float(ev["min_y"]) - gt[3]) / gt[5])
dst = gdal.GetDriverByName("GTiff").CreateCopy(f"{tmp}/t3.tif", src, options=["TILED=YES", "COMPRESS=DEFLATE"])
for b in range(1, 6):
    band = dst.GetRasterBand(b)
    pit = band.ReadAsArray(x0, y0, 1, y1 - y0)  # one column of the pit
    for dx in range(10):
        band.WriteArray(pit, x1 + dx, y0)
dst = None
PY
night() { # NAME T2 T2_DATE LEDGER
  sed -e "s#\.\./samples/generated#$S#" -e "s#^t2 *=.*#t2 = $2#" -e "s#^t2_date *=.*#t2_date = $3#" \
    configs/sample.ini >"$TMP/$1.ini"
  $MW scan "$TMP/$1.ini" -o "$TMP/$1_$5" -q --ledger "$4"
}
col() { # FILE COLUMN: the column's values, one per line, in row order
  $PY -c "import csv,sys; print('\n'.join(r[sys.argv[2]] for r in csv.DictReader(open(sys.argv[1], encoding='utf-8-sig'))))" "$1" "$2"
}
ledger_rows() { # LEDGER SQL: the rows, one per line
  ogrinfo -ro -q -sql "$2" "$1" | sed -n 's/^  [a-z_]* ([A-Za-z]*) = //p' | paste -sd' '
}
states() { col "$1" ledger_state | sort | uniq -c | awk '{printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1}'; }

run_ledger() { # LEDGER LABEL
  L=$1; tag=$2
  echo "== ledger on $tag"
  night n1 "$S/t2.tif" 2024-09-20 "$L" "$tag"
  t_eq "$tag night 1: every patch NEW" "NEW=9" "$(states "$TMP/n1_$tag/suspects.csv")"
  ids1=$(col "$TMP/n1_$tag/suspects.csv" ledger_id | sort | tr '\n' ' ')
  t_eq "$tag night 1: ids MW000001..MW000009" "MW000001 MW000002 MW000003 MW000004 MW000005 MW000006 MW000007 MW000008 MW000009 " "$ids1"
  cp "$TMP/n1_$tag/suspects.csv" "$TMP/n1_first.csv"
  night n1 "$S/t2.tif" 2024-09-20 "$L" "$tag"
  t_ok "$tag night 1 again: the same suspects.csv (idempotent)" cmp "$TMP/n1_first.csv" "$TMP/n1_$tag/suspects.csv"
  pit_id=$($PY -c "
import csv
for r in csv.DictReader(open('$TMP/n1_$tag/suspects.csv', encoding='utf-8-sig')):
    if r['rules'] == 'UNLICENSED' and abs(float(r['area_m2']) - 34400) < 1: print(r['ledger_id'])")
  $MW ledger set-status "$pit_id" field_checked --ledger "$L" >/dev/null
  t_eq "$tag set-status on an unknown id exits 7" "7" "$($MW ledger set-status MW999999 closed --ledger "$L" >/dev/null 2>&1; echo $?)"
  # a status set by hand survives a re-run of the pair that reported it
  # (given in Chinese, stored as its code)
  other_id=$(col "$TMP/n1_$tag/suspects.csv" ledger_id | grep -v "^$pit_id\$" | head -1)
  t_eq "$tag set-status takes the Chinese name 已确认" "0" \
    "$($MW ledger set-status "$other_id" 已确认 --ledger "$L" >/dev/null 2>&1; echo $?)"
  night n1 "$S/t2.tif" 2024-09-20 "$L" "$tag"
  statuses=$($PY -c "import csv; [print(r['ledger_id'], r['ledger_state'], r['case_status']) for r in csv.DictReader(open('$TMP/n1_$tag/suspects.csv', encoding='utf-8-sig'))]")
  t_has "$tag night 1 re-run: the status set before it is kept" "$pit_id NEW field_checked" "$statuses"
  t_has "$tag night 1 re-run: the Chinese status stored as its code" "$other_id NEW confirmed" "$statuses"
  t_eq "$tag night 1 re-run: the same ids" "$ids1" "$(col "$TMP/n1_$tag/suspects.csv" ledger_id | sort | tr '\n' ' ')"
  # a run whose reports cannot be published leaves the ledger as it was
  dump() { ogrinfo -ro -al -q "$L" ledger observations 2>&1 | grep -v "^INFO\|^Layer name\|^Metadata\|DBNAME\|^  [A-Z_]*=" ; }
  before=$(dump | md5sum)
  mkdir -p "$TMP/n2_$tag/manifest.json/in_the_way"
  night n2 "$TMP/t3.tif" 2024-10-20 "$L" "$tag" 2>"$TMP/n2_fail.err"
  t_eq "$tag night 2 with a folder in the way of manifest.json: exit 6" "6" "$?"
  t_has "$tag night 2 failed: one line naming it" "n2_$tag/manifest.json: a folder is in the way" "$(cat "$TMP/n2_fail.err")"
  t_eq "$tag night 2 failed: the ledger exactly as it was" "$before" "$(dump | md5sum)"
  rm -rf "$TMP/n2_$tag/manifest.json"
  night n2 "$TMP/t3.tif" 2024-10-20 "$L" "$tag"
  t_eq "$tag night 2: the grown pit GROWN, the rest KNOWN" "GROWN=1 KNOWN=8" "$(states "$TMP/n2_$tag/suspects.csv")"
  t_eq "$tag night 2: ids kept" "$ids1" "$(col "$TMP/n2_$tag/suspects.csv" ledger_id | sort | tr '\n' ' ')"
  t_has "$tag night 2: the case status set by the user is kept" "$pit_id GROWN field_checked" \
    "$($PY -c "import csv; [print(r['ledger_id'], r['ledger_state'], r['case_status']) for r in csv.DictReader(open('$TMP/n2_$tag/suspects.csv', encoding='utf-8-sig'))]")"
  night n3 "$S/t1.tif" 2024-11-20 "$L" "$tag"
  t_eq "$tag night 3: no patches" "1" "$(wc -l <"$TMP/n3_$tag/suspects.csv")"
}

run_ledger "$TMP/ledger.gpkg" gpkg
gone=$(ogrinfo -q -sql "SELECT count(*) AS n FROM observations WHERE state = 'GONE' AND run = '2024-05-15/2024-11-20'" "$TMP/ledger.gpkg" | sed -n 's/.*n (Integer) = //p')
t_eq "gpkg night 3: every place GONE" "9" "$gone"

echo "== only a minewatch ledger is used as one"
cp "$S/layers.gpkg" "$TMP/other.gpkg"
sum_before=$(md5sum <"$TMP/other.gpkg")
$MW scan configs/sample.ini -o "$TMP/other_out" -q --ledger "$TMP/other.gpkg" 2>"$TMP/other.err"
t_eq "scan --ledger on a copy of layers.gpkg: exit 7" "7" "$?"
t_eq "and one line" "1" "$(wc -l <"$TMP/other.err")"
t_eq "and the file is left as it was" "$sum_before" "$(md5sum <"$TMP/other.gpkg")"
$MW scan configs/sample.ini -o "$TMP/other_out" --ledger "$TMP/other.gpkg" 2>"$TMP/other.log"
t_eq "refused before the scan's work: ledger_check is the last stage begun" "ledger_check" \
  "$(sed -n 's/^[0-9TZ:-]* minewatch \([a-z_]*\)$/\1/p' "$TMP/other.log" | tail -1)"
: >"$TMP/empty.gpkg"
t_ok "an empty file becomes a ledger" $MW scan configs/sample.ini -o "$TMP/empty_out" -q --ledger "$TMP/empty.gpkg"
t_eq "with the marker and its schema version" "2" \
  "$(ogrinfo -ro -q -sql "SELECT schema_version FROM minewatch_ledger" "$TMP/empty.gpkg" | sed -n 's/.*schema_version (Integer) = //p')"
t_ok "a ledger with the marker opens again" $MW ledger set-status MW000001 closed --ledger "$TMP/empty.gpkg"

$MW ledger set-status MW000001 closed --ledger "$TMP/no_such.gpkg" 2>"$TMP/nosuch.err"
t_eq "set-status on a path that does not exist: exit 7" "7" "$?"
t_eq "and one line" "1" "$(wc -l <"$TMP/nosuch.err")"
t_eq "and nothing made there (no ledger, no lock file)" "" "$(ls "$TMP" | grep '^no_such' || true)"

echo "== a ledger made before the marker and the run identity"
# its two tables with the columns of then: it is marked and gets the new
# columns; a re-run of its pair replaces that pair's rows, as then
ogr2ogr -f GPKG "$TMP/old.gpkg" "$TMP/empty.gpkg" -sql "SELECT ledger_id, first_run, case_status, first_area_m2, geom FROM ledger" -nln ledger
ogr2ogr -update -f GPKG "$TMP/old.gpkg" "$TMP/empty.gpkg" -nln observations \
  -sql "SELECT ledger_id, run, patch_id, state, area_m2, rules, licence_id FROM observations"
old_id=$(ledger_rows "$TMP/old.gpkg" "SELECT ledger_id FROM ledger WHERE case_status = 'reported' ORDER BY ledger_id LIMIT 1")
t_ok "set-status on it" $MW ledger set-status "$old_id" dismissed --ledger "$TMP/old.gpkg"
$MW scan configs/sample.ini -o "$TMP/old_out" -q --ledger "$TMP/old.gpkg"
t_eq "a re-run of its pair: exit 0" "0" "$?"
t_eq "its places found again, NEW as then" "NEW=9" "$(states "$TMP/old_out/suspects.csv")"
t_has "the status kept" "$old_id NEW dismissed" \
  "$($PY -c "import csv; [print(r['ledger_id'], r['ledger_state'], r['case_status']) for r in csv.DictReader(open('$TMP/old_out/suspects.csv', encoding='utf-8-sig'))]")"
t_eq "the pair's observations replaced, not doubled" "9" "$(ledger_rows "$TMP/old.gpkg" "SELECT count(*) AS n FROM observations")"
t_eq "and marked" "2" "$(ledger_rows "$TMP/old.gpkg" "SELECT schema_version FROM minewatch_ledger")"

echo "== a ledger that cannot be written: one line"
cp "$TMP/empty.gpkg" "$TMP/immutable.gpkg"
if chattr +i "$TMP/immutable.gpkg" 2>/dev/null; then
  $MW ledger set-status MW000001 closed --ledger "$TMP/immutable.gpkg" >/dev/null 2>"$TMP/imm1.err"
  t_eq "set-status on an immutable ledger: exit 7" "7" "$?"
  t_eq "set-status on an immutable ledger: one line" "1" "$(wc -l <"$TMP/imm1.err")"
  t_has "which says so" "immutable.gpkg: the ledger cannot be opened for writing (" "$(cat "$TMP/imm1.err")"
  $MW scan configs/sample.ini -o "$TMP/imm_out" --ledger "$TMP/immutable.gpkg" >/dev/null 2>"$TMP/imm2.err"
  t_eq "a scan with an immutable ledger: exit 7" "7" "$?"
  t_eq "a scan with an immutable ledger, without -q: its error is one line" "1" "$(grep -vc '^[0-9-]*T[0-9:]*Z minewatch ' "$TMP/imm2.err")"
  chattr -i "$TMP/immutable.gpkg"
else
  echo "skip  immutable ledger (chattr +i refused here)"
fi

echo "== two areas on the same dates"
area_cfg() { # NAME AREA T1 T2: the sample's config with [scene] area (none if empty) and inputs
  sed -e "s#\.\./samples/generated#$S#" -e "s#^t1 *=.*#t1 = $3#" -e "s#^t2 *=.*#t2 = $4#" \
    configs/sample.ini >"$TMP/$1.ini"
  [ -n "$2" ] && sed -i "s#^\[scene\]#[scene]\narea = $2#" "$TMP/$1.ini"
  return 0
}
for mode in key footprint; do
  L2=$TMP/areas_$mode.gpkg
  if [ $mode = key ]; then # the same images under two area ids
    area_cfg a1 north "$S/t1.tif" "$S/t2.tif"; area_cfg a2 south "$S/t1.tif" "$S/t2.tif"
  else # two tiles of one date: no area key, the footprints differ
    gdal_translate -q -srcwin 0 0 1000 2000 "$S/t1.tif" "$TMP/t1_west.tif"
    gdal_translate -q -srcwin 0 0 1000 2000 "$S/t2.tif" "$TMP/t2_west.tif"
    area_cfg a1 "" "$S/t1.tif" "$S/t2.tif"; area_cfg a2 "" "$TMP/t1_west.tif" "$TMP/t2_west.tif"
  fi
  $MW scan "$TMP/a1.ini" -o "$TMP/a1_$mode" -q --ledger "$L2"
  a_ids=$(col "$TMP/a1_$mode/suspects.csv" ledger_id | sort | paste -sd' ')
  a_pit=$(col "$TMP/a1_$mode/suspects.csv" ledger_id | sed -n 1p)
  $MW ledger set-status "$a_pit" confirmed --ledger "$L2" >/dev/null
  a_before=$(ledger_rows "$L2" "SELECT ledger_id, case_status, first_area_m2 FROM ledger ORDER BY ledger_id")
  $MW scan "$TMP/a2.ini" -o "$TMP/a2_$mode" -q --ledger "$L2"
  t_eq "$mode: the second area's scan exits 0" "0" "$?"
  t_ok "$mode: the second area has patches" test "$(wc -l <"$TMP/a2_$mode/suspects.csv")" -gt 1
  b_ids=$(col "$TMP/a2_$mode/suspects.csv" ledger_id | sort | paste -sd' ')
  t_eq "$mode: the second area's places are all NEW" "$(col "$TMP/a2_$mode/suspects.csv" ledger_id | wc -l)" \
    "$(col "$TMP/a2_$mode/suspects.csv" ledger_state | grep -c '^NEW$')"
  t_eq "$mode: the first area's places and statuses untouched" "$a_before" \
    "$(ledger_rows "$L2" "SELECT ledger_id, case_status, first_area_m2 FROM ledger WHERE ledger_id IN ('$(echo "$a_ids" | sed "s/ /','/g")') ORDER BY ledger_id")"
  t_has "$mode: the status set on the first area is kept" "$a_pit confirmed" \
    "$(ledger_rows "$L2" "SELECT ledger_id, case_status FROM ledger WHERE ledger_id = '$a_pit'")"
  t_eq "$mode: ids unique across the areas" "$(ledger_rows "$L2" "SELECT count(*) AS n FROM ledger")" \
    "$(ledger_rows "$L2" "SELECT count(DISTINCT ledger_id) AS n FROM ledger")"
  t_eq "$mode: the second area's ids are new ones" "" \
    "$(printf '%s\n' $a_ids $b_ids | sort | uniq -d | paste -sd' ')"
  # and a re-run of the first area still finds its places, the status kept
  $MW scan "$TMP/a1.ini" -o "$TMP/a1_$mode" -q --ledger "$L2"
  t_eq "$mode: the first area re-run: its ids" "$a_ids" "$(col "$TMP/a1_$mode/suspects.csv" ledger_id | sort | paste -sd' ')"
done

# -- PostgreSQL + PostGIS ------------------------------------------------
if [ "${CI:-}" = true ] || [ "${MW_TEST_POSTGIS:-}" = 1 ]; then
  if scripts/postgis.sh start >"$TMP/pg.log" 2>&1; then
    PG="PG:host=127.0.0.1 port=54329 dbname=minewatch user=minewatch password=minewatch"
    run_ledger "$PG" postgis
    scripts/postgis.sh stop >/dev/null 2>&1
  else
    t_fail "PostgreSQL + PostGIS started" "$(tail -5 "$TMP/pg.log")"
  fi
else
  echo "skip  PostGIS ledger (set MW_TEST_POSTGIS=1; CI runs it)"
fi

t_summary
