"""fp8 reference for run-fp8.mlir, independent of QNK: ml_dtypes decodes.

  fp8_check.py gen A.npy B.npy      A: 37x129 f8E4M3FN, B: 129x50 f8E5M2,
                                    with every A code once at least
  fp8_check.py matmul A.npy B.npy C.npy
"""
import sys

import ml_dtypes
import numpy as np

E4M3, E5M2 = ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e5m2

if sys.argv[1] == "gen":
    rng = np.random.default_rng(7)
    codes = np.arange(37 * 129) % 256
    codes[codes & 0x7F == 0x7F] = 0x38  # keep NaN out: it would spread
    rng.shuffle(codes)
    a = codes.astype(np.uint8).view(E4M3).reshape(37, 129)
    b = rng.uniform(-4, 4, (129, 50)).astype(E5M2)
    np.save(sys.argv[2], a.view(np.uint8).view("V1"))
    np.save(sys.argv[3], b.view(np.uint8).view("V1"))
else:
    a = np.load(sys.argv[2]).view(np.uint8).view(E4M3).astype(np.float64)
    b = np.load(sys.argv[3]).view(np.uint8).view(E5M2).astype(np.float64)
    c = np.load(sys.argv[4]).astype(np.float64)
    ref = a @ b
    bound = 129 * 2.0**-23 * (np.abs(a) @ np.abs(b)) + 1e-30
    bad = int(np.sum(np.abs(c - ref) > bound))
    print(f"fp8 mismatches={bad} max_abs_err={np.abs(c - ref).max():.3g}")
