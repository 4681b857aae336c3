//===- qnk-lsp-server.cpp - MLIR language server for QNK -----------------===//
//
// mlir-lsp-server with QNK's dialects, so that editors show diagnostics,
// hovers and definitions for qnk ops and attributes.
//
//===----------------------------------------------------------------------===//

#include "qnk/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-lsp-server/MlirLspServerMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  qnk::registerAllDialects(registry);
  return mlir::failed(mlir::MlirLspServerMain(argc, argv, registry)) ? 1 : 0;
}
