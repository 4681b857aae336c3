"""fp4 (E2M1), E8M0 scales and block-scaled quantization (MXFP8, MXFP4,
NVFP4) against an independent numpy + ml_dtypes statement of
docs/numerics.md: bit-exact for every fp4 and E8M0 code, every tie between
fp4 neighbours, the special values, and the scales and elements of
qnk.mx_quantize."""

import ml_dtypes
import numpy as np
import pytest

import qnk
from test_qnk_quantization import same_fp8

F4 = ml_dtypes.float4_e2m1fn
E8M0 = ml_dtypes.float8_e8m0fnu
E4M3 = ml_dtypes.float8_e4m3fn
E5M2 = ml_dtypes.float8_e5m2
ELEMENTS = {"f8E4M3FN": (E4M3, 8), "f8E5M2": (E5M2, 15), "f4E2M1FN": (F4, 2)}


def tensor(shape, elt):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def compile_fn(args, body, results):
    """A function of `args` ((name, type) pairs) whose `body` ends in the
    values named by `results` ((name, type) pairs)."""
    sig = ", ".join(f"%{n}: {t}" for n, t in args)
    rtypes = ", ".join(t for _, t in results)
    rets = ", ".join(f"%{n}" for n, _ in results)
    src = (f"func.func @f({sig}) -> ({rtypes}) {{\n{body}\n"
           f"  return {rets} : {rtypes}\n}}\n")
    return qnk.compile(src, "f")


def compile_quant(op, shape, in_elt, out_elt, scale_shape, scale_elt="f32",
                  axis=None, group=None):
    attrs = (f" axis = {axis}" if axis is not None else "") + \
        (f" group_size = {group}" if group else "")
    x, s, r = tensor(shape, in_elt), tensor(scale_shape, scale_elt), \
        tensor(shape, out_elt)
    return compile_fn([("x", x), ("s", s)],
                      f"  %r = qnk.{op} %x, %s{attrs} : {x}, {s} -> {r}",
                      [("r", r)])


def f4_codes(values):
    return np.asarray(values).view(np.uint8) & 0xF


def ref_fp4(q):
    """round-half-even to E2M1 with saturation to ±6; NaN -> +0 (QNK's
    choice: E2M1 has no NaN; ml_dtypes turns NaN into a zero of flipped
    sign)."""
    q = np.asarray(q, np.float32)
    out = np.clip(q, -6, 6).astype(F4)
    out[np.isnan(q)] = F4(0.0)
    return out


def assert_same_f4(got, want):
    np.testing.assert_array_equal(f4_codes(got), f4_codes(want))


def same_elements(got, want):
    if got.dtype == np.dtype(F4):
        assert_same_f4(got, want)
    else:
        same_fp8(got, want)


def fp4_probe_values():
    """Every value, every tie between neighbours and the f32 values next to
    the ties, values past 6, zeros, tiny values, infinities and NaN."""
    values = np.arange(16, dtype=np.uint8).view(F4).astype(np.float32)
    finite = np.unique(values)
    mids = ((finite[:-1].astype(np.float64) + finite[1:]) / 2).astype(np.float32)
    extra = np.array([6.5, 7.0, 7.0001, 8, 1e30, 3.4e38, np.inf, -np.inf,
                      np.nan, -np.nan, -0.0, 0.0, 1e-45, -1e-45, 1e-30],
                     np.float32)
    return np.concatenate([
        finite, mids, np.nextafter(mids, np.float32(np.inf)),
        np.nextafter(mids, np.float32(-np.inf)), extra, -extra])


def test_fp4_decode_every_code():
    codes = np.arange(16, dtype=np.uint8).view(F4)
    kernel = compile_quant("dequantize", codes.shape, "f4E2M1FN", "f32", ())
    got = kernel(codes, np.array(1.0, np.float32))
    want = codes.astype(np.float32)
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


def test_fp4_encode_every_value_and_tie():
    x = fp4_probe_values()
    kernel = compile_quant("quantize", x.shape, "f32", "f4E2M1FN", ())
    for s in (1.0, 0.37, 2.0 ** -130):  # a denormal scale is a scale
        s = np.array(s, np.float32)
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            want = ref_fp4(x / s)
        assert_same_f4(kernel(x, s), want)


def test_fp4_encode_nan_is_positive_zero_and_ties_go_even():
    x = np.array([np.nan, -np.nan, 0.25, 0.75, 1.25, 1.75, 2.5, 3.5, 5.0, 7.0,
                  -0.0, -0.25, -5.0], np.float32)
    kernel = compile_quant("quantize", x.shape, "f32", "f4E2M1FN", ())
    got = kernel(x, np.array(1.0, np.float32)).astype(np.float32)
    want = np.array([0, 0, 0, 1, 1, 2, 2, 4, 4, 6, -0.0, -0.0, -4], np.float32)
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


