//===- QNK.h - QNK's C++ API for embedders ----------------------*- C++ -*-===//
//
// The one header a program that embeds QNK includes (link QNK::QNKPipelines):
//
//   qnk::registerAllPasses();              // textual pipelines, once
//   mlir::DialectRegistry registry;
//   qnk::registerAllDialects(registry);    // qnk + what the pipelines use
//   mlir::MLIRContext context(registry);
//   ... parse or build a module ...
//   mlir::PassManager pm(&context);
//   qnk::CPUPipelineOptions options;       // plain struct, defaults set
//   options.target = "znver3";
//   qnk::buildCPUPipeline(pm, options);    // ends in the LLVM dialect
//   if (mlir::failed(pm.run(module))) ...  // errors are diagnostics
//
// See docs/embedding.md; the C API is qnk-c/QNK.h.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_QNK_H
#define QNK_QNK_H

#include "qnk/Dialect/QNK/IR/QNK.h"
#include "qnk/InitAll.h"
#include "qnk/Pipelines/Pipelines.h"

#endif
