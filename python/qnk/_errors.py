"""Exception types raised by the qnk package."""

from __future__ import annotations

from typing import Sequence


class QNKError(Exception):
    """Base class of every error the qnk package raises on its own account."""


class ToolNotFoundError(QNKError, FileNotFoundError):
    """A QNK command-line tool (qnk-compile, qnk-opt) could not be located.

    The tools are looked up in ``$QNK_TOOLS_DIR``, then in the ``build/bin``
    directory of the source tree the package was imported from, then on
    ``PATH``.
    """


class CompileError(QNKError):
    """A QNK tool rejected its input or failed.

    ``str(error)`` is the tool's diagnostic output (MLIR diagnostics carry a
    ``file:line:col: error: ...`` location). The attributes give the details:

    Attributes:
        stderr: The tool's complete standard error output.
        command: The command line that was run.
        returncode: The tool's exit status.
    """

    def __init__(self, message: str, *, stderr: str = "",
                 command: Sequence[str] = (), returncode: int | None = None):
        super().__init__(message)
        self.stderr = stderr
        self.command = list(command)
        self.returncode = returncode
