#!/usr/bin/env python3
"""Runs the qnk.softmax kernels of build_spr_softmax.py on the Sapphire
Rapids host, pinned to one CPU: each is checked against torch.softmax
(within 1e-5 relative + 1e-7) and timed; memcpy (libc's, through ctypes) of
the same bytes and PyTorch's softmax on one thread (aten::_softmax.out into
the same output) are timed beside them. GB/s
count bytes read plus bytes written (2 x 4 x elements), as
benchmarks/softmax.py does.

    python3 benchmarks/device/spr_softmax.py devbuild/spr_sm --out r.json
"""
import argparse
import ctypes
import json
import os
import sys

import torch

from spr_matmul import timeit  # same folder: one timing method for all


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dir")
    ap.add_argument("--out", default="spr_softmax.json")
    ap.add_argument("--min-time", type=float, default=0.3)
    ap.add_argument("--cpu", type=int, default=2)
    args = ap.parse_args()
    os.sched_setaffinity(0, {args.cpu})
    torch.set_num_threads(1)
    manifest = json.load(open(os.path.join(args.dir, "manifest.json")))
    libc = ctypes.CDLL("libc.so.6")
    libc.memcpy.restype = ctypes.c_void_p
    libc.memcpy.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t]
    gen = torch.Generator().manual_seed(0)
    results = dict(target=manifest["target"], torch=torch.__version__,
                   cpu=args.cpu, runs=[])
    buffers, memcpy_gbps, torch_gbps = {}, {}, {}
    failures = 0
    for job in manifest["kernels"]:
        shape = (job["rows"], job["n"])
        if shape not in buffers:
            x = torch.rand(shape, generator=gen) * 16 - 8
            buffers[shape] = (x, torch.empty_like(x), torch.softmax(x, -1))
        x, y, ref = buffers[shape]
        nbytes = 2 * x.numel() * 4
        fn = getattr(ctypes.CDLL(os.path.join(args.dir, job["so"])),
                     job["entry"])
        run = lambda: fn(ctypes.c_void_p(x.data_ptr()),
                         ctypes.c_void_p(y.data_ptr()))
        run()
        err = float(((y - ref).abs() / (ref.abs() + 1e-30)).max())
        ok = bool(torch.allclose(y, ref, rtol=1e-5, atol=1e-7))
        failures += not ok
        t = timeit(run, args.min_time)
        size = x.numel() * 4
        if size not in memcpy_gbps:
            mc = lambda: libc.memcpy(y.data_ptr(), x.data_ptr(), size)
            memcpy_gbps[size] = nbytes / timeit(mc, args.min_time) / 1e9
        if shape not in torch_gbps:
            # Into y, as QNK does: no fresh 256 MiB per call.
            torch_gbps[shape] = nbytes / timeit(
                lambda: torch.ops.aten._softmax.out(x, -1, False, out=y),
                args.min_time) / 1e9
        line = dict(job, max_rel_err=err, ok=ok, ms=t * 1e3,
                    gbps=nbytes / t / 1e9, memcpy_gbps=memcpy_gbps[size],
                    torch_gbps=torch_gbps[shape])
        results["runs"].append(line)
        print(f"{job['variant']:>5} {job['size']:>3} N={job['n']:>6} "
              f"{'PASS' if ok else 'FAIL'} {line['gbps']:6.1f} GB/s  memcpy "
              f"{line['memcpy_gbps']:6.1f}  ({line['gbps'] / line['memcpy_gbps']:.0%})"
              f"  torch {line['torch_gbps']:6.1f}", flush=True)
        with open(args.out, "w") as f:
            json.dump(results, f, indent=1)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
