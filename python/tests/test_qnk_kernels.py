"""Compiled kernels against numpy: every element type, transposes, batches,
threads and a cross-compiled target."""

import ml_dtypes
import numpy as np
import pytest

import qnk
from qnk_testing import assert_matmul_close, compile_matmul, f32_accumulation_rtol

bf16 = ml_dtypes.bfloat16
e4m3 = ml_dtypes.float8_e4m3fn
e5m2 = ml_dtypes.float8_e5m2

F32_SHAPES = [(1, 1, 1), (37, 50, 129), (5, 3, 17), (65, 1, 31)]


@pytest.fixture(scope="module", params=F32_SHAPES, ids=lambda s: "x".join(map(str, s)))
def f32_kernel(request):
    m, n, k = request.param
    return request.param, compile_matmul("f32", "f32", m, n, k)


def test_f32_odd_shapes(f32_kernel, rng):
    (m, n, k), kernel = f32_kernel
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    c = kernel(a, b)
    assert isinstance(c, np.ndarray) and c.shape == (m, n)
    assert_matmul_close(c, a, b, rtol=1e-4)
    np.testing.assert_allclose(c, a @ b, rtol=1e-4, atol=1e-4 * np.sqrt(k))


def test_kernel_attributes():
    kernel = compile_matmul("bf16", "f8E4M3FN", 5, 40, 64, transpose_b=True)
    assert kernel.entry == "matmul"
    assert kernel.signature == (
        "matmul(arg0: tensor<5x64xbf16>, arg1: tensor<40x64xf8E4M3FN>) "
        "-> tensor<5x40xf32>")
    assert [a.shape for a in kernel.args] == [(5, 64), (40, 64)]
    assert [a.dtype for a in kernel.args] == [np.dtype(bf16), np.dtype(e4m3)]
    assert kernel.results[0].dtype == np.float32
    assert kernel.target and kernel.target != "host"
    assert "avx2" in kernel.cpu_features
    assert kernel.threads == 1
    assert "void matmul(" in kernel.header
    assert "matmul(" in repr(kernel)


@pytest.fixture(scope="module")
def bf16_kernel():
    return compile_matmul("bf16", "bf16", 37, 50, 129)


def test_bf16_exact_inputs(bf16_kernel, rng):
    a = rng.standard_normal((37, 129)).astype(bf16)
    b = rng.standard_normal((129, 50)).astype(bf16)
    assert_matmul_close(bf16_kernel(a, b), a, b, rtol=f32_accumulation_rtol(129))


def test_f16(rng):
    kernel = compile_matmul(np.float16, np.float16, 9, 20, 33)
    a = rng.standard_normal((9, 33)).astype(np.float16)
    b = rng.standard_normal((33, 20)).astype(np.float16)
    assert_matmul_close(kernel(a, b), a, b, rtol=f32_accumulation_rtol(33))


@pytest.mark.parametrize("a_type,b_type,m,n,k", [
    ("i8", "i4", 2, 96, 256), ("i4", "i8", 23, 45, 131),
    ("ui4", "ui4", 17, 33, 64), ("i4", "i4", 7, 29, 33), ("ui8", "i4", 2, 18, 40)])
def test_int4_bit_exact(a_type, b_type, m, n, k, rng):
    """ml_dtypes int4/uint4 arrays are packed two per byte for the kernel."""
    kernel = compile_matmul(a_type, b_type, m, n, k, transpose_b=True)
    a_dtype, b_dtype = kernel.args[0].dtype, kernel.args[1].dtype
    assert [spec.type for spec in kernel.args] == [a_type, b_type]

    def random(dtype, shape):
        info = ml_dtypes.iinfo(dtype) if dtype.kind == "V" else np.iinfo(dtype)
        x = rng.integers(int(info.min), int(info.max), shape, endpoint=True)
        x[0, :] = info.min  # the extremes, in one dot product
        x[-1, :] = info.max
        return x.astype(dtype)

    a, b = random(a_dtype, (m, k)), random(b_dtype, (n, k))
    c = kernel(a, b)
    expected = a.astype(np.int64) @ b.astype(np.int64).T
    np.testing.assert_array_equal(c, expected)


@pytest.mark.parametrize("a_type", ["ui8", "i8"])
def test_int8_bit_exact(a_type, rng):
    m, n, k = 23, 45, 131
    kernel = compile_matmul(a_type, "i8", m, n, k)
    assert kernel.results[0].type == "i32"
    a_dtype = kernel.args[0].dtype
    info = np.iinfo(a_dtype)
    a = rng.integers(info.min, info.max, (m, k), endpoint=True).astype(a_dtype)
    b = rng.integers(-128, 127, (k, n), endpoint=True).astype(np.int8)
    a[0, :], b[:, 0] = info.min, -128  # the extremes, in one dot product
    a[1, :], b[:, 1] = info.max, 127
    c = kernel(a, b)
    assert c.dtype == np.int32
    np.testing.assert_array_equal(c, a.astype(np.int64) @ b.astype(np.int64))


