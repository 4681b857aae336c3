"""CUDA libraries compiled ahead of time (``qnk-compile --device=cuda``),
called without MLIR: QNK's CUDA runtime (``libqnk_cuda_runtime.so``) through
ctypes, GPU tensors through DLPack.

This module needs neither the compiler extension nor PyTorch: a machine with
a GPU driver, Python, numpy and ml_dtypes runs the libraries.
"""

from __future__ import annotations

import ctypes
import math
import os
import weakref
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ._dlpack import (DLPACK_TYPES, KDL_CUDA, KDL_CUDA_MANAGED, TensorView,
                      dlpack_device, import_tensor, make_capsule, type_name)
from ._errors import CUDAError, QNKError
from ._kernel import HeaderInfo, Kernel, entry_function
from ._types import DTYPES, mlir_type

RUNTIME_NAME = "libqnk_cuda_runtime.so"
_PACKAGE_DIR = Path(__file__).resolve().parent

#: The DLPack stream (the legacy default stream) that device-pointer kernels
#: ask producers to order their pending work before.
_LEGACY_STREAM = 1

_runtime: _Runtime | None = None
#: Libraries loaded so far (resolved path -> device ordinal): their
#: constructors loaded the kernels on that device, once.
_libraries: dict[str, int] = {}


def find_cuda_runtime(near: str | os.PathLike[str] | None = None) -> str:
    """The ``libqnk_cuda_runtime.so`` that CUDA libraries are loaded with:
    ``$QNK_CUDA_RUNTIME``; else the one in the directory ``near`` (the
    library's); else the package's own (a build tree or an installed
    package carries it); else ``<repo>/build/lib`` of a source checkout;
    else the dynamic loader's search path.

    Raises:
        QNKError: ``$QNK_CUDA_RUNTIME`` names a missing file.
    """
    override = os.environ.get("QNK_CUDA_RUNTIME")
    if override:
        if not os.path.isfile(override):
            raise QNKError(f"QNK_CUDA_RUNTIME={override!r} is not a file")
        return override
    directories = [Path(near)] if near is not None else []
    directories += [_PACKAGE_DIR, _PACKAGE_DIR.parents[1] / "build" / "lib"]
    for directory in directories:
        candidate = directory / RUNTIME_NAME
        if candidate.is_file():
            return str(candidate)
    return RUNTIME_NAME


class _Runtime:
    """libqnk_cuda_runtime, loaded once per process (RTLD_GLOBAL: the
    libraries' undefined mgpu* functions resolve to it)."""

    _SIGNATURES: dict[str, tuple[Any, list[Any]]] = {
        "qnkCudaGetLastError": (ctypes.c_int, []),
        "qnkCudaGetLastErrorMessage": (ctypes.c_char_p, []),
        "qnkCudaClearError": (ctypes.c_int, []),
        "qnkCudaStatusName": (ctypes.c_char_p, [ctypes.c_int]),
        "qnkCudaInit": (ctypes.c_int, [ctypes.c_int]),
        "qnkCudaSynchronizeLegacyStream": (ctypes.c_int, [ctypes.c_int]),
        "qnkCudaBufferCreate": (ctypes.c_void_p, [ctypes.c_int, ctypes.c_size_t]),
        "qnkCudaBufferGetData": (ctypes.c_void_p, [ctypes.c_void_p]),
        "qnkCudaBufferRelease": (None, [ctypes.c_void_p]),
        "qnkCudaBufferExportDLPack": (
            ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_int,
                              ctypes.POINTER(ctypes.c_int64), ctypes.c_uint8,
                              ctypes.c_uint8, ctypes.c_int]),
        "mgpuSetDefaultDevice": (None, [ctypes.c_int32]),
        "mgpuStreamCreate": (ctypes.c_void_p, []),
        "mgpuStreamSynchronize": (None, [ctypes.c_void_p]),
        "mgpuStreamDestroy": (None, [ctypes.c_void_p]),
        "mgpuMemcpy": (None, [ctypes.c_void_p, ctypes.c_void_p,
                              ctypes.c_size_t, ctypes.c_void_p]),
    }

    def __init__(self, path: str):
        try:
            library = ctypes.CDLL(path, mode=os.RTLD_NOW | os.RTLD_GLOBAL)
        except OSError as error:
            raise QNKError(
                f"cannot load QNK's CUDA runtime ({error}): put {RUNTIME_NAME} "
                "beside the library or in the qnk package, or name it with "
                "QNK_CUDA_RUNTIME") from error
        self.path = path
        for name, (restype, argtypes) in self._SIGNATURES.items():
            function = getattr(library, name)
            function.restype, function.argtypes = restype, argtypes
            setattr(self, name, function)

    def raise_pending(self, what: str) -> None:
        """Raise this thread's pending runtime error, if any, as a
        :class:`qnk.CUDAError` (and clear it)."""
        status = self.qnkCudaGetLastError()
        if status == 0:
            return
        detail = self.qnkCudaGetLastErrorMessage().decode(errors="replace")
        name = self.qnkCudaStatusName(status).decode()
        self.qnkCudaClearError()
        raise CUDAError(f"{what}: {name}: {detail}", status=name, detail=detail)

    def copy(self, ordinal: int, dst: int, src: int, nbytes: int,
             what: str) -> None:
        """Copy between host and device memory of device ``ordinal`` and wait."""
        self.qnkCudaClearError()
        self.mgpuSetDefaultDevice(ordinal)
        stream = self.mgpuStreamCreate()
        self.mgpuMemcpy(dst, src, nbytes, stream)
        self.mgpuStreamSynchronize(stream)
        self.mgpuStreamDestroy(stream)
        self.raise_pending(what)


