#!/usr/bin/env python3
"""qnk.attention: QNK's fused flash-attention lowering vs its reference.

For a few prefill (Lq = Lk) and decode (Lq = 1) shapes it measures, in one
run,

  * QNK        build/bin/qnk-run attention.mlir -e attn --bench=N --json
               (qnk-lower-attention: online softmax over K/V tiles, FMA
               register blocks, no Lq x Lk buffer)
  * reference  the same with --reference: qnk-lower-to-reference, which
               materialises the scores (scalar loops, libm expf)

and prints GFLOP/s, counting 4 * B * H * Lq * Lk * D (the two matmuls;
causal counts the full square too, so causal figures are comparable with
the non-causal ones at the same shape, not with each other's work), and
the ratio QNK / reference. Medians of --runs timed runs after a warm-up.
Shapes are small enough for the reference to finish quickly on two cores.

    python3 benchmarks/attention.py
    python3 benchmarks/attention.py --threads 2 --no-reference
"""

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from softmax import cpu_name

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"

MODULE = """
func.func @attn(%q: tensor<{b}x{h}x{lq}x{d}x{t}>, %k: tensor<{b}x{hkv}x{lk}x{d}x{t}>,
                %v: tensor<{b}x{hkv}x{lk}x{d}x{t}>) -> tensor<{b}x{h}x{lq}x{d}x{t}> {{
  %o = qnk.attention %q, %k, %v {causal} : tensor<{b}x{h}x{lq}x{d}x{t}>,
         tensor<{b}x{hkv}x{lk}x{d}x{t}>, tensor<{b}x{hkv}x{lk}x{d}x{t}>
         -> tensor<{b}x{h}x{lq}x{d}x{t}>
  return %o : tensor<{b}x{h}x{lq}x{d}x{t}>
}}
"""

# (name, B, H, Hkv, Lq, Lk, D, causal, dtype)
SHAPES = [
    ("prefill", 1, 4, 4, 256, 256, 64, False, "f32"),
    ("prefill", 1, 4, 4, 512, 512, 64, False, "f32"),
    ("prefill", 1, 4, 4, 256, 256, 128, False, "f32"),
    ("causal", 1, 4, 4, 512, 512, 64, True, "f32"),
    ("gqa bf16", 1, 8, 2, 256, 256, 128, False, "bf16"),
    ("decode", 1, 8, 2, 1, 4096, 128, False, "bf16"),
    ("decode", 1, 32, 8, 1, 2048, 128, False, "f32"),
]


def qnk_ms(qnk_run, mlir, runs, reference, target, threads):
    cmd = [str(qnk_run), str(mlir), "-e", "attn", f"--target={target}",
           f"--threads={threads}", f"--bench={runs}", "--json"]
    if reference:
        cmd.append("--reference")
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["median_ms"]


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("QNK_BUILD", "build"))
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--target", default="host")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()
    qnk_run = REPO / args.build / "bin" / "qnk-run"

    results = []
    print(f"# {cpu_name()}, {dt.date.today()}, threads={args.threads}, "
          f"target={args.target}")
    print(f"{'shape':>9} {'B':>2} {'H':>3} {'Hkv':>3} {'Lq':>5} {'Lk':>5} "
          f"{'D':>4} {'type':>5} {'QNK ms':>8} {'GFLOP/s':>8} {'ref ms':>9} "
          f"{'QNK/ref':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, b, h, hkv, lq, lk, d, causal, t in SHAPES:
            mlir = Path(tmp) / "attention.mlir"
            mlir.write_text(MODULE.format(b=b, h=h, hkv=hkv, lq=lq, lk=lk, d=d,
                                          t=t, causal="causal" if causal else ""))
            flops = 4 * b * h * lq * lk * d
            fast = qnk_ms(qnk_run, mlir, args.runs, False, args.target,
                          args.threads)
            ref = None
            if not args.no_reference:
                ref = qnk_ms(qnk_run, mlir, max(2, args.runs // 10), True,
                             args.target, 1)
            results.append({"shape": name, "b": b, "h": h, "hkv": hkv, "lq": lq,
                            "lk": lk, "d": d, "causal": causal, "dtype": t,
                            "qnk_ms": fast, "reference_ms": ref,
                            "gflops": flops / fast / 1e6})
            ref_s = f"{ref:9.2f}" if ref else f"{'-':>9}"
            ratio_s = f"{ref / fast:7.1f}x" if ref else f"{'-':>8}"
            print(f"{name:>9} {b:>2} {h:>3} {hkv:>3} {lq:>5} {lk:>5} {d:>4} "
                  f"{t:>5} {fast:8.3f} {flops / fast / 1e6:8.1f} {ref_s} "
                  f"{ratio_s}", flush=True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "attention.json").write_text(json.dumps(
        {"cpu": cpu_name(), "date": str(dt.date.today()),
         "threads": args.threads, "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
