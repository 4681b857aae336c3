//===- qnk-consumer.cpp - A program that embeds QNK -----------------------===//
//
// Reads an MLIR file, compiles it with QNK's CPU pipeline through the C++ API
// (qnk/QNK.h) and prints the result, the LLVM dialect:
//
//   qnk-consumer input.mlir [target=znver3] [features=+avx512f,...]
//                [threads=4]
//
// examples/consumer/CMakeLists.txt builds it against an installed QNK.
//
//===----------------------------------------------------------------------===//

#include "qnk/QNK.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

/// Reads `key=value` arguments into `options`.
static bool parseOptions(int argc, char **argv,
                         qnk::CPUPipelineOptions &options) {
  for (int i = 2; i < argc; ++i) {
    auto [key, value] = llvm::StringRef(argv[i]).split('=');
    if (key == "target") {
      options.target = value.str();
    } else if (key == "features") {
      llvm::SmallVector<llvm::StringRef> features;
      value.split(features, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
      for (llvm::StringRef feature : features)
        options.features.push_back(feature.str());
    } else if (key == "threads") {
      if (value.getAsInteger(10, options.threads) || options.threads < 1) {
        llvm::errs() << "threads: expected a positive integer, got '" << value
                     << "'\n";
        return false;
      }
    } else {
      llvm::errs() << "unknown option '" << argv[i] << "'\n";
      return false;
    }
  }
  return true;
}

int main(int argc, char **argv) {
  qnk::CPUPipelineOptions options;
  if (argc < 2 || !parseOptions(argc, argv, options)) {
    llvm::errs() << "usage: " << argv[0]
                 << " input.mlir [target=CPU] [features=+f,-f] [threads=N]\n";
    return 2;
  }

  // Every dialect the input and the pipeline use; no pass registration is
  // needed to build a pipeline in C++ (only to parse textual ones).
  mlir::DialectRegistry registry;
  qnk::registerAllDialects(registry);
  mlir::MLIRContext context(registry);

  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceFile<mlir::ModuleOp>(argv[1], sourceMgr,
                                            mlir::ParserConfig(&context));
  if (!module)
    return 1;

  mlir::PassManager pm(&context);
  qnk::buildCPUPipeline(pm, options);
  // Errors (an unknown CPU, an unsupported type pair) have been printed as
  // diagnostics with the file's locations.
  if (mlir::failed(pm.run(*module)))
    return 1;
  module->print(llvm::outs());
  return 0;
}
