#!/usr/bin/env python3
"""AMX epilogues on a Sapphire Rapids host: each qnk.matmul with
dequantize/bias/activation clauses is compiled (qnk-compile --shared, here)
for sapphirerapids (AMX tiles, epilogue on the way out of the L1 scratch
block) and for skylake-avx512 (vector kernels, epilogue in registers); there
both run on the same inputs and are compared with each other and with a
float64 numpy model of the clauses.

    for e in i8 bf16 u8; do for t in sapphirerapids skylake-avx512; do
      qnk-compile epi.mlir -e $e --target=$t --shared -o DIR/${e}_$t.so; done; done
    python3 amx_epilogue_check.py DIR
"""
import ctypes
import math
import os
import sys

import numpy as np

SYS_ARCH_PRCTL, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA = 158, 0x1023, 18
CASES = {  # entry: (A type, B type, M, N, K, scales, bias, activation)
    "i8": ("i8", "i8", 100, 72, 200, "vec", True, "gelu_tanh"),
    "bf16": ("bf16", "bf16", 70, 100, 1300, None, True, "silu"),
    "u8": ("u8", "i8", 64, 64, 1100, "scalar", False, "relu"),
}
ACT = {
    "relu": lambda x: np.maximum(x, 0),
    "silu": lambda x: x / (1 + np.exp(-x)),
    "gelu_tanh": lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) *
                                                   (x + 0.044715 * x ** 3))),
}


def bf16_bits(x):
    u = x.astype(np.float32).view(np.uint32)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def main():
    d = sys.argv[1]
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.syscall(SYS_ARCH_PRCTL, ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA):
        sys.exit("no AMX permission")
    rng = np.random.default_rng(0)
    bad = 0
    for name, (ta, tb, m, n, k, scales, bias, act) in CASES.items():
        if ta == "bf16":
            a32 = rng.standard_normal((m, k)).astype(np.float32)
            b32 = rng.standard_normal((k, n)).astype(np.float32)
            a_buf, b_buf = bf16_bits(a32), bf16_bits(b32)
            a = (a_buf.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
            b = (b_buf.astype(np.uint32) << 16).view(np.float32).astype(np.float64)
        else:
            lo = 0 if ta == "u8" else -128
            a_buf = rng.integers(lo, lo + 256, (m, k)).astype(
                np.uint8 if ta == "u8" else np.int8)
            b_buf = rng.integers(-128, 128, (k, n)).astype(np.int8)
            a, b = a_buf.astype(np.float64), b_buf.astype(np.float64)
        args = [a_buf, b_buf]
        ref = a @ b
        if scales == "vec":
            sa = rng.uniform(0.001, 0.01, m).astype(np.float32)
            sb = rng.uniform(0.001, 0.01, n).astype(np.float32)
            args += [sa, sb]
            ref = ref * sa[:, None] * sb[None, :]
        elif scales == "scalar":
            sa = np.array(0.002, np.float32)
            sb = np.array(0.003, np.float32)
            args += [sa, sb]
            ref = ref * float(sa) * float(sb)
        if bias:
            bv = rng.standard_normal(n).astype(np.float32)
            args.append(bv)
            ref = ref + bv
        ref = ACT[act](ref)
        outs = {}
        for t in ("sapphirerapids", "skylake-avx512"):
            fn = getattr(ctypes.CDLL(os.path.join(d, f"{name}_{t}.so")), name)
            c = np.full((m, n), np.nan, np.float32)
            fn(*[ctypes.c_void_p(x.ctypes.data) for x in args + [c]])
            outs[t] = c
        amx, vec = outs["sapphirerapids"], outs["skylake-avx512"]
        scale = np.abs(ref).max()
        err_ref = float(np.abs(amx - ref).max() / scale)
        err_vec = float(np.abs(amx - vec).max() / scale)
        ok = np.isfinite(amx).all() and err_ref < 1e-5 and err_vec < 1e-5
        bad += not ok
        print(f"{'PASS' if ok else 'FAIL'} {name} {m}x{n}x{k} {act}: "
              f"max|amx-ref|/max|ref| = {err_ref:.2e}, "
              f"max|amx-avx512|/max|ref| = {err_vec:.2e}", flush=True)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
