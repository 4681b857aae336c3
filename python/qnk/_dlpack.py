"""DLPack through ctypes, without numpy or torch: taking the tensor a
``__dlpack__`` capsule holds (legacy ``dltensor`` and DLPack 1.x
``dltensor_versioned``) as a consumer, and wrapping a managed tensor that C
code made (the CUDA runtime's buffers) in a capsule as a producer.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from typing import Any, Callable

#: DLDeviceType values QNK deals with.
KDL_CPU, KDL_CUDA, KDL_CUDA_HOST, KDL_CUDA_MANAGED = 1, 2, 3, 13
#: DLManagedTensorVersioned.flags: the consumer must not write.
_FLAG_READ_ONLY = 1

#: MLIR element type -> DLPack (type code, bits), for the types a CUDA entry
#: can take or return.
DLPACK_TYPES: dict[str, tuple[int, int]] = {
    "f32": (2, 32), "f16": (2, 16), "bf16": (4, 16),
    "i8": (0, 8), "ui8": (1, 8), "i32": (0, 32),
    "f8E4M3FN": (10, 8), "f8E5M2": (12, 8), "f8E8M0FNU": (14, 8),
}
_TYPE_NAMES = {
    (2, 16): "float16", (2, 32): "float32", (2, 64): "float64",
    (4, 16): "bfloat16", (0, 8): "int8", (0, 16): "int16", (0, 32): "int32",
    (0, 64): "int64", (1, 8): "uint8", (1, 16): "uint16", (1, 32): "uint32",
    (1, 64): "uint64", (6, 8): "bool", (10, 8): "float8_e4m3fn",
    (12, 8): "float8_e5m2", (14, 8): "float8_e8m0fnu", (5, 64): "complex64",
    (5, 128): "complex128",
}


def type_name(code: int, bits: int, lanes: int = 1) -> str:
    """A readable name of a DLPack data type (``bfloat16``, ``int8``)."""
    name = _TYPE_NAMES.get((code, bits), f"DLPack type code {code}, {bits} bits")
    return name if lanes == 1 else f"{name} x{lanes} lanes"


class _DLDevice(ctypes.Structure):
    _fields_ = [("device_type", ctypes.c_int32), ("device_id", ctypes.c_int32)]


class _DLDataType(ctypes.Structure):
    _fields_ = [("code", ctypes.c_uint8), ("bits", ctypes.c_uint8),
                ("lanes", ctypes.c_uint16)]


class _DLTensor(ctypes.Structure):
    _fields_ = [("data", ctypes.c_void_p), ("device", _DLDevice),
                ("ndim", ctypes.c_int32), ("dtype", _DLDataType),
                ("shape", ctypes.POINTER(ctypes.c_int64)),
                ("strides", ctypes.POINTER(ctypes.c_int64)),
                ("byte_offset", ctypes.c_uint64)]


class _DLManagedTensor(ctypes.Structure):
    _fields_ = [("dl_tensor", _DLTensor), ("manager_ctx", ctypes.c_void_p),
                ("deleter", ctypes.c_void_p)]


class _DLManagedTensorVersioned(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32),
                ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p),
                ("flags", ctypes.c_uint64), ("dl_tensor", _DLTensor)]


# The capsule API, as function objects of our own (setting argtypes on
# ctypes.pythonapi's shared ones would change them for everyone).
_CAPSULE_VALID = ctypes.PYFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_IsValid", ctypes.pythonapi))
_CAPSULE_POINTER = ctypes.PYFUNCTYPE(
    ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_GetPointer", ctypes.pythonapi))
_CAPSULE_NEW = ctypes.PYFUNCTYPE(
    ctypes.py_object, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_void_p)(
    ("PyCapsule_New", ctypes.pythonapi))
_CAPSULE_SET_NAME = ctypes.PYFUNCTYPE(
    ctypes.c_int, ctypes.py_object, ctypes.c_char_p)(
    ("PyCapsule_SetName", ctypes.pythonapi))
# Capsule names must outlive the capsules: module constants.
_LEGACY, _VERSIONED = b"dltensor", b"dltensor_versioned"
_USED_LEGACY, _USED_VERSIONED = b"used_dltensor", b"used_dltensor_versioned"
#: A DLPack deleter, called on the managed tensor's address.
_DELETER = ctypes.CFUNCTYPE(None, ctypes.c_void_p)


@dataclass(frozen=True)
class TensorView:
    """The tensor behind a DLPack capsule.

    Attributes:
        device_type, device_id: The DLPack device (2, N is ``cuda:N``).
        code, bits, lanes: The DLPack data type.
        shape: The shape.
        strides: Strides in elements, or ``None`` (dense row-major).
        data: The address of the first element (``byte_offset`` included).
        read_only: The producer forbids writing (DLPack 1.x only).
    """

    device_type: int
    device_id: int
    code: int
    bits: int
    lanes: int
    shape: tuple[int, ...]
    strides: tuple[int, ...] | None
    data: int
    read_only: bool

    @property
    def type_name(self) -> str:
        return type_name(self.code, self.bits, self.lanes)

    def is_row_major(self) -> bool:
        """Dense and row-major (dimensions of size 1 may have any stride)."""
        if self.strides is None:
            return True
        expected = 1
        for size, stride in zip(reversed(self.shape), reversed(self.strides)):
            if size != 1 and stride != expected:
                return False
            expected *= size
        return True


def _managed_tensor(capsule: Any) -> tuple[Any, bool]:
    """The managed tensor in an unused DLPack capsule, and whether it is
    versioned."""
    if _CAPSULE_VALID(capsule, _VERSIONED):
        managed = _DLManagedTensorVersioned.from_address(
            _CAPSULE_POINTER(capsule, _VERSIONED))
        if managed.major != 1:
            raise BufferError(f"DLPack {managed.major}.{managed.minor} tensors "
                              "are not supported (1.x are)")
        return managed, True
    if _CAPSULE_VALID(capsule, _LEGACY):
        return _DLManagedTensor.from_address(_CAPSULE_POINTER(capsule, _LEGACY)), False
    raise TypeError(f"{type(capsule).__name__} is not an unused DLPack capsule "
                    "('dltensor' or 'dltensor_versioned')")


def read_capsule(capsule: Any) -> TensorView:
    """The tensor an unused ``__dlpack__`` capsule describes (valid while
    the capsule lives, unconsumed).

    Raises:
        TypeError: not an unused DLPack capsule.
        BufferError: a DLPack major version this reader does not know.
    """
    managed, versioned = _managed_tensor(capsule)
    tensor = managed.dl_tensor
    ndim = tensor.ndim
    shape = tuple(tensor.shape[i] for i in range(ndim))
    strides = (tuple(tensor.strides[i] for i in range(ndim))
               if tensor.strides else None)
    read_only = versioned and bool(managed.flags & _FLAG_READ_ONLY)
    return TensorView(tensor.device.device_type, tensor.device.device_id,
                      tensor.dtype.code, tensor.dtype.bits, tensor.dtype.lanes,
                      shape, strides, (tensor.data or 0) + tensor.byte_offset,
                      read_only)


def consume_capsule(capsule: Any) -> tuple[TensorView, Callable[[], None]]:
    """Take the tensor out of an unused capsule, as a DLPack consumer does
    (the capsule is renamed ``used_dltensor``, so its destructor leaves the
    tensor alone): ``(view, release)``. The memory stays valid until
    ``release()``, which calls the producer's deleter; call it once.

    Raises:
        TypeError, BufferError: as :func:`read_capsule`.
    """
    view = read_capsule(capsule)
    managed, versioned = _managed_tensor(capsule)
    _CAPSULE_SET_NAME(capsule, _USED_VERSIONED if versioned else _USED_LEGACY)
    address, deleter = ctypes.addressof(managed), managed.deleter

    def release() -> None:
        if deleter:
            _DELETER(deleter)(address)

    return view, release


def import_tensor(value: Any, stream: int | None) -> tuple[TensorView, Callable[[], None]]:
    """Take ``value``'s tensor through ``value.__dlpack__`` (DLPack 1.x if
    the producer speaks it), as :func:`consume_capsule`. ``stream`` is the
    consumer stream that producers order their pending work before (None
    for CPU tensors)."""
    kwargs = {} if stream is None else {"stream": stream}
    try:
        capsule = value.__dlpack__(max_version=(1, 0), **kwargs)
    except TypeError:  # a producer older than DLPack 1.0
        capsule = value.__dlpack__(**kwargs)
    return consume_capsule(capsule)


def make_capsule(managed: int, versioned: bool) -> Any:
    """A DLPack capsule for the ``DLManagedTensor`` (``versioned``:
    ``DLManagedTensorVersioned``) at address ``managed``.

    It has no destructor: Python code must not run where a capsule dies
    (perhaps while an exception propagates), so the producer's deleter, C
    code, is left to the consumer, which calls it once it is done with the
    tensor. A capsule never consumed keeps its tensor's memory until the
    process ends.
    """
    return _CAPSULE_NEW(managed, _VERSIONED if versioned else _LEGACY, None)


def dlpack_device(value: Any) -> tuple[int, int]:
    """``value.__dlpack_device__()``, or the CPU for producers without it."""
    method: Callable[[], tuple[int, int]] | None = getattr(
        value, "__dlpack_device__", None)
    if method is None:
        return KDL_CPU, 0
    device_type, device_id = method()
    return int(device_type), int(device_id)
