"""Write a scan configuration: configs/sample.ini with changes.

usage: mkcfg.py OUT.ini [SECTION.KEY=VALUE ...]

Paths of the sample configuration are made absolute (so OUT.ini may live
anywhere); VALUE replaces the key (a new key or section is added); an empty
VALUE with SECTION.KEY=- removes the key, SECTION.=- the whole section.
"""
import configparser
import os
import sys

PATH_KEYS = ("path", "t1", "t2", "plan", "dir")


def main():
    here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "configs")
    cp = configparser.ConfigParser(inline_comment_prefixes=(";",), interpolation=None)
    cp.optionxform = str
    cp.read(os.path.join(here, "sample.ini"), encoding="utf-8")
    for s in cp.sections():
        for k in PATH_KEYS:
            if k in cp[s] and cp[s][k]:
                cp[s][k] = os.path.normpath(os.path.join(here, cp[s][k]))
    for arg in sys.argv[2:]:
        key, value = arg.split("=", 1)
        sec, k = key.split(".", 1)
        if value == "-":
            if k:
                cp.remove_option(sec, k)
            else:
                cp.remove_section(sec)
            continue
        if not cp.has_section(sec):
            cp.add_section(sec)
        cp[sec][k] = value
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        cp.write(f)


if __name__ == "__main__":
    main()
