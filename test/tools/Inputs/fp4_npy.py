"""fp4 / E8M0 .npy files for npy-fp4.mlir, independent of QNK (ml_dtypes).

  fp4_npy.py gen Q.npy S.npy           Q: 6x64 float4_e2m1fn (every code),
                                       S: 6x2 float8_e8m0fnu (codes 120..131)
  fp4_npy.py check Q.npy S.npy Y.npy Q2.npy
"""
import sys

import ml_dtypes
import numpy as np

F4, E8M0 = ml_dtypes.float4_e2m1fn, ml_dtypes.float8_e8m0fnu


def load(path, dtype):
    # np.save writes ml_dtypes' 1-byte types as opaque bytes ('|V1').
    return np.load(path).view(np.uint8).view(dtype)


if sys.argv[1] == "gen":
    q = (np.arange(6 * 64) % 16).astype(np.uint8).view(F4).reshape(6, 64)
    s = (120 + np.arange(12) % 12).astype(np.uint8).view(E8M0).reshape(6, 2)
    np.save(sys.argv[2], q)
    np.save(sys.argv[3], s)
else:
    q, s = load(sys.argv[2], F4), load(sys.argv[3], E8M0)
    y, q2 = np.load(sys.argv[4]), load(sys.argv[5], F4)
    want = q.astype(np.float32) * np.repeat(s.astype(np.float32), 32, axis=1)
    ok_y = np.array_equal(y.view(np.uint32), want.view(np.uint32))
    ok_q = np.array_equal(q2.view(np.uint8), q.view(np.uint8))
    print(f"dequantized exact={ok_y} requantized codes equal={ok_q}")
