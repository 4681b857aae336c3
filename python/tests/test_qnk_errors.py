"""Errors: from the tools (as qnk.CompileError) and from calling kernels."""

import os
import re

import ml_dtypes
import numpy as np
import pytest

import qnk
from qnk_testing import compile_matmul

MALFORMED = """func.func @mm(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %c = qnk.matmul %a, %b : tensor<4x8xf32>, tensor<8x4xf32> -> tensor<4x4xf32
  return %c : tensor<4x4xf32>
}
"""

SOURCE = qnk.matmul_source("f32", "f32", 8, 4, 16)


def test_malformed_mlir():
    with pytest.raises(qnk.CompileError) as info:
        qnk.compile(MALFORMED, "mm")
    message = str(info.value)
    assert "error:" in message
    assert re.search(r"input\.mlir:2:\d+: error: expected '>'", message), message
    assert message.startswith("input.mlir:2:")  # no temporary paths
    assert "tensor<4x4xf32\n" in message and "^" in message  # the source line
    assert info.value.diagnostics == message
    assert info.value.returncode is None and info.value.command == []


def test_malformed_file_names_the_file(tmp_path):
    path = tmp_path / "broken.mlir"
    path.write_text(MALFORMED)
    with pytest.raises(qnk.CompileError, match=r"broken\.mlir:2:\d+: error:"):
        qnk.compile(path, "mm")


def test_verifier_error_has_location():
    source = """func.func @mm(%a: tensor<8x16xf32>, %b: tensor<15x4xf32>) -> tensor<8x4xf32> {
  %c = qnk.matmul %a, %b : tensor<8x16xf32>, tensor<15x4xf32> -> tensor<8x4xf32>
  return %c : tensor<8x4xf32>
}"""
    with pytest.raises(qnk.CompileError,
                       match=r"input\.mlir:2:8: error: 'qnk.matmul' op reduction "
                             r"dimensions differ"):
        qnk.compile(source, "mm")


def test_unknown_target():
    with pytest.raises(qnk.CompileError, match="unknown target CPU 'foo'"):
        qnk.compile(SOURCE, "matmul", target="foo")


def test_unknown_feature():
    with pytest.raises(qnk.CompileError, match="bogus"):
        qnk.compile(SOURCE, "matmul", features=["+bogus"])


def test_unknown_entry():
    with pytest.raises(qnk.CompileError, match="entry function 'nope' not found"):
        qnk.compile(SOURCE, "nope")


def test_unsupported_element_type():
    source = """func.func @f(%a: tensor<4xf64>) -> tensor<4xf64> {
  return %a : tensor<4xf64>
}"""
    with pytest.raises(qnk.CompileError, match="unsupported element type 'f64'"):
        qnk.compile(source, "f")


def test_bad_threads():
    with pytest.raises(ValueError, match="threads"):
        qnk.compile(SOURCE, "matmul", threads=0)
    with pytest.raises(TypeError, match="threads"):
        qnk.compile(SOURCE, "matmul", threads=2.0)


def test_tools_dir_without_tools(tmp_path, monkeypatch):
    monkeypatch.setenv("QNK_TOOLS_DIR", str(tmp_path))
    with pytest.raises(qnk.ToolNotFoundError, match="QNK_TOOLS_DIR"):
        qnk.find_tool("qnk-compile")
    # Compiling needs no tool.
    assert qnk.compile(SOURCE, "matmul").entry == "matmul"


def test_tools_dir(monkeypatch):
    try:
        tools = os.path.dirname(qnk.find_tool("qnk-opt"))
    except qnk.ToolNotFoundError:
        pytest.skip("no QNK tools beside this qnk package")
    monkeypatch.setenv("QNK_TOOLS_DIR", tools)
    assert qnk.find_tool("qnk-compile") == os.path.join(tools, "qnk-compile")


@pytest.fixture(scope="module")
def kernel():
    return compile_matmul("f32", "f32", 8, 4, 16)


def test_wrong_count(kernel):
    a = np.zeros((8, 16), np.float32)
    with pytest.raises(TypeError, match=r"takes 2 array\(s\) but 1 were given"):
        kernel(a)
    with pytest.raises(TypeError, match=r"takes 2 array\(s\) but 3 were given"):
        kernel(a, a, a)


def test_wrong_dtype(kernel):
    a = np.zeros((8, 16), np.float32)
    with pytest.raises(TypeError, match=r"argument 1: expected dtype float32 "
                                        r"\(f32\), got float64"):
        kernel(a, np.zeros((16, 4)))
    with pytest.raises(TypeError, match=r"argument 0: .* got bfloat16"):
        kernel(a.astype(ml_dtypes.bfloat16), np.zeros((16, 4), np.float32))
    with pytest.raises(TypeError, match=r"argument 1: .* got float64"):
        kernel(a, [[0.0] * 4] * 16)  # lists become float64 arrays


def test_wrong_shape(kernel):
    a = np.zeros((8, 16), np.float32)
    with pytest.raises(ValueError, match=r"argument 1: expected shape \(16, 4\) "
                                         r"\(tensor<16x4xf32>\), got \(4, 16\)"):
        kernel(a, np.zeros((4, 16), np.float32))
    with pytest.raises(ValueError, match=r"argument 0: .* got \(8, 16, 1\)"):
        kernel(a[..., None], np.zeros((16, 4), np.float32))


def test_builder_errors():
    with pytest.raises(ValueError, match="unsupported element type"):
        qnk.matmul_source("f64", "f32", 2, 2, 2)
    with pytest.raises(ValueError, match="no qnk.matmul accumulates"):
        qnk.matmul_source("f32", "i8", 2, 2, 2)
    with pytest.raises(ValueError, match="k must be a positive int"):
        qnk.matmul_source("f32", "f32", 2, 2, 0)
    with pytest.raises(ValueError, match="invalid function name"):
        qnk.matmul_source("f32", "f32", 2, 2, 2, entry="not a name")


def test_unsupported_pair_is_reported_by_the_verifier():
    with pytest.raises(qnk.CompileError,
                       match=r"input\.mlir:2:\d+: error: .*unsupported element type pair"):
        qnk.compile(qnk.matmul_source("f32", "bf16", 4, 4, 4), "matmul")


def test_opt_errors():
    with pytest.raises(qnk.CompileError, match=r"<stdin>:2:\d+: error:"):
        qnk.opt(MALFORMED)
    with pytest.raises(qnk.CompileError, match="--no-such-pass"):
        qnk.opt(SOURCE, "--no-such-pass")
    with pytest.raises(qnk.CompileError, match="unknown target CPU 'foo'"):
        qnk.opt(SOURCE, "--qnk-cpu-pipeline=target=foo")
