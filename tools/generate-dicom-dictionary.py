#!/usr/bin/python3
"""Generate src/Trabecula.Dicom/Dictionary/dicom-dictionary.tsv from dcmtk's dicom.dic.

Usage: generate-dicom-dictionary.py [DICOM_DIC] [OUT_TSV]
  DICOM_DIC defaults to /usr/share/libdcmtk17/dicom.dic (Debian package libdcmtk17),
  OUT_TSV to the embedded resource beside this repository's library; "-" writes to stdout.

Output, one entry a line, tab separated, sorted by tag:
  TAG  VR  VM  KEYWORD  RETIRED
TAG is eight hex digits, group then element; a repeating group or element range is written with
"xx" for the varying byte (6000-60FF,3000 -> 60xx3000; 0020,3100-31FF -> 002031xx).
dcmtk's pseudo VRs are mapped to the VR a reader without VR information should assume
(xs -> US, ox/px/lt -> OW, up -> UL). Generic, illegal and private-range lines are left out:
the library handles group lengths and private creators by rule. RETIRED is 1 for retired entries,
whose "RETIRED_" keyword prefix is dropped.
"""
import os
import re
import sys

PSEUDO_VR = {"xs": "US", "ox": "OW", "px": "OW", "lt": "OW", "up": "UL"}
LINE = re.compile(r"^\(([0-9A-Fa-f]{4})(?:-([ou]-)?([0-9A-Fa-f]{4}))?,([0-9A-Fa-f]{4})(?:-([ou]-)?([0-9A-Fa-f]{4}))?\)$")


def mask(low, high):
    """'6000','60FF' -> '60xx'; fails for ranges that are not one whole low byte."""
    if low == high:
        return low
    if low[:2] != high[:2] or low[2:] != "00" or high[2:] != "FF":
        raise SystemExit("unsupported range %s-%s" % (low, high))
    return low[:2] + "xx"


def convert(lines):
    rows = []
    for raw in lines:
        line = raw.rstrip("\n")
        if not line or line.startswith("#"):
            continue
        cols = line.split("\t")
        if len(cols) < 5:
            raise SystemExit("bad line: %r" % line)
        tag, vr, keyword, vm, version = cols[:5]
        if version in ("GENERIC", "ILLEGAL", "PRIVATE") or vr == "na":
            continue
        m = LINE.match(tag)
        if not m:
            raise SystemExit("bad tag: %r" % tag)
        g1, gmod, g2, e1, emod, e2 = m.groups()
        if gmod or emod:
            raise SystemExit("unexpected parity range: %r" % tag)
        group = mask(g1.upper(), (g2 or g1).upper())
        element = mask(e1.upper(), (e2 or e1).upper())
        retired = "1" if version.endswith("/retired") or keyword.startswith("RETIRED_") else "0"
        if keyword.startswith("RETIRED_"):
            keyword = keyword[len("RETIRED_"):]
        vr = PSEUDO_VR.get(vr, vr)
        if not re.fullmatch(r"[A-Z]{2}", vr):
            raise SystemExit("unmapped VR %r in %r" % (vr, line))
        rows.append((group + element, vr, vm, keyword, retired))
    rows.sort(key=lambda r: r[0].replace("x", "0"))
    return rows


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else "/usr/share/libdcmtk17/dicom.dic"
    here = os.path.dirname(os.path.abspath(__file__))
    default_out = os.path.join(here, "..", "src", "Trabecula.Dicom", "Dictionary", "dicom-dictionary.tsv")
    out = sys.argv[2] if len(sys.argv) > 2 else default_out
    with open(src, encoding="latin-1") as f:
        rows = convert(f)
    text = "".join("\t".join(r) + "\n" for r in rows)
    if out == "-":
        sys.stdout.write(text)
    else:
        with open(out, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)


if __name__ == "__main__":
    main()