def runtime(near: str | os.PathLike[str] | None = None) -> _Runtime:
    """The process's CUDA runtime, loaded at first use (see
    :func:`find_cuda_runtime`)."""
    global _runtime
    if _runtime is None:
        _runtime = _Runtime(find_cuda_runtime(near))
    return _runtime


def device_ordinal(device: Any) -> int:
    """The ordinal of ``"cuda"``, ``"cuda:N"``, ``N`` or a ``torch.device``."""
    if isinstance(device, int) and not isinstance(device, bool) and device >= 0:
        return device
    text = str(device)
    if text == "cuda":
        return 0
    if text.startswith("cuda:") and text[5:].isdigit():
        return int(text[5:])
    raise ValueError(f"device must be 'cuda', 'cuda:N' or N >= 0, got {device!r}")


def _where(device_type: int, device_id: int) -> str:
    """Where a DLPack device's memory is, for messages."""
    names = {1: "on the CPU", 2: f"on cuda:{device_id}",
             3: "in CUDA host memory", 13: "in CUDA managed memory"}
    return names.get(device_type, f"on DLPack device type {device_type}")


class CUDAArray:
    """A dense row-major tensor in GPU memory that QNK allocated: the
    results of CUDA kernels called without ``out=``.

    It speaks DLPack (``torch.from_dlpack(array)`` shares the memory, no
    copy) and can be passed to kernels. The memory is freed when the array
    and every tensor made from it through DLPack are gone. The kernel that
    made it has finished writing it (kernels synchronize), so consumers may
    use it on any stream.

    Attributes:
        shape: The shape.
        type: The MLIR element type (``f32``, ``i32``, ...).
        dtype: The numpy dtype of its elements.
        device: ``"cuda:N"``.
        data_ptr: The device address.
        nbytes: The size in bytes.
    """

    def __init__(self, shape: tuple[int, ...], type: str, device: Any = "cuda"):
        if type not in DLPACK_TYPES:
            raise ValueError(f"CUDA arrays of {type} are not supported "
                             f"(supported: {', '.join(DLPACK_TYPES)})")
        self.shape = tuple(int(d) for d in shape)
        self.type = type
        self.dtype = DTYPES[type]
        self._ordinal = device_ordinal(device)
        self.nbytes = math.prod(self.shape) * self.dtype.itemsize
        self._runtime = runtime()
        self._runtime.qnkCudaClearError()
        handle = self._runtime.qnkCudaBufferCreate(self._ordinal, self.nbytes)
        if not handle:
            self._runtime.raise_pending(
                f"allocating {self.nbytes} bytes on {self.device}")
            raise CUDAError(f"allocating {self.nbytes} bytes on {self.device} "
                            "failed")
        self._handle = handle
        self.data_ptr: int = self._runtime.qnkCudaBufferGetData(handle)
        # A C function: the runtime frees the memory once the DLPack
        # exports are gone too. Not at exit: consumers may outlive it.
        finalizer = weakref.finalize(self, self._runtime.qnkCudaBufferRelease,
                                     handle)
        finalizer.atexit = False

    @classmethod
    def from_numpy(cls, array: Any, device: Any = "cuda") -> CUDAArray:
        """A copy of a numpy array (of a type :data:`qnk.DTYPES` names, 4-bit
        types excepted) on the GPU."""
        array = np.ascontiguousarray(array)
        result = cls(array.shape, mlir_type(array.dtype), device)
        result._runtime.copy(result._ordinal, result.data_ptr,
                             array.ctypes.data, result.nbytes,
                             f"copying {result.nbytes} bytes to {result.device}")
        return result

    def numpy(self) -> np.ndarray:
        """A copy on the host."""
        array = np.empty(self.shape, self.dtype)
        self._runtime.copy(self._ordinal, array.ctypes.data, self.data_ptr,
                           self.nbytes,
                           f"copying {self.nbytes} bytes from {self.device}")
        return array

    @property
    def device(self) -> str:
        return f"cuda:{self._ordinal}"

    def __dlpack_device__(self) -> tuple[int, int]:
        return KDL_CUDA, self._ordinal

    def __dlpack__(self, *, stream: Any = None, max_version: Any = None,
                   dl_device: Any = None, copy: bool | None = None) -> Any:
        """A DLPack capsule sharing the memory. ``stream`` needs no
        ordering: the memory holds no pending work."""
        if dl_device is not None and tuple(dl_device) != self.__dlpack_device__():
            raise BufferError(f"a CUDAArray on {self.device} exports to "
                              "that device only")
        if copy:
            raise BufferError("a CUDAArray exports without copying only")
        versioned = max_version is not None and tuple(max_version)[0] >= 1
        shape = (ctypes.c_int64 * max(len(self.shape), 1))(*self.shape)
        code, bits = DLPACK_TYPES[self.type]
        self._runtime.qnkCudaClearError()
        managed = self._runtime.qnkCudaBufferExportDLPack(
            self._handle, len(self.shape), shape, code, bits, int(versioned))
        if not managed:
            self._runtime.raise_pending("exporting a CUDAArray through DLPack")
        return make_capsule(managed, versioned)

    def __repr__(self) -> str:
        dims = "x".join(str(d) for d in self.shape)
        return f"<qnk.CUDAArray {dims}x{self.type} on {self.device}>"


