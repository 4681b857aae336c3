# -*- Python -*-
import os
import shutil
import subprocess

import lit.formats
from lit.llvm import llvm_config

config.name = "QNK"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test", ".c"]
config.excludes = ["Inputs", "lit.cfg.py", "CMakeLists.txt"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.qnk_obj_root, "test")

llvm_config.with_system_environment(["HOME", "TMP", "TEMP"])
llvm_config.use_default_substitutions()

tool_dirs = [config.qnk_tools_dir, config.llvm_tools_dir]
tools = ["qnk-opt", "qnk-run", "qnk-compile", "qnk-lsp-server",
         "qnk-capi-test", "qnk-cuda-harness", "mlir-translate", "llc", "not",
         "count", "FileCheck",
         "mlir-opt", "clang"]
llvm_config.add_tool_substitutions(
    [t for t in tools if shutil.which(t, path=os.pathsep.join(tool_dirs))],
    tool_dirs)
config.substitutions.append(("%qnk_src_root", config.qnk_src_root))
# Built libraries (the CUDA runtime tests' fake driver).
# Programs a test links against QNK's (possibly instrumented) libraries.
config.substitutions.append(
    ("%sanitize_flags",
     "-fsanitize=address,undefined"
     if config.qnk_sanitizers.upper() in ("ON", "1", "TRUE", "YES") else ""))
config.substitutions.append(("%qnk_lib_dir",
                             os.path.join(config.qnk_obj_root, "lib")))
config.substitutions.append(("%python", "python3"))

# ISA features of the machine running the tests, from the CPU's own flags:
# execution tests that need an ISA say `REQUIRES: avx512f` and so on.
_flag_features = {
    "avx2": "avx2", "fma": "fma", "avx512f": "avx512f",
    "avx512bw": "avx512bw", "avx512_vnni": "avx512-vnni",
    "avx512_bf16": "avx512-bf16", "avx512_fp16": "avx512-fp16",
    "avx_vnni": "avx-vnni", "amx_bf16": "amx-bf16", "amx_int8": "amx-int8",
    "amx_tile": "amx-tile",
}
try:
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                for flag, feature in _flag_features.items():
                    if flag in flags:
                        config.available_features.add(feature)
                break
except OSError:
    pass

_ptxas = shutil.which("ptxas") or "/usr/local/cuda/bin/ptxas"
if os.path.exists(_ptxas):
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", _ptxas))
try:
    if subprocess.run(["nvidia-smi", "-L"], capture_output=True,
                      timeout=10).returncode == 0:
        config.available_features.add("cuda")
except (OSError, subprocess.TimeoutExpired):
    pass
