"""Compiled kernels: calling them on numpy arrays, and the signature of a
shared library's entry, read from its C header."""

from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from ._errors import QNKError
from ._types import DTYPES, PACKED_4BIT_TYPES, dtype_name, pack_4bit, unpack_4bit


@dataclass(frozen=True)
class TensorSpec:
    """One argument or result of a kernel's entry function.

    Attributes:
        name: ``arg0``, ``arg1``, ... or ``result0``, ... (the C parameter name).
        shape: The static shape; ``()`` for a rank-0 tensor.
        type: The MLIR element type name (``f32``, ``bf16``, ``ui8``, ...).
    """

    name: str
    shape: tuple[int, ...]
    type: str

    @property
    def dtype(self) -> np.dtype:
        """The numpy dtype of buffers for this tensor."""
        return DTYPES[self.type]

    @property
    def mlir(self) -> str:
        """The MLIR tensor type, e.g. ``tensor<64x32xf32>``."""
        dims = "".join(f"{d}x" for d in self.shape)
        return f"tensor<{dims}{self.type}>"

    def __str__(self) -> str:
        return self.mlir


@dataclass(frozen=True)
class HeaderInfo:
    """What the header qnk-compile writes says about the entry function:
    for a CUDA library (``--device=cuda``) also the chip and whether the
    entry takes ``host`` or ``device`` pointers (``None`` for the CPU)."""

    entry: str
    cpu: str
    args: tuple[TensorSpec, ...]
    results: tuple[TensorSpec, ...]
    cpu_features: tuple[str, ...]
    chip: str | None = None
    pointers: str | None = None


_FIRST_LINE = re.compile(
    r"entry @(?P<entry>\S+), for target (?P<cpu>[^\s.()]+)(?: \(host\))?\.\s*$")
_TENSOR_LINE = re.compile(
    r"^\s*\*\s+(?P<name>(?:arg|result)\d+)\s+(?:input|output)\s+"
    r"(?P<shape>scalar|\d+(?:x\d+)*)\s+(?P<type>\S+)\s")
_PROTOTYPE = re.compile(r"^void\s+\S+\((?P<params>[^)]*)\);", re.MULTILINE)
_CUDA_NOTE = re.compile(r"The kernels run on an NVIDIA GPU \((?P<chip>[^)]+)\): "
                        r"the buffers are (?P<pointers>host|device) memory")


def parse_header(text: str) -> HeaderInfo:
    """Read the entry's signature and target out of a qnk-compile header.

    The header's comment lists every argument and result with its shape and
    element type, e.g. ``arg0  input  37x129 f8E4M3FN  uint8_t[37][129]``, and
    names the CPU the code was generated for and the features it relies on.

    Raises:
        QNKError: the text is not a header in the format qnk-compile writes.
    """
    lines = text.splitlines()
    first = _FIRST_LINE.search(lines[0]) if lines else None
    if first is None:
        raise QNKError("cannot read the qnk-compile header: unexpected first "
                       f"line {lines[0] if lines else ''!r}")
    args: list[TensorSpec] = []
    results: list[TensorSpec] = []
    for line in lines:
        match = _TENSOR_LINE.match(line)
        if not match:
            continue
        shape_text, elem = match["shape"], match["type"]
        if elem not in DTYPES:
            raise QNKError(f"the header names element type {elem!r}, which "
                           "the qnk package does not know")
        shape = () if shape_text == "scalar" else tuple(
            int(d) for d in shape_text.split("x"))
        spec = TensorSpec(match["name"], shape, elem)
        (args if spec.name.startswith("arg") else results).append(spec)

    prototype = _PROTOTYPE.search(text)
    params = prototype["params"].split(",") if prototype else []
    if not results or len(params) != len(args) + len(results):
        raise QNKError("cannot read the qnk-compile header: the tensor list "
                       "does not match the C prototype")

    features: list[str] = []
    in_features = False
    for line in lines:
        if "Runs on CPUs with these features" in line:
            in_features = True
        elif in_features:
            body = line.strip()
            if body.startswith("*/") or body == "*":
                break
            features += [f for f in body.lstrip("*").strip().split(",") if f]
    cuda = _CUDA_NOTE.search(text)
    return HeaderInfo(first["entry"], first["cpu"], tuple(args),
                      tuple(results), tuple(features),
                      cuda["chip"] if cuda else None,
                      cuda["pointers"] if cuda else None)


def entry_function(info: HeaderInfo, library: ctypes.CDLL) -> Any:
    """The C entry of a loaded shared library, taking one pointer per
    tensor (ctypes releases the GIL while it runs)."""
    function = library[info.entry]
    function.argtypes = [ctypes.c_void_p] * (len(info.args) + len(info.results))
    function.restype = None
    return function


#: DLPack device types whose memory the CPU reads directly.
_DLPACK_CPU_DEVICES = {1: "CPU", 3: "CUDA host"}


