#!/usr/bin/env python3
"""Builds the qnk.attention kernels for the Sapphire Rapids run, here.

Every kernel is compiled ahead of time by qnk-compile for `--target`
(sapphirerapids by default) into a shared library with a plain C entry
`attn(q, k, v, o)`, listed in a manifest that spr_attention.py reads on the
device machine (which has no MLIR), with LLVM's OpenMP runtime beside them.
Shapes (bf16 in, bf16 out; B = 1, H = Hkv = 16 unless noted):
  * check: small odd shapes, causal and GQA, compared with PyTorch there;
  * prefill: Lq = Lk in {512, 1024, 2048, 4096, 8192}, D in {64, 128}
    (and causal for D = 128);
  * decode: Lq = 1, Lk in {4096, 16384}, H = 32 query heads over 8 kv heads.
Variants (`--variants`, each a precision of qnk.attention):
  * f32pv: the op as it is (bf16 Q·Kᵀ on vdpbf16ps, f32 P·V);
  * bf16pv: `pv_type = bf16` (P rounded to bf16 as PyTorch's CPU kernel
    does; both products on vdpbf16ps);
  * i8: `qk_type = i8 pv_type = bf16` (SageAttention), prefill D = 128 and
    the checks only;
  * base: the op as it is, compiled by `--baseline-compile` (another
    build, e.g. main's), prefill L in {1024, 4096}, D = 128 only.
Each kernel carries the tolerance its check against PyTorch uses: 2^-6 of
max(1, max |ref|) (bf16 rounding), 2^-4 for i8.

    python3 benchmarks/device/build_spr_attention.py --out devbuild/spr_attn
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (role, B, H, Hkv, Lq, Lk, D, causal)
CHECKS = [("check", 1, 4, 2, 17, 100, 64, False),
          ("check", 1, 4, 4, 100, 100, 128, True),
          ("check", 2, 8, 2, 1, 1000, 128, False)]
PREFILL = [(l, d, c) for l in (512, 1024, 2048, 4096, 8192)
           for d in (64, 128) for c in (False, True) if d == 128 or not c]
DECODE = [4096, 16384]


VARIANTS = {"f32pv": "", "bf16pv": " pv_type = bf16",
            "i8": " qk_type = i8 pv_type = bf16", "base": ""}
TOLERANCE = {"i8": 2.0 ** -4}


def mlir(b, h, hkv, lq, lk, d, causal, variant="f32pv", t="bf16"):
    q = f"tensor<{b}x{h}x{lq}x{d}x{t}>"
    kv = f"tensor<{b}x{hkv}x{lk}x{d}x{t}>"
    attrs = (" causal" if causal else "") + VARIANTS[variant]
    return (f"func.func @attn(%q: {q}, %k: {kv}, %v: {kv}) -> {q} {{\n"
            f"  %o = qnk.attention %q, %k, %v{attrs} : "
            f"{q}, {kv}, {kv} -> {q}\n  return %o : {q}\n}}\n")


def wanted(variant, role, l, d):
    if variant == "i8":
        return role == "check" or (role == "prefill" and d == 128)
    if variant == "base":
        return role == "prefill" and d == 128 and l in (1024, 4096)
    return True


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(ROOT, "devbuild", "spr_attn"))
    ap.add_argument("--target", default="sapphirerapids")
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--quick", action="store_true",
                    help="checks and L <= 2048 only")
    ap.add_argument("--qnk-compile",
                    default=os.path.join(ROOT, "build", "bin", "qnk-compile"))
    ap.add_argument("--variants", default="f32pv,bf16pv,i8",
                    help="comma-separated: " + ", ".join(VARIANTS))
    ap.add_argument("--baseline-compile",
                    help="qnk-compile of another build, for variant base")
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "src"), exist_ok=True)
    variants = args.variants.split(",")
    if "base" in variants and not args.baseline_compile:
        sys.exit("variant base needs --baseline-compile")

    jobs = []
    for var in variants:
        jobs += [dict(role=r, b=b, h=h, hkv=hkv, lq=lq, lk=lk, d=d, causal=c,
                      threads=t, variant=var)
                 for r, b, h, hkv, lq, lk, d, c in CHECKS
                 for t in (1, args.threads) if wanted(var, r, lq, d)]
        for l, d, c in PREFILL:
            if (args.quick and l > 2048) or not wanted(var, "prefill", l, d):
                continue
            jobs.append(dict(role="prefill", b=1, h=16, hkv=16, lq=l, lk=l,
                             d=d, causal=c, threads=args.threads, variant=var))
        for lk in DECODE:
            if wanted(var, "decode", 1, 128):
                jobs.append(dict(role="decode", b=1, h=32, hkv=8, lq=1, lk=lk,
                                 d=128, causal=False, threads=args.threads,
                                 variant=var))
    for job in jobs:
        job["tol"] = TOLERANCE.get(job["variant"], 2.0 ** -6)

    def build(job):
        name = ("{variant}_{role}_b{b}h{h}kv{hkv}_q{lq}k{lk}d{d}_{c}_t{threads}"
                .format(c="causal" if job["causal"] else "full", **job))
        src = os.path.join(args.out, "src", name + ".mlir")
        with open(src, "w") as f:
            f.write(mlir(job["b"], job["h"], job["hkv"], job["lq"], job["lk"],
                         job["d"], job["causal"], job["variant"]))
        so = os.path.join(args.out, name + ".so")
        compiler = (args.baseline_compile if job["variant"] == "base"
                    else args.qnk_compile)
        cmd = [compiler, src, "-e", "attn", f"--target={args.target}",
               "--shared", "-o", so]
        if job["threads"] > 1:
            cmd.append(f"--threads={job['threads']}")
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode:
            sys.exit(f"{' '.join(cmd)}\n{r.stderr}")
        return dict(job, so=os.path.basename(so), entry="attn")

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        manifest = list(pool.map(build, jobs))
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(dict(target=args.target, kernels=manifest), f, indent=1)
    libomp = "/usr/lib/llvm-22/lib/libomp.so.5"
    if os.path.exists(libomp):
        shutil.copy(libomp, os.path.join(args.out, "libomp.so.5"))
    print(f"{len(manifest)} kernels in {args.out}")


if __name__ == "__main__":
    main()
