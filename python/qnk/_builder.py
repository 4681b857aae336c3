"""``qnk.matmul`` and ``qnk.matmul_source``: writing qnk.matmul modules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable

from ._types import FLOAT_TYPES, INT_TYPES, mlir_type

if TYPE_CHECKING:
    from ._kernel import Kernel

_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_$.]*")


def accumulator_type(a_type: Any, b_type: Any) -> str:
    """The result element type of a qnk.matmul of ``a_type`` x ``b_type``:
    ``f32`` for floating-point operands, ``i32`` for 8-bit integers.

    Raises:
        ValueError: the operand types are neither both floating point nor
            both 8-bit integers.
    """
    a, b = mlir_type(a_type), mlir_type(b_type)
    if a in FLOAT_TYPES and b in FLOAT_TYPES:
        return "f32"
    if a in INT_TYPES and b in INT_TYPES:
        return "i32"
    raise ValueError(f"no qnk.matmul accumulates {a} x {b}: the operands must "
                     "both be floating point (-> f32) or both 8-bit integers "
                     "(-> i32)")


def _tensor(shape: tuple[int, ...], elem: str) -> str:
    return "tensor<" + "".join(f"{d}x" for d in shape) + elem + ">"


def _dim(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return value


def matmul_source(a_type: Any, b_type: Any, m: int, n: int, k: int,
                  transpose_b: bool = False, batch: int | None = None, *,
                  transpose_a: bool = False, entry: str = "matmul") -> str:
    """Write an MLIR module with one function computing ``A @ B``.

    The function ``@entry`` takes A (``m x k``, or ``k x m`` with
    ``transpose_a``) and B (``k x n``, or ``n x k`` with ``transpose_b``, the
    layout of a PyTorch ``Linear`` weight) and returns the ``m x n`` product,
    in ``f32`` for floating-point operands and ``i32`` for 8-bit integers.
    With ``batch``, every tensor gets a leading batch dimension and the
    function uses ``qnk.batch_matmul``.

    Args:
        a_type, b_type: Element types, as MLIR names (``"bf16"``, ``"ui8"``,
            ``"f8E4M3FN"``, ...) or numpy dtypes (``np.float32``,
            ``ml_dtypes.bfloat16``, ...).
        m, n, k: The problem size.
        transpose_b: B is stored ``n x k``.
        batch: The batch size, or ``None`` for a single matmul.
        transpose_a: A is stored ``k x m``.
        entry: The function's name.

    Returns:
        The module text, ready for :func:`qnk.compile` with ``entry``.

    Raises:
        ValueError: unknown types, a pair with no accumulator type, a
            non-positive size or an invalid function name. (Whether QNK
            supports the pair is checked by the op's verifier when compiling.)
    """
    a, b = mlir_type(a_type), mlir_type(b_type)
    acc = accumulator_type(a, b)
    m, n, k = _dim("m", m), _dim("n", n), _dim("k", k)
    prefix = () if batch is None else (_dim("batch", batch),)
    if not isinstance(entry, str) or not _IDENTIFIER.fullmatch(entry):
        raise ValueError(f"invalid function name {entry!r}")
    a_ty = _tensor(prefix + ((k, m) if transpose_a else (m, k)), a)
    b_ty = _tensor(prefix + ((n, k) if transpose_b else (k, n)), b)
    c_ty = _tensor(prefix + (m, n), acc)
    op = "qnk.matmul" if batch is None else "qnk.batch_matmul"
    flags = ("transpose_a " if transpose_a else "") + (
        "transpose_b " if transpose_b else "")
    return (
        f"func.func @{entry}(%a: {a_ty}, %b: {b_ty}) -> {c_ty} {{\n"
        f"  %c = {op} %a, %b {flags}: {a_ty}, {b_ty} -> {c_ty}\n"
        f"  return %c : {c_ty}\n"
        f"}}\n")


@dataclass(frozen=True)
class Module:
    """An MLIR module with a known entry function, as :func:`qnk.matmul`
    writes it. Everything that takes MLIR text takes it too
    (:func:`qnk.compile` then defaults to its entry); ``str()`` gives the
    text.

    Attributes:
        text: The module's MLIR text.
        entry: The name of the function to compile.
    """

    text: str
    entry: str

    def __str__(self) -> str:
        return self.text

    def compile(self, target: str = "host", features: Iterable[str] | str = (),
                threads: int = 1) -> Kernel:
        """:func:`qnk.compile` of this module's entry."""
        from ._compiler import compile as compile_source
        return compile_source(self, self.entry, target=target,
                              features=features, threads=threads)


def matmul(a_type: Any, b_type: Any, m: int, n: int, k: int,
           transpose_b: bool = False, batch: int | None = None, *,
           transpose_a: bool = False, entry: str = "matmul") -> Module:
    """Build a module computing ``A @ B``: :func:`matmul_source` (which
    documents the arguments and errors) as a :class:`Module`, ready for
    ``qnk.compile(module)`` or ``module.compile(target=...)``.

    >>> mm = qnk.matmul("bf16", "bf16", 16, 1024, 4096, transpose_b=True)
    >>> linear = mm.compile(threads=2)
    """
    text = matmul_source(a_type, b_type, m, n, k, transpose_b, batch,
                         transpose_a=transpose_a, entry=entry)
    return Module(text, entry)
