//===- InitAll.cpp - Register everything QNK provides
//------------------------===//

#include "qnk/InitAll.h"
#include "qnk/Dialect/QNK/IR/QNK.h"
#include "qnk/Pipelines/Pipelines.h"
#include "qnk/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void qnk::registerAllDialects(mlir::DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  registry.insert<qnk::QNKDialect>();
  qnk::registerBufferizableOpInterfaceExternalModels(registry);
}

void qnk::registerAllPasses() {
  mlir::registerAllPasses();
  qnk::registerQNKPasses();
  qnk::registerPipelines();
}