def test_fp4_bf16_input_and_zero_scale():
    x = np.array([1.0, -1.0, 0.0, -0.0, np.nan, 3.0], ml_dtypes.bfloat16)
    kernel = compile_quant("quantize", x.shape, "bf16", "f4E2M1FN", ())
    with np.errstate(divide="ignore", invalid="ignore"):
        want = ref_fp4(x.astype(np.float32) / np.float32(0))
    assert_same_f4(kernel(x, np.array(0.0, np.float32)), want)


def test_e8m0_decode_every_code():
    codes = np.arange(256, dtype=np.uint8).view(E8M0)
    ones = np.ones(256, np.int8)
    kernel = compile_quant("dequantize", (256,), "i8", "f32", (256,),
                           scale_elt="f8E8M0FNU", axis=0)
    got = kernel(ones, codes)
    want = codes.astype(np.float32)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_array_equal(got[ok].view(np.uint32), want[ok].view(np.uint32))


@pytest.mark.parametrize("scale_elt,dtype", [("f8E8M0FNU", E8M0),
                                             ("f8E4M3FN", E4M3),
                                             ("f16", np.float16)])
def test_fp4_group_scales_of_small_types(scale_elt, dtype, rng):
    """Quantize and dequantize with block scales held as E8M0 (MX), E4M3
    (NVFP4) or f16: the scale is widened exactly, then one f32 operation."""
    x = rng.uniform(-8, 8, (4, 64)).astype(np.float32)
    s = np.array(rng.choice([0.25, 0.5, 1.0, 2.0, 1.5], (4, 2)), np.float32)
    if scale_elt == "f8E8M0FNU":
        s[0, 0] = 2.0 ** -127  # code 0
        s[1, 1] = 2.0 ** 127  # code 254
    s = s.astype(dtype)
    s32 = np.repeat(s.astype(np.float32), 32, axis=1)
    q = compile_quant("quantize", x.shape, "f32", "f4E2M1FN", s.shape,
                      scale_elt, axis=1, group=32)(x, s)
    with np.errstate(over="ignore"):
        assert_same_f4(q, ref_fp4(x / s32))
    d = compile_quant("dequantize", x.shape, "f4E2M1FN", "f32", s.shape,
                      scale_elt, axis=1, group=32)(q, s)
    np.testing.assert_array_equal(d, q.astype(np.float32) * s32)


# ----------------------------------------------------------------------------
# Block-scaled dynamic quantization
# ----------------------------------------------------------------------------

def ref_mx(x, block, dtype, emax):
    """OCP MX v1.0: X = floor(log2(amax)) - emax clamped to [-127, 127] (0 and
    denormal amax give -127), NaN/Inf amax give a NaN scale; elements are
    x / 2^X rounded to nearest even with saturation."""
    x = x.astype(np.float32)
    blocks = x.reshape(*x.shape[:-1], -1, block)
    amax = np.max(np.abs(blocks), axis=-1)  # NaN propagates
    with np.errstate(divide="ignore", invalid="ignore"):
        e = np.floor(np.log2(amax.astype(np.float64)))
    e = np.where(amax == 0, -1000, e) - emax
    code = np.clip(e, -127, 127) + 127
    bad = ~np.isfinite(amax)
    code = np.where(bad, 255, np.nan_to_num(code)).astype(np.uint8)
    scales = code.view(E8M0)
    s = np.repeat(scales.astype(np.float32), block, axis=-1)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        q = x / s
    if dtype == F4:
        return ref_fp4(q), scales
    top = float(ml_dtypes.finfo(dtype).max)
    return np.clip(q, -top, top).astype(dtype), scales


