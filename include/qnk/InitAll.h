//===- InitAll.h - Register everything QNK provides -------------*- C++ -*-===//
#ifndef QNK_INITALL_H
#define QNK_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace qnk {
/// Adds the qnk dialect, its interface models and the upstream dialects and
/// extensions the QNK pipelines produce.
void registerAllDialects(mlir::DialectRegistry &registry);
/// Registers QNK's passes and pipelines (and the upstream ones) in the
/// global pass registry, for textual pipelines and command lines: no
/// separate mlir::registerAllPasses() is needed. Safe to call more than once.
void registerAllPasses();
} // namespace qnk

#endif
