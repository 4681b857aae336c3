"""qnk.quantize / dequantize / requantize against an independent numpy +
ml_dtypes statement of docs/numerics.md: bit-exact for every integer path
and for the encode and decode of every fp8 value."""

import ml_dtypes
import numpy as np
import pytest

import qnk

FP8 = {"f8E4M3FN": ml_dtypes.float8_e4m3fn, "f8E5M2": ml_dtypes.float8_e5m2}
INT = {"i8": (-128, 127), "ui8": (0, 255), "i4": (-8, 7), "ui4": (0, 15)}


def tensor(shape, elt):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


def compile_op(op, in_shape, in_elt, out_elt, scale_shape, zp=False,
               axis=None, group=None, scale_elt="f32"):
    args = [f"%x: {tensor(in_shape, in_elt)}", f"%s: {tensor(scale_shape, scale_elt)}"]
    operands, types = "%x, %s", [tensor(in_shape, in_elt), tensor(scale_shape, scale_elt)]
    if zp:
        args.append(f"%z: {tensor(scale_shape, 'i32')}")
        operands += ", %z"
        types.append(tensor(scale_shape, "i32"))
    attrs = (f" axis = {axis}" if axis is not None else "") + \
        (f" group_size = {group}" if group else "")
    out = tensor(in_shape, out_elt)
    src = (f"func.func @f({', '.join(args)}) -> {out} {{\n"
           f"  %r = qnk.{op} {operands}{attrs} : {', '.join(types)} -> {out}\n"
           f"  return %r : {out}\n}}\n")
    return qnk.compile(src, "f")


def broadcast(scale, shape, axis, group):
    """The scale (or zero point) of every element of a `shape` tensor."""
    if axis is None:
        return np.broadcast_to(scale, shape)
    if group:
        return np.repeat(scale, group, axis=axis)
    view = [1] * len(shape)
    view[axis] = shape[axis]
    return np.broadcast_to(scale.reshape(view), shape)


def ref_quantize_int(x, s, z, lo, hi):
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        q = x.astype(np.float32) / s.astype(np.float32)  # one IEEE f32 division
    with np.errstate(invalid="ignore"):
        r = np.where(np.isnan(q), 0, np.round(q))  # round half to even
    r = np.clip(r, -65536, 65536).astype(np.int64) + z
    return np.clip(r, lo, hi)


def ref_quantize_fp8(x, s, dtype):
    q = x.astype(np.float32) / s.astype(np.float32)
    top = float(ml_dtypes.finfo(dtype).max)
    return np.clip(q, -top, top).astype(dtype)  # saturate, NaN stays NaN


def same_fp8(got, want):
    """Bit for bit, except that any NaN matches any NaN of the format."""
    g, w = got.view(np.uint8), want.view(np.uint8)
    gn = np.isnan(got.astype(np.float32))
    wn = np.isnan(want.astype(np.float32))
    np.testing.assert_array_equal(gn, wn)
    np.testing.assert_array_equal(g[~gn], w[~wn])


def fp8_probe_values(dtype):
    """Every finite value of the format, the ties between neighbours and
    their float32 neighbours, values past the largest one, zeros, tiny
    values, infinities and NaN."""
    codes = np.arange(256, dtype=np.uint8).view(dtype).astype(np.float32)
    finite = np.unique(codes[np.isfinite(codes)])
    mids = (finite[:-1].astype(np.float64) + finite[1:]) / 2
    mids = mids.astype(np.float32)
    top = float(ml_dtypes.finfo(dtype).max)
    extra = np.array([top * 1.02, top * 1.2, 1e30, np.inf, -np.inf, np.nan,
                      -0.0, 0.0, 1e-30, -1e-30], np.float32)
    return np.concatenate([
        finite, mids, np.nextafter(mids, np.float32(np.inf)),
        np.nextafter(mids, np.float32(-np.inf)), extra]).astype(np.float32)


@pytest.mark.parametrize("name", sorted(FP8))
def test_fp8_encode_every_value_and_tie(name):
    dtype = FP8[name]
    x = fp8_probe_values(dtype)
    kernel = compile_op("quantize", x.shape, "f32", name, ())
    one = np.array(1.0, np.float32)
    same_fp8(kernel(x, one), ref_quantize_fp8(x, one, dtype))
    # A scale divides first (one f32 division, then one rounding).
    s = np.array(0.37, np.float32)
    same_fp8(kernel(x, s), ref_quantize_fp8(x, s, dtype))


