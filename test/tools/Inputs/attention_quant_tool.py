#!/usr/bin/env python3
"""A numpy statement of qnk.attention's low-precision semantics (qk_type = i8,
pv_type = bf16 | f8E4M3FN), independent of QNK, and inputs shaped like an
LLM's.

  attention_quant_tool.py gen FILE DTYPE SHAPE SEED KIND
      KIND = q: N(0, 1) with four outlier channels (x2); k: N(0, 1) plus a
      per-channel offset N(0, 4^2) shared by every key (what subtracting K's
      mean removes) and two outlier channels (x2); v: N(0, 1); uniform:
      U(-1, 1) (the other tests' data); zero-block: U(-1, 1) with keys
      [0, 8) and queries [0, 8) of every head all zero (scale-0 blocks)
  attention_quant_tool.py check Q K V O [options]
      --qk i8 --blocks BQ,BK --pv bf16|f8E4M3FN --causal --scale S
      checks O against the model:
        * int8 Q·Kᵀ is modelled bit for bit in f32 (K's mean as the sum in
          key order over Lk, scales amax / 127, round half to even, exact
          dot products, scores (f32(dot) * sk) * (sq * scale)), so with
          f32 P·V the results must match within 2e-6 + 1e-5 relative;
        * with pv_type, P = exp(t - m) (m the row max) and V (fp8: V / sv,
          sv = amax over the keys / 448) are rounded to the type; QNK
          rounds P relative to a running max instead, so each weight may
          differ by two roundings: |O - model| <= 2u * sum_j w_j |v'_j|
          (u = 2^-8 bf16, 2^-4 E4M3), and over all elements the mean
          |O - model| must stay below a tenth of that bound's mean;
      and reports the error against exact float64 attention on the
      unquantized inputs ("vs f64": the largest error over max |V|, the
      relative L1 error and the cosine similarity), failing beyond
      --max-err (max error / max |V|) or --max-l1, or below --min-cos.
"""
import argparse
import sys

import ml_dtypes
import numpy as np

from softmax_tool import DTYPES, load, shape_of

F32 = np.float32


def gen(path, dtype, shape, seed, kind):
    rng = np.random.default_rng(int(seed))
    s = shape_of(shape)
    if kind in ("uniform", "zero-block"):
        x = rng.uniform(-1, 1, s)
        if kind == "zero-block":
            x[..., :8, :] = 0
    else:
        x = rng.standard_normal(s)
        d = s[-1]
        if kind == "k":
            x += 4.0 * rng.standard_normal(d)  # per channel, every key
        if kind in ("q", "k"):
            outliers = rng.choice(d, size=4 if kind == "q" else 2,
                                  replace=False)
            x[..., outliers] *= 2.0
    np.save(path, x.astype(np.float32).astype(DTYPES[dtype]))


