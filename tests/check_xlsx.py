"""Read suspects.xlsx back (zipfile + xml, no third-party module) against
suspects.csv of the same run.

usage: check_xlsx.py RUN_DIR LANG [LICENCE_ID]

Checks: sheet names (the province first, then one per county), every
header (Chinese in zh), the English code column after each translated one,
the coded values translated, numbers as numbers, dates as date serials with
a date format, ids as text (LICENCE_ID, when given, must be a text cell
with exactly that value), frozen header, column widths, an autofilter, the
county sheets' rows adding up to the province's.
"""
import csv
import datetime
import os
import re
import sys
import zipfile
import xml.etree.ElementTree as ET

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}
RID = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
failed = 0


def check(name, cond, detail=""):
    global failed
    if cond:
        print("ok    " + name)
    else:
        failed += 1
        print("FAIL  " + name + (": " + str(detail) if detail else ""))


def col_index(ref):
    letters = re.match(r"[A-Z]+", ref).group(0)
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def main():
    run, lang = sys.argv[1], sys.argv[2]
    want_id = sys.argv[3] if len(sys.argv) > 3 else None
    zh = lang == "zh"
    rows = list(csv.DictReader(open(os.path.join(run, "suspects.csv"), encoding="utf-8-sig")))
    if zh:  # suspects.csv's Chinese headers, for the columns checked here
        en = {"图斑编号": "patch_id", "违法类型": "rules", "许可证号": "licence_id",
              "面积(平方米)": "area_m2", "县(区)": "county", "行政区划代码": "county_code",
              "前时相日期": "t1_date"}
        rows = [{en.get(k, k): v for k, v in r.items()} for r in rows]
    z = zipfile.ZipFile(os.path.join(run, "suspects.xlsx"))
    wb = ET.fromstring(z.read("xl/workbook.xml"))
    rels = ET.fromstring(z.read("xl/_rels/workbook.xml.rels"))
    target = {r.get("Id"): r.get("Target") for r in rels}
    sheets = [(s.get("name"), "xl/" + target[s.get(RID)]) for s in wb.find("m:sheets", NS)]
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall("m:si", NS):
            shared.append("".join(t.text or "" for t in si.iter("{%s}t" % NS["m"])))
    styles = ET.fromstring(z.read("xl/styles.xml"))
    numfmts = {n.get("numFmtId"): n.get("formatCode")
               for n in styles.iter("{%s}numFmt" % NS["m"])}
    xfs = [x.get("numFmtId") for x in styles.find("m:cellXfs", NS)]

    counties = sorted({(r["county_code"], r["county"]) for r in rows},
                      key=lambda k: (k[0] == "", k[0], k[1]))
    want_names = ["全省" if zh else "province"] + [
        c[1] or ("未落入县区" if zh else "no county") for c in counties]
    check(f"sheets: {want_names}", [s[0] for s in sheets] == want_names,
          [s[0] for s in sheets])

    def read_sheet(path):
        root = ET.fromstring(z.read(path))
        out = []
        for row in root.find("m:sheetData", NS):
            cells = {}
            for c in row:
                t = c.get("t", "n")
                v = c.find("m:v", NS)
                if t == "s":
                    val = shared[int(v.text)]
                elif t == "inlineStr":
                    val = "".join(x.text or "" for x in c.iter("{%s}t" % NS["m"]))
                else:
                    val = v.text if v is not None else None
                cells[col_index(c.get("r"))] = (t, val, int(c.get("s", "0")))
            out.append(cells)
        return root, out

    root, prov = read_sheet(sheets[0][1])
    header = [prov[0][i][1] for i in range(len(prov[0]))]
    check("province sheet: a header row and one row per suspects.csv row",
          len(prov) == len(rows) + 1, (len(prov), len(rows)))
    csv_header = list(rows[0].keys()) if rows else []
    if zh:
        for en, cn in (("patch_id", "图斑编号"), ("rules", "违法类型"), ("licence_id", "许可证号"),
                       ("area_m2", "面积(平方米)"), ("county_code", "行政区划代码"),
                       ("licence_status", "许可证状态"), ("t1_date", "前时相日期")):
            check(f"zh header {cn}", cn in header, header)
        check("zh: the English code column 'rules' follows 违法类型",
              header.index("rules") == header.index("违法类型") + 1, header)
        check("zh: the English code column 'licence_status' follows 许可证状态",
              header.index("licence_status") == header.index("许可证状态") + 1, header)
        check("zh: no header left in English but the code columns",
              all(not re.match(r"^[a-z_0-9]+$", h) or h in ("rules", "finding", "licence_status",
                                                            "ledger_state", "case_status",
                                                            "confidence_level")
                  for h in header), [h for h in header if re.match(r"^[a-z_0-9]+$", h)])
    else:
        check("en header = suspects.csv header", header == csv_header, (header, csv_header))

    def colof(en_or_cn):
        return header.index(en_or_cn)

    c_id = colof("图斑编号" if zh else "patch_id")
    c_area = colof("面积(平方米)" if zh else "area_m2")
    c_lic = colof("许可证号" if zh else "licence_id")
    c_t1 = colof("前时相日期" if zh else "t1_date")
    c_rules = colof("违法类型" if zh else "rules")
    c_code = colof("rules")
    c_status = colof("许可证状态" if zh else "licence_status")
    by_id = {r["patch_id"]: r for r in rows}
    bad_num = bad_date = bad_text = bad_rule = 0
    t1 = datetime.date.fromisoformat(rows[0]["t1_date"]) if rows else None
    serial = (t1 - datetime.date(1899, 12, 30)).days if t1 else None
    for cells in prov[1:]:
        pid = cells[c_id]
        r = by_id.get(pid[1])
        if pid[0] not in ("s", "inlineStr") or r is None:
            bad_text += 1
            continue
        a = cells.get(c_area)
        if not a or a[0] != "n" or abs(float(a[1]) - float(r["area_m2"])) > 1e-6:
            bad_num += 1
        d = cells.get(c_t1)
        fmt = numfmts.get(xfs[d[2]]) if d else None
        if not d or d[0] != "n" or int(float(d[1])) != serial or fmt != "yyyy-mm-dd":
            bad_date += 1
        if r["licence_id"]:
            lc = cells.get(c_lic)
            if not lc or lc[0] not in ("s", "inlineStr") or lc[1] != r["licence_id"]:
                bad_text += 1
        if zh and r["rules"]:
            code = cells.get(c_code)
            if not code or code[1] != r["rules"] or cells[c_rules][1] == r["rules"]:
                bad_rule += 1
    check("areas are number cells equal to suspects.csv's", bad_num == 0 and rows, bad_num)
    check(f"t1_date is a date cell (serial {serial}, format yyyy-mm-dd)", bad_date == 0 and rows,
          bad_date)
    check("patch ids and licence ids are text cells equal to suspects.csv's", bad_text == 0,
          bad_text)
    if zh:
        check("zh: rules translated, the English codes in column 'rules'", bad_rule == 0, bad_rule)
        red = [c for c in prov[1:] if c.get(c_code, (0, ""))[1] == "RED_LINE"]
        check("zh: RED_LINE reads 生态保护红线", red and red[0][c_rules][1] == "生态保护红线",
              red and red[0][c_rules])
        ob = [c for c in prov[1:] if c.get(c_code, (0, ""))[1] == "OUT_OF_BOUNDS"]
        check("zh: OUT_OF_BOUNDS reads 越界开采", ob and ob[0][c_rules][1] == "越界开采",
              ob and ob[0][c_rules])
        st = {c[c_status][1] for c in prov[1:] if c_status in c}
        check("zh: licence status valid/expired read 有效/已过期",
              st and st <= {"有效", "已过期", "探矿权"} and "有效" in st, st)
    if want_id:
        hits = [c[c_lic] for c in prov[1:] if c.get(c_lic, (0, None))[1] == want_id]
        check(f"the 22-digit licence number {want_id} is a text cell, as written",
              len(hits) == 1 and hits[0][0] in ("s", "inlineStr"), hits)
    xml = z.read(sheets[0][1]).decode()
    check("header frozen (row 1, column A)", 'ySplit="1"' in xml and 'state="frozen"' in xml)
    check("autofilter over the header and every row",
          re.search(r'<autoFilter ref="A1:[A-Z]+%d"' % (len(rows) + 1), xml) is not None,
          re.findall(r"<autoFilter[^>]*>", xml))
    widths = [float(w) for w in re.findall(r'<col [^>]*width="([0-9.]+)"', xml)]
    check("every column has a width", len(widths) == len(header), (len(widths), len(header)))
    n = 0
    for name, path in sheets[1:]:
        _, cells = read_sheet(path)
        n += len(cells) - 1
        k = counties[[s[0] for s in sheets[1:]].index(name)]
        want = sum(1 for r in rows if (r["county_code"], r["county"]) == k)
        check(f"sheet {name}: {want} rows", len(cells) - 1 == want, len(cells) - 1)
    check("the county sheets hold every row once", n == len(rows), (n, len(rows)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
