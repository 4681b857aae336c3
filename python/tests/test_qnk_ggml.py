"""llama.cpp Q4_0 / Q8_0 blocks: qnk.unpack_ggml (compiled) and qnk.ggml
(numpy) against an independent, block-by-block statement of llama.cpp's
layout (block_q4_0 / block_q8_0 and dequantize_row_q4_0 / _q8_0 in
ggml-quants.c), bit for bit."""

import struct

import ml_dtypes
import numpy as np
import pytest

import qnk
import qnk.ggml


def tensor(shape, elt):
    return "tensor<" + "".join(f"{d}x" for d in shape) + elt + ">"


# ----------------------------------------------------------------------------
# The reference: one block at a time, with struct, as llama.cpp lays it out.
# ----------------------------------------------------------------------------

def llama_q4_0_block(d, q):
    """typedef struct { ggml_half d; uint8_t qs[16]; } block_q4_0, with
    element j in the low nibble of qs[j] and element j + 16 in its high
    nibble (q in [0, 15])."""
    qs = bytes(int(q[j]) | (int(q[j + 16]) << 4) for j in range(16))
    return struct.pack("<e", float(d)) + qs


def llama_q8_0_block(d, q):
    """typedef struct { ggml_half d; int8_t qs[32]; } block_q8_0."""
    return struct.pack("<e", float(d)) + struct.pack("<32b", *map(int, q))


def llama_dequantize_row(raw_row, fmt):
    """dequantize_row_q4_0 / q8_0: y = (q - 8) * d or q * d, in f32."""
    size = 18 if fmt == "q4_0" else 34
    out = []
    for b in range(len(raw_row) // size):
        blk = bytes(raw_row[b * size:(b + 1) * size])
        d = np.float32(struct.unpack("<e", blk[:2])[0])
        if fmt == "q4_0":
            lo = [np.float32((x & 0xF) - 8) * d for x in blk[2:]]
            hi = [np.float32((x >> 4) - 8) * d for x in blk[2:]]
            out += lo + hi
        else:
            out += [np.float32(v) * d for v in struct.unpack("<32b", blk[2:])]
    return np.array(out, np.float32)


def random_raw(rng, rows, blocks, fmt, special_scales=False):
    """Raw rows plus the q (as stored) and f16 d that made them."""
    d = rng.uniform(-0.1, 0.1, (rows, blocks)).astype(np.float16)
    if special_scales:
        flat = d.reshape(-1)
        specials = [0.0, -0.0, np.inf, -np.inf, np.nan, 6e-8, 65504.0, -2.0]
        flat[:len(specials)] = np.array(specials[:flat.size], np.float16)
    if fmt == "q4_0":
        q = rng.integers(0, 16, (rows, blocks, 32))
        raw = [b"".join(llama_q4_0_block(d[r, b], q[r, b])
                        for b in range(blocks)) for r in range(rows)]
    else:
        q = rng.integers(-128, 128, (rows, blocks, 32))
        raw = [b"".join(llama_q8_0_block(d[r, b], q[r, b])
                        for b in range(blocks)) for r in range(rows)]
    raw = np.frombuffer(b"".join(raw), np.uint8).reshape(rows, -1).copy()
    return raw, q, d


def same_f16(got, want):
    np.testing.assert_array_equal(got.view(np.uint16), want.view(np.uint16))


# ----------------------------------------------------------------------------
# qnk.ggml (numpy)
# ----------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["q4_0", "q8_0"])
def test_python_unpack_matches_llama_layout(fmt, rng):
    raw, q, d = random_raw(rng, 3, 4, fmt, special_scales=True)
    unpack = qnk.ggml.unpack_q4_0 if fmt == "q4_0" else qnk.ggml.unpack_q8_0
    values, scales = unpack(raw)
    want = (q - 8 if fmt == "q4_0" else q).reshape(3, -1)
    assert values.dtype == (ml_dtypes.int4 if fmt == "q4_0" else np.int8)
    np.testing.assert_array_equal(values.astype(np.int64), want)
    same_f16(scales, d)
    # Back to the same bytes, and to llama.cpp's dequantized values.
    pack = qnk.ggml.pack_q4_0 if fmt == "q4_0" else qnk.ggml.pack_q8_0
    np.testing.assert_array_equal(pack(values, scales), raw)
    with np.errstate(invalid="ignore", over="ignore"):
        got = qnk.ggml.dequantize(values, scales)
        for r in range(3):
            np.testing.assert_array_equal(got[r], llama_dequantize_row(raw[r], fmt))


def test_python_errors():
    with pytest.raises(ValueError, match="whole blocks of 18"):
        qnk.ggml.unpack_q4_0(np.zeros((2, 20), np.uint8))
    with pytest.raises(TypeError, match="bytes"):
        qnk.ggml.unpack_q8_0(np.zeros((2, 34), np.float32))
    with pytest.raises(ValueError, match=r"\[-8, 7\]"):
        qnk.ggml.pack_q4_0(np.full((1, 32), 9), np.ones((1, 1), np.float16))
    with pytest.raises(ValueError, match="scales must have shape"):
        qnk.ggml.pack_q8_0(np.zeros((1, 64), np.int8), np.ones((1, 1), np.float16))


# ----------------------------------------------------------------------------
# qnk.unpack_ggml (compiled)
# ----------------------------------------------------------------------------

def unpack_kernel(fmt, rows, blocks, raw_elt="ui8", dequantize=False):
    size = 18 if fmt == "q4_0" else 34
    velt = "i4" if fmt == "q4_0" else "i8"
    raw = tensor((rows, blocks * size), raw_elt)
    v, s = tensor((rows, blocks * 32), velt), tensor((rows, blocks), "f16")
    body = f"  %v, %s = qnk.unpack_ggml %raw format = {fmt} : {raw} -> {v}, {s}\n"
    if dequantize:
        y = tensor((rows, blocks * 32), "f32")
        body += (f"  %y = qnk.dequantize %v, %s axis = 1 group_size = 32 : "
                 f"{v}, {s} -> {y}\n")
        sig, ret = y, f"%y : {y}"
    else:
        sig, ret = f"{v}, {s}", f"%v, %s : {v}, {s}"
    src = (f"func.func @f(%raw: {raw}) -> ({sig}) {{\n{body}"
           f"  return {ret}\n}}\n")
    return qnk.compile(src, "f")


@pytest.mark.parametrize("fmt", ["q4_0", "q8_0"])
@pytest.mark.parametrize("raw_elt", ["ui8", "i8"])
def test_unpack_ggml_bit_exact(fmt, raw_elt, rng):
    rows, blocks = 5, 3
    raw, q, d = random_raw(rng, rows, blocks, fmt, special_scales=True)
    kernel = unpack_kernel(fmt, rows, blocks, raw_elt)
    arg = raw if raw_elt == "ui8" else raw.view(np.int8)
    values, scales = kernel(arg)
    want = (q - 8 if fmt == "q4_0" else q).reshape(rows, -1)
    np.testing.assert_array_equal(values.astype(np.int64), want)
    same_f16(scales, d)


@pytest.mark.parametrize("fmt", ["q4_0", "q8_0"])
def test_unpack_then_dequantize_is_llama_dequantize(fmt, rng):
    rows, blocks = 4, 8
    raw, _, _ = random_raw(rng, rows, blocks, fmt)
    got = unpack_kernel(fmt, rows, blocks, dequantize=True)(raw)
    for r in range(rows):
        want = llama_dequantize_row(raw[r], fmt)
        np.testing.assert_array_equal(got[r].view(np.uint32), want.view(np.uint32))