def quantize_blocks(x, block):
    """x f32 [B, H, L, D] -> (int8 values as int64, scales f32 [B, H, nb])."""
    b, h, n, d = x.shape
    nb = -(-n // block)
    scales = np.zeros((b, h, nb), F32)
    q = np.zeros(x.shape, np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        for i in range(nb):
            blk = x[:, :, i * block:(i + 1) * block, :]
            amax = np.max(np.abs(blk), axis=(2, 3)).astype(F32)
            s = (amax / F32(127)).astype(F32)
            s = np.where(amax < np.inf, s, F32(np.nan)).astype(F32)
            r = (blk / s[:, :, None, None]).astype(F32)
            r = np.clip(np.rint(r), -127, 127)
            r = np.where(np.isnan(r), 0, r)
            q[:, :, i * block:(i + 1) * block, :] = r.astype(np.int64)
            scales[:, :, i] = s
    return q, scales


def scores_int8(q, k, bq, bk, scale):
    """The f32 scores of int8 Q·Kᵀ, [B, H, Lq, Lk]."""
    q = q.astype(F32)
    k = k.astype(F32)
    # K's mean: the f32 sum in key order, then one division.
    acc = np.zeros(k.shape[:2] + (k.shape[3],), F32)
    for j in range(k.shape[2]):
        acc = (acc + k[:, :, j, :]).astype(F32)
    mean = (acc / F32(k.shape[2])).astype(F32)
    kq, ks = quantize_blocks((k - mean[:, :, None, :]).astype(F32), bk)
    qq, qs = quantize_blocks(q, bq)
    g = q.shape[1] // k.shape[1]
    kq, ks = np.repeat(kq, g, axis=1), np.repeat(ks, g, axis=1)
    dot = np.einsum("bhid,bhjd->bhij", qq, kq).astype(F32)  # exact < 2^24
    sk = np.repeat(ks, bk, axis=2)[:, :, None, :k.shape[2]]
    sq = np.repeat(qs, bq, axis=2)[:, :, :q.shape[2], None]
    with np.errstate(invalid="ignore", over="ignore"):
        return ((dot * sk).astype(F32) * (sq * F32(scale)).astype(F32)).astype(
            F32)


def attention(t, v, pv, window):
    """softmax(t) V in float64 with P and V rounded to `pv` (or not); also
    the bound sum_j w_j |v'_j| per output element."""
    t = np.where(window, t.astype(np.float64), -np.inf)
    m = np.max(t, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        e = np.exp(t - m)
        l = np.sum(e, axis=-1, keepdims=True)
        vv = v.astype(np.float64)
        p = e
        colscale = None
        if pv == "bf16":
            p = e.astype(F32).astype(ml_dtypes.bfloat16).astype(np.float64)
            vv = v.astype(F32).astype(ml_dtypes.bfloat16).astype(np.float64)
        elif pv == "f8E4M3FN":
            amax = np.max(np.abs(v.astype(F32)), axis=2, keepdims=True)
            sv = (amax / F32(448)).astype(F32)
            r = (v.astype(F32) / sv).astype(F32)
            r = np.where(np.isnan(r), 0, r)
            vv = r.astype(ml_dtypes.float8_e4m3fn).astype(np.float64)
            p = (e.astype(F32) * F32(448)).astype(
                ml_dtypes.float8_e4m3fn).astype(np.float64)
            colscale = (sv / F32(448)).astype(np.float64)
        o = np.einsum("bhij,bhjd->bhid", p, vv)
        bound = np.einsum("bhij,bhjd->bhid", e, np.abs(vv)) / l
        if colscale is not None:
            o = o * colscale
            bound = bound * colscale * 448
        o = o / l
    return o, bound, np.all(t == -np.inf, axis=-1)


def check(args):
    q, k, v = (load(p) for p in (args.q, args.k, args.v))
    o = load(args.o).astype(np.float64)
    b, h, lq, d = q.shape
    lk = k.shape[2]
    g = h // k.shape[1]
    scale = F32(1 / np.sqrt(d)) if args.scale is None else F32(args.scale)
    window = np.ones((lq, lk), dtype=bool)
    if args.causal:
        window = np.arange(lk)[None, :] <= np.arange(lq)[:, None] + lk - lq
    vv = np.repeat(v, g, axis=1)
    if args.qk == "i8":
        bq, bk = (int(x) for x in args.blocks.split(","))
        t = scores_int8(q, k, bq, bk, scale)
    else:
        kk = np.repeat(k, g, axis=1).astype(np.float64)
        t = (np.einsum("bhid,bhjd->bhij", q.astype(np.float64), kk).astype(F32)
             * scale).astype(F32)
    model, bound, masked = attention(t, vv, args.pv, window)
    ok = True
    if not np.all(o[masked] == 0):
        print("fully masked rows are not zero")
        ok = False
    err = np.abs(o - model)
    out_ulp = {"bfloat16": 2.0 ** -8, "float16": 2.0 ** -11}.get(
        str(load(args.o).dtype), 0.0)
    if args.pv == "-":
        tol = 2e-6 + (1e-5 + out_ulp) * np.abs(model)
    else:
        u = 2.0 ** -8 if args.pv == "bf16" else 2.0 ** -4
        tol = 2e-6 + 2 * u * bound + out_ulp * np.abs(model)
        mean_bound = float(np.mean(2 * u * bound))
        if np.mean(err) > 0.1 * mean_bound + np.mean(out_ulp * np.abs(model)):
            print(f"mean error {np.mean(err):.3e} beyond a tenth of the "
                  f"mean bound {mean_bound:.3e}")
            ok = False
    bad = ~(err <= tol)
    if bad.any():
        print(f"{int(bad.sum())} elements differ from the model beyond "
              f"tolerance (largest {float(np.max(err)):.3e})")
        ok = False
    # Against exact attention on the unquantized inputs.
    exact, _, _ = attention(
        (np.einsum("bhid,bhjd->bhij", q.astype(np.float64),
                   np.repeat(k, g, axis=1).astype(np.float64)) * float(scale)),
        vv, "-", window)
    vmax = float(np.max(np.abs(v.astype(np.float64))))
    e64 = np.abs(o - exact)
    rel_l1 = float(np.sum(e64) / np.sum(np.abs(exact)))
    cos = float(np.sum(o * exact) /
                np.sqrt(np.sum(o * o) * np.sum(exact * exact)))
    max_err = float(np.max(e64)) / vmax
    print(f"model: max_abs_err={float(np.max(err)):.3e} "
          f"mean_abs_err={float(np.mean(err)):.3e}")
    print(f"vs f64: max_err/max|V|={max_err:.3e} rel_l1={rel_l1:.3e} "
          f"cos={cos:.7f}")
    if args.max_err is not None and max_err > args.max_err:
        print(f"vs f64: max error beyond {args.max_err}")
        ok = False
    if args.max_l1 is not None and rel_l1 > args.max_l1:
        print(f"vs f64: relative L1 error beyond {args.max_l1}")
        ok = False
    if args.min_cos is not None and cos < args.min_cos:
        print(f"vs f64: cosine similarity below {args.min_cos}")
        ok = False
    sys.exit(0 if ok else 1)


def main():
    if sys.argv[1] == "gen":
        gen(*sys.argv[2:])
        return
    ap = argparse.ArgumentParser()
    ap.add_argument("cmd")
    for name in ("q", "k", "v", "o"):
        ap.add_argument(name)
    ap.add_argument("--qk", default="-")
    ap.add_argument("--blocks", default="64,64")
    ap.add_argument("--pv", default="-")
    ap.add_argument("--causal", action="store_true")
    ap.add_argument("--scale", type=float)
    ap.add_argument("--max-err", type=float)
    ap.add_argument("--max-l1", type=float)
    ap.add_argument("--min-cos", type=float)
    check(ap.parse_args())


if __name__ == "__main__":
    main()
