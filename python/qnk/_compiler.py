"""``qnk.compile``, ``qnk.opt`` and friends: the extension's compiler, called
in process; ``qnk.compile_library`` / ``qnk.load`` for shared libraries.

The extension is imported at the first call that compiles, so that ``import
qnk`` and :func:`qnk.load` work where it is missing (a GPU machine without
MLIR runs libraries compiled elsewhere)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Iterable, Union

from ._cuda import load_library
from ._errors import CompileError, QNKError
from ._kernel import Kernel, TensorSpec, parse_header
from ._tools import find_compiler_driver, find_tool, run_command


def _extension() -> Any:
    """The compiler extension ``qnk._qnk``.

    Raises:
        QNKError: it cannot be imported.
    """
    try:
        from . import _qnk
    except ImportError as error:
        raise QNKError(
            f"the qnk compiler extension (qnk._qnk) cannot be imported "
            f"({error}): import qnk from a build tree (PYTHONPATH=<build>/"
            "python_packages, built with nanobind installed) or install it "
            "with `pip install ./python`. Without it, qnk.load runs "
            "libraries compiled elsewhere") from error
    return _qnk

#: MLIR text, the path of a .mlir file, or a :class:`qnk.Module`.
Source = Union[str, "os.PathLike[str]", "Module"]

#: LLVM's OpenMP runtime, which multi-threaded kernels link against.
#: ``$QNK_LIBOMP`` overrides it.
LIBOMP = "/usr/lib/llvm-22/lib/libomp.so.5"
_openmp: ctypes.CDLL | None = None


def _read_source(source: Source, text_name: str) -> tuple[str, str]:
    """The module's text and the name its diagnostics give it."""
    from ._builder import Module
    if isinstance(source, Module):
        return source.text, text_name
    if isinstance(source, os.PathLike):
        path = os.path.abspath(os.fspath(source))
        try:
            return Path(path).read_text(), path
        except OSError as error:
            raise CompileError(f"cannot read {path}: {error}") from error
    if isinstance(source, str):
        return source, text_name
    raise TypeError("source must be MLIR text (str), a path or a qnk.Module")


def _entry_of(source: Source, entry: str | None) -> str:
    from ._builder import Module
    if entry is None and isinstance(source, Module):
        entry = source.entry
    if not isinstance(entry, str) or not entry:
        raise TypeError("entry must be a non-empty function name")
    return entry


def _target_options(target: str, features: Iterable[str] | str,
                    threads: int) -> tuple[str, list[str], int]:
    if not isinstance(target, str) or not target:
        raise TypeError("target must be 'host' or a CPU name")
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int, got {threads!r}")
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    if isinstance(features, str):
        features = features.split(",") if features else []
    features = list(features)
    if not all(isinstance(f, str) for f in features):
        raise TypeError("features must be strings such as '+avx512f'")
    return target, [f.strip() for f in features if f.strip()], threads


def _warn(text: str) -> None:
    if text:
        warnings.warn(text.rstrip(), RuntimeWarning, stacklevel=3)


def _specs(info: dict, prefix: str, key: str) -> tuple[TensorSpec, ...]:
    return tuple(TensorSpec(f"{prefix}{i}", tuple(shape), elem)
                 for i, (shape, elem) in enumerate(info[key]))


