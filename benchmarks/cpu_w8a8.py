#!/usr/bin/env python3
"""W8A8 linear layers at LLM shapes, one thread: QNK's int8 matmul with the
dequantize (per-token x per-channel scales) and bias epilogue fused into the
nanokernel, against (a) dequantizing both operands to f32 and calling
OpenBLAS sgemm (benchmarks/peers/w8a8_dequant_sgemm.c, the work a framework
without int8 kernels does per call) and (b) QNK's own f32 path on
pre-dequantized f32 weights. Prints the ratios.

    python3 benchmarks/cpu_w8a8.py [--shapes 1,16,128] [--k 4096 --n 4096]
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[1]
BUILD = pathlib.Path(os.environ.get("QNK_BUILD_DIR", ROOT / "build"))
QNK_RUN = BUILD / "bin" / "qnk-run"


def qnk_source(m, n, k, dtype):
    if dtype == "i8":
        return (f"func.func @f(%x: tensor<{m}x{k}xi8>, %w: tensor<{n}x{k}xi8>, "
                f"%sx: tensor<{m}xf32>, %sw: tensor<{n}xf32>, %b: tensor<{n}xf32>) "
                f"-> tensor<{m}x{n}xf32> {{\n"
                f"  %y = qnk.matmul %x, %w transpose_b dequantize(%sx, %sw : "
                f"tensor<{m}xf32>, tensor<{n}xf32>) bias(%b : tensor<{n}xf32>) : "
                f"tensor<{m}x{k}xi8>, tensor<{n}x{k}xi8> -> tensor<{m}x{n}xf32>\n"
                f"  return %y : tensor<{m}x{n}xf32>\n}}\n")
    return (f"func.func @f(%x: tensor<{m}x{k}xf32>, %w: tensor<{n}x{k}xf32>, "
            f"%b: tensor<{n}xf32>) -> tensor<{m}x{n}xf32> {{\n"
            f"  %y = qnk.matmul %x, %w transpose_b bias(%b : tensor<{n}xf32>) : "
            f"tensor<{m}x{k}xf32>, tensor<{n}x{k}xf32> -> tensor<{m}x{n}xf32>\n"
            f"  return %y : tensor<{m}x{n}xf32>\n}}\n")


def run_qnk(tmp, m, n, k, dtype, runs):
    return time_qnk(tmp, f"w8a8_{dtype}_{m}", qnk_source(m, n, k, dtype), runs)


def time_qnk(tmp, name, source, runs):
    """Median ms of entry @f of `source` under `qnk-run --bench`, and the
    target it ran for."""
    path = os.path.join(tmp, f"{name}.mlir")
    with open(path, "w") as f:
        f.write(source)
    out = subprocess.run([str(QNK_RUN), path, "-e", "f", f"--bench={runs}",
                          "--json"], check=True, capture_output=True, text=True)
    r = json.loads(out.stdout)
    return r["median_ms"], r["target"]


def build_peer(tmp, name="w8a8_dequant_sgemm"):
    """Compiles benchmarks/peers/NAME.c (with OpenBLAS) into tmp."""
    binary = os.path.join(tmp, name)
    subprocess.run(["cc", "-O2", "-march=native",
                    "-I/usr/include/x86_64-linux-gnu/openblas-pthread",
                    "-I", str(ROOT / "benchmarks" / "peers"),
                    str(ROOT / "benchmarks" / "peers" / f"{name}.c"),
                    "-o", binary, "-lopenblas"], check=True)
    return binary


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", default="1,16,128", help="M values")
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--k", type=int, default=4096)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=0.5)
    args = ap.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        peer = build_peer(tmp)
        for m in (int(s) for s in args.shapes.split(",")):
            n, k = args.n, args.k
            ops = 2.0 * m * n * k
            q8, target = run_qnk(tmp, m, n, k, "i8", args.runs)
            q32, _ = run_qnk(tmp, m, n, k, "f32", args.runs)
            p = json.loads(subprocess.run(
                [peer, str(m), str(n), str(k), str(args.seconds)], env=env,
                check=True, capture_output=True, text=True).stdout)
            rows.append((m, n, k, q8, q32, p["ms"]))
            print(f"M={m:<4} N={n} K={k}  QNK W8A8 fused {q8:8.3f} ms "
                  f"({ops / q8 / 1e6:7.1f} GOP/s, weights {n * k / q8 / 1e6:5.1f} GB/s)"
                  f"  QNK f32 {q32:8.3f} ms  dequant+OpenBLAS {p['ms']:8.3f} ms  "
                  f"ratio vs dequant+OpenBLAS {p['ms'] / q8:5.2f}x  "
                  f"vs QNK f32 {q32 / q8:5.2f}x", flush=True)
    print(f"target {target}; single thread")
    return 0


if __name__ == "__main__":
    sys.exit(main())
