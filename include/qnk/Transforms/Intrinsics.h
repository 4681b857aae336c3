//===- Intrinsics.h - LLVM intrinsics ahead of bufferization ----*- C++ -*-===//
//
// Passes that build loop nests on tensors (qnk-lower-attention) run before
// one-shot bufferization, whose ownership-based
// deallocation rejects ops of unknown memory effects such as
// llvm.call_intrinsic but accepts calls. Such passes call the intrinsic
// through a declaration instead; mlir-translate turns a call of a function
// named `llvm.*` into the intrinsic.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_TRANSFORMS_INTRINSICS_H
#define QNK_TRANSFORMS_INTRINSICS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

namespace qnk {

/// Calls LLVM intrinsic `name` on `args` through an llvm.func declaration
/// in `module` (added once). `result` is the result type, or null for none;
/// returns the result, or null.
mlir::Value callIntrinsic(mlir::OpBuilder &b, mlir::Location loc,
                          mlir::ModuleOp module, llvm::StringRef name,
                          mlir::Type result, mlir::ValueRange args);

} // namespace qnk

#endif
