"""suspects.xlsx of a run without patches: one sheet (the province) with its
header row alone, frozen, filtered.

usage: check_xlsx_empty.py SUSPECTS.xlsx
"""
import re
import sys
import zipfile


def main():
    z = zipfile.ZipFile(sys.argv[1])
    sheets = sorted(n for n in z.namelist() if re.match(r"xl/worksheets/sheet\d+\.xml$", n))
    ok = True
    def check(name, cond, detail=""):
        nonlocal ok
        print(("ok    " if cond else "FAIL  ") + name + ("" if cond else ": " + str(detail)))
        ok = ok and cond
    check("0 patches: one sheet", len(sheets) == 1, sheets)
    xml = z.read(sheets[0]).decode()
    rows = re.findall(r"<row ", xml)
    check("0 patches: the header row alone", len(rows) == 1, len(rows))
    check("0 patches: header frozen, autofilter on it",
          'state="frozen"' in xml and re.search(r'<autoFilter ref="A1:[A-Z]+1"', xml) is not None)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
