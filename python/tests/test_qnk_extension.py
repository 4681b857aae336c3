"""What the extension adds: in-process JIT (no subprocess), IR after each
pass, the qnk.matmul builder, shared libraries compiled ahead of time,
DLPack inputs and errors that leave the interpreter running."""

import subprocess
import threading

import numpy as np
import pytest

import qnk
from qnk_testing import assert_matmul_close


def test_jit_runs_no_subprocess(monkeypatch, rng):
    def refuse(*args, **kwargs):
        raise AssertionError(f"subprocess started: {args}")
    monkeypatch.setattr(subprocess, "run", refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)
    module = qnk.matmul("f32", "f32", 12, 20, 28)
    kernel = qnk.compile(module)
    a = rng.standard_normal((12, 28), dtype=np.float32)
    b = rng.standard_normal((28, 20), dtype=np.float32)
    assert_matmul_close(kernel(a, b), a, b, rtol=1e-4)
    assert "qnk.matmul" in qnk.opt(module)


def test_matmul_builder():
    module = qnk.matmul("bf16", "bf16", 4, 8, 16,
                        transpose_b=True, entry="lin")
    assert isinstance(module, qnk.Module) and module.entry == "lin"
    assert str(module) == module.text == qnk.matmul_source(
        "bf16", "bf16", 4, 8, 16, transpose_b=True, entry="lin")
    kernel = module.compile(target="host")
    assert kernel.signature == ("lin(arg0: tensor<4x16xbf16>, "
                                "arg1: tensor<8x16xbf16>) -> tensor<4x8xf32>")
    with pytest.raises(ValueError, match="no qnk.matmul accumulates"):
        qnk.matmul("f32", "i8", 2, 2, 2)


def test_ir_after_each_pass():
    dumps = qnk.ir_after_each_pass(qnk.matmul("f32", "f32", 16, 16, 16),
                                   target="znver3")
    names = [name for name, _ in dumps]
    assert "qnk-set-target" in names and "qnk-pack" in names
    assert names.index("qnk-set-target") < names.index("qnk-pack")
    after_pack = dict(dumps)["qnk-pack"]
    assert "qnk.pack" in after_pack and after_pack.lstrip().startswith("module")
    assert "llvm.func @matmul" in dumps[-1][1]
    custom = qnk.ir_after_each_pass(qnk.matmul("f32", "f32", 4, 4, 4),
                                    pipeline="qnk-set-target{target=haswell},qnk-pack")
    assert [name for name, _ in custom] == ["qnk-set-target", "qnk-pack"]
    assert qnk.cpu_pipeline("znver3", ["-avx2"], 4) == (
        "qnk-cpu-pipeline{target=znver3 threads=4 features=-avx2}")


def test_opt_pass_pipeline_and_before():
    source = qnk.matmul_source("f32", "f32", 8, 8, 8)
    ir = qnk.opt(source, "--pass-pipeline=builtin.module(qnk-set-target{target=haswell})")
    assert "#qnk.cpu_target" in ir
    _, log = qnk.opt(source, "--qnk-set-target", "--mlir-print-ir-before-all",
                     return_stderr=True)
    assert "IR Dump Before qnk-set-target" in log
    with pytest.raises(qnk.CompileError, match="cannot be combined"):
        qnk.opt(source, "--pass-pipeline=builtin.module(cse)", "--cse")
    with pytest.raises(qnk.CompileError, match="unknown argument 'foo'"):
        qnk.opt(source, "foo")


@pytest.mark.parametrize("threads", [1, 2])
def test_compile_library_and_load(tmp_path, threads, rng):
    module = qnk.matmul("bf16", "bf16", 33, 40, 70, transpose_b=True)
    path = qnk.compile_library(module, tmp_path / f"libmm{threads}.so",
                               threads=threads)
    assert path.exists() and path.with_suffix(".h").exists()
    kernel = qnk.load(path)
    assert kernel.signature == module.compile().signature
    assert kernel.threads is None
    a = rng.standard_normal((33, 70)).astype(qnk.DTYPES["bf16"])
    w = rng.standard_normal((40, 70)).astype(qnk.DTYPES["bf16"])
    np.testing.assert_array_equal(kernel(a, w), module.compile(threads=threads)(a, w))


