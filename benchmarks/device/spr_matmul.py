#!/usr/bin/env python3
"""Runs QNK's ahead-of-time kernels on a Sapphire Rapids host: correctness
against exact references, speed against PyTorch (oneDNN) on the same host.

Needs only numpy and torch there (no MLIR): the kernels come from
build_spr_kernels.py, which writes them and a manifest into one folder.

    python3 benchmarks/device/spr_matmul.py devbuild/spr --out results.json
"""
import argparse
import ctypes
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

SYS_ARCH_PRCTL = 158
ARCH_REQ_XCOMP_PERM = 0x1023
XFEATURE_XTILEDATA = 18


def request_amx():
    """Linux hands out AMX tile state only on request (once per process)."""
    libc = ctypes.CDLL(None, use_errno=True)
    rc = libc.syscall(SYS_ARCH_PRCTL, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)
    return rc == 0


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return set(line.split(":", 1)[1].split())
    return set()


TORCH_DTYPE = {"bf16": torch.bfloat16, "f32": torch.float32, "i8": torch.int8,
               "ui8": torch.uint8}


INT_RANGE = {"i8": (-128, 128), "ui8": (0, 256), "i4": (-8, 8), "ui4": (0, 16)}


def pack_4bit(values):
    """Two per byte, row-major, the even element in the low nibble (QNK's
    layout of i4/ui4 tensors)."""
    nib = values.reshape(-1).numpy().astype(np.uint8) & 0xF
    if nib.size % 2:
        nib = np.append(nib, np.uint8(0))
    return torch.from_numpy(np.ascontiguousarray(nib[0::2] | (nib[1::2] << 4)))


def make_inputs(job, gen):
    """(A, B, C) as the kernel takes them and (A, B) as values."""
    m, n, k = job["m"], job["n"], job["k"]

    def one(shape, t):
        if t in ("bf16", "f32"):
            return torch.randn(shape, generator=gen).to(TORCH_DTYPE[t])
        lo, hi = INT_RANGE[t]
        x = torch.randint(lo, hi, shape, generator=gen)
        return x.to(TORCH_DTYPE.get(t, torch.int8))

    a = one((m, k), job["ta"]).contiguous()
    b = one((k, n), job["tb"]).contiguous()
    acc = torch.float32 if job["ta"] in ("bf16", "f32") else torch.int32
    c = torch.full((m, n), 7, dtype=acc)
    a_buf = pack_4bit(a) if job["ta"] in ("i4", "ui4") else a
    b_buf = pack_4bit(b) if job["tb"] in ("i4", "ui4") else b
    return (a_buf, b_buf, c), (a, b)


def call(fn, a, b, c):
    fn(ctypes.c_void_p(a.data_ptr()), ctypes.c_void_p(b.data_ptr()),
       ctypes.c_void_p(c.data_ptr()))


def check(fn, job, gen):
    (a_buf, b_buf, c), (a, b) = make_inputs(job, gen)
    call(fn, a_buf, b_buf, c)
    a64 = a.to(torch.float64).numpy()
    b64 = b.to(torch.float64).numpy()
    ref = a64 @ b64
    got = c.to(torch.float64).numpy()
    if job["ta"] not in ("bf16", "f32"):
        ok = np.array_equal(got, ref)
        err = float(np.abs(got - ref).max()) if got.size else 0.0
    else:
        # f32 accumulation: |c - ref| <= K * 2^-23 * (|A| |B|) + tiny.
        bound = job["k"] * 2.0 ** -23 * (np.abs(a64) @ np.abs(b64)) + 1e-30
        ok = bool(np.all(np.abs(got - ref) <= bound))
        err = float(np.abs(got - ref).max()) if got.size else 0.0
    return ok, err


def timeit(f, min_time=0.3):
    f()
    t = time.perf_counter()
    f()
    one = max(time.perf_counter() - t, 1e-7)
    reps = max(1, int(min_time / 5 / one))
    times = []
    for _ in range(5):
        t = time.perf_counter()
        for _ in range(reps):
            f()
        times.append((time.perf_counter() - t) / reps)
    return statistics.median(times)