def mx_kernel(shape, in_elt, out_elt, scale_elt, block, nvfp4=False):
    sshape = (*shape[:-1], shape[-1] // block)
    x, q, s = tensor(shape, in_elt), tensor(shape, out_elt), \
        tensor(sshape, scale_elt)
    args = [("x", x)] + ([("g", "tensor<f32>")] if nvfp4 else [])
    operands = "%x, %g" if nvfp4 else "%x"
    types = f"{x}, tensor<f32>" if nvfp4 else x
    return compile_fn(
        args, f"  %q, %s = qnk.mx_quantize {operands} block_size = {block} : "
              f"{types} -> {q}, {s}", [("q", q), ("s", s)])


def mx_inputs(rng, rows, k):
    """Blocks of every kind: ordinary, all zero, denormal, huge, with ±Inf or
    NaN, powers of two on the boundary of the exponent, negative -0."""
    x = (rng.standard_normal((rows, k)) *
         np.exp2(rng.integers(-20, 20, (rows, 1)))).astype(np.float32)
    x[0, :32] = 0.0
    x[0, 32:64] = -0.0
    if k >= 96:
        x[0, 64:96] = rng.uniform(-1, 1, 32) * 1e-40  # denormals
    x[1, :32] = rng.uniform(-1, 1, 32) * 3e38  # top of f32
    x[1, 5] = 3.4028235e38
    x[2, 3] = np.inf
    x[2, 40] = np.nan
    x[3, :32] = 2.0 ** rng.integers(-30, 30, 32)  # exact powers of two
    x[3, 33] = -np.inf
    return x


@pytest.mark.parametrize("out", sorted(ELEMENTS))
def test_mx_quantize_bit_exact(out, rng):
    dtype, emax = ELEMENTS[out]
    x = mx_inputs(rng, 6, 96)  # three blocks a row, the last one a tail
    q, s = mx_kernel(x.shape, "f32", out, "f8E8M0FNU", 32)(x)
    want_q, want_s = ref_mx(x, 32, dtype, emax)
    np.testing.assert_array_equal(s.view(np.uint8), want_s.view(np.uint8))
    same_elements(q, want_q)


def test_mx_scale_extremes():
    """Scale codes 0 (amax 0, denormal, below 2^-119) through 254 and 255."""
    rows = []
    for amax in [0.0, 1e-45, 2.0 ** -126, 2.0 ** -119, 2.0 ** -118, 1.0,
                 1.9999999, 2.0, 448.0, 2.0 ** 127, 3.4028235e38, np.inf,
                 np.nan]:
        r = np.zeros(32, np.float32)
        r[7] = amax
        r[8] = -amax / 3
        rows.append(r)
    x = np.stack(rows)
    for out in sorted(ELEMENTS):
        dtype, emax = ELEMENTS[out]
        q, s = mx_kernel(x.shape, "f32", out, "f8E8M0FNU", 32)(x)
        want_q, want_s = ref_mx(x, 32, dtype, emax)
        np.testing.assert_array_equal(s.view(np.uint8), want_s.view(np.uint8))
        same_elements(q, want_q)
    codes = ref_mx(x, 32, F4, 2)[1].view(np.uint8)[:, 0]  # E2M1: emax 2
    assert codes[0] == 0 and codes[-1] == 255 and codes[-2] == 255
    assert codes[9] == 254 - 2 and codes[5] == 125


@pytest.mark.parametrize("shape,block", [((64,), 32), ((2, 3, 64), 16),
                                         ((5, 32), 32)])
def test_mx_quantize_bf16_shapes_and_dequantize(shape, block, rng):
    x = rng.uniform(-100, 100, shape).astype(ml_dtypes.bfloat16)
    q, s = mx_kernel(shape, "bf16", "f4E2M1FN", "f8E8M0FNU", block)(x)
    want_q, want_s = ref_mx(x, block, F4, 2)
    np.testing.assert_array_equal(s.view(np.uint8), want_s.view(np.uint8))
    assert_same_f4(q, want_q)
    # qnk.dequantize with the block scales inverts it exactly.
    axis = len(shape) - 1
    d = compile_quant("dequantize", shape, "f4E2M1FN", "f32", s.shape,
                      "f8E8M0FNU", axis=axis, group=block)(q, s)
    np.testing.assert_array_equal(
        d, q.astype(np.float32) * np.repeat(s.astype(np.float32), block, axis))


def ref_nvfp4(x, g, block=16):
    x = x.astype(np.float32)
    g = np.float32(g)
    blocks = x.reshape(*x.shape[:-1], -1, block)
    amax = np.max(np.abs(blocks), axis=-1)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        t = (amax / np.float32(6)) / g
        scales = np.clip(t, -448, 448).astype(E4M3)
        d = scales.astype(np.float32) * g
        d = np.where(d == 0, np.float32(np.inf), d).astype(np.float32)
        q = x / np.repeat(d, block, axis=-1)
    return ref_fp4(q), scales


@pytest.mark.parametrize("g", [1.0, 0.0123, 2.0 ** -20, 1e6])
def test_nvfp4_quantize_bit_exact(g, rng):
    x = mx_inputs(rng, 6, 96)
    x[4, :16] = 1e-9  # a block whose E4M3 scale underflows to 0
    q, s = mx_kernel(x.shape, "f32", "f4E2M1FN", "f8E4M3FN", 16,
                     nvfp4=True)(x, np.array(g, np.float32))
    want_q, want_s = ref_nvfp4(x, g)
    same_fp8(s, want_s)
    assert_same_f4(q, want_q)


def test_block_size_not_dividing_is_a_diagnostic():
    with pytest.raises(qnk.CompileError, match="block size 32 does not divide "
                       r"the last dimension \(size 48\)"):
        mx_kernel((4, 48), "f32", "f4E2M1FN", "f8E8M0FNU", 32)
    with pytest.raises(qnk.CompileError, match="group size 32 does not divide"):
        compile_quant("dequantize", (4, 48), "f4E2M1FN", "f32", (4, 1),
                      "f8E8M0FNU", axis=1, group=32)
