"""Compiled kernels: their signature, read from the generated C header, and
calling them on numpy arrays."""

from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass
from typing import Any

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
    """What the header qnk-compile writes says about the entry function."""

    entry: str
    cpu: str
    args: tuple[TensorSpec, ...]
    results: tuple[TensorSpec, ...]
    cpu_features: tuple[str, ...]


_FIRST_LINE = re.compile(
    r"entry @(?P<entry>\S+), for target (?P<cpu>[^\s.()]+)(?: \(host\))?\.\s*$")
_TENSOR_LINE = re.compile(
    r"^\s*\*\s+(?P<name>(?:arg|result)\d+)\s+(?:input|output)\s+"
    r"(?P<shape>scalar|\d+(?:x\d+)*)\s+(?P<type>\S+)\s")
_PROTOTYPE = re.compile(r"^void\s+\S+\((?P<params>[^)]*)\);", re.MULTILINE)


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
    return HeaderInfo(first["entry"], first["cpu"], tuple(args),
                      tuple(results), tuple(features))


class Kernel:
    """A compiled entry function, callable on numpy arrays.

    Made by :func:`qnk.compile`. Calling it checks every argument against
    the entry's signature, makes C-contiguous copies of arguments that are
    not, allocates the results, runs the kernel (without holding the GIL)
    and returns the result array, or a tuple of arrays when the entry returns
    several tensors.

    Attributes:
        entry: The entry function's name (also its C symbol).
        args: The arguments, as :class:`TensorSpec` in order.
        results: The results, as :class:`TensorSpec` in order.
        target: The CPU the code was generated for; ``"host"`` is resolved
            to this machine's CPU name (e.g. ``"znver5"``).
        cpu_features: The CPU features the code may use (from the header).
        threads: The number of OpenMP threads the block loops are split over.
        header: The C header qnk-compile wrote for the entry.
    """

    def __init__(self, *, info: HeaderInfo, library: ctypes.CDLL,
                 threads: int, header: str):
        self.entry = info.entry
        self.args = info.args
        self.results = info.results
        self.target = info.cpu
        self.cpu_features = info.cpu_features
        self.threads = threads
        self.header = header
        self._library = library  # keeps the shared library loaded
        function = library[self.entry]
        function.argtypes = [ctypes.c_void_p] * (len(self.args) + len(self.results))
        function.restype = None
        self._function = function

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
        threads = f", threads={self.threads}" if self.threads > 1 else ""
        return f"<qnk.Kernel {self.signature} target={self.target}{threads}>"

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
            array = value if isinstance(value, np.ndarray) else np.asarray(value)
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
        self._function(*(b.ctypes.data for b in buffers),
                       *(o.ctypes.data for o in outputs))
        outputs = [unpack_4bit(o, spec.shape, spec.dtype)
                   if spec.type in PACKED_4BIT_TYPES else o
                   for o, spec in zip(outputs, self.results)]
        return outputs[0] if len(outputs) == 1 else tuple(outputs)