def torch_peer(job, a, b):
    if job["tb"] in ("i4", "ui4"):
        return None  # no int4 GEMM in PyTorch on CPU; compare with 8-bit B
    if job["ta"] == "bf16":
        return lambda: torch.matmul(a, b)
    if job["ta"] == "i8":
        return lambda: torch._int_mm(a, b)
    return None  # no u8 x s8 GEMM in PyTorch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--out", default="spr_results.json")
    ap.add_argument("--roles", default="check,bench,scaling")
    args = ap.parse_args()
    manifest = json.load(open(os.path.join(args.dir, "manifest.json")))
    flags = cpu_flags()
    need = {"amx_bf16", "amx_int8", "amx_tile", "avx512_bf16", "avx512_vnni"}
    print("cpu:", " ".join(sorted(f for f in flags if f in need)), flush=True)
    if need - flags:
        sys.exit(f"this CPU lacks {sorted(need - flags)}: refusing to run "
                 f"{manifest['target']} kernels")
    if not request_amx():
        sys.exit("arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA) failed")
    libomp = os.path.join(args.dir, "libomp.so.5")
    if os.path.exists(libomp):
        ctypes.CDLL(libomp, mode=ctypes.RTLD_GLOBAL)
    results = dict(target=manifest["target"], torch=torch.__version__,
                   check=[], bench=[])
    gen = torch.Generator().manual_seed(0)
    roles = args.roles.split(",")
    all_cpus = os.sched_getaffinity(0)

    failures = 0
    if "check" in roles:
        # All CPUs: some checks run split across threads.
        for job in [j for j in manifest["kernels"] if j["role"] == "check"]:
            fn = getattr(ctypes.CDLL(os.path.join(args.dir, job["so"])),
                         job["entry"])
            ok, err = check(fn, job, gen)
            failures += not ok
            line = dict(job, ok=ok, max_abs_err=err)
            results["check"].append(line)
            print(("PASS" if ok else "FAIL"), job["ta"], job["tb"],
                  f"{job['m']}x{job['n']}x{job['k']}", f"t={job['threads']}",
                  f"max_abs_err={err:.3g}", flush=True)

    for role in ("bench", "scaling"):
        if role not in roles:
            continue
        results.setdefault(role, [])
        benches = [j for j in manifest["kernels"] if j["role"] == role]
        # One thread first (pinned), then all cores; OpenMP's pool is made
        # on first use, after the mask is widened.
        for threads_phase in sorted({j["threads"] for j in benches}):
            if threads_phase == 1:
                os.sched_setaffinity(0, {min(all_cpus)})
            else:
                os.sched_setaffinity(0, all_cpus)
            torch.set_num_threads(threads_phase)
            for job in [j for j in benches if j["threads"] == threads_phase]:
                fn = getattr(ctypes.CDLL(os.path.join(args.dir, job["so"])),
                             job["entry"])
                (a_buf, b_buf, c), (a, b) = make_inputs(job, gen)
                flop = 2.0 * job["m"] * job["n"] * job["k"]
                t_qnk = timeit(lambda: call(fn, a_buf, b_buf, c))
                peer = torch_peer(job, a, b)
                t_peer = None
                if peer is not None:
                    try:
                        t_peer = timeit(peer)
                    except RuntimeError as e:  # e.g. _int_mm shape limits
                        print("peer failed:", e, flush=True)
                line = dict(job, qnk_ms=t_qnk * 1e3,
                            qnk_gflops=flop / t_qnk / 1e9,
                            torch_ms=t_peer * 1e3 if t_peer else None,
                            torch_gflops=flop / t_peer / 1e9 if t_peer else None)
                results[role].append(line)
                ratio = f"{t_peer / t_qnk:.2f}x" if t_peer else "n/a"
                print(f"{job['ta']:>4}x{job['tb']:<4} {job['m']}x{job['n']}x{job['k']} "
                      f"t={job['threads']:>2}: QNK {line['qnk_gflops']:8.1f} "
                      f"GOP/s  torch "
                      f"{line['torch_gflops'] or float('nan'):8.1f}  "
                      f"ratio {ratio}", flush=True)
    with open(args.out, "w") as f:
        json.dump(results, f, indent=1)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
