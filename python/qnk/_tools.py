"""Locating and running command-line tools: QNK's own (for callers that
want them; the package itself compiles in process) and the compiler driver
that links shared libraries."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Sequence

from ._errors import CompileError, ToolNotFoundError

#: Where the tools are when the package is imported from a source checkout
#: (``<repo>/python/qnk`` next to ``<repo>/build/bin``) or from a build tree
#: (``<build>/python_packages/qnk`` next to ``<build>/bin``).
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
_IN_TREE_BINS = (_PACKAGE_ROOT / "build" / "bin", _PACKAGE_ROOT / "bin")


def find_tool(name: str) -> str:
    """Return the path of the QNK tool ``name`` (e.g. ``"qnk-compile"``).

    The search order is:

    1. ``$QNK_TOOLS_DIR/<name>`` when the ``QNK_TOOLS_DIR`` environment
       variable is set (and then only there, so that a wrong setting is
       reported instead of silently bypassed);
    2. ``<repo>/build/bin/<name>`` or ``<build>/bin/<name>`` when the
       package is imported from a source checkout or a build tree;
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
    for directory in _IN_TREE_BINS:
        candidate = directory / name
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
    return run_command([find_tool(name), *args], stdin=stdin, cwd=cwd,
                       scrub=scrub)


def find_compiler_driver() -> str:
    """Return the compiler driver that links kernels into shared libraries:
    ``$QNK_CC``, else the first of ``clang-22``, ``clang``, ``cc`` on
    ``PATH``.

    Raises:
        ToolNotFoundError: none is available.
    """
    override = os.environ.get("QNK_CC")
    for name in [override] if override else ["clang-22", "clang", "cc"]:
        found = shutil.which(name)
        if found:
            return found
    raise ToolNotFoundError(
        "linking a shared library needs a compiler driver: "
        + (f"QNK_CC={override!r} was not found" if override
           else "none of clang-22, clang, cc is on PATH (or set QNK_CC)"))


def run_command(command: Sequence[str], *, stdin: str | None = None,
                cwd: str | None = None,
                scrub: str | None = None) -> subprocess.CompletedProcess:
    """Run ``command``; as :func:`run_tool` for a command line."""
    name = os.path.basename(command[0])
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