def test_load_qnk_compile_artifacts(tmp_path, rng):
    """The shared library and header the qnk-compile tool writes."""
    try:
        tool = qnk.find_tool("qnk-compile")
    except qnk.ToolNotFoundError:
        pytest.skip("no qnk-compile beside this qnk package")
    source = tmp_path / "mm.mlir"
    source.write_text(qnk.matmul_source("ui8", "i8", 9, 17, 40, entry="mm8"))
    subprocess.run([tool, str(source), "-e", "mm8", "--threads=2", "--shared",
                    "-o", str(tmp_path / "mm8.so"),
                    f"--header={tmp_path / 'mm8.h'}"], check=True)
    kernel = qnk.load(tmp_path / "mm8.so")
    a = rng.integers(0, 255, (9, 40), endpoint=True).astype(np.uint8)
    b = rng.integers(-128, 127, (40, 17), endpoint=True).astype(np.int8)
    np.testing.assert_array_equal(kernel(a, b), a.astype(np.int64) @ b.astype(np.int64))


def test_cross_target_library_without_running(tmp_path):
    # Code for a CPU this one may lack compiles ahead of time...
    path = qnk.compile_library(qnk.matmul("bf16", "bf16", 16, 32, 64),
                               tmp_path / "spr.so", target="sapphirerapids")
    assert "amx-tile" in path.with_suffix(".h").read_text()


def test_jit_refuses_features_this_cpu_lacks():
    # ...but the JIT refuses it rather than die on an illegal instruction.
    if "amx-tile" in qnk.compile(qnk.matmul("f32", "f32", 1, 1, 1)).cpu_features:
        pytest.skip("this CPU has AMX")
    with pytest.raises(qnk.CompileError, match="needs CPU features this machine lacks"):
        qnk.compile(qnk.matmul("bf16", "bf16", 16, 32, 64), target="sapphirerapids")


class FakeDLPack:
    """A tensor that only speaks DLPack (as torch CPU tensors do)."""

    def __init__(self, array, device=1):
        self._array, self._device = array, device

    def __dlpack__(self, **kwargs):
        return self._array.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return (self._device, 0)


def test_dlpack_inputs(rng):
    kernel = qnk.compile(qnk.matmul("f32", "f32", 5, 6, 7))
    a = rng.standard_normal((5, 7), dtype=np.float32)
    b = rng.standard_normal((7, 6), dtype=np.float32)
    np.testing.assert_array_equal(kernel(FakeDLPack(a), FakeDLPack(b)), kernel(a, b))
    with pytest.raises(TypeError, match="this kernel takes host memory"):
        kernel(FakeDLPack(a, device=2), b)
    with pytest.raises(TypeError, match=r"argument 1: expected dtype float32"):
        kernel(a, FakeDLPack(b.astype(np.float64)))


def test_errors_leave_the_interpreter_running():
    bad = [("func.func @f(", "input.mlir:1:13: error: expected non-function type"),
           (qnk.matmul_source("f32", "f32", 2, 2, 2), "entry function 'nope' not found")]
    for _ in range(3):
        for source, match in bad:
            with pytest.raises(qnk.CompileError, match=match):
                qnk.compile(source, "nope")
        with pytest.raises(qnk.CompileError, match="foo"):
            qnk.ir_after_each_pass(bad[1][0], target="foo")
    assert qnk.compile(bad[1][0], "matmul").entry == "matmul"


def test_calls_from_several_threads(rng):
    kernel = qnk.compile(qnk.matmul("f32", "f32", 64, 64, 64))
    a = rng.standard_normal((64, 64), dtype=np.float32)
    expected = kernel(a, a)
    results = [None] * 4

    def work(i):
        results[i] = kernel(a, a)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results:
        np.testing.assert_array_equal(r, expected)
