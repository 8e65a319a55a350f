#!/usr/bin/python3
"""Report every canary (one a line in CANARIES_TXT) still present in a DICOM file (UP-08).

Usage: find-canaries.py FILE CANARIES_TXT
Walks every element with pydicom, sequences and private elements included, and also greps the raw
bytes. Prints CLEAN and exits 0 when none is found; otherwise prints each hit and exits 1.
"""
import sys

import pydicom

path, listing = sys.argv[1:3]
canaries = [c for c in open(listing).read().split("\n") if c]
ds = pydicom.dcmread(path)
hits = []
for element in ds.iterall():
    text = str(element.value)
    for c in canaries:
        if c in text:
            hits.append("%s %s contains %s" % (element.tag, element.keyword, c))
for element in ds.file_meta:
    for c in canaries:
        if c in str(element.value):
            hits.append("meta %s contains %s" % (element.tag, c))
raw = open(path, "rb").read()
for c in canaries:
    if c.encode("ascii") in raw:
        hits.append("raw bytes contain %s" % c)
if hits:
    print("\n".join(hits))
    sys.exit(1)
print("CLEAN")
