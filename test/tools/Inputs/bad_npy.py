"""Writes malformed .npy files into the directory given: each one reaches a
different check of qnk-run's .npy reader."""
import struct
import sys


def npy(path, header, data=b""):
    # Version 1.0: the header padded with spaces to a multiple of 64 bytes
    # and ended by a newline, as numpy writes it.
    h = header.encode()
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + data)


d = sys.argv[1]
npy(d + "/no-order.npy", "{'descr': '<f4', 'shape': (64, 32), }")
npy(d + "/bad-shape.npy",
    "{'descr': '<f4', 'fortran_order': False, 'shape': (64, x), }")
npy(d + "/huge.npy", "{'descr': '<f4', 'fortran_order': False, "
    "'shape': (4294967296, 4294967296), }")
