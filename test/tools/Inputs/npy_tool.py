#!/usr/bin/env python3
"""Makes .npy inputs for the qnk-run tests and checks what qnk-run writes.

  npy_tool.py gen FILE DTYPE SHAPE SEED   random array (SHAPE like 64x32)
  npy_tool.py fortran FILE SHAPE          a Fortran-order float32 array
  npy_tool.py matmul A B C [transpose_b]
                                          checks C against A @ B in float64
                                          (int64 for integers: exactly)
  npy_tool.py same X Y                    same dtype, shape and values
  npy_tool.py differ X Y                  same dtype and shape, other values
"""
import sys

import ml_dtypes
import numpy as np

DTYPES = {
    "float32": np.float32,
    "float16": np.float16,
    "bfloat16": ml_dtypes.bfloat16,
    "float64": np.float64,
    "int8": np.int8,
    "uint8": np.uint8,
    "int32": np.int32,
    "int4": np.int8,  # 4-bit values, one per byte
    "uint4": np.uint8,
    "ml_int4": ml_dtypes.int4,
    "ml_uint4": ml_dtypes.uint4,
}


def load(path):
    a = np.load(path)
    # np.save writes ml_dtypes.bfloat16 as two opaque bytes ('<V2').
    if a.dtype.kind == "V" and a.dtype.itemsize == 2:
        a = a.view(ml_dtypes.bfloat16)
    # ml_dtypes' 4-bit integers: one opaque byte per element, which np.save
    # does not name: the file name says which (b_uint4.npy).
    if a.dtype.kind == "V" and a.dtype.itemsize == 1 and "int4" in path:
        a = a.view(ml_dtypes.uint4 if "uint4" in path else ml_dtypes.int4)
    return a


def parse_shape(text):
    return tuple(int(d) for d in text.split("x")) if text else ()


def gen(path, dtype, shape, seed):
    rng = np.random.default_rng(int(seed))
    shape = parse_shape(shape)
    if dtype in ("int8",):
        x = rng.integers(-128, 128, shape)
    elif dtype == "uint8":
        x = rng.integers(0, 256, shape)
    elif dtype in ("int4", "ml_int4"):
        x = rng.integers(-8, 8, shape)
    elif dtype in ("uint4", "ml_uint4"):
        x = rng.integers(0, 16, shape)
    elif dtype == "int32":
        x = rng.integers(-1000, 1000, shape)
    else:
        x = rng.uniform(-1, 1, shape)
    np.save(path, np.asarray(x).astype(DTYPES[dtype]))


def matmul(a_path, b_path, c_path, *flags):
    a, b, c = load(a_path), load(b_path), load(c_path)
    exact = c.dtype.kind in "iu"
    wide = np.int64 if exact else np.float64
    a, b = a.astype(wide), b.astype(wide)
    if "transpose_b" in flags:
        b = np.swapaxes(b, -1, -2)
    ref = np.matmul(a, b)
    if ref.shape != c.shape:
        sys.exit(f"shape {c.shape} != expected {ref.shape}")
    if exact:
        bad = int(np.sum(ref != c.astype(np.int64)))
        print(f"mismatches={bad}")
        sys.exit(1 if bad else 0)
    k = a.shape[-1]
    err = float(np.max(np.abs(c.astype(np.float64) - ref)))
    print(f"max_abs_err={err:.3e}")
    sys.exit(0 if err <= 1e-5 * k else 1)


def same(x_path, y_path):
    x, y = load(x_path), load(y_path)
    ok = x.dtype == y.dtype and x.shape == y.shape and x.tobytes() == y.tobytes()
    print("same" if ok else f"different: {x.dtype}{x.shape} vs {y.dtype}{y.shape}")
    sys.exit(0 if ok else 1)


def differ(x_path, y_path):
    x, y = load(x_path), load(y_path)
    ok = x.dtype == y.dtype and x.shape == y.shape and x.tobytes() != y.tobytes()
    print("differ" if ok else "not different")
    sys.exit(0 if ok else 1)


def main(argv):
    command, args = argv[1], argv[2:]
    if command == "gen":
        gen(*args)
    elif command == "fortran":
        np.save(args[0], np.asfortranarray(np.ones(parse_shape(args[1]), np.float32)))
    elif command == "matmul":
        matmul(*args)
    elif command == "same":
        same(*args)
    elif command == "differ":
        differ(*args)
    else:
        sys.exit(f"unknown command {command}")


if __name__ == "__main__":
    main(sys.argv)