def test_fp8_e4m3_e5m2(rng):
    m, n, k = 37, 50, 129
    kernel = compile_matmul(e4m3, e5m2, m, n, k)
    a = (rng.standard_normal((m, k)) * 8).astype(e4m3)
    b = (rng.standard_normal((k, n)) / 8).astype(e5m2)
    # The reference decodes with ml_dtypes; fp8 products are exact in f32.
    assert_matmul_close(kernel(a, b), a, b, rtol=f32_accumulation_rtol(k))


@pytest.mark.parametrize("types", [("f32", "f32"), ("bf16", "f8E4M3FN")])
def test_transpose_b(types, rng):
    m, n, k = 19, 40, 72
    kernel = compile_matmul(*types, m, n, k, transpose_b=True)
    assert kernel.args[1].shape == (n, k)
    a = rng.standard_normal((m, k)).astype(kernel.args[0].dtype)
    w = rng.standard_normal((n, k)).astype(kernel.args[1].dtype)
    rtol = 1e-4 if types[0] == "f32" else f32_accumulation_rtol(k)
    assert_matmul_close(kernel(a, w), a, w, rtol=rtol, transpose_b=True)


def test_batched_f32(rng):
    kernel = compile_matmul("f32", "f32", 13, 24, 35, batch=3)
    assert kernel.signature.startswith("matmul(arg0: tensor<3x13x35xf32>")
    a = rng.standard_normal((3, 13, 35), dtype=np.float32)
    b = rng.standard_normal((3, 35, 24), dtype=np.float32)
    assert_matmul_close(kernel(a, b), a, b, rtol=1e-4)


def test_batched_int8_transpose_b(rng):
    kernel = compile_matmul("ui8", "i8", 16, 12, 40, batch=4, transpose_b=True)
    a = rng.integers(0, 255, (4, 16, 40), endpoint=True).astype(np.uint8)
    b = rng.integers(-128, 127, (4, 12, 40), endpoint=True).astype(np.int8)
    expected = a.astype(np.int64) @ np.swapaxes(b, 1, 2).astype(np.int64)
    np.testing.assert_array_equal(kernel(a, b), expected)


def test_threads(rng):
    m, n, k = 200, 300, 96
    kernel = compile_matmul("f32", "f32", m, n, k, threads=2)
    assert kernel.threads == 2
    a = rng.standard_normal((m, k), dtype=np.float32)
    b = rng.standard_normal((k, n), dtype=np.float32)
    for _ in range(3):  # the runtime's thread pool is reused between calls
        assert_matmul_close(kernel(a, b), a, b, rtol=1e-4)


@pytest.mark.parametrize("types", [("f32", "f32"), ("bf16", "bf16")])
def test_cross_compiled_znver3(types, rng):
    m, n, k = 21, 33, 70
    kernel = compile_matmul(*types, m, n, k, target="znver3")
    assert kernel.target == "znver3"
    assert "avx2" in kernel.cpu_features
    assert "avx512f" not in kernel.cpu_features
    a = rng.standard_normal((m, k)).astype(kernel.args[0].dtype)
    b = rng.standard_normal((k, n)).astype(kernel.args[1].dtype)
    rtol = 1e-4 if types[0] == "f32" else f32_accumulation_rtol(k)
    assert_matmul_close(kernel(a, b), a, b, rtol=rtol)


def test_features_override(rng):
    kernel = compile_matmul("f32", "f32", 8, 16, 8, features=["-avx512f"])
    assert "avx512f" not in kernel.cpu_features
    a = rng.standard_normal((8, 8), dtype=np.float32)
    b = rng.standard_normal((8, 16), dtype=np.float32)
    assert_matmul_close(kernel(a, b), a, b, rtol=1e-4)


def test_non_contiguous_inputs_are_copied(f32_kernel, rng):
    (m, n, k), kernel = f32_kernel
    a_t = rng.standard_normal((k, m), dtype=np.float32).T      # Fortran order
    b_wide = rng.standard_normal((k, 2 * n), dtype=np.float32)
    b = b_wide[:, ::2]                                          # strided
    a_before, b_before = a_t.copy(), b.copy()
    assert_matmul_close(kernel(a_t, b), a_t, b, rtol=1e-4)
    np.testing.assert_array_equal(a_t, a_before)
    np.testing.assert_array_equal(b, b_before)


MULTI = """
func.func @two(%a: tensor<4x8xf16>, %b: tensor<8x3xf16>) -> (tensor<4x3xf32>, tensor<4x8xf16>) {
  %c = qnk.matmul %a, %b : tensor<4x8xf16>, tensor<8x3xf16> -> tensor<4x3xf32>
  return %c, %a : tensor<4x3xf32>, tensor<4x8xf16>
}
"""


def test_several_results_and_path_source(tmp_path, rng):
    path = tmp_path / "two.mlir"
    path.write_text(MULTI)
    kernel = qnk.compile(path, "two")
    assert kernel.signature == ("two(arg0: tensor<4x8xf16>, arg1: tensor<8x3xf16>)"
                                " -> (tensor<4x3xf32>, tensor<4x8xf16>)")
    a = rng.standard_normal((4, 8)).astype(np.float16)
    b = rng.standard_normal((8, 3)).astype(np.float16)
    c, a_copy = kernel(a, b)
    assert_matmul_close(c, a, b, rtol=f32_accumulation_rtol(8))
    np.testing.assert_array_equal(a_copy, a)
