//===- CodegenUtils.h - Shared steps of JIT and object emission -*- C++ -*-===//
#ifndef QNK_LIB_RUNNER_CODEGENUTILS_H
#define QNK_LIB_RUNNER_CODEGENUTILS_H

#include "qnk/Runner/Runner.h"

#include "llvm/ADT/STLFunctionalExtras.h"

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace qnk::runner::detail {

/// Checks that the lowered entry has the expanded-memref ABI that callers
/// build argument lists for; emits a diagnostic at the entry otherwise.
mlir::LogicalResult checkLoweredEntry(mlir::ModuleOp lowered,
                                      const EntryInfo &entry);

/// Translates `lowered` to LLVM IR for `tm`, runs `beforeOptimize` (which
/// may add functions), pins every defined function to `cpu`'s exact feature
/// set, and optimizes at O3.
llvm::Expected<std::unique_ptr<llvm::Module>> translateAndOptimize(
    mlir::ModuleOp lowered, llvm::LLVMContext &context, llvm::TargetMachine &tm,
    const ResolvedCPU &cpu,
    llvm::function_ref<llvm::Error(llvm::Module &)> beforeOptimize = {});

/// Runs code generation on `module` (which it modifies) into `os`.
llvm::Error emitCode(llvm::Module &module, llvm::TargetMachine &tm,
                     llvm::CodeGenFileType fileType,
                     llvm::raw_pwrite_stream &os);

} // namespace qnk::runner::detail

#endif // QNK_LIB_RUNNER_CODEGENUTILS_H
