//===- qnk-opt.cpp - QNK's opt-style driver
//----------------------------------===//

#include "qnk/InitAll.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  qnk::registerAllPasses();
  mlir::DialectRegistry registry;
  qnk::registerAllDialects(registry);
  return mlir::asMainReturnCode(
      mlir::MlirOptMain(argc, argv, "QNK optimizer driver\n", registry));
}
