"""Locating and running the QNK command-line tools."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Sequence

from ._errors import CompileError, ToolNotFoundError

#: The directory the tools are built into in a source checkout
#: (``<repo>/build/bin``), relative to this package (``<repo>/python/qnk``).
_IN_TREE_BIN = Path(__file__).resolve().parents[2] / "build" / "bin"


def find_tool(name: str) -> str:
    """Return the path of the QNK tool ``name`` (e.g. ``"qnk-compile"``).

    The search order is:

    1. ``$QNK_TOOLS_DIR/<name>`` when the ``QNK_TOOLS_DIR`` environment
       variable is set (and then only there, so that a wrong setting is
       reported instead of silently bypassed);
    2. ``<repo>/build/bin/<name>`` when the package is imported from a
       source checkout;
    3. ``<name>`` on ``PATH``.

    Raises:
        ToolNotFoundError: the tool is in none of those places.
    """
    tools_dir = os.environ.get("QNK_TOOLS_DIR")
    if tools_dir:
        candidate = Path(tools_dir) / name
        if _is_executable(candidate):
            return str(candidate)
        raise ToolNotFoundError(
            f"{name} not found in QNK_TOOLS_DIR={tools_dir!r}")
    candidate = _IN_TREE_BIN / name
    if _is_executable(candidate):
        return str(candidate)
    found = shutil.which(name)
    if found:
        return found
    raise ToolNotFoundError(
        f"{name} not found: set QNK_TOOLS_DIR to the directory holding the "
        f"QNK tools (a build's bin/ directory) or put them on PATH")


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def run_tool(name: str, args: Sequence[str], *, stdin: str | None = None,
             cwd: str | None = None,
             scrub: str | None = None) -> subprocess.CompletedProcess:
    """Run the QNK tool ``name`` with ``args`` and return the finished process.

    Standard output and error are captured as text. ``stdin`` is fed to the
    tool's standard input when given. ``scrub`` is a directory prefix
    (a temporary working directory) removed from the tool's error output so
    that diagnostics name files as the caller knows them.

    Raises:
        ToolNotFoundError: the tool cannot be located.
        CompileError: the tool exited with a non-zero status; the message is
            its standard error output.
    """
    command = [find_tool(name), *args]
    proc = subprocess.run(command, input=stdin, cwd=cwd, capture_output=True,
                          text=True, check=False)
    if proc.returncode != 0:
        stderr = proc.stderr
        if scrub:
            stderr = stderr.replace(scrub.rstrip(os.sep) + os.sep, "")
        message = stderr.strip() or (
            f"{name} failed with exit status {proc.returncode} and no output")
        raise CompileError(message, stderr=stderr, command=command,
                           returncode=proc.returncode)
    return proc
