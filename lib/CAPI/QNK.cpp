//===- QNK.cpp - C API for QNK --------------------------------------------===//

#include "qnk-c/QNK.h"

#include "qnk/Dialect/QNK/IR/QNK.h"
#include "qnk/InitAll.h"
#include "qnk/Runner/Runner.h"

#include "mlir/CAPI/IR.h"
#include "mlir/CAPI/Registration.h"
#include "mlir/CAPI/Support.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

using namespace mlir;

MLIR_DEFINE_CAPI_DIALECT_REGISTRATION(QNK, qnk, qnk::QNKDialect)

namespace {
/// Collects the errors emitted on a context while it lives, as
/// "loc: error: message" lines followed by their notes, so that a C caller
/// gets the text instead of it going to stderr. Warnings and remarks pass
/// on to the handlers registered before.
class ErrorCollector {
public:
  explicit ErrorCollector(MLIRContext *context)
      : handler(context, [this](Diagnostic &diag) { return collect(diag); }) {}

  /// Appends a message of our own (a syntax error, an llvm::Error).
  void add(llvm::StringRef message) {
    os << message;
    if (!message.ends_with("\n"))
      os << '\n';
  }

  /// Hands the text to `callback`; never empty, since a failure the caller
  /// cannot read about is worse than a vague one.
  void report(MlirStringCallback callback, void *userData) {
    if (!callback)
      return;
    if (text.empty())
      add("QNK: failed without a diagnostic");
    callback(wrap(llvm::StringRef(text)), userData);
  }

private:
  LogicalResult collect(Diagnostic &diag) {
    if (diag.getSeverity() != DiagnosticSeverity::Error)
      return failure();
    print(diag, "error");
    for (Diagnostic &note : diag.getNotes())
      print(note, "note");
    return success();
  }

  void print(Diagnostic &diag, llvm::StringRef kind) {
    // file:line:col where there is one (also inside name or fused
    // locations), as compilers print it.
    if (auto loc = diag.getLocation()->findInstanceOf<FileLineColLoc>())
      os << loc.getFilename().getValue() << ':' << loc.getLine() << ':'
         << loc.getColumn();
    else
      os << diag.getLocation();
    os << ": " << kind << ": " << diag << '\n';
  }

  std::string text;
  llvm::raw_string_ostream os{text};
  // Last: unregistered before the text it writes to goes away.
  ScopedDiagnosticHandler handler;
};
} // namespace

void qnkRegisterAllDialects(MlirDialectRegistry registry) {
  qnk::registerAllDialects(*unwrap(registry));
}

void qnkRegisterAllPasses(void) { qnk::registerAllPasses(); }

/// Adds `pipeline` to `pm`, anchored ("builtin.module(...)") or as a plain
/// list of passes run on the module.
static LogicalResult parsePipeline(llvm::StringRef pipeline, PassManager &pm,
                                   llvm::raw_ostream &errors) {
  // An anchor is an op name right before the first '(': option braces or a
  // comma come first in a plain list ("qnk-cpu-pipeline{...},cse").
  size_t pos = pipeline.find_first_of("({,");
  if (pos == llvm::StringRef::npos || pipeline[pos] != '(')
    return parsePassPipeline(pipeline, pm, errors);
  FailureOr<OpPassManager> parsed = parsePassPipeline(pipeline, errors);
  if (failed(parsed))
    return failure();
  // Another anchor than builtin.module fails when run, with a diagnostic.
  static_cast<OpPassManager &>(pm) = std::move(*parsed);
  return success();
}

MlirLogicalResult qnkRunPassPipeline(MlirModule module, MlirStringRef pipeline,
                                     MlirStringCallback errorCallback,
                                     void *userData) {
  ModuleOp op = unwrap(module);
  ErrorCollector errors(op->getContext());
  PassManager pm(op->getContext());
  std::string syntax;
  llvm::raw_string_ostream syntaxOs(syntax);
  if (failed(parsePipeline(unwrap(pipeline), pm, syntaxOs))) {
    errors.add(syntax.empty()
                   ? "invalid pass pipeline '" + unwrap(pipeline).str() + "'"
                   : syntax);
    errors.report(errorCallback, userData);
    return mlirLogicalResultFailure();
  }
  if (failed(pm.run(op))) {
    errors.report(errorCallback, userData);
    return mlirLogicalResultFailure();
  }
  return mlirLogicalResultSuccess();
}

MlirLogicalResult qnkCompileToObject(MlirModule module, MlirStringRef entry,
                                     MlirStringRef target,
                                     MlirStringRef features, int64_t threads,
                                     MlirStringCallback objectCallback,
                                     MlirStringCallback errorCallback,
                                     void *userData) {
  namespace runner = qnk::runner;
  ModuleOp op = unwrap(module);
  ErrorCollector errors(op->getContext());
  auto fail = [&](llvm::StringRef message) {
    if (!message.empty())
      errors.add(message);
    errors.report(errorCallback, userData);
    return mlirLogicalResultFailure();
  };

  llvm::StringRef name = unwrap(entry);
  if (threads < 1)
    return fail("threads must be at least 1, got " + std::to_string(threads));
  if (!runner::isValidCIdentifier(name))
    return fail("entry '" + name.str() + "' is not a valid C function name");
  FailureOr<runner::EntryInfo> info = runner::analyzeEntry(op, name);
  if (failed(info))
    return fail("");

  llvm::SmallVector<llvm::StringRef> parts;
  unwrap(features).split(parts, ',', /*MaxSplit=*/-1, /*KeepEmpty=*/false);
  std::vector<std::string> overrides;
  for (llvm::StringRef part : parts)
    overrides.push_back(part.trim().str());
  llvm::Expected<runner::TargetSpec> spec =
      runner::resolveTarget(unwrap(target), overrides);
  if (!spec)
    return fail(llvm::toString(spec.takeError()));

  // lowerToLLVMDialect applies the pass manager's command-line options, and
  // fails unless they exist. Registering them is idempotent (one static in
  // libMLIR.so) and leaves them at their defaults.
  registerPassManagerCLOptions();
  auto lowered = runner::lowerToLLVMDialect(op, name, runner::Pipeline::Fast,
                                            *spec, threads);
  if (failed(lowered))
    return fail("");

  llvm::SmallVector<char, 0> object;
  llvm::raw_svector_ostream os(object);
  if (llvm::Error e = runner::emitCInterfaceObject(
          **lowered, *info, *spec, llvm::CodeGenFileType::ObjectFile, os))
    return fail(llvm::toString(std::move(e)));
  objectCallback(wrap(llvm::StringRef(object.data(), object.size())), userData);
  return mlirLogicalResultSuccess();
}
