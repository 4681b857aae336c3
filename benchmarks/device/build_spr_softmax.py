#!/usr/bin/env python3
"""Builds the qnk.softmax kernels for the Sapphire Rapids run, here.

f32 rows of N in {1024, 4096, 16384, 65536} elements along the last axis,
one thread, compiled ahead of time by qnk-compile into shared libraries
with a C entry `sm(x, y)`, in two sizes: 256 MiB of input (out of every
cache) and 1 MiB (in cache). Variants:
  * new: this build, for `--target` (sapphirerapids); in the run recorded
    in docs/performance.md this was the scratch+NT experiment (849b39c);
  * avx2: this build without AVX-512 (`-avx512f`: 256-bit vectors), to
    see whether 512-bit arithmetic is what limits the Xeon;
  * base: the same op compiled by `--baseline-compile` (main's build).
spr_softmax.py runs them there against memcpy.

    python3 benchmarks/device/build_spr_softmax.py --out devbuild/spr_sm \\
        --baseline-compile /work/main/build/bin/qnk-compile
"""
import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROWS_OF = [1024, 4096, 16384, 65536]
SIZES = {"out": 256 << 20, "in": 1 << 20}


def mlir(rows, n):
    t = f"tensor<{rows}x{n}xf32>"
    return (f"func.func @sm(%x: {t}) -> {t} {{\n"
            f"  %y = qnk.softmax %x axis = 1 : {t} -> {t}\n"
            f"  return %y : {t}\n}}\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "devbuild", "spr_sm"))
    ap.add_argument("--target", default="sapphirerapids")
    ap.add_argument("--qnk-compile",
                    default=os.path.join(ROOT, "build", "bin", "qnk-compile"))
    ap.add_argument("--baseline-compile")
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "src"), exist_ok=True)
    variants = {"new": (args.qnk_compile, []),
                "avx2": (args.qnk_compile, ["--features=-avx512f"])}
    if args.baseline_compile:
        variants["base"] = (args.baseline_compile, [])
    jobs = [dict(variant=v, size=s, n=n, rows=SIZES[s] // (4 * n))
            for v in variants for s in SIZES for n in ROWS_OF]

    def build(job):
        name = "sm_{variant}_{size}_n{n}".format(**job)
        src = os.path.join(args.out, "src", name + ".mlir")
        with open(src, "w") as f:
            f.write(mlir(job["rows"], job["n"]))
        compiler, extra = variants[job["variant"]]
        so = os.path.join(args.out, name + ".so")
        cmd = [compiler, src, "-e", "sm", f"--target={args.target}",
               "--shared", "-o", so] + extra
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            sys.exit(f"{' '.join(cmd)}\n{r.stderr}")
        return dict(job, so=os.path.basename(so), entry="sm")

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        manifest = list(pool.map(build, jobs))
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(dict(target=args.target, kernels=manifest), f, indent=1)
    print(f"{len(manifest)} kernels in {args.out}")


if __name__ == "__main__":
    main()
