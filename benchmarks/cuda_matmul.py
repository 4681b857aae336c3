#!/usr/bin/env python3
"""QNK's CUDA matmul kernels (qnk-cuda-pipeline) against PyTorch on a GPU.

Two steps, because the compiler and the GPU are on different machines:

    # here (qnk-opt and ptxas): compile every case to a cubin + manifest
    python3 benchmarks/cuda_matmul.py build --chip sm_90a \
        --out benchmarks/out/cuda_kernels
    # on the GPU machine (PyTorch; the driver API through ctypes)
    python3 benchmarks/cuda_matmul.py run --kernels benchmarks/out/cuda_kernels \
        --json out.json

`build` compiles each `qnk.matmul` with `--qnk-cuda-pipeline=format=isa`,
takes the kernel's launch configuration from `--qnk-cuda-outline-matmul`
and assembles the PTX with ptxas. `run` loads each cubin with
cuModuleLoadData and launches it with cuLaunchKernel on PyTorch-allocated
device tensors (the kernel takes bare pointers to A, B and C): the smallest
loader that needs no QNK runtime. It checks the result (bf16/f16 against an
f32 torch.matmul of the same inputs; i8 exactly against torch._int_mm or an
f64 product), then times QNK and PyTorch (torch.matmul, torch._int_mm) with
CUDA events, and prints TFLOP/s (GB/s for M <= 16) and ratios.
"""
import argparse
import ctypes
import json
import os
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
QNK_OPT = ROOT / "build-cuda" / "bin" / "qnk-opt"
EXTRACT = ROOT / "test" / "Pipelines" / "cuda-extract-ptx.py"
PTXAS = "/usr/local/cuda/bin/ptxas"

# (name, dtype, M, N, K, transpose_b, purpose, pipeline options). With
# --chip sm_90a, bf16/f16 with B stored N×K (`_tb`) take wgmma by default.
CASES = []
for dt in ("bf16", "f16"):
    CASES += [(f"{dt}_odd_{m}x{n}x{k}", dt, m, n, k, False, "check", "")
              for (m, n, k) in ((1, 1, 1), (33, 45, 77), (129, 250, 96),
                                (300, 517, 1000), (17, 64, 4100))]
    CASES += [(f"{dt}_odd_tb_{m}x{n}x{k}", dt, m, n, k, True, "check", "")
              for (m, n, k) in ((1, 1, 1), (33, 45, 77), (129, 250, 96),
                                (300, 517, 1000), (255, 130, 264),
                                (16, 100, 72))]
    CASES += [(f"{dt}_odd_tb_{m}x{n}x{k}_mmasync", dt, m, n, k, True,
               "check", "mma=mma.sync")
              for (m, n, k) in ((33, 45, 77), (255, 130, 264))]
    CASES += [(f"{dt}_{s}", dt, s, s, s, False, "speed", "")
              for s in (1024, 2048, 4096, 8192)]
    CASES += [(f"{dt}_tb_{s}", dt, s, s, s, True, "speed", "")
              for s in (1024, 2048, 4096, 8192)]
    CASES += [(f"{dt}_tb_{s}_mmasync", dt, s, s, s, True, "speed",
               "mma=mma.sync") for s in (4096, 8192)]
    CASES += [(f"{dt}_llm_{m}", dt, m, 4096, 4096, True, "speed", "")
              for m in (1, 16, 128)]
CASES += [(f"i8_odd_{m}x{n}x{k}", "i8", m, n, k, True, "check", "")
          for (m, n, k) in ((1, 1, 1), (33, 45, 77), (300, 517, 1000))]
CASES += [(f"i8_{s}", "i8", s, s, s, True, "speed", "")
          for s in (1024, 2048, 4096, 8192)]
CASES += [(f"i8_llm_{m}", "i8", m, 4096, 4096, True, "speed", "")
          for m in (1, 16, 128)]

MLIR_TYPE = {"bf16": "bf16", "f16": "f16", "i8": "i8"}
ACC_TYPE = {"bf16": "f32", "f16": "f32", "i8": "i32"}


def source(dtype, m, n, k, transpose_b):
    t = MLIR_TYPE[dtype]
    acc = ACC_TYPE[dtype]
    b_shape = f"{n}x{k}" if transpose_b else f"{k}x{n}"
    tb = " transpose_b" if transpose_b else ""
    return (f"func.func @mm(%a: tensor<{m}x{k}x{t}>, %b: tensor<{b_shape}x{t}>)"
            f" -> tensor<{m}x{n}x{acc}> {{\n"
            f"  %c = qnk.matmul %a, %b{tb} : tensor<{m}x{k}x{t}>, "
            f"tensor<{b_shape}x{t}> -> tensor<{m}x{n}x{acc}>\n"
            f"  return %c : tensor<{m}x{n}x{acc}>\n}}\n")


