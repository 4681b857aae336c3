#!/usr/bin/env python3
"""MXFP4 matmul inputs and an independent check (ml_dtypes, exact rationals).

  mx_matmul_tool.py gen A.npy B.npy SA.npy SB.npy   A 5x64, B 24x64 (stored
      [N, K]) float4_e2m1fn codes; SA 5x2, SB 24x2 float8_e8m0fnu (2^-7..2^4)
  mx_matmul_tool.py check A.npy B.npy SA.npy SB.npy Y.npy

Every product of two fp4 values and every sum of 32 of them is exact in f32,
so each group sum P is exact; acc = fma(P, sa * sb, acc) is evaluated with
exact rationals and rounded once (ties to even), as docs/numerics.md states.
The result must match bit for bit.
"""
import sys
from fractions import Fraction

import ml_dtypes
import numpy as np

from group_scales_tool import round_f32

F4, E8M0 = ml_dtypes.float4_e2m1fn, ml_dtypes.float8_e8m0fnu
GROUP = 32


def load(path, dtype=None):
    a = np.load(path)
    return a.view(np.uint8).view(dtype) if dtype else a


if sys.argv[1] == "gen":
    rng = np.random.default_rng(7)
    np.save(sys.argv[2], rng.integers(0, 16, (5, 64)).astype(np.uint8).view(F4))
    np.save(sys.argv[3], rng.integers(0, 16, (24, 64)).astype(np.uint8).view(F4))
    np.save(sys.argv[4], rng.integers(120, 132, (5, 2)).astype(np.uint8).view(E8M0))
    np.save(sys.argv[5], rng.integers(120, 132, (24, 2)).astype(np.uint8).view(E8M0))
    sys.exit(0)

a, b = load(sys.argv[2], F4), load(sys.argv[3], F4)
sa, sb = load(sys.argv[4], E8M0), load(sys.argv[5], E8M0)
y = load(sys.argv[6])
af, bf = a.astype(np.float64), b.astype(np.float64)
saf, sbf = sa.astype(np.float32), sb.astype(np.float32)
bad = 0
for i in range(a.shape[0]):
    for j in range(b.shape[0]):
        acc = np.float32(0)
        for g in range(a.shape[1] // GROUP):
            ks = slice(g * GROUP, (g + 1) * GROUP)
            p = np.float32(np.dot(af[i, ks], bf[j, ks]))
            s = np.float32(saf[i, g] * sbf[j, g])
            acc = round_f32(Fraction(float(p)) * Fraction(float(s)) + Fraction(float(acc)))
        if np.array(acc).view(np.uint32) != np.array(y[i, j]).view(np.uint32):
            bad += 1
print(f"mismatches={bad}")
sys.exit(1 if bad else 0)
