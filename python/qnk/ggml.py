"""llama.cpp (ggml) block-quantized weights in QNK's form, in numpy.

QNK takes block-quantized weights as values plus one scale per group of 32
along the last axis (``qnk.dequantize %v, %d axis = last group_size = 32``,
or a group-scaled ``qnk.matmul``). These functions convert the raw rows of
llama.cpp's ``Q4_0`` and ``Q8_0`` tensors to that form and back, exactly
like ``qnk.unpack_ggml`` does in compiled code:

* ``Q4_0``, 18 bytes per block of 32: the f16 scale ``d`` (little endian),
  then 16 bytes; element ``j`` is the low nibble of byte ``j`` and element
  ``j + 16`` the high nibble, each an unsigned ``q`` with value
  ``(q - 8) * d``. The values are returned as ``int4`` ``q - 8``.
* ``Q8_0``, 34 bytes per block: the f16 scale, then 32 ``int8`` ``q`` with
  value ``q * d``.

``raw`` is a ``uint8`` (or ``int8``) array of shape ``[..., K/32 * bytes]``;
values come back as ``[..., K]`` and scales as ``[..., K/32]`` (``float16``).
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

#: Elements per block, for both formats.
BLOCK = 32
#: Bytes per block.
Q4_0_BLOCK_BYTES = 2 + BLOCK // 2
Q8_0_BLOCK_BYTES = 2 + BLOCK


def _blocks(raw: np.ndarray, block_bytes: int, name: str) -> np.ndarray:
    raw = np.asarray(raw)
    if raw.dtype not in (np.dtype(np.uint8), np.dtype(np.int8)):
        raise TypeError(f"{name} rows are bytes (uint8 or int8), got {raw.dtype}")
    if raw.ndim == 0 or raw.shape[-1] % block_bytes:
        raise ValueError(f"{name} rows are whole blocks of {block_bytes} bytes, "
                         f"got shape {raw.shape}")
    return raw.view(np.uint8).reshape(*raw.shape[:-1], -1, block_bytes)


def _scales(blocks: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(blocks[..., :2]).view("<f2")[..., 0].astype(
        np.float16)


def unpack_q4_0(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Q4_0`` rows -> (``int4`` values ``q - 8`` of shape ``[..., K]``,
    ``float16`` scales of shape ``[..., K/32]``)."""
    blocks = _blocks(raw, Q4_0_BLOCK_BYTES, "Q4_0")
    packed = blocks[..., 2:]
    q = np.concatenate([packed & 0xF, packed >> 4], axis=-1).astype(np.int8) - 8
    values = q.reshape(*blocks.shape[:-2], -1).astype(ml_dtypes.int4)
    return values, _scales(blocks)


def unpack_q8_0(raw: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``Q8_0`` rows -> (``int8`` values of shape ``[..., K]``, ``float16``
    scales of shape ``[..., K/32]``)."""
    blocks = _blocks(raw, Q8_0_BLOCK_BYTES, "Q8_0")
    values = blocks[..., 2:].view(np.int8).reshape(*blocks.shape[:-2], -1)
    return np.ascontiguousarray(values), _scales(blocks)


def _check(values: np.ndarray, scales: np.ndarray) -> None:
    if values.ndim == 0 or values.shape[-1] % BLOCK:
        raise ValueError(f"the last axis must be whole blocks of {BLOCK}, got "
                         f"shape {values.shape}")
    want = (*values.shape[:-1], values.shape[-1] // BLOCK)
    if scales.shape != want:
        raise ValueError(f"scales must have shape {want}, got {scales.shape}")


def _with_scales(payload: np.ndarray, scales: np.ndarray) -> np.ndarray:
    d = np.ascontiguousarray(scales, np.float16).astype("<f2")
    d = d.view(np.uint8).reshape(*scales.shape, 2)
    blocks = np.concatenate([d, payload], axis=-1)
    return np.ascontiguousarray(blocks.reshape(*scales.shape[:-1], -1))


def pack_q4_0(values: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """The inverse of :func:`unpack_q4_0`: values in [-8, 7] (any integer
    dtype, e.g. ``int4``) and f16 scales -> ``uint8`` ``Q4_0`` rows."""
    _check(values, scales)
    v = np.asarray(values).astype(np.int16)
    if v.size and (v.min() < -8 or v.max() > 7):
        raise ValueError("Q4_0 values must lie in [-8, 7]")
    q = (v + 8).astype(np.uint8).reshape(*scales.shape, BLOCK)
    payload = q[..., :BLOCK // 2] | (q[..., BLOCK // 2:] << 4)
    return _with_scales(payload, scales)


def pack_q8_0(values: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """The inverse of :func:`unpack_q8_0`: ``int8`` values and f16 scales ->
    ``uint8`` ``Q8_0`` rows."""
    _check(values, scales)
    q = np.asarray(values).astype(np.int8).view(np.uint8)
    return _with_scales(q.reshape(*scales.shape, BLOCK), scales)


def dequantize(values: np.ndarray, scales: np.ndarray) -> np.ndarray:
    """``f32(values) * f32(scale)`` per group of 32 along the last axis: what
    ``qnk.dequantize`` with the f16 group scales computes (one f32
    product, both factors exact)."""
    _check(values, scales)
    s = np.repeat(np.asarray(scales).astype(np.float32), BLOCK, axis=-1)
    return np.asarray(values).astype(np.float32) * s
