#!/usr/bin/python3
"""A large single-file DICOM object for the transfer benchmark: PS3.10 preamble and meta, a
multi-frame CT-like header, then Pixel Data of SIZE_MIB MiB (frames of 512x512 int16) made of a
16 MiB block of random bytes repeated: random-ish, so neither compression nor the page cache's
zero pages flatter anything, and cheap to write. Standard library only.

Usage: make-large-dicom.py OUT SIZE_MIB
"""
import os, struct, sys

def element(group, elem, vr, value):
    if isinstance(value, str):
        value = value.encode("ascii")
        if len(value) % 2:
            value += b"\0" if vr == "UI" else b" "
    if vr in ("OB", "OW", "UN", "SQ", "UT"):
        return struct.pack("<HH2sHI", group, elem, vr.encode(), 0, len(value)) + value
    return struct.pack("<HH2sH", group, elem, vr.encode(), len(value)) + value

def main():
    out, size_mib = sys.argv[1], int(sys.argv[2])
    frame = 512 * 512 * 2
    frames = max(1, (size_mib << 20) // frame)
    pixels = frames * frame
    uid = "1.2.826.0.1.3680043.10.1131." + str(int.from_bytes(os.urandom(6), "big"))
    ct = "1.2.840.10008.5.1.4.1.1.2"
    body = b"".join([
        element(0x0008, 0x0016, "UI", ct), element(0x0008, 0x0018, "UI", uid + ".3"),
        element(0x0008, 0x0060, "CS", "CT"), element(0x0010, 0x0010, "PN", "BENCH^TRANSFER"),
        element(0x0010, 0x0020, "LO", "BENCH-1"), element(0x0020, 0x000D, "UI", uid + ".1"),
        element(0x0020, 0x000E, "UI", uid + ".2"), element(0x0028, 0x0002, "US", struct.pack("<H", 1)),
        element(0x0028, 0x0004, "CS", "MONOCHROME2"), element(0x0028, 0x0008, "IS", str(frames)),
        element(0x0028, 0x0010, "US", struct.pack("<H", 512)), element(0x0028, 0x0011, "US", struct.pack("<H", 512)),
        element(0x0028, 0x0100, "US", struct.pack("<H", 16)), element(0x0028, 0x0101, "US", struct.pack("<H", 16)),
        element(0x0028, 0x0102, "US", struct.pack("<H", 15)), element(0x0028, 0x0103, "US", struct.pack("<H", 1)),
    ])
    meta = b"".join([
        element(0x0002, 0x0001, "OB", b"\0\1"), element(0x0002, 0x0002, "UI", ct), element(0x0002, 0x0003, "UI", uid + ".3"),
        element(0x0002, 0x0010, "UI", "1.2.840.10008.1.2.1"), element(0x0002, 0x0012, "UI", "1.2.826.0.1.3680043.10.1131"),
    ])
    block = os.urandom(16 << 20)
    with open(out, "wb") as f:
        f.write(b"\0" * 128 + b"DICM" + element(0x0002, 0x0000, "UL", struct.pack("<I", len(meta))) + meta + body)
        f.write(struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, pixels))
        left = pixels
        while left:
            n = min(left, len(block))
            f.write(block[:n])
            left -= n

main()
