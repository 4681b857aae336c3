#!/usr/bin/env python3
"""IREE peer for the CPU f32 GEMM benchmark (single thread).

    iree_matmul.py M N K REPS [TARGET_S] [--data-tiling] [--work-dir DIR]

Compiles the same contraction QNK gets -- `linalg.matmul` on
tensor<MxKxf32> x tensor<KxNxf32> -- for the host CPU with

    iree-compile --iree-hal-target-device=local
                 --iree-hal-local-target-device-backends=llvm-cpu
                 --iree-llvmcpu-target-cpu=host

checks the result once through the Python runtime (local-sync driver) against
numpy, then times it with `iree-benchmark-module --device=local-sync` (the
synchronous, single-threaded local driver) from the iree-base-runtime wheel.
--data-tiling adds `--iree-opt-data-tiling` (IREE's packed-layout matmul path,
not on by default for llvm-cpu in this release) and reports lib "iree-dt".

Timing: google-benchmark repetitions; each repetition is the mean time of a
batch of back-to-back calls, and the median over repetitions is reported.
REPS <= 0: 10 repetitions of ~TARGET_S/10 s each (TARGET_S defaults to 0.5).
REPS > 0: REPS calls in total, split into 5 repetitions.
If iree-benchmark-module is missing, calls are timed one by one from Python
(device-resident inputs; includes Python call overhead) and that is said in
"info".

Output: one JSON line, same fields as benchmarks/peers/gemm_peers.c:
    {"lib":"iree" | "iree-dt", "m", "n", "k", "reps", "median_ms", "min_ms", "gflops",
     "checksum", "max_rel_err", "threads":1, "info", "error"}
Inputs are the same deterministic matrices gemm_peers uses, so checksums are
comparable across peers.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

COMPILE_FLAGS = [
    "--iree-hal-target-device=local",
    "--iree-hal-local-target-device-backends=llvm-cpu",
    "--iree-llvmcpu-target-cpu=host",
]


def fill(n_elems, seed):
    """Same counter-based splitmix64 values in [-1, 1) as gemm_peers.c fill()."""
    import numpy as np

    with np.errstate(over="ignore"):
        z = (np.uint64(seed) << np.uint64(32)) + np.arange(n_elems, dtype=np.uint64)
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(40)).astype(np.float64) * (2.0 / 16777216.0) - 1.0).astype(np.float32)


def ensure_inputs(m, n, k, data_dir=HERE / "out" / "data"):
    """A (MxK, seed 1) and B (KxN, seed 2) as .npy files, written once; these
    are the inputs of every peer (gemm_peers builds the same in memory)."""
    import numpy as np

    data_dir = Path(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, rows, cols, seed in (("a", m, k, 1), ("b", k, n, 2)):
        path = data_dir / f"{name}_{rows}x{cols}_seed{seed}.npy"
        if not path.exists() or path.stat().st_size < 4 * rows * cols:
            tmp = path.with_suffix(".tmp.npy")
            np.save(tmp, fill(rows * cols, seed).reshape(rows, cols))
            tmp.replace(path)
        paths.append(path)
    return paths


def spot_check(a, b, c):
    """Max relative error of 64 entries of C against a float64 reference
    (error / sum of |products|), as gemm_peers does."""
    import numpy as np

    rng = np.random.default_rng(12345)
    ii = rng.integers(0, a.shape[0], 64)
    jj = rng.integers(0, b.shape[1], 64)
    prods = a[ii, :].astype(np.float64) * b[:, jj].T.astype(np.float64)
    ref = prods.sum(axis=1)
    mag = np.abs(prods).sum(axis=1)
    err = np.abs(c[ii, jj] - ref) / np.where(mag > 0, mag, 1.0)
    return float(err.max())


def matmul_mlir(m, n, k):
    """linalg.matmul on tensors, zero-initialised accumulator (C = A*B)."""
    return f"""func.func @mm(%a: tensor<{m}x{k}xf32>, %b: tensor<{k}x{n}xf32>) -> tensor<{m}x{n}xf32> {{
  %zero = arith.constant 0.0 : f32
  %empty = tensor.empty() : tensor<{m}x{n}xf32>
  %acc = linalg.fill ins(%zero : f32) outs(%empty : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  %c = linalg.matmul ins(%a, %b : tensor<{m}x{k}xf32>, tensor<{k}x{n}xf32>)
                     outs(%acc : tensor<{m}x{n}xf32>) -> tensor<{m}x{n}xf32>
  return %c : tensor<{m}x{n}xf32>
}}
"""


def find_tool(name):
    """Tool from PATH, or next to this Python (pip console scripts)."""
    path = shutil.which(name)
    if path:
        return path
    cand = Path(sys.executable).parent / name
    return str(cand) if cand.exists() else None


LIB = "iree"


def result(m, n, k, **kw):
    out = {"lib": LIB, "m": m, "n": n, "k": k, "reps": 0, "median_ms": None,
           "min_ms": None, "gflops": None, "checksum": None, "max_rel_err": None,
           "threads": 1, "info": None, "error": None}
    out.update(kw)
    return out


def compile_module(m, n, k, work_dir):
    """Compile (cached by shape and flags) and return the .vmfb path."""
    stem = f"{LIB}_mm_{m}x{n}x{k}"
    src = work_dir / f"{stem}.mlir"
    vmfb = work_dir / f"{stem}.vmfb"
    text = matmul_mlir(m, n, k)
    stamp = work_dir / f"{stem}.flags"
    flags_txt = " ".join(COMPILE_FLAGS)
    if (vmfb.exists() and src.exists() and src.read_text() == text and stamp.exists()
            and stamp.read_text() == flags_txt):
        return vmfb
    src.write_text(text)
    tool = find_tool("iree-compile")
    if tool:
        cmd = [tool, str(src), *COMPILE_FLAGS, "-o", str(vmfb)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError("iree-compile failed: " + proc.stderr.strip()[-2000:])
    else:  # Python API of iree-base-compiler
        from iree.compiler import tools as ireec

        ireec.compile_file(str(src), output_file=str(vmfb), extra_args=COMPILE_FLAGS)
    stamp.write_text(flags_txt)
    return vmfb


def verify(vmfb, a, b):
    """Run once via the Python runtime (local-sync); return (C, max_rel_err)."""
    import numpy as np
    import iree.runtime as rt

    config = rt.Config("local-sync")
    ctx = rt.SystemContext(config=config)
    ctx.add_vm_module(rt.VmModule.copy_buffer(ctx.instance, vmfb.read_bytes()))
    fn = ctx.modules.module["mm"]
    c = np.asarray(fn(a, b).to_host())
    return c, ctx, fn, spot_check(a, b, c)


def bench_module(tool, vmfb, a_npy, b_npy, reps, target_s):
    """Time with iree-benchmark-module; returns (median_ms, min_ms, calls)."""
    if reps > 0:
        nrep = 5
        per = max(1, reps // nrep)
        min_time = f"{per}x"
    else:
        nrep = 10
        min_time = f"{max(target_s / nrep, 0.005):.4f}s"
    cmd = [tool, f"--module={vmfb}", "--device=local-sync", "--function=mm",
           f"--input=@{a_npy}", f"--input=@{b_npy}",
           f"--benchmark_repetitions={nrep}", f"--benchmark_min_time={min_time}",
           "--benchmark_format=json"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError("iree-benchmark-module failed: " + proc.stderr.strip()[-2000:])
    data = json.loads(proc.stdout)
    runs = [bm for bm in data["benchmarks"] if bm.get("run_type") == "iteration"]
    scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}
    times = [bm["real_time"] * scale[bm["time_unit"]] for bm in runs]
    calls = sum(int(bm["iterations"]) for bm in runs)
    return statistics.median(times), min(times), calls


def bench_python(ctx, fn, a, b, reps, target_s):
    """Fallback: time single calls from Python with device-resident inputs."""
    import iree.runtime as rt

    da = rt.asdevicearray(ctx.config.device, a)
    db = rt.asdevicearray(ctx.config.device, b)
    for _ in range(3):
        fn(da, db)
    t0 = time.perf_counter()
    ncal = 0
    while time.perf_counter() - t0 < 0.05:
        fn(da, db)
        ncal += 1
    if reps <= 0:
        reps = int(min(max(target_s / ((time.perf_counter() - t0) / ncal), 5), 200000))
    times = []
    for _ in range(reps):
        s = time.perf_counter()
        fn(da, db)
        times.append((time.perf_counter() - s) * 1e3)
    return statistics.median(times), min(times), reps


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("m", type=int)
    ap.add_argument("n", type=int)
    ap.add_argument("k", type=int)
    ap.add_argument("reps", type=int, nargs="?", default=0)
    ap.add_argument("target_s", type=float, nargs="?", default=0.5)
    ap.add_argument("--data-tiling", action="store_true",
                    help="also pass --iree-opt-data-tiling (reported as lib 'iree-dt')")
    ap.add_argument("--work-dir", default=str(HERE / "out" / "iree"))
    args = ap.parse_args()
    global LIB
    if args.data_tiling:
        LIB = "iree-dt"
        COMPILE_FLAGS.append("--iree-opt-data-tiling")
    m, n, k = args.m, args.n, args.k
    work_dir = Path(args.work_dir)
    work_dir.mkdir(parents=True, exist_ok=True)

    try:
        import numpy as np
        import iree.runtime  # noqa: F401 - only checking that it is installed
    except ImportError as e:
        print(json.dumps(result(m, n, k, error=f"IREE runtime not importable ({e}); "
                                "pip install iree-base-compiler iree-base-runtime")))
        return
    try:
        vmfb = compile_module(m, n, k, work_dir)
    except Exception as e:  # noqa: BLE001 - report, don't crash the driver
        print(json.dumps(result(m, n, k, error=f"compile: {e}")))
        return

    a_npy, b_npy = ensure_inputs(m, n, k)
    a, b = np.load(a_npy), np.load(b_npy)
    c, ctx, fn, max_rel = verify(vmfb, a, b)
    checksum = float(c.astype(np.float64).sum())
    try:
        from importlib.metadata import version as pkg_version
        version = pkg_version("iree-base-runtime")
    except Exception:  # noqa: BLE001 - version is informational only
        version = "?"
    info = f"iree-base-runtime {version}; compile: {' '.join(COMPILE_FLAGS)}"
    if max_rel > 1e-4:
        print(json.dumps(result(m, n, k, info=info, max_rel_err=max_rel,
                                error="result mismatch vs double reference")))
        return

    tool = find_tool("iree-benchmark-module")
    if tool:
        med, mn, calls = bench_module(tool, vmfb, a_npy, b_npy, args.reps, args.target_s)
        info += "; timed by iree-benchmark-module --device=local-sync (median of repetition means)"
    else:
        med, mn, calls = bench_python(ctx, fn, a, b, args.reps, args.target_s)
        info += "; timed from Python (iree-benchmark-module not found; includes call overhead)"
    gflops = 2.0 * m * n * k / (med * 1e-3) * 1e-9
    print(json.dumps(result(m, n, k, reps=calls, median_ms=med, min_ms=mn, gflops=round(gflops, 4),
                            checksum=checksum, max_rel_err=max_rel, info=info)))


if __name__ == "__main__":
    main()
