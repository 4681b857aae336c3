"""QNK: compile MLIR matmul kernels for x86 CPUs and call them on numpy arrays.

The package drives the QNK command-line tools (``qnk-compile``, ``qnk-opt``):

>>> import numpy as np, qnk
>>> src = qnk.matmul_source("f32", "f32", m=64, n=48, k=32)
>>> mm = qnk.compile(src, "matmul")
>>> mm.signature
'matmul(arg0: tensor<64x32xf32>, arg1: tensor<32x48xf32>) -> tensor<64x48xf32>'
>>> c = mm(np.ones((64, 32), np.float32), np.ones((32, 48), np.float32))

The tools are found through ``$QNK_TOOLS_DIR``, else the ``build/bin``
directory of the source checkout the package lives in, else ``PATH``.
"""

from ._builder import accumulator_type, matmul_source
from ._compiler import compile, opt  # noqa: A004 (qnk.compile by design)
from ._errors import CompileError, QNKError, ToolNotFoundError
from ._kernel import Kernel, TensorSpec
from ._tools import find_tool
from ._types import DTYPES

__version__ = "0.1.0"

__all__ = [
    "CompileError",
    "DTYPES",
    "Kernel",
    "QNKError",
    "TensorSpec",
    "ToolNotFoundError",
    "accumulator_type",
    "compile",
    "find_tool",
    "matmul_source",
    "opt",
]
