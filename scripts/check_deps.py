#!/usr/bin/env python3
"""check_deps.py - the rooms of the program include one way (issue 14).

    scripts/check_deps.py [ROOT] [--graph]

The order, lowest first: kernels, then pipeline/core, ingest, survey, tiles,
patches, rules, reports, ops, and pipeline/*.c (main.c, cli.c) on top.  A file may
include the headers of its own room and of the rooms below it, never of a
room above (docs/architecture.md, "The one-way rule").  Headers are named by
file name alone ("tiles.h": every room is on the include path), so names are
unique across rooms: a name in two rooms is an error too.  A header that is
in no room (a library's, "gdal.h") is not checked.

Prints one line per breach and exits 1, else a summary (with --graph: the
room-to-room includes that exist) and exits 0.  Run by tests/selftest.sh.
"""
import os
import re
import sys

ORDER = ["kernels", "core", "ingest", "survey", "tiles", "patches", "rules", "reports", "ops",
         "main"]
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def room_of(rel):
    parts = rel.split(os.sep)
    if parts[0] == "kernels":
        return "kernels"
    if parts[0] == "pipeline":
        return parts[1] if len(parts) > 2 else "main"
    return None


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    root = args[0] if args else "."
    graph = "--graph" in sys.argv
    files, where, bad = [], {}, []
    for top in ("kernels", "pipeline"):
        for dirpath, _, names in os.walk(os.path.join(root, top)):
            for n in sorted(names):
                if n.endswith((".c", ".h")):
                    rel = os.path.relpath(os.path.join(dirpath, n), root)
                    room = room_of(rel)
                    if room not in ORDER:
                        bad.append(f"{rel}: in no room of the order ({', '.join(ORDER)})")
                        continue
                    files.append((rel, room))
                    if n.endswith(".h"):
                        if n in where and where[n] != room:
                            bad.append(f"{rel}: header name also in {where[n]}/")
                        where[n] = room
    edges = {}
    for rel, room in files:
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            text = f.read()
        for h in INCLUDE.findall(text):
            to = where.get(os.path.basename(h))
            if to is None:
                continue
            if ORDER.index(to) > ORDER.index(room):
                bad.append(f"{rel}: includes {h} of {to}/, a room above {room}/")
            if to != room:
                edges.setdefault((room, to), set()).add(f"{os.path.basename(rel)} -> {h}")
    for b in bad:
        print(b)
    if bad:
        return 1
    if graph:
        for (a, b), why in sorted(edges.items(), key=lambda e: (ORDER.index(e[0][0]),
                                                               ORDER.index(e[0][1]))):
            print(f"{a} -> {b}: {', '.join(sorted(why))}")
    print(f"check_deps: {len(files)} files, includes one way "
          f"({' <- '.join(ORDER)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
