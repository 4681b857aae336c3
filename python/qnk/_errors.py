"""Exception types raised by the qnk package."""

from __future__ import annotations

from typing import Sequence


class QNKError(Exception):
    """Base class of every error the qnk package raises on its own account."""


class ToolNotFoundError(QNKError, FileNotFoundError):
    """A command-line tool could not be located: a QNK tool (see
    :func:`qnk.find_tool`) or the compiler driver that links shared
    libraries (``$QNK_CC``, else ``clang-22``, ``clang`` or ``cc`` on
    ``PATH``)."""


class CompileError(QNKError):
    """MLIR or a tool rejected the input: a parse error, a verifier error, a
    failing pass, an unknown target or option, or a failed link.

    ``str(error)`` is the diagnostic text as QNK's tools print it: each
    MLIR diagnostic as ``file:line:col: error: ...`` followed by the source
    line (the file is the path of a ``.mlir`` source, ``input.mlir`` for
    text given to :func:`qnk.compile`, ``<stdin>`` for :func:`qnk.opt`).

    Attributes:
        diagnostics: The same text.
        stderr: The failing tool's standard error (the diagnostics for
            errors raised in process).
        command: The command line that was run, or ``[]`` in process.
        returncode: The tool's exit status, or ``None`` in process.
    """

    def __init__(self, message: str, *, stderr: str | None = None,
                 command: Sequence[str] = (), returncode: int | None = None):
        super().__init__(message)
        self.diagnostics = message
        self.stderr = message if stderr is None else stderr
        self.command = list(command)
        self.returncode = returncode


class CUDAError(QNKError):
    """QNK's CUDA runtime (libqnk_cuda_runtime) reported a failure: no
    driver or no such GPU, a kernel built for another GPU, out of memory, a
    synchronization timeout, a failed launch or kernel. The message is the
    runtime's (see docs/cuda-runtime.md).

    Attributes:
        status: The runtime's status name, e.g. ``QNK_CUDA_ERROR_NO_DRIVER``.
        message: The runtime's message alone.
    """

    def __init__(self, message: str, *, status: str = "", detail: str = ""):
        super().__init__(message)
        self.status = status
        self.message = detail or message
