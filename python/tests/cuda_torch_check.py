"""The qnk package's CUDA path on a real GPU, with PyTorch: CUDA libraries
compiled on a machine with MLIR, loaded on a GPU machine without it (nor the
compiler extension), called on torch CUDA tensors through DLPack and checked
against torch.matmul / torch._int_mm, plus the errors a caller can make.

  # where QNK is built (qnk-compile, ptxas):
  PYTHONPATH=build/python_packages python3 python/tests/cuda_torch_check.py build DIR
  # on the GPU machine (torch), with the package's Python files and
  # libqnk_cuda_runtime.so (no _qnk extension) on PYTHONPATH:
  python3 cuda_torch_check.py run DIR

Prints one line per check and exits 1 if any failed. Not a pytest module:
it needs a GPU and PyTorch.
"""

import json
import shutil
import sys
import time
import traceback
from pathlib import Path

#: name, operand type, M, N, K, B stored N×K (transpose_b), entry pointers.
CASES = [
    ("bf16_wgmma", "bf16", 200, 136, 264, True, "device"),  # wgmma on sm_90a
    ("bf16_mma", "bf16", 77, 45, 99, False, "device"),  # mma.sync, odd shapes
    ("i8_odd", "i8", 129, 67, 203, True, "device"),
    ("i8_intmm", "i8", 136, 200, 264, True, "device"),  # shapes _int_mm takes
    ("bf16_host", "bf16", 61, 33, 70, True, "host"),
]


def build(directory: Path) -> None:
    import qnk
    directory.mkdir(parents=True, exist_ok=True)
    for name, elem, m, n, k, transpose_b, pointers in CASES:
        module = qnk.matmul(elem, elem, m, n, k, transpose_b=transpose_b,
                            entry=name)
        qnk.compile_library(module, directory / f"lib{name}.so", device="cuda",
                            chip="sm_90a", pointers=pointers)
        print(f"built lib{name}.so ({pointers} pointers)")
    # A copy to load on a GPU the machine does not have.
    shutil.copy(directory / "libbf16_mma.so", directory / "libbf16_mma_gpu7.so")
    shutil.copy(directory / "libbf16_mma.h", directory / "libbf16_mma_gpu7.h")


class Checks:
    def __init__(self):
        self.results = []

    def check(self, name, function):
        start = time.perf_counter()
        try:
            detail = function() or ""
            ok = True
        except Exception:  # noqa: BLE001 (every failure is reported)
            detail, ok = traceback.format_exc(limit=3).strip(), False
        self.results.append({"check": name, "ok": ok, "detail": detail,
                             "seconds": round(time.perf_counter() - start, 3)})
        print(f"{'PASS' if ok else 'FAIL'} {name}: {detail}", flush=True)

    def raises(self, name, error, pattern, function):
        def run():
            try:
                function()
            except error as caught:
                if pattern not in str(caught):
                    raise AssertionError(f"{type(caught).__name__} without "
                                         f"{pattern!r}: {caught}") from caught
                return f"{type(caught).__name__}: {caught}"
            raise AssertionError(f"no {error.__name__}")
        self.check(name, run)


