#!/usr/bin/env python3
"""Inputs for the qnk.softmax tests and a numpy statement of its semantics.

  softmax_tool.py gen FILE DTYPE SHAPE SEED [special]
      uniform logits in [-8, 8); `special` puts a NaN in row 1, a +inf in
      row 2 and -1e30 / 1e30 in row 3 (when the array has those rows)
  softmax_tool.py mask FILE SHAPE SEED
      f32 additive mask: row 0 fully -inf, every third element -inf
      elsewhere, other entries uniform in [-2, 0)
  softmax_tool.py check X MASK|- Y SCALE
      checks Y (softmax along the last axis) against float64 numpy:
      t = scale*x + mask; fully -inf rows must be exactly 0; rows with a NaN
      or +inf must be all NaN; other elements within 1e-5 relative (bf16/f16
      results: one unit in their last place)
"""
import sys

import ml_dtypes
import numpy as np

DTYPES = {"float32": np.float32, "float16": np.float16,
          "bfloat16": ml_dtypes.bfloat16}


def load(path):
    a = np.load(path)
    if a.dtype.kind == "V" and a.dtype.itemsize == 2:
        a = a.view(ml_dtypes.bfloat16)
    return a


def shape_of(text):
    return tuple(int(d) for d in text.split("x"))


def gen(path, dtype, shape, seed, *flags):
    rng = np.random.default_rng(int(seed))
    x = rng.uniform(-8, 8, shape_of(shape)).astype(np.float32)
    if "special" in flags:
        rows = x.reshape(-1, x.shape[-1])
        if len(rows) > 1:
            rows[1, rows.shape[1] // 2] = np.nan
        if len(rows) > 2:
            rows[2, 0] = np.inf
        if len(rows) > 3:
            rows[3, 0], rows[3, -1] = -1e30, 1e30
    np.save(path, x.astype(DTYPES[dtype]))


def mask(path, shape, seed):
    rng = np.random.default_rng(int(seed))
    m = rng.uniform(-2, 0, shape_of(shape)).astype(np.float32)
    rows = m.reshape(-1, m.shape[-1])
    rows[:, ::3] = -np.inf
    rows[0, :] = -np.inf
    np.save(path, m)


def check(x_path, mask_path, y_path, scale):
    x, y = load(x_path), load(y_path)
    t = float(scale) * x.astype(np.float64)
    if mask_path != "-":
        t = t + load(mask_path).astype(np.float64)
    with np.errstate(invalid="ignore", over="ignore"):
        m = np.max(t, axis=-1, keepdims=True)
        e = np.exp(t - m)
        ref = e / np.sum(e, axis=-1, keepdims=True)
    masked = np.all(t == -np.inf, axis=-1)
    nan_rows = np.any(np.isnan(t) | (t == np.inf), axis=-1)
    ref[masked] = 0.0
    ref[nan_rows] = np.nan
    tol = {"bfloat16": 2.0 ** -7, "float16": 2.0 ** -10}.get(str(y.dtype), 1e-5)
    y = y.astype(np.float64)
    ok = True
    if not np.all(y[masked] == 0.0):
        print("fully masked rows are not zero")
        ok = False
    if not np.all(np.isnan(y[nan_rows])):
        print("rows with NaN or +inf are not all NaN")
        ok = False
    good = ~(masked | nan_rows)
    err = np.abs(y[good] - ref[good])
    rel = float(np.max(err / np.maximum(np.abs(ref[good]), 1e-30), initial=0))
    if np.any(err > tol * np.abs(ref[good]) + 1e-37):
        print(f"max_rel_err={rel:.3e} beyond {tol:.1e}")
        ok = False
    print(f"masked_rows={int(masked.sum())} nan_rows={int(nan_rows.sum())} "
          f"max_rel_err={rel:.3e}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"gen": gen, "mask": mask, "check": check}[cmd](*args)