def build(args):
    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    for name, dtype, m, n, k, tb, purpose, opts in CASES:
        if args.only and not re.search(args.only, name):
            continue
        mlir = out / f"{name}.mlir"
        mlir.write_text(source(dtype, m, n, k, tb))
        outlined = subprocess.run(
            [str(QNK_OPT), str(mlir),
             f"--qnk-cuda-outline-matmul=chip={args.chip} {opts}"],
            check=True, capture_output=True, text=True).stdout
        grid = re.search(r"blocks in \((%\w+), (%\w+), %\w+\) threads in "
                         r"\((%\w+), %\w+, %\w+\)\s+dynamic_shared_memory_size "
                         r"(%\w+)", outlined)
        consts = dict(re.findall(r"(%\w+) = arith.constant (\d+) : i", outlined))
        gx, gy, threads, smem = (int(consts[g]) for g in grid.groups())
        lowered = subprocess.run(
            [str(QNK_OPT), str(mlir),
             f"--qnk-cuda-pipeline=chip={args.chip} format=isa {opts}"],
            check=True, capture_output=True, text=True).stdout
        ptx = out / f"{name}.ptx"
        subprocess.run([sys.executable, str(EXTRACT), str(ptx)], input=lowered,
                       check=True, text=True)
        subprocess.run([PTXAS, f"-arch={args.chip}", "-O3", str(ptx), "-o",
                        str(out / f"{name}.cubin")], check=True)
        mlir.unlink()
        ptx.unlink()
        manifest.append(dict(name=name, dtype=dtype, m=m, n=n, k=k,
                             transpose_b=tb, purpose=purpose, options=opts,
                             grid=[gx, gy],
                             threads=threads, smem=smem))
        print(name, gx, gy, threads, smem, flush=True)
    (out / "manifest.json").write_text(json.dumps(dict(chip=args.chip,
                                                       cases=manifest), indent=1))


class Driver:
    """cuModuleLoadData / cuLaunchKernel in PyTorch's current context."""

    def __init__(self):
        self.cuda = ctypes.CDLL("libcuda.so.1")

    def check(self, rc, what):
        if rc != 0:
            msg = ctypes.c_char_p()
            self.cuda.cuGetErrorString(rc, ctypes.byref(msg))
            raise RuntimeError(f"{what}: {rc} {msg.value}")

    def load(self, cubin_path, smem):
        data = pathlib.Path(cubin_path).read_bytes()
        module = ctypes.c_void_p()
        self.check(self.cuda.cuModuleLoadData(ctypes.byref(module), data),
                   "cuModuleLoadData")
        fn = ctypes.c_void_p()
        self.check(self.cuda.cuModuleGetFunction(ctypes.byref(fn), module,
                                                 b"qnk_matmul"),
                   "cuModuleGetFunction")
        # CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8
        self.check(self.cuda.cuFuncSetAttribute(fn, 8, ctypes.c_int(smem)),
                   "cuFuncSetAttribute")
        return fn

    def launch(self, fn, grid, threads, smem, ptrs, stream):
        args = [ctypes.c_void_p(p) for p in ptrs]
        params = (ctypes.c_void_p * len(args))(
            *[ctypes.cast(ctypes.byref(a), ctypes.c_void_p) for a in args])
        self.check(self.cuda.cuLaunchKernel(
            fn, grid[0], grid[1], 1, threads, 1, 1, smem,
            ctypes.c_void_p(stream), params, None), "cuLaunchKernel")


