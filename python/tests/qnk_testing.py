"""Helpers shared by the qnk tests: reference products and error bounds."""

import numpy as np

import qnk


def reference(a, b, transpose_b=False):
    """Exact-ish float64 product of the arrays' values (batched or not)."""
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    if transpose_b:
        b64 = np.swapaxes(b64, -1, -2)
    return a64 @ b64, np.abs(a64) @ np.abs(b64)


def assert_matmul_close(c, a, b, rtol, transpose_b=False):
    """|c - a@b| <= rtol * (|a| @ |b|) elementwise: a relative tolerance scaled
    by the magnitude of the terms summed (what a rounding analysis bounds)."""
    ref, scale = reference(a, b, transpose_b)
    assert c.dtype == np.float32
    assert c.shape == ref.shape
    err = np.abs(c.astype(np.float64) - ref)
    bound = rtol * scale + 1e-30
    worst = np.unravel_index(np.argmax(err / bound), err.shape)
    assert np.all(err <= bound), (
        f"max scaled error {float((err / bound)[worst]):.3g} at {worst}: "
        f"got {c[worst]}, expected {ref[worst]}")


def f32_accumulation_rtol(k):
    """A bound for products exact in f32 summed k at a time in f32: about
    k unit roundoffs (2**-24), doubled for slack."""
    return 2 * k * 2.0 ** -24


def compile_matmul(a_type, b_type, m, n, k, **kwargs):
    """Compile qnk.matmul_source(...) with its default entry name."""
    compile_kwargs = {key: kwargs.pop(key) for key in ("target", "features", "threads")
                      if key in kwargs}
    return qnk.compile(qnk.matmul_source(a_type, b_type, m, n, k, **kwargs),
                       "matmul", **compile_kwargs)
