#!/usr/bin/env python3
"""Inputs for the qnk.attention tests and a numpy statement of its semantics.

  attention_tool.py gen FILE DTYPE SHAPE SEED [special]
      uniform values in [-1, 1); `special` (for Q [B, H, Lq, D]) puts a NaN
      in query 1 of head 0 and multiplies query 2 of head 0 by 1e4 (logits
      in the thousands); `nan-last-key` (for V) puts a NaN in the last key's
      first channel of every head
  attention_tool.py mask FILE SHAPE SEED
      f32 additive mask [.., Lq, Lk]: query 0 fully -inf, every third key
      -inf elsewhere, other entries uniform in [-2, 0)
  attention_tool.py check Q K V MASK|- O SCALE|- causal|-
      checks O against float64 numpy: GQA (query head h reads kv head
      h / (H / Hkv)), scores scale * q.k + mask, causal window j <= i + Lk - Lq
      (bottom-right), rows with no finite score exactly 0, rows with a NaN
      or +inf score all NaN, others within 2e-6 + 1e-5 relative (bf16/f16
      results: one unit in their last place)
"""
import sys

import numpy as np

# The .npy helpers of the softmax tests (same directory).
from softmax_tool import DTYPES, load, shape_of


def gen(path, dtype, shape, seed, *flags):
    rng = np.random.default_rng(int(seed))
    x = rng.uniform(-1, 1, shape_of(shape)).astype(np.float32)
    if "special" in flags:
        x[0, 0, 1, x.shape[3] // 2] = np.nan
        x[0, 0, 2, :] *= 1e4
    if "nan-last-key" in flags:
        x[..., -1, 0] = np.nan
    np.save(path, x.astype(DTYPES[dtype]))


def mask(path, shape, seed):
    rng = np.random.default_rng(int(seed))
    m = rng.uniform(-2, 0, shape_of(shape)).astype(np.float32)
    m[..., ::3] = -np.inf
    m[..., 0, :] = -np.inf
    np.save(path, m)


def check(q_path, k_path, v_path, mask_path, o_path, scale, causal):
    q, k, v = (load(p).astype(np.float64) for p in (q_path, k_path, v_path))
    o = load(o_path)
    b, h, lq, d = q.shape
    hkv, lk = k.shape[1], k.shape[2]
    g = h // hkv
    kk = np.repeat(k, g, axis=1)
    vv = np.repeat(v, g, axis=1)
    s = 1.0 / np.sqrt(d) if scale == "-" else float(scale)
    with np.errstate(invalid="ignore", over="ignore"):
        # scale * f32(q.k): the dot product itself is f32 in QNK.
        t = s * np.einsum("bhid,bhjd->bhij", q, kk).astype(np.float32)
        t = t.astype(np.float64)
        if mask_path != "-":
            t = t + load(mask_path).astype(np.float64)
        window = np.ones((lq, lk), dtype=bool)
        if causal == "causal":
            window = np.arange(lk)[None, :] <= np.arange(lq)[:, None] + lk - lq
        t = np.where(window, t, -np.inf)
        m = np.max(t, axis=-1, keepdims=True)
        e = np.exp(t - m)
        ref = np.einsum("bhij,bhjd->bhid", e, vv) / np.sum(e, axis=-1,
                                                           keepdims=True)
    masked = np.all(t == -np.inf, axis=-1)
    nan_rows = np.any(np.isnan(t) | (t == np.inf), axis=-1)
    ref[masked] = 0.0
    ref[nan_rows & ~masked] = np.nan
    good = ~(masked | nan_rows)
    y = o.astype(np.float64)
    ok = True
    if not np.all(y[masked] == 0.0):
        print("fully masked rows are not zero")
        ok = False
    if not np.all(np.isnan(y[nan_rows & ~masked])):
        print("rows with NaN or +inf scores are not all NaN")
        ok = False
    rtol = {"bfloat16": 2.0 ** -7, "float16": 2.0 ** -10}.get(str(o.dtype), 1e-5)
    err = np.abs(y[good] - ref[good])
    rel = float(np.max(err / np.maximum(np.abs(ref[good]), 1e-30), initial=0))
    if np.any(err > 2e-6 + rtol * np.abs(ref[good])):
        print(f"max_abs_err={float(np.max(err)):.3e} beyond tolerance")
        ok = False
    print(f"masked_rows={int(masked.sum())} nan_rows={int(nan_rows.sum())} "
          f"max_abs_err={float(np.max(err, initial=0)):.3e}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"gen": gen, "mask": mask, "check": check}[cmd](*args)
