#!/usr/bin/env python3
"""Maximum ULP error of QNK's exp (the one qnk.softmax uses) over f32 inputs.

Runs a linalg.generic of f32 math.exp through qnk-run's fast pipeline, where
qnk-lower-softmax rewrites every f32 math.exp into QNK's polynomial exp (the
same IEEE operations lane by lane as the vectorized softmax code), on .npy
chunks of inputs, and compares each result with the exact value (numpy's
float64 exp, itself within 1 float64 ulp), in units of the f32 ulp at the
exact value (2^-149 for subnormal results):

    python3 benchmarks/exp_ulp.py                 # every f32 in [-104, 89]
    python3 benchmarks/exp_ulp.py --stride 97     # every 97th of them

Also checks the special values: exp(-inf) = 0, exp(+inf) = +inf, NaN stays
NaN, overflow to +inf exactly from 88.72283935546875 on, 0 below
-103.97208 (as correct rounding gives).
"""

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent

MODULE = """
#map = affine_map<(d0) -> (d0)>
func.func @exp(%x: tensor<{n}xf32>) -> tensor<{n}xf32> {{
  %e = tensor.empty() : tensor<{n}xf32>
  %y = linalg.generic {{indexing_maps = [#map, #map], iterator_types = ["parallel"]}}
      ins(%x : tensor<{n}xf32>) outs(%e : tensor<{n}xf32>) {{
  ^bb0(%a: f32, %b: f32):
    %r = math.exp %a : f32
    linalg.yield %r : f32
  }} -> tensor<{n}xf32>
  return %y : tensor<{n}xf32>
}}
"""


def ulp_error(x, y):
    """|y - exp(x)| in f32 ulps of exp(x), for finite, non-overflowing x."""
    exact = np.exp(x.astype(np.float64))
    # The f32 ulp at `exact`: from its binade, floored at the subnormal ulp.
    e = np.floor(np.log2(np.maximum(exact, 2.0 ** -149)))
    ulp = np.exp2(np.maximum(e - 23, -149))
    with np.errstate(over="ignore", invalid="ignore"):
        err = np.abs(y.astype(np.float64) - exact) / ulp
        # Past the overflow threshold the exact value rounds to +inf.
        return np.where(y == exact.astype(np.float32), 0.0, err)


def run_chunk(qnk_run, tmp, x, target):
    mlir = tmp / f"exp_{x.size}.mlir"
    if not mlir.exists():
        mlir.write_text(MODULE.format(n=x.size))
    np.save(tmp / "x.npy", x)
    subprocess.run([str(qnk_run), str(mlir), "-e", "exp", f"--target={target}",
                    f"--input={tmp / 'x.npy'}", f"--output={tmp / 'y.npy'}"],
                   check=True, capture_output=True)
    return np.load(tmp / "y.npy")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("QNK_BUILD", "build"))
    ap.add_argument("--stride", type=int, default=1,
                    help="take every STRIDE-th f32 of the range")
    ap.add_argument("--chunk", type=int, default=1 << 24)
    ap.add_argument("--target", default="host")
    args = ap.parse_args()
    qnk_run = REPO / args.build / "bin" / "qnk-run"

    # Bit patterns of every f32 in [-104, 89]: +0 .. 89, then -0 .. -104.
    hi = np.float32(89.0).view(np.uint32)
    lo = np.float32(-104.0).view(np.uint32)
    ranges = [(0, int(hi) + 1), (0x80000000, int(lo) + 1)]
    worst, worst_x, count = 0.0, None, 0
    hist = np.zeros(4, dtype=np.int64)  # errors in [0,.5], (.5,1], (1,2], >2
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        for begin, end in ranges:
            for start in range(begin, end, args.chunk * args.stride):
                stop = min(end, start + args.chunk * args.stride)
                bits = np.arange(start, stop, args.stride, dtype=np.uint64)
                x = bits.astype(np.uint32).view(np.float32)
                y = run_chunk(qnk_run, tmp, np.ascontiguousarray(x), args.target)
                err = ulp_error(x, y)
                i = int(np.argmax(err))
                if err[i] > worst:
                    worst, worst_x = float(err[i]), float(x[i])
                hist += np.histogram(err, bins=[0, 0.5, 1, 2, np.inf])[0]
                count += x.size
                print(f"\r{count} inputs, max {worst:.4f} ulp", end="",
                      file=sys.stderr, flush=True)
        print(file=sys.stderr)
        special = np.array([-np.inf, np.inf, np.nan, 88.72283172607422,
                            88.72283935546875, 89.0, -103.97207641601562,
                            -103.97208404541016, -1e30, 1e30, 0.0, -0.0],
                           dtype=np.float32)
        ys = run_chunk(qnk_run, tmp, special, args.target)
        with np.errstate(over="ignore"):
            want = np.exp(special.astype(np.float64)).astype(np.float32)
        bad = [(float(a), float(b), float(c)) for a, b, c in zip(special, ys, want)
               if not (b == c or (np.isnan(b) and np.isnan(c)))]
    print(f"inputs: {count} f32 in [-104, 89] (stride {args.stride})")
    print(f"max error: {worst:.4f} ulp at x = {worst_x!r}")
    print("errors <= 0.5 ulp: {}, (0.5, 1]: {}, (1, 2]: {}, > 2: {}".format(*hist))
    print("special values: " + ("all as correctly rounded" if not bad else
                                f"MISMATCH (x, got, want): {bad}"))
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
