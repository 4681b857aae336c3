#!/usr/bin/env python3
"""Checks qnk.matmul with group scales against an independent numpy
statement of docs/numerics.md ("qnk.matmul group scales").

  group_scales_tool.py check X W SCALE_W OUT GROUP [transpose_b] [int]

X is [M, K], W is [K, N] (or [N, K] with transpose_b), SCALE_W the B group
scale in W's layout with K replaced by K / GROUP. With `int` (integer X and
W) the result must be bit-exact: every group's sum is an exact integer and
acc = fma(f32(P), s, acc) is evaluated with exact rationals and rounded once
to f32 (ties to even), as an IEEE fused multiply-add does. Otherwise the
result must agree with the float64 sum within 1e-5 * sum |terms|.
"""
import sys
from fractions import Fraction

import numpy as np

from npy_tool import load


def round_f32(q):
    """The float32 nearest to the rational q, ties to even."""
    f = np.float32(float(q))
    best = None
    for c in (np.nextafter(f, np.float32(-np.inf)), f,
              np.nextafter(f, np.float32(np.inf))):
        d = abs(Fraction(float(c)) - q)
        even = (int(np.array(c).view(np.uint32)) & 1) == 0
        if best is None or d < best[0] or (d == best[0] and even):
            best = (d, c)
    return best[1]


def check(x_path, w_path, s_path, out_path, group, *flags):
    x, w, s, out = load(x_path), load(w_path), load(s_path), load(out_path)
    group = int(group)
    if "transpose_b" in flags:
        w, s = w.T, s.T
    exact = "int" in flags
    m, k = x.shape
    n = w.shape[1]
    groups = k // group
    sf = s.astype(np.float32)
    if exact:
        xi, wi = x.astype(np.int64), w.astype(np.int64)
        bad = 0
        for i in range(m):
            for j in range(n):
                acc = np.float32(0)
                for g in range(groups):
                    ks = slice(g * group, (g + 1) * group)
                    p = np.float32(int(np.dot(xi[i, ks], wi[ks, j])))
                    acc = round_f32(Fraction(float(p)) * Fraction(float(sf[g, j]))
                                    + Fraction(float(acc)))
                if np.array(acc).view(np.uint32) != np.array(out[i, j]).view(np.uint32):
                    bad += 1
        print(f"mismatches={bad}")
        sys.exit(1 if bad else 0)
    xd, wd = x.astype(np.float64), w.astype(np.float64)
    scale = np.repeat(sf.astype(np.float64), group, axis=0)  # [K, N]
    terms = xd[:, :, None] * (wd * scale)[None, :, :]
    ref = terms.sum(axis=1)
    bound = 1e-5 * np.abs(terms).sum(axis=1) + 1e-30
    err = np.abs(out.astype(np.float64) - ref)
    bad = int(np.sum(err > bound))
    print(f"mismatches={bad} max_abs_err={float(err.max()):.3e}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    if len(sys.argv) < 7 or sys.argv[1] != "check":
        sys.exit(__doc__)
    check(*sys.argv[2:])
