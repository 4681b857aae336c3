"""``qnk.compile`` and ``qnk.opt``: driving qnk-compile and qnk-opt."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import tempfile
import uuid
from pathlib import Path
from typing import Iterable, Union

from ._errors import QNKError
from ._kernel import Kernel, parse_header
from ._tools import run_tool

#: MLIR text, or the path of a .mlir file.
Source = Union[str, "os.PathLike[str]"]

#: LLVM's OpenMP runtime, which multi-threaded kernels link against.
#: ``$QNK_LIBOMP`` overrides it.
LIBOMP = "/usr/lib/llvm-22/lib/libomp.so.5"
_openmp: ctypes.CDLL | None = None


def compile(source: Source, entry: str, target: str = "host",  # noqa: A001
            features: Iterable[str] | str = (), threads: int = 1) -> Kernel:
    """Compile the function ``entry`` of an MLIR module into a callable kernel.

    Runs ``qnk-compile --shared`` on the module, loads the shared library it
    links and reads the entry's signature from the C header it writes.

    Args:
        source: The MLIR module as text, or the path of a ``.mlir`` file
            (diagnostics then name that file).
        entry: The ``func.func`` to export. It must take and return ranked,
            statically shaped tensors of a supported element type
            (see :data:`qnk.DTYPES`).
        target: ``"host"`` or an LLVM x86-64 CPU name (``"znver3"``,
            ``"skylake-avx512"``, ``"sapphirerapids"``, ...). Code for another
            CPU runs here only if this CPU has the features it uses.
        features: Target feature overrides such as ``["+avx512f", "-avx512bw"]``
            (or one comma-separated string).
        threads: Split the kernel's block loops over this many OpenMP threads.

    Returns:
        The compiled :class:`qnk.Kernel`.

    Raises:
        CompileError: qnk-compile rejected the module or the options; the
            message is its diagnostic output (``input.mlir:LINE:COL: error: ...``
            for text sources).
        ToolNotFoundError: qnk-compile cannot be located.
        ValueError, TypeError: invalid ``entry``, ``features`` or ``threads``.
    """
    if not isinstance(entry, str) or not entry:
        raise TypeError("entry must be a non-empty function name")
    if not isinstance(target, str) or not target:
        raise TypeError("target must be 'host' or a CPU name")
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int, got {threads!r}")
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if isinstance(features, str):
        features = [features] if features else []
    features = list(features)
    if not all(isinstance(f, str) for f in features):
        raise TypeError("features must be strings such as '+avx512f'")

    with tempfile.TemporaryDirectory(prefix="qnk-") as tmp:
        if isinstance(source, os.PathLike):
            input_path = os.path.abspath(os.fspath(source))
        elif isinstance(source, str):
            input_path = os.path.join(tmp, "input.mlir")
            Path(input_path).write_text(source)
        else:
            raise TypeError("source must be MLIR text (str) or a path")
        # A name never used before: dlopen hands back an already loaded
        # library when asked for a name it has seen.
        library_path = os.path.join(tmp, f"{uuid.uuid4().hex}.so")
        header_path = os.path.join(tmp, "kernel.h")
        args = [input_path, "-e", entry, f"--target={target}"]
        if features:
            args.append(f"--features={','.join(features)}")
        if threads > 1:
            args.append(f"--threads={threads}")
        args += ["--shared", "-o", library_path, f"--header={header_path}"]
        run_tool("qnk-compile", args, cwd=tmp, scrub=tmp)

        header = Path(header_path).read_text()
        info = parse_header(header)
        if threads > 1:
            _load_openmp()
        try:
            # The mapping outlives the file, which goes with the directory.
            library = ctypes.CDLL(library_path, mode=os.RTLD_NOW | os.RTLD_LOCAL)
        except OSError as error:
            raise QNKError(f"cannot load the compiled kernel: {error}") from error
    return Kernel(info=info, library=library, threads=threads, header=header)


def _load_openmp() -> None:
    """Load LLVM's OpenMP runtime with RTLD_GLOBAL (once), so that
    multi-threaded kernels bind to it rather than to whichever runtime the
    dynamic loader would find."""
    global _openmp
    if _openmp is not None:
        return
    override = os.environ.get("QNK_LIBOMP")
    candidates = [override] if override else [
        LIBOMP, ctypes.util.find_library("omp") or "libomp.so.5"]
    errors = []
    for candidate in candidates:
        try:
            _openmp = ctypes.CDLL(candidate, mode=os.RTLD_NOW | os.RTLD_GLOBAL)
            return
        except OSError as error:
            errors.append(str(error))
    raise QNKError("multi-threaded kernels need LLVM's OpenMP runtime "
                   "(libomp.so.5), which could not be loaded: "
                   + "; ".join(errors))


def opt(source: Source, *pass_args: str,
        return_stderr: bool = False) -> str | tuple[str, str]:
    """Run ``qnk-opt`` on an MLIR module and return the resulting IR.

    Args:
        source: The MLIR module as text (diagnostics then name ``<stdin>``),
            or the path of a ``.mlir`` file.
        *pass_args: qnk-opt command-line arguments, e.g.
            ``"--qnk-cpu-pipeline=target=znver3"``, ``"--qnk-pack"``,
            ``"--mlir-print-ir-after-all"``.
        return_stderr: Also return the tool's standard error, where
            ``--mlir-print-ir-after-all`` and similar options write.

    Returns:
        The output IR, or ``(ir, stderr)`` when ``return_stderr`` is true.

    Raises:
        CompileError: qnk-opt failed (bad IR, unknown option, failing pass);
            the message is its diagnostic output.
        ToolNotFoundError: qnk-opt cannot be located.
    """
    if not all(isinstance(a, str) for a in pass_args):
        raise TypeError("qnk-opt arguments must be strings")
    if isinstance(source, os.PathLike):
        proc = run_tool("qnk-opt", [*pass_args, os.fspath(source)])
    elif isinstance(source, str):
        proc = run_tool("qnk-opt", [*pass_args, "-"], stdin=source)
    else:
        raise TypeError("source must be MLIR text (str) or a path")
    return (proc.stdout, proc.stderr) if return_stderr else proc.stdout