def compile(source: Source, entry: str | None = None,  # noqa: A001
            target: str = "host", features: Iterable[str] | str = (),
            threads: int = 1) -> Kernel:
    """JIT-compile the function ``entry`` of an MLIR module into a callable
    kernel, in this process.

    Args:
        source: The MLIR module as text (diagnostics then name
            ``input.mlir``), the path of a ``.mlir`` file, or a
            :class:`qnk.Module` (from :func:`qnk.matmul`).
        entry: The ``func.func`` to compile (default: a Module's entry). It
            must take and return ranked, statically shaped tensors of a
            supported element type (see :data:`qnk.DTYPES`).
        target: ``"host"`` or an LLVM x86-64 CPU name (``"znver3"``,
            ``"skylake-avx512"``, ``"sapphirerapids"``, ...). It must run on
            this CPU: features this CPU lacks are refused (intrinsic-only ones
            are turned off).
        features: Target feature overrides such as ``["+avx512f", "-avx512bw"]``
            (or one comma-separated string).
        threads: Split the kernel's block loops over this many OpenMP threads.

    Returns:
        The compiled :class:`qnk.Kernel`.

    Raises:
        CompileError: MLIR rejected the module (parse or verifier errors, a
            failing pass) or the options (unknown CPU or feature, a CPU this
            machine cannot run); the message is the diagnostic text with
            locations.
        ValueError, TypeError: invalid ``entry``, ``features`` or ``threads``.
    """
    entry = _entry_of(source, entry)
    target, features, threads = _target_options(target, features, threads)
    text, name = _read_source(source, "input.mlir")
    jit = _extension().compile_jit(text, name, entry, target, features, threads)
    info = jit.info
    _warn(info["warnings"])
    return Kernel(entry=info["entry"], args=_specs(info, "arg", "args"),
                  results=_specs(info, "result", "results"),
                  target=info["cpu"], cpu_features=tuple(info["cpu_features"]),
                  threads=threads, header=info["header"], run=jit.run)


def compile_library(source: Source, path: str | os.PathLike[str],
                    entry: str | None = None, target: str = "host",
                    features: Iterable[str] | str = (), threads: int = 1, *,
                    device: str = "cpu", chip: str | None = None,
                    pointers: str = "host") -> Path:
    """Compile ``entry`` ahead of time into the shared library ``path`` and
    its C header (``path`` with the suffix ``.h``): what
    ``qnk-compile --shared --header`` writes. The code may target another
    CPU (or GPU) than this machine's. Load it with :func:`qnk.load`.

    For the CPU the object is generated in process; the compiler driver
    (:func:`find_compiler_driver`) links it, with LLVM's OpenMP runtime
    when ``threads > 1``.

    With ``device="cuda"`` the entry's matmuls become CUDA kernels for
    ``chip`` (``sm_80`` or ``sm_90a``; default ``sm_80``) through
    ``qnk-compile --device=cuda`` (:func:`find_tool`; it needs ptxas, from
    ``$CUDA_HOME`` or ``/usr/local/cuda``); the host code is for ``target``
    (default any x86-64). ``pointers="host"`` makes an entry taking host
    buffers, which it copies to the GPU and back; ``pointers="device"`` one
    taking device buffers (CUDA tensors), which then may only return
    matmuls of its arguments. The library needs ``libqnk_cuda_runtime.so``
    at run time, and no MLIR.

    Returns:
        ``path``, as a :class:`pathlib.Path`.

    Raises:
        CompileError: as :func:`qnk.compile`, or the link failed.
        ToolNotFoundError: no compiler driver to link with, or no
            qnk-compile for ``device="cuda"``.
        ValueError: unknown ``device`` or ``pointers``, or CUDA options for
            the CPU.
    """
    entry = _entry_of(source, entry)
    if device == "cuda":
        return _compile_cuda_library(source, Path(path), entry, target,
                                     features, threads, chip, pointers)
    if device != "cpu":
        raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
    if chip is not None or pointers != "host":
        raise ValueError("chip and pointers are options of device='cuda'")
    target, features, threads = _target_options(target, features, threads)
    text, name = _read_source(source, "input.mlir")
    obj, info = _extension().compile_object(text, name, entry, target, features,
                                    threads)
    _warn(info["warnings"])
    path = Path(path)
    command = [find_compiler_driver(), "-shared", "-o", str(path)]
    with tempfile.TemporaryDirectory(prefix="qnk-") as tmp:
        object_path = os.path.join(tmp, f"{entry}.o")
        Path(object_path).write_bytes(obj)
        command.append(object_path)
        if threads > 1:
            # OpenMP regions call LLVM's runtime (the __kmpc ABI); the rpath
            # lets the library find it where LLVM keeps it.
            libomp = os.environ.get("QNK_LIBOMP", LIBOMP)
            command += [libomp, f"-Wl,-rpath,{os.path.dirname(libomp)}"]
        run_command(command, scrub=tmp)
    path.with_suffix(".h").write_text(info["header"])
    return path


