//===- Passes.h - QNK passes ------------------------------------*- C++ -*-===//
#ifndef QNK_TRANSFORMS_PASSES_H
#define QNK_TRANSFORMS_PASSES_H

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/UB/IR/UBOps.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Dialect/X86Vector/X86VectorDialect.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"
#include "qnk/Dialect/QNK/IR/QNK.h"

namespace qnk {
#define GEN_PASS_DECL
#include "qnk/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "qnk/Transforms/Passes.h.inc"
} // namespace qnk

#endif
