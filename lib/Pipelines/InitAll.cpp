//===- InitAll.cpp - Register everything QNK provides
//------------------------===//

#include "qnk/InitAll.h"
#include "qnk/Dialect/QNK/IR/QNK.h"
#include "qnk/Pipelines/Pipelines.h"
#include "qnk/Transforms/Passes.h"

#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVM/NVVM/Target.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

void qnk::registerAllDialects(mlir::DialectRegistry &registry) {
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  mlir::registerAllToLLVMIRTranslations(registry);
  // #nvvm.target serializes gpu.modules (qnk-cuda-pipeline).
  mlir::NVVM::registerNVVMTargetInterfaceExternalModels(registry);
  registry.insert<qnk::QNKDialect>();
  qnk::registerBufferizableOpInterfaceExternalModels(registry);
}

void qnk::registerAllPasses() {
  // A pipeline name may be registered only once, and embedders (the C API,
  // a host program with several users of QNK) cannot know whether someone
  // in the process did it already.
  static const bool registered = [] {
    mlir::registerAllPasses();
    qnk::registerQNKPasses();
    qnk::registerPipelines();
    return true;
  }();
  (void)registered;
}
