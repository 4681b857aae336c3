#!/usr/bin/env python3
"""Builds the kernels the Sapphire Rapids run needs, ahead of time, here.

Every kernel is compiled by qnk-compile for `--target` (sapphirerapids by
default) into a shared library with a plain C entry, listed in a manifest
that spr_matmul.py reads on the device machine (which has no MLIR). The
output folder also gets LLVM's OpenMP runtime, which multi-threaded kernels
need and that machine lacks.

    python3 benchmarks/device/build_spr_kernels.py --out devbuild/spr
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ACC = {"f32": "f32", "bf16": "f32", "f16": "f32", "i8": "i32", "ui8": "i32",
       "i4": "i32", "ui4": "i32"}

# Correctness: odd shapes (tile remainders in every dimension), every type.
CHECK_SHAPES = [(1, 64, 64), (7, 13, 37), (17, 33, 65), (37, 50, 129),
                (64, 64, 64), (100, 200, 300), (129, 257, 95), (256, 256, 256),
                (70, 100, 1300)]
CHECK_TYPES = [("bf16", "bf16"), ("i8", "i8"), ("ui8", "i8"), ("f32", "f32"),
               ("i8", "i4"), ("ui4", "i4"), ("i4", "ui4")]
# Speed: squares and LLM shapes, bf16 and int8, 1 thread and all 16.
BENCH_SQUARES = [256, 512, 1024, 2048, 4096]
BENCH_LLM = [(1, 4096, 4096), (16, 4096, 4096), (128, 4096, 4096),
             (2048, 4096, 4096)]
BENCH_TYPES = [("bf16", "bf16"), ("i8", "i8"), ("ui8", "i8")]
# 4-bit weights (W4A8) against the same shapes with 8-bit weights.
BENCH_W4_TYPES = [("ui8", "i4")]
# Scaling with threads: GFLOP/s against thread count.
SCALING_SHAPES = [(2048, 2048, 2048), (128, 4096, 4096)]
SCALING_THREADS = [1, 2, 4, 8, 16]


def mlir(m, n, k, ta, tb):
    acc = ACC[ta]
    return (f"func.func @mm(%a: tensor<{m}x{k}x{ta}>, %b: tensor<{k}x{n}x{tb}>)"
            f" -> tensor<{m}x{n}x{acc}> {{\n"
            f"  %c = qnk.matmul %a, %b : tensor<{m}x{k}x{ta}>, "
            f"tensor<{k}x{n}x{tb}> -> tensor<{m}x{n}x{acc}>\n"
            f"  return %c : tensor<{m}x{n}x{acc}>\n}}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "devbuild", "spr"))
    ap.add_argument("--target", default="sapphirerapids")
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--quick", action="store_true", help="a few kernels only")
    ap.add_argument("--llm-only", action="store_true",
                    help="benchmarks: the LLM shapes only, no scaling runs")
    ap.add_argument("--qnk-compile",
                    default=os.path.join(ROOT, "build", "bin", "qnk-compile"))
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "src"), exist_ok=True)

    jobs = []
    for ta, tb in CHECK_TYPES:
        for m, n, k in CHECK_SHAPES[:3] if args.quick else CHECK_SHAPES:
            jobs.append(dict(role="check", m=m, n=n, k=k, ta=ta, tb=tb, threads=1))
    # The same checks with the block loops split across threads.
    if args.threads > 1:
        for ta, tb in CHECK_TYPES:
            for m, n, k in [(129, 257, 95), (256, 1000, 300)]:
                jobs.append(dict(role="check", m=m, n=n, k=k, ta=ta, tb=tb,
                                 threads=args.threads))
    shapes = [(s, s, s) for s in BENCH_SQUARES] + BENCH_LLM
    if args.llm_only:
        shapes = BENCH_LLM
    for ta, tb in BENCH_TYPES + BENCH_W4_TYPES:
        for m, n, k in shapes[:2] if args.quick else shapes:
            if (ta, tb) in BENCH_W4_TYPES and (m, n, k) not in BENCH_LLM:
                continue
            for t in sorted({1, args.threads}):
                jobs.append(dict(role="bench", m=m, n=n, k=k, ta=ta, tb=tb, threads=t))

    if not args.quick and not args.llm_only:
        for ta, tb in BENCH_TYPES[:2]:
            for m, n, k in SCALING_SHAPES:
                for t in SCALING_THREADS:
                    jobs.append(dict(role="scaling", m=m, n=n, k=k, ta=ta,
                                     tb=tb, threads=t))

    def build(job):
        name = "{role}_{ta}x{tb}_{m}x{n}x{k}_t{threads}".format(**job)
        src = os.path.join(args.out, "src", name + ".mlir")
        with open(src, "w") as f:
            f.write(mlir(job["m"], job["n"], job["k"], job["ta"], job["tb"]))
        so = os.path.join(args.out, name + ".so")
        cmd = [args.qnk_compile, src, "-e", "mm", f"--target={args.target}",
               "--shared", "-o", so]
        if job["threads"] > 1:
            cmd.append(f"--threads={job['threads']}")
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            sys.exit(f"{' '.join(cmd)}\n{r.stderr}")
        return dict(job, so=os.path.basename(so), entry="mm")

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        manifest = list(pool.map(build, jobs))
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(dict(target=args.target, kernels=manifest), f, indent=1)
    libomp = "/usr/lib/llvm-22/lib/libomp.so.5"
    if os.path.exists(libomp):
        shutil.copy(libomp, os.path.join(args.out, "libomp.so.5"))
    # The clock probe, built here: the device machine has a compiler, but
    # this keeps the run to one command.
    subprocess.run(["cc", "-O2", os.path.join(os.path.dirname(__file__),
                                              "clock_probe.c"),
                    "-o", os.path.join(args.out, "clock_probe")], check=True)
    print(f"{len(manifest)} kernels in {args.out}")


if __name__ == "__main__":
    main()
