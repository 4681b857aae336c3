#!/usr/bin/env python3
"""W4A16 groupwise linear layers at LLM shapes, one thread: QNK's matmul of
bf16 activations with int4 weights (stored [N, K], an f16 scale per group of
G along K, applied inside the reduction) against (a) dequantizing the weights
and activations to f32 on every call and calling OpenBLAS sgemm
(benchmarks/peers/w4a16_dequant_sgemm.c) and (b) QNK's own bf16 and f32
paths on pre-dequantized weights of the same layout. For decode (M = 1) it
also prints the bytes-moved limit: the bytes the int4 kernel must read
(weights, scales, activations) and write, at the copy bandwidth of
benchmarks/peers/memcpy_peer.c. Prints the ratios.

    python3 benchmarks/cpu_w4a16.py [--shapes 1,16,128] [--k 4096 --n 4096]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

from cpu_w8a8 import build_peer as build, time_qnk



def qnk_source(m, n, k, g, kind):
    if kind == "w4a16":
        return (f"func.func @f(%x: tensor<{m}x{k}xbf16>, %w: tensor<{n}x{k}xi4>, "
                f"%s: tensor<{n}x{k // g}xf16>) -> tensor<{m}x{n}xf32> {{\n"
                f"  %y = qnk.matmul %x, %w transpose_b b_group_scale(%s : "
                f"tensor<{n}x{k // g}xf16>) group_size = {g} : "
                f"tensor<{m}x{k}xbf16>, tensor<{n}x{k}xi4> -> tensor<{m}x{n}xf32>\n"
                f"  return %y : tensor<{m}x{n}xf32>\n}}\n")
    t = kind
    return (f"func.func @f(%x: tensor<{m}x{k}x{t}>, %w: tensor<{n}x{k}x{t}>) "
            f"-> tensor<{m}x{n}xf32> {{\n"
            f"  %y = qnk.matmul %x, %w transpose_b : tensor<{m}x{k}x{t}>, "
            f"tensor<{n}x{k}x{t}> -> tensor<{m}x{n}xf32>\n"
            f"  return %y : tensor<{m}x{n}xf32>\n}}\n")


def run_qnk(tmp, m, n, k, g, kind, runs):
    return time_qnk(tmp, f"{kind}_{m}", qnk_source(m, n, k, g, kind), runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shapes", default="1,16,128", help="M values")
    ap.add_argument("--n", type=int, default=4096)
    ap.add_argument("--k", type=int, default=4096)
    ap.add_argument("--group", type=int, default=128)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=0.5)
    args = ap.parse_args()
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
    n, k, g = args.n, args.k, args.group
    with tempfile.TemporaryDirectory() as tmp:
        peer = build(tmp, "w4a16_dequant_sgemm")
        copy = build(tmp, "memcpy_peer")
        c = json.loads(subprocess.run([copy, str(256 << 20), "5"], check=True,
                                      capture_output=True, text=True).stdout)
        gbps = c["gbps"]
        print(f"copy bandwidth {gbps:.1f} GB/s (read + write, 256 MiB)")
        for m in (int(s) for s in args.shapes.split(",")):
            q4, target = run_qnk(tmp, m, n, k, g, "w4a16", args.runs)
            qbf, _ = run_qnk(tmp, m, n, k, g, "bf16", args.runs)
            q32, _ = run_qnk(tmp, m, n, k, g, "f32", args.runs)
            p = json.loads(subprocess.run(
                [peer, str(m), str(n), str(k), str(g), str(args.seconds)],
                env=env, check=True, capture_output=True, text=True).stdout)
            moved = n * k / 2 + n * (k // g) * 2 + m * k * 2 + m * n * 4
            limit = moved / (gbps * 1e9) * 1e3
            print(f"M={m:<4} N={n} K={k} G={g}  QNK W4A16 {q4:8.3f} ms "
                  f"(weights {n * k / 2 / q4 / 1e6:5.1f} GB/s, bytes-moved limit "
                  f"{limit:6.3f} ms = {limit / q4 * 100:5.1f}%)  QNK bf16 {qbf:8.3f} ms"
                  f"  QNK f32 {q32:8.3f} ms  dequant+OpenBLAS {p['ms']:8.3f} ms  "
                  f"ratio vs dequant+OpenBLAS {p['ms'] / q4:5.2f}x  "
                  f"vs QNK bf16 {qbf / q4:5.2f}x  vs QNK f32 {q32 / q4:5.2f}x",
                  flush=True)
    print(f"target {target}; single thread")
    return 0


if __name__ == "__main__":
    sys.exit(main())