def run(args):
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    kdir = pathlib.Path(args.kernels)
    manifest = json.loads((kdir / "manifest.json").read_text())
    torch.zeros(1, device="cuda")  # context
    drv = Driver()
    dev = torch.cuda.get_device_name()
    results = dict(device=dev, torch=torch.__version__,
                   chip=manifest["chip"], cases=[])
    print(f"# {dev}, torch {torch.__version__}, kernels for {manifest['chip']}")
    gen = torch.Generator(device="cuda").manual_seed(0)

    def timed(fn, per_graph=20, target_s=0.2):
        """Seconds per call, from replays of a CUDA graph of `per_graph`
        calls: kernel time without the Python launch overhead, which
        exceeds small kernels (the same for QNK and PyTorch)."""
        side = torch.cuda.Stream()
        side.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(side):
            for _ in range(3):
                fn()
        torch.cuda.current_stream().wait_stream(side)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            for _ in range(per_graph):
                fn()
        graph.replay()
        torch.cuda.synchronize()
        start, end = torch.cuda.Event(True), torch.cuda.Event(True)
        start.record()
        graph.replay()
        end.record()
        end.synchronize()
        once = start.elapsed_time(end) / 1e3
        reps = max(3, min(100, int(target_s / max(once, 1e-6))))
        start.record()
        for _ in range(reps):
            graph.replay()
        end.record()
        end.synchronize()
        return start.elapsed_time(end) / 1e3 / reps / per_graph

    for case in manifest["cases"]:
        if args.only and not re.search(args.only, case["name"]):
            continue
        m, n, k, dt, tb = (case[x] for x in ("m", "n", "k", "dtype",
                                              "transpose_b"))
        b_shape = (n, k) if tb else (k, n)
        if dt == "i8":
            a = torch.randint(-128, 128, (m, k), dtype=torch.int8, device="cuda",
                              generator=gen)
            b = torch.randint(-128, 128, b_shape, dtype=torch.int8,
                              device="cuda", generator=gen)
            c = torch.empty(m, n, dtype=torch.int32, device="cuda")
        else:
            tdt = torch.bfloat16 if dt == "bf16" else torch.float16
            a = torch.randn(m, k, device="cuda", generator=gen).to(tdt)
            b = torch.randn(*b_shape, device="cuda", generator=gen).to(tdt)
            c = torch.empty(m, n, dtype=torch.float32, device="cuda")
        c.fill_(-7)  # stale values would show
        fn = drv.load(kdir / f"{case['name']}.cubin", case["smem"])

        def qnk():
            drv.launch(fn, case["grid"], case["threads"], case["smem"],
                       [a.data_ptr(), b.data_ptr(), c.data_ptr()],
                       torch.cuda.current_stream().cuda_stream)

        bt = b.t() if tb else b  # K×N view for torch
        qnk()
        torch.cuda.synchronize()
        row = dict(name=case["name"], dtype=dt, m=m, n=n, k=k,
                   transpose_b=tb)
        if dt == "i8":
            ref = (a.double() @ bt.double()).to(torch.int64)
            row["max_err"] = int((c.to(torch.int64) - ref).abs().max())
            row["ok"] = row["max_err"] == 0
        else:
            ref = a.float() @ bt.float()
            err = (c - ref).abs().max().item()
            scale = ref.abs().max().item() or 1.0
            row["max_err"] = err
            row["rel_err"] = err / scale
            # f32 accumulation in another order: ~K ulp of f32 at most.
            row["ok"] = err <= 1e-5 * scale * max(1.0, k / 256) + 1e-6
        if case["purpose"] == "speed":
            t_qnk = timed(qnk)
            if dt == "i8":
                peer = ((lambda: torch._int_mm(a, bt)) if m > 16 else None)
                peer_name = "torch._int_mm"
            else:
                peer = lambda: torch.matmul(a, bt)  # noqa: E731
                peer_name = "torch.matmul"
            t_peer = timed(peer) if peer else None
            flop = 2.0 * m * n * k
            elt = 1 if dt == "i8" else 2
            out_elt = 4 if dt == "i8" else 2
            row.update(qnk_s=t_qnk, qnk_tflops=flop / t_qnk / 1e12,
                       peer=peer_name)
            # bytes moved: A, B once, C once (QNK writes f32/i32, the peer
            # bf16/f16/i32).
            row["qnk_gbs"] = (elt * (m * k + k * n) + 4 * m * n) / t_qnk / 1e9
            if t_peer:
                row.update(peer_s=t_peer, peer_tflops=flop / t_peer / 1e12,
                           ratio=t_peer / t_qnk)
                row["peer_gbs"] = ((elt * (m * k + k * n) + out_elt * m * n)
                                   / t_peer / 1e9)
        results["cases"].append(row)
        print(json.dumps(row), flush=True)
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(results, indent=1))
    bad = [r["name"] for r in results["cases"] if not r["ok"]]
    print("wrong results:", bad if bad else "none")
    return 1 if bad else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("--chip", default="sm_90a")
    b.add_argument("--only", help="regex on case names")
    b.add_argument("--out", default=str(ROOT / "benchmarks" / "out" /
                                        "cuda_kernels"))
    r = sub.add_parser("run")
    r.add_argument("--kernels", default=str(ROOT / "benchmarks" / "out" /
                                            "cuda_kernels"))
    r.add_argument("--json")
    r.add_argument("--only", help="regex on case names")
    args = ap.parse_args()
    return build(args) if args.cmd == "build" else run(args)


if __name__ == "__main__":
    sys.exit(main() or 0)