@pytest.mark.parametrize("name", sorted(FP8))
def test_fp8_decode_every_code(name):
    dtype = FP8[name]
    codes = np.arange(256, dtype=np.uint8).view(dtype)
    kernel = compile_op("dequantize", codes.shape, name, "f32", ())
    got = kernel(codes, np.array(1.0, np.float32))
    want = codes.astype(np.float32)
    np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
    ok = ~np.isnan(want)
    np.testing.assert_array_equal(got[ok].view(np.uint32), want[ok].view(np.uint32))


SPECIALS = np.array([np.nan, np.inf, -np.inf, -0.0, 0.5, 1.5, 2.5, -2.5,
                     -3.5, 1e30, -1e30, 7.49, 7.5, 8.5, -8.5, 1e-45],
                    np.float32)


@pytest.mark.parametrize("storage,axis,group,zp", [
    ("i8", None, None, True), ("ui8", 1, None, True), ("i8", 0, None, False),
    ("i4", 1, 32, True), ("ui4", 1, 16, True), ("i4", 0, 2, False)])
def test_quantize_integers(storage, axis, group, zp, rng):
    shape = (6, 64)
    lo, hi = INT[storage]
    if axis is None:
        scale_shape = ()
    elif group is None:
        scale_shape = (shape[axis],)
    else:
        scale_shape = tuple(d // group if i == axis else d for i, d in enumerate(shape))
    kernel = compile_op("quantize", shape, "f32", storage, scale_shape, zp=zp,
                        axis=axis, group=group)
    x = (rng.standard_normal(shape) * 6).astype(np.float32)
    x.reshape(-1)[:SPECIALS.size] = SPECIALS
    s = rng.uniform(0.05, 2, scale_shape).astype(np.float32)
    if s.ndim:  # a zero and a denormal scale
        s.reshape(-1)[0], s.reshape(-1)[-1] = 0.0, 1e-40
    z = rng.integers(lo, hi, scale_shape, endpoint=True).astype(np.int32)
    args = (x, s, z) if zp else (x, s)
    got = kernel(*args).astype(np.int64)
    want = ref_quantize_int(x, broadcast(s, shape, axis, group),
                            broadcast(z, shape, axis, group) if zp else 0, lo, hi)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("storage", sorted(INT))
def test_dequantize_every_code(storage):
    lo, hi = INT[storage]
    dtype = qnk.DTYPES[storage]
    codes = np.arange(lo, hi + 1)
    q = np.tile(codes, (3, 1)).astype(dtype)
    kernel = compile_op("dequantize", q.shape, storage, "f32", (3,), zp=True, axis=0)
    s = np.array([0.1, 3.0, 1e-40], np.float32)
    z = np.array([lo, hi, (lo + hi) // 2], np.int32)
    got = kernel(q, s, z)
    want = (q.astype(np.int64) - z[:, None]).astype(np.float32) * s[:, None]
    np.testing.assert_array_equal(got.view(np.uint32), want.view(np.uint32))


def ref_requantize(acc, m, sh, z, lo, hi):
    prod = acc.astype(np.int64) * m.astype(np.int64)
    t = np.clip(31 + sh.astype(np.int64), 0, 62)
    q = prod >> t
    rem = prod - (q << t)
    half = (np.int64(1) << t) >> 1
    up = (t > 0) & ((rem > half) | ((rem == half) & (q & 1 == 1)))
    return np.clip(q + up + z, lo, hi)


@pytest.mark.parametrize("storage", ["i8", "ui8", "i4"])
def test_requantize_fixed_point(storage, rng):
    lo, hi = INT[storage]
    n = 32
    src = (f"func.func @f(%a: tensor<64x{n}xi32>, %m: tensor<{n}xi32>, "
           f"%s: tensor<{n}xi32>, %z: tensor<i32>) -> tensor<64x{n}x{storage}> {{\n"
           f"  %r = qnk.requantize %a, %m, %s, %z axis = 1 : tensor<64x{n}xi32>, "
           f"tensor<{n}xi32>, tensor<{n}xi32>, tensor<i32> -> tensor<64x{n}x{storage}>\n"
           f"  return %r : tensor<64x{n}x{storage}>\n}}\n")
    kernel = qnk.compile(src, "f")
    acc = rng.integers(-2**20, 2**20, (64, n)).astype(np.int32)
    acc[0, :], acc[1, :] = 2**31 - 1, -2**31
    m = rng.integers(2**30, 2**31 - 1, n).astype(np.int32)
    sh = rng.integers(-2, 14, n).astype(np.int32)
    # Exact ties: multiplier 2^30 (0.5) with shift 0 halves odd accumulators.
    m[:4], sh[:4] = 2**30, 0
    acc[2:6, :4] = [[1, 3, -1, -3]] * 4
    z = np.array(lo + (hi - lo) // 3, np.int32)
    got = kernel(acc, m, sh, z).astype(np.int64)
    np.testing.assert_array_equal(got, ref_requantize(acc, m, sh, z, lo, hi))


def epilogue_source(m, n, k, a_elt, b_elt, clauses, out_elt, extra_args):
    args = [f"%x: tensor<{m}x{k}x{a_elt}>", f"%w: tensor<{n}x{k}x{b_elt}>"] + extra_args
    return (f"func.func @f({', '.join(args)}) -> tensor<{m}x{n}x{out_elt}> {{\n"
            f"  %y = qnk.matmul %x, %w transpose_b {clauses} : tensor<{m}x{k}x{a_elt}>, "
            f"tensor<{n}x{k}x{b_elt}> -> tensor<{m}x{n}x{out_elt}>\n"
            f"  return %y : tensor<{m}x{n}x{out_elt}>\n}}\n")


def test_w8a8_relu_requantized_bit_exact(rng):
    """Per-token and per-channel scales, bias, ReLU, int8 output: every step
    is exact IEEE f32 arithmetic or integer rounding, so numpy agrees bit for
    bit."""
    m, n, k = 21, 40, 96
    src = epilogue_source(
        m, n, k, "i8", "i8",
        f"dequantize(%sx, %sw : tensor<{m}xf32>, tensor<{n}xf32>) "
        f"bias(%b : tensor<{n}xf32>) activation(relu) quantize(%so : tensor<f32>) "
        f"zero_point(%zo : tensor<i32>)", "i8",
        [f"%sx: tensor<{m}xf32>", f"%sw: tensor<{n}xf32>", f"%b: tensor<{n}xf32>",
         "%so: tensor<f32>", "%zo: tensor<i32>"])
    kernel = qnk.compile(src, "f")
    x = rng.integers(-128, 128, (m, k)).astype(np.int8)
    w = rng.integers(-128, 128, (n, k)).astype(np.int8)
    sx = rng.uniform(0.001, 0.02, m).astype(np.float32)
    sw = rng.uniform(0.001, 0.02, n).astype(np.float32)
    b = rng.uniform(-1, 1, n).astype(np.float32)
    so, zo = np.array(0.02, np.float32), np.array(-5, np.int32)
    got = kernel(x, w, sx, sw, b, so, zo)
    acc = (x.astype(np.int64) @ w.astype(np.int64).T).astype(np.float32)
    y = acc * sx[:, None] * sw[None, :] + b[None, :]
    y = np.maximum(y, np.float32(0))
    want = ref_quantize_int(y, so, zo, -128, 127)
    np.testing.assert_array_equal(got.astype(np.int64), want)


@pytest.mark.parametrize("activation", ["gelu", "gelu_tanh", "silu"])
def test_activations_against_numpy(activation, rng):
    """Transcendental activations are polynomials: within a few f32 ulps of
    the float64 formulas."""
    import math
    m, n, k = 9, 30, 50
    src = epilogue_source(m, n, k, "f32", "f32",
                          f"bias(%b : tensor<{n}xf32>) activation({activation})",
                          "f32", [f"%b: tensor<{n}xf32>"])
    kernel = qnk.compile(src, "f")
    x = rng.standard_normal((m, k)).astype(np.float32) / 3
    w = rng.standard_normal((n, k)).astype(np.float32) / 3
    b = rng.uniform(-3, 3, n).astype(np.float32)
    got = kernel(x, w, b).astype(np.float64)
    v = x.astype(np.float64) @ w.astype(np.float64).T + b
    if activation == "gelu":
        want = 0.5 * v * (1 + np.vectorize(math.erf)(v / math.sqrt(2)))
    elif activation == "gelu_tanh":
        want = 0.5 * v * (1 + np.tanh(math.sqrt(2 / math.pi) * (v + 0.044715 * v**3)))
    else:
        want = v / (1 + np.exp(-v))
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