def run(directory: Path, report: Path | None) -> int:
    import torch
    import qnk

    checks = Checks()
    extension = True
    try:
        qnk._compiler._extension()
    except qnk.QNKError:
        extension = False
    print(f"torch {torch.__version__}, {torch.cuda.get_device_name(0)}, "
          f"qnk from {Path(qnk.__file__).parent}, extension: {extension}, "
          f"runtime: {qnk.find_cuda_runtime()}")
    torch.manual_seed(0)
    device = torch.device("cuda:0")

    def operands(elem, m, n, k, transpose_b):
        b_shape = (n, k) if transpose_b else (k, n)
        if elem == "i8":
            return (torch.randint(-128, 128, (m, k), dtype=torch.int8, device=device),
                    torch.randint(-128, 128, b_shape, dtype=torch.int8, device=device))
        return (torch.randn(m, k, device=device).to(torch.bfloat16),
                torch.randn(b_shape, device=device).to(torch.bfloat16))

    def host_bf16(tensor):
        return tensor.cpu().view(torch.int16).numpy().view(qnk.DTYPES["bf16"])

    def compare(result, a, b, elem, k, transpose_b):
        bt = b.t() if transpose_b else b
        ref = a.double() @ bt.double()  # exact for i8, near-exact for bf16
        if elem == "i8":
            assert result.dtype == torch.int32
            assert torch.equal(result.double(), ref), "int8 mismatch"
            return "exact"
        # Products exact in f32, k of them summed in f32.
        bound = 2 * k * 2.0 ** -24 * (a.double().abs() @ bt.double().abs()) + 1e-30
        err = (result.double() - ref).abs()
        worst = float((err / bound).max())
        assert worst <= 1, f"max scaled error {worst:.3g}"
        return f"max abs error {float(err.max()):.3g} ({worst:.3g} of the bound)"

    kernels = {}
    for name, elem, m, n, k, transpose_b, pointers in CASES:
        def case(name=name, elem=elem, m=m, n=n, k=k, transpose_b=transpose_b,
                 pointers=pointers):
            kernel = kernels[name] = qnk.load(directory / f"lib{name}.so")
            a, b = operands(elem, m, n, k, transpose_b)
            if pointers == "host":
                result = torch.from_numpy(kernel(host_bf16(a), host_bf16(b)))
                return compare(result.to(device), a, b, elem, k, transpose_b)
            r = kernel(a, b)
            t = torch.from_dlpack(r)  # shares r's memory
            assert t.data_ptr() == r.data_ptr and t.device == device
            notes = [compare(t, a, b, elem, k, transpose_b)]
            out = torch.full((m, n), -1, dtype=t.dtype, device=device)
            assert kernel(a, b, out=out) is out
            assert torch.equal(out, t), "out= differs"
            if name == "i8_intmm":
                assert torch.equal(out, torch._int_mm(a, b.t().contiguous())), \
                    "_int_mm differs"
                notes.append("equal to torch._int_mm")
            if name == "bf16_wgmma":
                mm = torch.matmul(a, b.t()).float()  # cuBLAS, bf16 output
                notes.append("torch.matmul (bf16 out) max abs diff "
                             f"{float((mm - t).abs().max()):.3g}")
            return "; ".join(notes)
        checks.check(f"{name} {m}x{n}x{k} ({pointers} pointers)", case)

    bf16 = kernels.get("bf16_wgmma")
    if bf16 is not None:
        a, b = operands("bf16", 200, 136, 264, True)
        expected = torch.from_dlpack(bf16(a, b)).clone()

        def ordered_after_pending_work():
            # Inputs written on a side stream behind a 50 ms sleep: the call
            # must wait for them (DLPack stream=1 + the legacy stream wait).
            late = torch.zeros_like(a)
            side = torch.cuda.Stream()
            with torch.cuda.stream(side):
                torch.cuda._sleep(100_000_000)
                late.copy_(a)
                got = torch.from_dlpack(bf16(late, b))
            assert torch.equal(got, expected), "read the inputs too early"
            return "a side stream's pending writes were waited for"
        checks.check("stream ordering", ordered_after_pending_work)

        def qnk_arrays():
            # No torch on the way: numpy -> CUDAArray -> kernel -> numpy.
            c = bf16(qnk.CUDAArray.from_numpy(host_bf16(a)),
                     qnk.CUDAArray.from_numpy(host_bf16(b))).numpy()
            assert torch.equal(torch.from_numpy(c), expected.cpu())
            return "CUDAArray.from_numpy inputs, .numpy() result"
        checks.check("qnk.CUDAArray in and out", qnk_arrays)

        def repeated_calls():
            torch.cuda.synchronize()
            out = torch.empty(200, 136, device=device)
            start = time.perf_counter()
            for _ in range(200):
                bf16(a, b, out=out)
            per_call = (time.perf_counter() - start) / 200
            assert torch.equal(out, expected)
            return f"200 calls with out=, {per_call * 1e6:.0f} us per call"
        checks.check("repeated calls", repeated_calls)

        checks.raises("wrong dtype", TypeError,
                      "expected dtype bfloat16 (bf16), got float32",
                      lambda: bf16(a.float(), b))
        checks.raises("wrong shape", ValueError, "expected shape (200, 264)",
                      lambda: bf16(a[:-1], b))
        checks.raises("CPU tensor", TypeError, "a tensor on the CPU; this entry "
                      "takes device pointers on cuda:0", lambda: bf16(a.cpu(), b))
        checks.raises("non-contiguous", ValueError, "not contiguous",
                      lambda: bf16(torch.empty(264, 200, dtype=torch.bfloat16,
                                               device=device).t(), b))
        checks.raises("misaligned view", ValueError, "not 16-byte aligned",
                      lambda: bf16(torch.empty(200 * 264 + 1, dtype=torch.bfloat16,
                                               device=device)[1:].view(200, 264), b))
        checks.raises("wrong out dtype", TypeError,
                      "out[0]: expected dtype float32 (f32), got bfloat16",
                      lambda: bf16(a, b, out=torch.empty(200, 136, dtype=torch.bfloat16,
                                                         device=device)))
        checks.raises("count", TypeError, "takes 2 tensor(s) but 1 were given",
                      lambda: bf16(a))
    checks.raises("no such GPU", qnk.CUDAError, "QNK_CUDA_ERROR_NO_DEVICE",
                  lambda: qnk.load(directory / "libbf16_mma_gpu7.so", device="cuda:7"))
    checks.raises("compiling without the extension", qnk.QNKError,
                  "qnk._qnk", lambda: qnk.compile("", "f"))

    failed = [r["check"] for r in checks.results if not r["ok"]]
    print(f"{len(checks.results) - len(failed)} of {len(checks.results)} checks "
          f"passed" + (f"; failed: {', '.join(failed)}" if failed else ""))
    if report:
        report.write_text(json.dumps({
            "device": torch.cuda.get_device_name(0), "torch": torch.__version__,
            "extension": extension, "results": checks.results}, indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] not in ("build", "run"):
        sys.exit(__doc__)
    if sys.argv[1] == "build":
        build(Path(sys.argv[2]))
    else:
        sys.exit(run(Path(sys.argv[2]),
                     Path(sys.argv[3]) if len(sys.argv) > 3 else None))
