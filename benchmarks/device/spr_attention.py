#!/usr/bin/env python3
"""Runs QNK's ahead-of-time qnk.attention kernels on the Sapphire Rapids host:
correctness and speed against PyTorch's scaled_dot_product_attention (bf16,
oneDNN/its CPU flash kernel) on the same host, all 16 cores.

PyTorch's `is_causal` aligns the diagonal top-left; QNK's `causal`
bottom-right: they agree for Lq = Lk, the only causal shapes here.
Needs only numpy and torch there; the kernels come from
build_spr_attention.py.

    python3 benchmarks/device/spr_attention.py devbuild/spr_attn --out r.json
"""
import argparse
import ctypes
import json
import os
import sys

import torch
import torch.nn.functional as F

from spr_matmul import timeit  # same folder: one timing method for both


def inputs(job, gen):
    b, h, hkv, lq, lk, d = (job[x] for x in ("b", "h", "hkv", "lq", "lk", "d"))
    q = torch.randn((b, h, lq, d), generator=gen).to(torch.bfloat16)
    k = torch.randn((b, hkv, lk, d), generator=gen).to(torch.bfloat16)
    v = torch.randn((b, hkv, lk, d), generator=gen).to(torch.bfloat16)
    o = torch.empty((b, h, lq, d), dtype=torch.bfloat16)
    return q, k, v, o


def torch_sdpa(job, q, k, v):
    g = job["h"] // job["hkv"]
    kk = k.repeat_interleave(g, dim=1) if g > 1 else k
    vv = v.repeat_interleave(g, dim=1) if g > 1 else v
    return lambda: F.scaled_dot_product_attention(q, kk, vv,
                                                  is_causal=job["causal"])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--out", default="spr_attention.json")
    ap.add_argument("--min-time", type=float, default=0.3,
                    help="seconds per timing (five batches)")
    args = ap.parse_args()
    torch_times = {}
    manifest = json.load(open(os.path.join(args.dir, "manifest.json")))
    libomp = os.path.join(args.dir, "libomp.so.5")
    if os.path.exists(libomp):
        ctypes.CDLL(libomp, mode=ctypes.RTLD_GLOBAL)
    torch.set_num_threads(16)
    gen = torch.Generator().manual_seed(0)
    results = dict(target=manifest["target"], torch=torch.__version__, runs=[])
    failures = 0
    for job in manifest["kernels"]:
        fn = getattr(ctypes.CDLL(os.path.join(args.dir, job["so"])), job["entry"])
        q, k, v, o = inputs(job, gen)
        run = lambda: fn(*(ctypes.c_void_p(t.data_ptr()) for t in (q, k, v, o)))
        peer = torch_sdpa(job, q, k, v)
        run()
        ref = peer().float()
        err = float((o.float() - ref).abs().max())
        ok = err <= job.get("tol", 2 ** -6) * max(1.0, float(ref.abs().max()))
        failures += not ok
        flop = 4.0 * job["b"] * job["h"] * job["lq"] * job["lk"] * job["d"]
        if job["causal"]:
            flop /= 2
        line = dict(job, max_abs_err=err, ok=ok)
        if job["role"] != "check":
            t_qnk = timeit(run, args.min_time)
            # PyTorch once per shape: the variants share it.
            key = tuple(job[x] for x in ("b", "h", "hkv", "lq", "lk", "d",
                                         "causal"))
            if key not in torch_times:
                torch_times[key] = timeit(peer, args.min_time)
            t_torch = torch_times[key]
            line.update(qnk_ms=t_qnk * 1e3, torch_ms=t_torch * 1e3,
                        qnk_gflops=flop / t_qnk / 1e9,
                        torch_gflops=flop / t_torch / 1e9)
        results["runs"].append(line)
        desc = (f"{job.get('variant', ''):>6} {job['role']:>7} "
                f"h={job['h']}/{job['hkv']} Lq={job['lq']} "
                f"Lk={job['lk']} D={job['d']} {'causal' if job['causal'] else 'full':>6} "
                f"t={job['threads']:>2} err={err:.3g} {'PASS' if ok else 'FAIL'}")
        if "qnk_ms" in line:
            desc += (f"  QNK {line['qnk_gflops']:7.1f} GFLOP/s  torch "
                     f"{line['torch_gflops']:7.1f}  ratio "
                     f"{line['torch_ms'] / line['qnk_ms']:.2f}x")
        print(desc, flush=True)
        with open(args.out, "w") as f:  # after every kernel: a timeout
            json.dump(results, f, indent=1)  # keeps what was measured
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