def _compile_cuda_library(source: Source, path: Path, entry: str, target: str,
                          features: Iterable[str] | str, threads: int,
                          chip: str | None, pointers: str) -> Path:
    """compile_library(device="cuda"), through qnk-compile."""
    target, features, threads = _target_options(target, features, threads)
    if threads != 1:
        raise ValueError("threads is an option of device='cpu'")
    if pointers not in ("host", "device"):
        raise ValueError(f"pointers must be 'host' or 'device', got {pointers!r}")
    command = [find_tool("qnk-compile"), "-e", entry, "--device=cuda",
               f"--pointers={pointers}", "--shared", "-o", str(path),
               f"--header={path.with_suffix('.h')}",
               f"--cc={find_compiler_driver()}"]
    if chip is not None:
        command.append(f"--chip={chip}")
    # Host code: any x86-64 unless a CPU is named.
    if target != "host":
        command.append(f"--target={target}")
    if features:
        command.append(f"--features={','.join(features)}")
    with tempfile.TemporaryDirectory(prefix="qnk-") as tmp:
        if isinstance(source, os.PathLike):
            input_path = os.path.abspath(os.fspath(source))
        else:
            text, name = _read_source(source, "input.mlir")
            input_path = os.path.join(tmp, name)
            Path(input_path).write_text(text)
        run_command(command + [input_path], scrub=tmp)
    return path


def load(library: str | os.PathLike[str],
         header: str | os.PathLike[str] | None = None, *,
         device: Any = None) -> Kernel:
    """Load a kernel compiled ahead of time: a shared library from
    :func:`qnk.compile_library` or ``qnk-compile --shared``, with the header
    written beside it (``header`` defaults to ``library`` with the suffix
    ``.h``), which gives the entry's name and signature. No compiler is
    needed: this works without the extension.

    A CUDA library (``device="cuda"``) becomes a :class:`qnk.CUDAKernel`
    whose kernels are loaded on ``device`` (``"cuda"``, ``"cuda:N"``, N;
    default ``cuda:0``), through QNK's CUDA runtime (see
    :func:`qnk.find_cuda_runtime`). A process loads each library file once,
    on one GPU.

    Linux grants AMX tile state only on request: for AMX code call the
    header's helper (or load through :func:`qnk.compile`, which asks).

    Raises:
        QNKError: the header cannot be read or the library cannot be loaded.
        CUDAError: the CUDA runtime cannot load the kernels (no driver, no
            such GPU, a GPU the kernels were not compiled for).
        ValueError: a ``device`` of the wrong kind for the library.
    """
    library = Path(library)
    header_path = Path(header) if header is not None else library.with_suffix(".h")
    try:
        header_text = header_path.read_text()
    except OSError as error:
        raise QNKError(f"cannot read the kernel's header: {error}") from error
    info = parse_header(header_text)
    if info.chip is not None:
        if str(device) == "cpu":
            raise ValueError(f"{library} runs on a GPU ({info.chip}): load it "
                             "with device='cuda' (the default)")
        return load_library(library, info, header_text, device)
    if device not in (None, "cpu"):
        raise ValueError(f"{library} runs on the CPU: device must be 'cpu' "
                         f"(the default), got {device!r}")
    mode = os.RTLD_NOW | os.RTLD_LOCAL
    try:
        handle = ctypes.CDLL(str(library.resolve()), mode=mode)
    except OSError as error:
        if "libomp" not in str(error):
            raise QNKError(f"cannot load {library}: {error}") from error
        # qnk-compile --threads links libomp without telling the loader where.
        _load_openmp()
        try:
            handle = ctypes.CDLL(str(library.resolve()), mode=mode)
        except OSError as again:
            raise QNKError(f"cannot load {library}: {again}") from again
    return Kernel.from_library(info, handle, threads=None, header=header_text)


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