class Kernel:
    """A compiled entry function, callable on numpy arrays.

    Made by :func:`qnk.compile` (JIT-compiled in this process) or
    :func:`qnk.load` (a shared library and its header, from
    :func:`qnk.compile_library` or ``qnk-compile --shared``). Calling it
    checks every argument against the entry's signature, makes C-contiguous
    copies of arguments that are not, allocates the results, runs the kernel
    (without holding the GIL) and returns the result array, or a tuple of
    arrays when the entry returns several tensors.

    Arguments may also be any object with ``__dlpack__`` on the CPU (a
    PyTorch CPU tensor, for one): it is imported with ``numpy.from_dlpack``,
    without a copy. CUDA tensors go to :class:`qnk.CUDAKernel`s that take
    device pointers.

    Attributes:
        entry: The entry function's name (also its C symbol).
        args: The arguments, as :class:`TensorSpec` in order.
        results: The results, as :class:`TensorSpec` in order.
        target: The CPU the code was generated for; ``"host"`` is resolved
            to this machine's CPU name (e.g. ``"znver5"``).
        cpu_features: The CPU features the code may use.
        threads: The number of OpenMP threads the block loops are split over
            (``None`` for a loaded library: the artifacts do not say).
        header: The C header of the entry (as qnk-compile writes it).
    """

    def __init__(self, *, entry: str, args: tuple[TensorSpec, ...],
                 results: tuple[TensorSpec, ...], target: str,
                 cpu_features: tuple[str, ...], threads: int | None,
                 header: str, run: Callable[[list[int]], None]):
        self.entry = entry
        self.args = args
        self.results = results
        self.target = target
        self.cpu_features = cpu_features
        self.threads = threads
        self.header = header
        # Takes the buffers' addresses: the arguments, then the results.
        self._run = run

    @classmethod
    def from_library(cls, info: HeaderInfo, library: ctypes.CDLL, *,
                     threads: int | None, header: str) -> Kernel:
        """A kernel calling the C entry of a loaded shared library."""
        function = entry_function(info, library)
        kernel = cls(entry=info.entry, args=info.args, results=info.results,
                     target=info.cpu, cpu_features=info.cpu_features,
                     threads=threads, header=header,
                     run=lambda addresses: function(*addresses))
        kernel._library = library  # keeps the shared library loaded
        return kernel

    @property
    def signature(self) -> str:
        """The entry's signature, e.g.
        ``matmul(arg0: tensor<64x32xf32>, arg1: tensor<32x16xf32>) -> tensor<64x16xf32>``."""
        params = ", ".join(f"{a.name}: {a}" for a in self.args)
        results = ", ".join(str(r) for r in self.results)
        if len(self.results) > 1:
            results = f"({results})"
        return f"{self.entry}({params}) -> {results}"

    def __repr__(self) -> str:
        threads = f", threads={self.threads}" if self.threads and self.threads > 1 else ""
        return f"<qnk.Kernel {self.signature} target={self.target}{threads}>"

    def _as_array(self, value: Any, index: int) -> np.ndarray:
        if isinstance(value, np.ndarray):
            return value
        if hasattr(value, "__dlpack__"):
            device = (value.__dlpack_device__()[0]
                      if hasattr(value, "__dlpack_device__") else 1)
            if device not in _DLPACK_CPU_DEVICES:
                raise TypeError(
                    f"{self.entry}() argument {index}: a DLPack tensor on device "
                    f"type {device} (2 is CUDA); this kernel takes host "
                    "memory: copy it to the CPU first (tensor.cpu()), or "
                    "call a CUDA library built with pointers='device' "
                    "(qnk.compile_library(..., device='cuda'))")
            try:
                return np.from_dlpack(value)
            except (TypeError, BufferError, RuntimeError, ValueError) as error:
                raise TypeError(
                    f"{self.entry}() argument {index}: numpy cannot import it "
                    f"through DLPack ({error}); bfloat16 and fp8 tensors need "
                    "a view as same-width integers and then as the "
                    "ml_dtypes type") from error
        return np.asarray(value)

    def __call__(self, *arrays: Any) -> np.ndarray | tuple[np.ndarray, ...]:
        """Run the kernel on ``arrays`` (one per argument, in order).

        Raises:
            TypeError: wrong number of arrays, or an array of the wrong dtype.
            ValueError: an array of the wrong shape.
        """
        if len(arrays) != len(self.args):
            raise TypeError(
                f"{self.entry}() takes {len(self.args)} array(s) but "
                f"{len(arrays)} were given; signature: {self.signature}")
        buffers = []
        for index, (value, spec) in enumerate(zip(arrays, self.args)):
            array = self._as_array(value, index)
            if array.dtype != spec.dtype:
                raise TypeError(
                    f"{self.entry}() argument {index}: expected dtype "
                    f"{dtype_name(spec.dtype)} ({spec.type}), got "
                    f"{dtype_name(array.dtype)}")
            if array.shape != spec.shape:
                raise ValueError(
                    f"{self.entry}() argument {index}: expected shape "
                    f"{spec.shape} ({spec}), got {array.shape}")
            if spec.type in PACKED_4BIT_TYPES:
                buffers.append(pack_4bit(np.ascontiguousarray(array)))
                continue
            # Dense, row-major and aligned: copies only where the array is not.
            buffers.append(np.require(array, requirements="CA"))
        outputs = [np.empty((math.prod(spec.shape) + 1) // 2, np.uint8)
                   if spec.type in PACKED_4BIT_TYPES
                   else np.empty(spec.shape, spec.dtype) for spec in self.results]
        self._run([b.ctypes.data for b in buffers] +
                  [o.ctypes.data for o in outputs])
        outputs = [unpack_4bit(o, spec.shape, spec.dtype)
                   if spec.type in PACKED_4BIT_TYPES else o
                   for o, spec in zip(outputs, self.results)]
        return outputs[0] if len(outputs) == 1 else tuple(outputs)
