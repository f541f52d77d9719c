"""Read and damage the resume journals of a scan (pipeline/tiles/journal.h,
pipeline/tiles/tile_journal.c mw_tile_pack), for tests/bad_input.sh.

  resume_journal.py count DIR           whole records in DIR/tiles-*.journal
  resume_journal.py damage DIR MODE     damage one record; prints the number
                                        of records a reader still finds whole
                                        and true (the tiles a re-run resumes)

A record: "MWJ2" u32 crc, u64 key, u64 length, payload, u64 length, "MWJ$"
u32 0; crc = CRC-32 (zlib.crc32) of key and length (little-endian u64) then
the payload.  ("MWJ1", the format before the CRC, is framed the same with 0
for the CRC: read too, so that the tests can be run against older builds.)
A payload (a packed tile): i32 x0, y0, w, h, ncomp; u64 counts[256];
ncomp components of sizeof(mw_comp) bytes (pipeline/tiles/tiles.h; 120 today); u32 edge labels
top[w], bottom[w], left[h], right[h]; the w x h class codes.

MODE:
  payload   flip a bit in the class codes of a record
  header    flip a bit in the length of a record's header (the framing of
            that record and of everything after it in its file is lost)
  truncate  cut a journal in the middle of its last record
  label     set the edge labels of a record with a component on its edge
            far beyond its component count, and fix the CRC so that the
            record passes it
  sums      add 1 to the column sum of a component (its mean column moves
            by less than a pixel, within its box), and fix the CRC
"""
import glob
import struct
import sys
import zlib

MAGICS = (0x324A574D, 0x314A574D)  # MWJ2, MWJ1
TAIL = 0x244A574D
HEAD = 24
FRAME = 40
COMP = 120  # sizeof(mw_comp) today; tile_layout measures it


def records(path):
    """[(offset, key, length)] of the whole records of one journal."""
    b = open(path, "rb").read()
    out, at = [], 0
    while at + FRAME <= len(b):
        magic, _, key, ln = struct.unpack_from("<IIQQ", b, at)
        if magic not in MAGICS or at + FRAME + ln > len(b):
            break
        tl, tm, _ = struct.unpack_from("<QII", b, at + HEAD + ln)
        if tm != TAIL or tl != ln:
            break
        out.append((at, key, ln))
        at += FRAME + ln
    return out


def journals(d):
    return sorted(glob.glob(d + "/tiles-*.journal"))


def count(d):
    return sum(len(records(p)) for p in journals(d))


def fix_crc(b, at):
    _, _, key, ln = struct.unpack_from("<IIQQ", b, at)
    crc = zlib.crc32(struct.pack("<QQ", key, ln))
    crc = zlib.crc32(bytes(b[at + HEAD:at + HEAD + ln]), crc)
    struct.pack_into("<I", b, at + 4, crc)


def tile_layout(b, at):
    """Offsets of the parts of the packed tile of the record at `at`.  The
    size of a component is what the record's length leaves for them (COMP
    when it holds none), so the layout follows mw_comp as it grows."""
    p = at + HEAD
    ln = struct.unpack_from("<IIQQ", b, at)[3]
    x0, y0, w, h, ncomp = struct.unpack_from("<5i", b, p)
    comp = COMP
    if ncomp > 0:
        rest = ln - 20 - 256 * 8 - 4 * (2 * w + 2 * h) - w * h
        if rest % ncomp:
            sys.exit("resume_journal.py: a record of %d bytes does not hold %d components"
                     % (ln, ncomp))
        comp = rest // ncomp
    edges = p + 20 + 256 * 8 + ncomp * comp
    return {"w": w, "h": h, "ncomp": ncomp, "edges": edges,
            "core": edges + 4 * (2 * w + 2 * h)}


def damage(d, mode):
    files = journals(d)
    total = count(d)
    # the journal with the most records, and a record in its middle
    path = max(files, key=lambda p: len(records(p)))
    recs = records(path)
    b = bytearray(open(path, "rb").read())
    if mode == "truncate":
        at, _, ln = recs[-1]
        open(path, "wb").write(b[:at + FRAME // 2 + ln // 2])
        return total - 1
    if mode == "header":
        k = len(recs) // 2
        b[recs[k][0] + 18] ^= 0x40  # the length: 4 MB more than the file holds
        open(path, "wb").write(b)
        return total - (len(recs) - k)
    if mode == "payload":
        at, _, ln = recs[len(recs) // 2]
        b[tile_layout(b, at)["core"] + 100] ^= 0x04
        open(path, "wb").write(b)
        return total - 1
    # label, sums: a record with a component (on an edge: label), in any
    # journal
    for path in files:
        b = bytearray(open(path, "rb").read())
        for at, _, _ in records(path):
            t = tile_layout(b, at)
            n = 2 * t["w"] + 2 * t["h"]
            labels = struct.unpack_from("<%dI" % n, b, t["edges"])
            if mode == "label" and any(labels):
                for i, v in enumerate(labels):  # where a component meets the edge
                    if v:
                        struct.pack_into("<I", b, t["edges"] + 4 * i, 0x40000000)
            elif mode == "sums" and t["ncomp"] >= 1:
                comp = at + HEAD + 20 + 256 * 8  # the first component
                npx, sum_col = struct.unpack_from("<qq", b, comp + 8)
                if npx < 2:
                    continue
                struct.pack_into("<q", b, comp + 16, sum_col + 1)
            else:
                continue
            fix_crc(b, at)
            open(path, "wb").write(b)
            return total - 1
    sys.exit("resume_journal.py: no record to damage that way (%s)" % mode)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "count":
        print(count(sys.argv[2]))
    elif len(sys.argv) == 4 and sys.argv[1] == "damage":
        print(damage(sys.argv[2], sys.argv[3]))
    else:
        sys.exit(__doc__)