def cpu_pipeline(target: str = "host", features: Iterable[str] | str = (),
                 threads: int = 1) -> str:
    """The textual CPU pipeline :func:`qnk.compile` runs, e.g.
    ``qnk-cpu-pipeline{target=znver3 threads=1}``."""
    target, features, threads = _target_options(target, features, threads)
    options = f"target={target} threads={threads}"
    if features:
        options += f" features={','.join(features)}"
    return f"qnk-cpu-pipeline{{{options}}}"


def ir_after_each_pass(source: Source, target: str = "host",
                       features: Iterable[str] | str = (), threads: int = 1,
                       pipeline: str | None = None) -> list[tuple[str, str]]:
    """Run a pipeline (by default the CPU pipeline :func:`qnk.compile` runs,
    for ``target``) and return the whole module after every pass, as
    ``(pass argument, IR text)`` pairs in order.

    Args:
        pipeline: A textual pipeline instead, e.g. ``"qnk-set-target,qnk-pack"``
            or ``"builtin.module(...)"``.

    Raises:
        CompileError: the module, the pipeline or a pass failed.
    """
    if pipeline is None:
        pipeline = cpu_pipeline(target, features, threads)
    text, name = _read_source(source, "input.mlir")
    _, dumps, warnings_text = _extension().run_pipeline(text, name, pipeline, False,
                                                True)
    _warn(warnings_text)
    return [(name, ir) for _, name, ir in dumps]


def opt(source: Source, *pass_args: str,
        return_stderr: bool = False) -> str | tuple[str, str]:
    """Run passes on an MLIR module, as ``qnk-opt`` would, in process.

    Args:
        source: The MLIR module as text (diagnostics then name ``<stdin>``),
            the path of a ``.mlir`` file, or a :class:`qnk.Module`.
        *pass_args: qnk-opt arguments: passes and pipelines
            (``"--qnk-cpu-pipeline=target=znver3"``, ``"--qnk-pack"``,
            ``"--canonicalize"``) or ``"--pass-pipeline=builtin.module(...)"``,
            and ``"--mlir-print-ir-after-all"`` /
            ``"--mlir-print-ir-before-all"``. Other qnk-opt options are
            refused.
        return_stderr: Also return the log qnk-opt writes to standard error:
            the IR dumps (``// -----// IR Dump After qnk-pack //----- //``)
            and any warnings.

    Returns:
        The output IR, or ``(ir, log)`` when ``return_stderr`` is true.

    Raises:
        CompileError: bad IR, an unknown pass or argument, a failing pass;
            the message is the diagnostic text.
    """
    if not all(isinstance(a, str) for a in pass_args):
        raise TypeError("qnk-opt arguments must be strings")
    passes: list[str] = []
    anchored = None
    before = after = False
    for arg in pass_args:
        if arg == "--mlir-print-ir-after-all":
            after = True
        elif arg == "--mlir-print-ir-before-all":
            before = True
        elif arg.startswith("--pass-pipeline="):
            anchored = arg.split("=", 1)[1]
        elif arg.startswith("-") and arg.lstrip("-"):
            name, _, options = arg.lstrip("-").partition("=")
            if not _extension().is_registered_pass(name):
                raise CompileError(f"qnk.opt: unknown argument '{arg}': no "
                                   f"pass or pipeline is named '{name}'")
            passes.append(f"{name}{{{options}}}" if options else name)
        else:
            raise CompileError(f"qnk.opt: unknown argument '{arg}'")
    if anchored is not None and passes:
        raise CompileError("qnk.opt: --pass-pipeline cannot be combined with "
                           "pass arguments")
    pipeline = anchored if anchored is not None else ",".join(passes)
    text, name = _read_source(source, "<stdin>")
    ir, dumps, log = _extension().run_pipeline(text, name, pipeline, before, after)
    if not return_stderr:
        _warn(log)
        return ir
    for is_before, pass_name, dump in dumps:
        when = "Before" if is_before else "After"
        log += f"// -----// IR Dump {when} {pass_name} //----- //\n{dump}\n"
    return ir, log