class CUDAKernel(Kernel):
    """The entry of a CUDA library (``qnk-compile --device=cuda --shared``),
    made by :func:`qnk.load`.

    With ``pointers == "device"`` it is called on CUDA tensors (PyTorch,
    CuPy, JAX, :class:`qnk.CUDAArray`: anything with ``__dlpack__`` on the
    kernel's GPU), dense, row-major and 16-byte aligned, and runs on them in
    place. The results are new :class:`qnk.CUDAArray`s, or the tensors
    given as ``out=`` (one, or a tuple), written in place. Producers are
    asked (DLPack ``stream=1``) to order their pending work before the
    legacy default stream, which the call waits for; the entry then runs on
    a stream of its own and waits for it, so the results are complete when
    the call returns.

    With ``pointers == "host"`` it is called like a CPU kernel, on numpy
    arrays (and CPU DLPack tensors), which the entry copies to the GPU and
    back.

    Failures of the runtime (no driver, wrong GPU, a failed launch or
    kernel, a timeout) raise :class:`qnk.CUDAError`.

    Attributes (beside :class:`qnk.Kernel`'s):
        device: ``"cuda:N"``, the GPU the kernels were loaded on.
        chip: The chip they were compiled for (``sm_90a``).
        pointers: ``"device"`` or ``"host"``.
    """

    def __init__(self, info: HeaderInfo, library: ctypes.CDLL, header: str,
                 ordinal: int):
        function = entry_function(info, library)
        super().__init__(entry=info.entry, args=info.args, results=info.results,
                         target=info.cpu, cpu_features=info.cpu_features,
                         threads=None, header=header, run=self._launch)
        self._function = function
        self._library = library  # keeps the shared library loaded
        self._ordinal = ordinal
        self._runtime = runtime()
        self.chip = info.chip
        self.pointers = info.pointers

    @property
    def device(self) -> str:
        return f"cuda:{self._ordinal}"

    def __repr__(self) -> str:
        return (f"<qnk.CUDAKernel {self.signature} on {self.device} "
                f"({self.chip}, {self.pointers} pointers)>")

    def _launch(self, addresses: list[int]) -> None:
        rt = self._runtime
        rt.qnkCudaClearError()
        rt.mgpuSetDefaultDevice(self._ordinal)
        if self.pointers == "device":
            rt.qnkCudaSynchronizeLegacyStream(self._ordinal)
            rt.raise_pending(f"{self.entry}(): waiting for the work that "
                             "writes its tensors")
        self._function(*addresses)  # ctypes releases the GIL
        rt.raise_pending(f"{self.entry}() on {self.device}")

    def __call__(self, *tensors: Any, out: Any = None) -> Any:
        """Run the entry; see the class. Raises TypeError (count, dtype, a
        tensor on another kind of device), ValueError (shape, layout,
        alignment, another GPU) and :class:`qnk.CUDAError`."""
        if self.pointers == "host":
            if out is not None:
                raise TypeError(f"{self.entry}() takes host buffers and "
                                "returns new arrays: out= is for entries "
                                "that take device pointers")
            return super().__call__(*tensors)
        if len(tensors) != len(self.args):
            raise TypeError(
                f"{self.entry}() takes {len(self.args)} tensor(s) but "
                f"{len(tensors)} were given; signature: {self.signature}")
        releases: list[Callable[[], None]] = []  # DLPack deleters, at the end
        try:
            addresses = [self._address(value, spec, f"argument {i}", releases)
                         for i, (value, spec) in enumerate(zip(tensors, self.args))]
            if out is None:
                results: Any = [CUDAArray(spec.shape, spec.type, self._ordinal)
                                for spec in self.results]
                addresses += [r.data_ptr for r in results]
                returned = results[0] if len(results) == 1 else tuple(results)
            else:
                results = out if isinstance(out, (tuple, list)) else (out,)
                if len(results) != len(self.results):
                    raise TypeError(f"{self.entry}() returns "
                                    f"{len(self.results)} tensor(s) but out= "
                                    f"has {len(results)}")
                addresses += [
                    self._address(value, spec, f"out[{i}]", releases,
                                  writable=True)
                    for i, (value, spec) in enumerate(zip(results, self.results))]
                returned = out
            self._run(addresses)
        finally:
            for release in releases:
                release()
        return returned

    def _address(self, value: Any, spec: Any, where: str,
                 releases: list[Callable[[], None]],
                 writable: bool = False) -> int:
        """The device address of a tensor checked against ``spec``; its
        DLPack deleter goes to ``releases``."""
        prefix = f"{self.entry}() {where}"
        if not hasattr(value, "__dlpack__"):
            raise TypeError(f"{prefix}: expected a CUDA tensor (an object with "
                            f"__dlpack__, e.g. a torch tensor on {self.device}), "
                            f"got {type(value).__name__}")
        device_type, device_id = dlpack_device(value)
        if device_type not in (KDL_CUDA, KDL_CUDA_MANAGED):
            raise TypeError(f"{prefix}: a tensor "
                            f"{_where(device_type, device_id)}; this entry "
                            f"takes device pointers on {self.device}: move "
                            f"it there first, e.g. tensor.to('{self.device}')")
        if device_type == KDL_CUDA and device_id != self._ordinal:
            raise ValueError(f"{prefix}: a tensor on cuda:{device_id}, but the "
                             f"kernels were loaded on {self.device}")
        try:
            view, release = import_tensor(value, stream=_LEGACY_STREAM)
        except (BufferError, TypeError, ValueError, RuntimeError) as error:
            raise TypeError(f"{prefix}: cannot take it through DLPack: "
                            f"{error}") from error
        releases.append(release)
        _check_view(view, spec, prefix, writable)
        return view.data


