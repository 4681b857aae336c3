#!/usr/bin/env python3
"""qnk.softmax bandwidth: QNK's fast path vs memcpy vs the reference lowering.

For f32 rows of 1k-64k elements, a batch of rows totalling --mib MiB (out of
cache), one thread, it measures

  * QNK        build/bin/qnk-run softmax.mlir -e sm --bench=N --json
  * reference  the same with --reference: the naive three-pass lowering
               (max, sum of exp, divide; scalar loops, libm expf)
  * memcpy     benchmarks/peers/memcpy_peer.c copying the same number of
               bytes (compiled here with cc -O2)

and prints GB/s, counting bytes read plus bytes written (2 x 4 x elements),
and QNK's ratio to each. Medians of --runs timed runs after a warm-up.

    python3 benchmarks/softmax.py
    python3 benchmarks/softmax.py --rows-of 1024,65536 --mib 64 --no-reference
"""

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
OUT_DIR = BENCH_DIR / "out"

MODULE = """
func.func @sm(%x: tensor<{rows}x{n}xf32>) -> tensor<{rows}x{n}xf32> {{
  %y = qnk.softmax %x axis = 1 : tensor<{rows}x{n}xf32> -> tensor<{rows}x{n}xf32>
  return %y : tensor<{rows}x{n}xf32>
}}
"""


def build_memcpy(cc):
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    src = BENCH_DIR / "peers" / "memcpy_peer.c"
    binary = OUT_DIR / "memcpy_peer"
    if not binary.exists() or binary.stat().st_mtime < src.stat().st_mtime:
        subprocess.run([cc, "-O2", "-Wall", str(src), "-o", str(binary)], check=True)
    return binary


def qnk_ms(qnk_run, mlir, runs, reference, target):
    cmd = [str(qnk_run), str(mlir), "-e", "sm", f"--target={target}",
           f"--bench={runs}", "--json"] + (["--reference"] if reference else [])
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out)["median_ms"]


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.environ.get("QNK_BUILD", "build"))
    ap.add_argument("--rows-of", default="1024,4096,16384,65536",
                    help="row lengths (elements)")
    ap.add_argument("--mib", type=int, default=256,
                    help="input size per measurement (MiB of f32)")
    ap.add_argument("--runs", type=int, default=10)
    ap.add_argument("--target", default="host")
    ap.add_argument("--cc", default=os.environ.get("CC", "cc"))
    ap.add_argument("--no-reference", action="store_true")
    args = ap.parse_args()
    qnk_run = REPO / args.build / "bin" / "qnk-run"
    memcpy_bin = build_memcpy(args.cc)

    results = []
    print(f"# {cpu_name()}, {dt.date.today()}, one thread, "
          f"{args.mib} MiB in + {args.mib} MiB out per call")
    print(f"{'row':>7} {'rows':>7} {'QNK GB/s':>9} {'memcpy':>8} {'ref':>8} "
          f"{'QNK/memcpy':>10} {'QNK/ref':>8}")
    with tempfile.TemporaryDirectory() as d:
        for n in (int(v) for v in args.rows_of.split(",")):
            rows = max(1, args.mib * 2**20 // (4 * n))
            nbytes = 4 * n * rows
            mlir = Path(d) / f"sm_{n}.mlir"
            mlir.write_text(MODULE.format(rows=rows, n=n))
            gb = 2 * nbytes / 1e9
            fast = gb / (qnk_ms(qnk_run, mlir, args.runs, False, args.target) / 1e3)
            ref = None
            if not args.no_reference:
                ref = gb / (qnk_ms(qnk_run, mlir, max(3, args.runs // 3), True,
                                   args.target) / 1e3)
            out = subprocess.run([str(memcpy_bin), str(nbytes), str(args.runs)],
                                 check=True, capture_output=True, text=True).stdout
            mem = json.loads(out)["gbps"]
            results.append({"n": n, "rows": rows, "qnk_gbps": fast,
                            "memcpy_gbps": mem, "reference_gbps": ref})
            ref_s = f"{ref:8.2f}" if ref else f"{'-':>8}"
            ratio_s = f"{fast / ref:7.1f}x" if ref else f"{'-':>8}"
            print(f"{n:>7} {rows:>7} {fast:9.2f} {mem:8.2f} {ref_s} "
                  f"{fast / mem:10.0%} {ratio_s}", flush=True)
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    (OUT_DIR / "softmax.json").write_text(json.dumps(
        {"cpu": cpu_name(), "date": str(dt.date.today()), "results": results},
        indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
