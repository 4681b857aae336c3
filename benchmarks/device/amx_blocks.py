#!/usr/bin/env python3
"""Where single-core AMX time goes: cache-block variants and prepacked
operands of one GEMM, timed side by side on a Sapphire Rapids host.

`build` (here, with MLIR) compiles every variant with qnk-compile into a
folder with a manifest; `run` (on the host with AMX, numpy and torch only)
times each on one pinned core next to torch.matmul and reports GFLOP/s and
the share of one core's AMX peak (1024 bf16 FLOP/cycle at the clock
clock_probe measures).

    python3 benchmarks/device/amx_blocks.py build --out .dev/amx
    python3 benchmarks/device/amx_blocks.py run .dev/amx --out amx.json

Variants: `qnk.matmul` on row-major A and B with the pipeline's own cache
blocks and with the --kc/--mc/--nc given; and `qnk.packed_matmul` on A and
B already in the AMX layouts (what is left when packing costs nothing).
"""
import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

# (kc K steps, mc rows, nc columns); 0: the pipeline derives it.
BLOCKS = [(0, 0, 0), (576, 448, 2048), (256, 512, 2048), (192, 512, 2048),
          (128, 1024, 2048), (384, 512, 2048), (256, 256, 512),
          (256, 1024, 2048)]
KERNEL = "amx_bf16, mr = 32, nv = 2, vector_length = 16, kr = 2"


def matmul_source(m, n, k):
    return (f"func.func @mm(%a: tensor<{m}x{k}xbf16>, %b: tensor<{k}x{n}xbf16>)"
            f" -> tensor<{m}x{n}xf32> {{\n"
            f"  %c = qnk.matmul %a, %b : tensor<{m}x{k}xbf16>, "
            f"tensor<{k}x{n}xbf16> -> tensor<{m}x{n}xf32>\n"
            f"  return %c : tensor<{m}x{n}xf32>\n}}\n")


def prepacked_source(m, n, k):
    """A as [M/32][K/32][32][32], B as [N/32][K/2][32][2] (bf16 pairs)."""
    a = f"tensor<{m // 32}x{k // 32}x32x32xbf16>"
    b = f"tensor<{n // 32}x{k // 2}x32x2xbf16>"
    c = f"tensor<{m}x{n}xf32>"
    return (f"func.func @mm(%a: {a}, %b: {b}) -> {c} {{\n"
            f"  %e = tensor.empty() : {c}\n"
            f"  %r = qnk.packed_matmul ins(%a, %b : {a}, {b}) outs(%e : {c}) "
            f"kernel = <{KERNEL}> -> {c}\n"
            f"  return %r : {c}\n}}\n"), [[m // 32, k // 32, 32, 32],
                                          [n // 32, k // 2, 32, 2]]


def build(args):
    os.makedirs(args.out, exist_ok=True)
    m = n = k = args.size
    kernels = []

    def compile_one(name, source, blocks, arg_shapes):
        src = os.path.join(args.out, name + ".mlir")
        with open(src, "w") as f:
            f.write(source)
        cmd = [args.qnk_compile, src, "-e", "mm", "--target", args.target,
               "--shared", "-o", os.path.join(args.out, name + ".so")]
        for opt, v in zip(("--kc", "--mc", "--nc"), blocks):
            if v:
                cmd.append(f"{opt}={v}")
        subprocess.run(cmd, check=True)
        kernels.append(dict(name=name, so=name + ".so", m=m, n=n, k=k,
                            blocks=list(blocks), args=arg_shapes))

    for blocks in BLOCKS:
        compile_one("mm_kc%d_mc%d_nc%d" % blocks, matmul_source(m, n, k),
                    blocks, [[m, k], [k, n]])
    source, shapes = prepacked_source(m, n, k)
    for blocks in BLOCKS[:4]:
        compile_one("packed_kc%d_mc%d_nc%d" % blocks, source, blocks, shapes)
    subprocess.run(["cc", "-O2", os.path.join(ROOT, "benchmarks", "device",
                                              "clock_probe.c"),
                    "-o", os.path.join(args.out, "clock_probe")], check=True)
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(dict(target=args.target, kernels=kernels), f, indent=1)
    print(f"{len(kernels)} kernels in {args.out}")


def run(args):
    import ctypes
    import torch
    from spr_matmul import request_amx, timeit
    manifest = json.load(open(os.path.join(args.dir, "manifest.json")))
    if not request_amx():
        sys.exit("arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) failed")
    cpu = min(os.sched_getaffinity(0))
    os.sched_setaffinity(0, {cpu})
    torch.set_num_threads(1)
    probe = os.path.join(args.dir, "clock_probe")

    def clock_ghz():
        out = subprocess.run([probe], capture_output=True, text=True).stdout
        return json.loads(out)["clock_ghz_imul"]

    results = dict(clock_ghz_before=clock_ghz(), kernels=[])
    k0 = manifest["kernels"][0]
    a = torch.randn(k0["m"], k0["k"]).to(torch.bfloat16)
    b = torch.randn(k0["k"], k0["n"]).to(torch.bfloat16)
    flop = 2.0 * k0["m"] * k0["n"] * k0["k"]
    for rep in range(args.repeats):
        t = timeit(lambda: torch.matmul(a, b), args.min_time)
        results.setdefault("torch_gflops", []).append(flop / t / 1e9)
        for job in manifest["kernels"]:
            fn = getattr(ctypes.CDLL(os.path.join(args.dir, job["so"])), "mm")
            ins = [torch.randn(s).to(torch.bfloat16) for s in job["args"]]
            c = torch.empty(job["m"], job["n"], dtype=torch.float32)
            ptrs = [ctypes.c_void_p(x.data_ptr()) for x in ins + [c]]
            t = timeit(lambda: fn(*ptrs), args.min_time)
            job.setdefault("gflops", []).append(flop / t / 1e9)
    results["clock_ghz_after"] = clock_ghz()
    ghz = min(results["clock_ghz_before"], results["clock_ghz_after"])
    peak = 1024 * ghz
    print(f"clock {results['clock_ghz_before']:.2f}/"
          f"{results['clock_ghz_after']:.2f} GHz, AMX bf16 peak "
          f"{peak:.0f} GFLOP/s (lower clock)")
    print(f"torch.matmul {max(results['torch_gflops']):8.1f} GFLOP/s "
          f"{max(results['torch_gflops']) / peak:5.1%}")
    for job in manifest["kernels"]:
        best = max(job["gflops"])
        print(f"{job['name']:28s} {best:8.1f} GFLOP/s {best / peak:5.1%}  "
              f"(runs: {' '.join('%.0f' % g for g in job['gflops'])})")
        results["kernels"].append(job)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--out", default=os.path.join(ROOT, ".dev", "amx"))
    b.add_argument("--target", default="sapphirerapids")
    b.add_argument("--size", type=int, default=2048)
    b.add_argument("--qnk-compile", default=os.path.join(
        os.environ.get("QNK_BUILD_DIR", os.path.join(ROOT, "build")), "bin",
        "qnk-compile"))
    r = sub.add_parser("run")
    r.add_argument("dir")
    r.add_argument("--out", default="amx_blocks.json")
    r.add_argument("--repeats", type=int, default=2)
    r.add_argument("--min-time", type=float, default=0.4)
    args = ap.parse_args()
    build(args) if args.cmd == "build" else run(args)


if __name__ == "__main__":
    main()
