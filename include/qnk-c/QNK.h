/*===-- qnk-c/QNK.h - C API for QNK -------------------------------*- C -*-===*\
|*                                                                            *|
|* QNK's C API, in the style of MLIR's (mlir-c/IR.h): it takes and returns   *|
|* MLIR C API handles, so a C program (or a foreign function interface)      *|
|* creates the context, parses and prints modules with mlir-c, and calls     *|
|* these to register QNK and compile.                                         *|
|*                                                                            *|
|* libQNKCAPI.so carries both QNK's functions and MLIR's core C API          *|
|* (mlir-c/IR.h, Pass.h, Diagnostics.h, ...), on top of libMLIR.so.          *|
|*                                                                            *|
|* Nothing here exits or aborts on bad input: failures come back as          *|
|* MlirLogicalResult, with the diagnostic text passed to an error callback.  *|
|*                                                                            *|
\*===----------------------------------------------------------------------===*/

#ifndef QNK_C_QNK_H
#define QNK_C_QNK_H

#include "mlir-c/IR.h"
#include "mlir-c/Support.h"

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// The qnk dialect alone: mlirGetDialectHandle__qnk__().
MLIR_DECLARE_CAPI_DIALECT_REGISTRATION(QNK, qnk);

/// Inserts everything QNK's pipelines read and produce into `registry`: the
/// qnk dialect and its interface models, the upstream dialects and
/// extensions, and the LLVM IR translations.
MLIR_CAPI_EXPORTED void qnkRegisterAllDialects(MlirDialectRegistry registry);

/// Registers QNK's passes and pipelines (`qnk-cpu-pipeline`, ...) with the
/// upstream ones, so that textual pipelines can name them. Safe to call more
/// than once.
MLIR_CAPI_EXPORTED void qnkRegisterAllPasses(void);

/// Parses the textual pass pipeline `pipeline` and runs it on `module` in
/// place. `pipeline` is either a list of passes run on the module
/// ("qnk-cpu-pipeline{target=znver3 threads=4}", "canonicalize,cse") or
/// anchored ("builtin.module(qnk-set-target{target=host},qnk-pack)").
/// Passes must have been registered (qnkRegisterAllPasses).
///
/// On failure, returns failure and calls `errorCallback` (when not NULL)
/// with the error text, possibly in several pieces: the pipeline syntax
/// error, or the diagnostics the passes emitted, each as
/// "loc: error: message" with its notes. The module may then be partially
/// transformed. Warnings and remarks go to the context's own handlers.
MLIR_CAPI_EXPORTED MlirLogicalResult
qnkRunPassPipeline(MlirModule module, MlirStringRef pipeline,
                   MlirStringCallback errorCallback, void *userData);

/// Compiles the function `entry` of `module` (qnk or linalg matmuls on
/// static tensors) through the CPU pipeline for `target` (an LLVM x86-64 CPU
/// name or "host") with the comma-separated `features` overrides
/// ("+avx512f,-avx512bw", may be empty), splitting the block loops across
/// `threads` OpenMP threads, into a relocatable object file: the same object
/// `qnk-compile` writes, exporting
/// `void entry(const T *arg0, ..., T *result0, ...)`. `module` itself is left
/// unchanged.
///
/// On success, calls `objectCallback` with the object's bytes (possibly in
/// several pieces) and returns success. On failure, returns failure and
/// calls `errorCallback` (when not NULL) with the error text.
MLIR_CAPI_EXPORTED MlirLogicalResult qnkCompileToObject(
    MlirModule module, MlirStringRef entry, MlirStringRef target,
    MlirStringRef features, int64_t threads, MlirStringCallback objectCallback,
    MlirStringCallback errorCallback, void *userData);

#ifdef __cplusplus
}
#endif

#endif // QNK_C_QNK_H
