"""The element types QNK kernels take and return, and their numpy dtypes."""

from __future__ import annotations

import math
from typing import Any

import ml_dtypes
import numpy as np

#: MLIR element type name -> numpy dtype of the buffers the C entry takes.
#: bf16, f16 and the fp8 types travel as their bit patterns, which is exactly
#: how numpy/ml_dtypes store them.
DTYPES: dict[str, np.dtype] = {
    "f32": np.dtype(np.float32),
    "bf16": np.dtype(ml_dtypes.bfloat16),
    "f16": np.dtype(np.float16),
    "f8E4M3FN": np.dtype(ml_dtypes.float8_e4m3fn),
    "f8E5M2": np.dtype(ml_dtypes.float8_e5m2),
    "i8": np.dtype(np.int8),
    "ui8": np.dtype(np.uint8),
    # 4-bit integers: one element per byte in numpy (ml_dtypes), packed two
    # per byte (the even element in the low nibble) for the kernel.
    "i4": np.dtype(ml_dtypes.int4),
    "ui4": np.dtype(ml_dtypes.uint4),
    "i32": np.dtype(np.int32),
    # OCP MX types: E2M1 values (packed two per byte like i4) and E8M0
    # scales (one byte each).
    "f4E2M1FN": np.dtype(ml_dtypes.float4_e2m1fn),
    "f8E8M0FNU": np.dtype(ml_dtypes.float8_e8m0fnu),
}

_BY_DTYPE: dict[np.dtype, str] = {dtype: name for name, dtype in DTYPES.items()}

#: Element types that accumulate in f32 in a qnk.matmul.
FLOAT_TYPES = frozenset({"f32", "bf16", "f16", "f8E4M3FN", "f8E5M2"})
#: Element types that accumulate in i32 in a qnk.matmul.
INT_TYPES = frozenset({"i8", "ui8", "i4", "ui4"})
#: Element types stored two per byte.
PACKED_4BIT_TYPES = frozenset({"i4", "ui4", "f4E2M1FN"})


def pack_4bit(array: np.ndarray) -> np.ndarray:
    """Packs a 4-bit integer array two per byte, row-major, the even element in
    the low nibble (the layout QNK kernels take)."""
    nibbles = array.reshape(-1).view(np.uint8) & 0xF
    if nibbles.size % 2:
        nibbles = np.append(nibbles, np.uint8(0))
    return np.ascontiguousarray(nibbles[0::2] | (nibbles[1::2] << 4))


def unpack_4bit(packed: np.ndarray, shape: tuple[int, ...],
                dtype: np.dtype) -> np.ndarray:
    """The inverse of :func:`pack_4bit`: one element per byte, as ``dtype``
    (ml_dtypes.int4, uint4 or float4_e2m1fn)."""
    n = math.prod(shape)
    nibbles = np.empty(2 * packed.size, np.uint8)
    nibbles[0::2], nibbles[1::2] = packed & 0xF, packed >> 4
    if dtype == np.dtype(ml_dtypes.float4_e2m1fn):
        return nibbles[:n].view(dtype).reshape(shape)  # the codes, as bits
    values = nibbles[:n].astype(np.int8)
    if dtype == np.dtype(ml_dtypes.int4):
        values = np.where(values >= 8, values - 16, values).astype(np.int8)
    return values.astype(dtype).reshape(shape)


def mlir_type(spec: Any) -> str:
    """Return the MLIR element type name for ``spec``.

    ``spec`` is either an MLIR name (``"bf16"``, ``"ui8"``, ...) or anything
    ``numpy.dtype`` accepts that maps to one (``np.float32``,
    ``ml_dtypes.bfloat16``, ``"int8"``, ...).

    Raises:
        ValueError: ``spec`` names no supported element type.
    """
    if isinstance(spec, str) and spec in DTYPES:
        return spec
    try:
        dtype = np.dtype(spec)
    except TypeError:
        dtype = None
    if dtype is not None and dtype in _BY_DTYPE:
        return _BY_DTYPE[dtype]
    raise ValueError(
        f"unsupported element type {spec!r} (supported: {', '.join(DTYPES)})")


def dtype_name(dtype: np.dtype) -> str:
    """A short, readable name of a numpy dtype (``bfloat16``, ``float32``)."""
    return np.dtype(dtype).name