def _check_view(view: TensorView, spec: Any, prefix: str,
                writable: bool) -> None:
    code, bits = DLPACK_TYPES[spec.type]
    if (view.code, view.bits, view.lanes) != (code, bits, 1):
        raise TypeError(f"{prefix}: expected dtype {type_name(code, bits)} "
                        f"({spec.type}), got {view.type_name}")
    if view.shape != spec.shape:
        raise ValueError(f"{prefix}: expected shape {spec.shape} ({spec}), got "
                         f"{view.shape}")
    if not view.is_row_major():
        raise ValueError(f"{prefix}: not contiguous (strides {view.strides}); "
                         "the kernels take dense row-major tensors: pass "
                         "tensor.contiguous()")
    if view.data % 16:
        raise ValueError(f"{prefix}: its data (0x{view.data:x}) is not "
                         "16-byte aligned, as the kernels' vector loads need "
                         "(a view at an offset?): pass a copy, e.g. "
                         "tensor.clone()")
    if writable and view.read_only:
        raise ValueError(f"{prefix}: the tensor is read-only")


def load_library(library: Path, info: HeaderInfo, header: str,
                 device: Any) -> CUDAKernel:
    """Load a CUDA library's kernels on ``device``; see :func:`qnk.load`."""
    ordinal = device_ordinal("cuda" if device is None else device)
    for spec in info.args + info.results:
        if info.pointers == "device" and spec.type not in DLPACK_TYPES:
            raise QNKError(f"{info.entry}: {spec} cannot travel through DLPack")
    rt = runtime(library.parent)
    key = str(library.resolve())
    if _libraries.get(key, ordinal) != ordinal:
        raise QNKError(f"{library} is loaded already, with its kernels on "
                       f"cuda:{_libraries[key]}; a process loads a library "
                       f"once: load a copy of the file for cuda:{ordinal}")
    rt.qnkCudaClearError()
    rt.qnkCudaInit(ordinal)
    rt.raise_pending(f"cannot run {library.name} on cuda:{ordinal}")
    # The library's constructor loads its kernels on this thread's device.
    rt.mgpuSetDefaultDevice(ordinal)
    try:
        handle = ctypes.CDLL(key, mode=os.RTLD_NOW | os.RTLD_LOCAL)
    except OSError as error:
        raise QNKError(f"cannot load {library}: {error}") from error
    _libraries[key] = ordinal
    rt.raise_pending(f"loading the kernels of {library.name} on cuda:{ordinal}")
    return CUDAKernel(info, handle, header, ordinal)

