"""QNK: compile MLIR matmul kernels for x86 CPUs and NVIDIA GPUs, and call them
on numpy arrays and GPU tensors.

The compiler runs in process (the ``qnk._qnk`` extension links QNK's
libraries), and kernels are JIT-compiled for this machine:

>>> import numpy as np, qnk
>>> mm = qnk.compile(qnk.matmul("f32", "f32", m=64, n=48, k=32))
>>> mm.signature
'matmul(arg0: tensor<64x32xf32>, arg1: tensor<32x48xf32>) -> tensor<64x48xf32>'
>>> c = mm(np.ones((64, 32), np.float32), np.ones((32, 48), np.float32))

:func:`compile_library` and :func:`load` handle shared libraries compiled
ahead of time (also for other CPUs, and for NVIDIA GPUs: ``device="cuda"``,
whose kernels take CUDA tensors through DLPack). Loading needs no compiler:
``import qnk`` and :func:`load` work where the extension is missing.
"""

from ._builder import Module, accumulator_type, matmul, matmul_source
from ._compiler import (  # noqa: A004 (qnk.compile by design)
    compile, compile_library, cpu_pipeline, ir_after_each_pass, load, opt)
from ._cuda import CUDAArray, CUDAKernel, find_cuda_runtime
from ._errors import CompileError, CUDAError, QNKError, ToolNotFoundError
from ._kernel import Kernel, TensorSpec
from ._tools import find_compiler_driver, find_tool
from ._types import DTYPES
from . import ggml  # noqa: E402 (llama.cpp block layouts, numpy only)

__version__ = "0.1.0"

__all__ = [
    "CUDAArray",
    "CUDAError",
    "CUDAKernel",
    "CompileError",
    "DTYPES",
    "Kernel",
    "Module",
    "QNKError",
    "TensorSpec",
    "ToolNotFoundError",
    "accumulator_type",
    "compile",
    "compile_library",
    "cpu_pipeline",
    "find_compiler_driver",
    "find_cuda_runtime",
    "find_tool",
    "ggml",
    "ir_after_each_pass",
    "load",
    "matmul",
    "matmul_source",
    "opt",
]
