//===- Compiler.cpp - What the qnk Python extension does, without Python --===//

#include "Compiler.h"

#include "qnk/InitAll.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <mutex>

using namespace mlir;
using namespace qnk::python;
namespace runner = qnk::runner;

namespace {
/// One compilation: a context of its own (so that nothing accumulates across
/// calls and calls on different Python threads never share one) whose
/// diagnostics are printed into a string, as the tools print them.
class Session {
public:
  Session()
      : context(makeRegistry(), MLIRContext::Threading::DISABLED),
        handler(sourceMgr, &context, os) {}

  OwningOpRef<ModuleOp> parse(Source source) {
    sourceMgr.AddNewSourceBuffer(
        llvm::MemoryBuffer::getMemBufferCopy(source.text, source.bufferName),
        llvm::SMLoc());
    return parseSourceFile<ModuleOp>(sourceMgr, ParserConfig(&context));
  }

  /// The diagnostics so far, followed by `message` (an llvm::Error's text)
  /// as an error of its own.
  llvm::Error fail(llvm::StringRef message = "") {
    if (!message.empty())
      os << "error: " << message << '\n';
    if (text.empty())
      os << "error: QNK failed without a diagnostic\n";
    return llvm::createStringError(text);
  }
  llvm::Error fail(llvm::Error error) {
    return fail(llvm::toString(std::move(error)));
  }

  /// The warnings and remarks emitted so far, for a call that succeeded.
  std::string takeWarnings() { return std::exchange(text, std::string()); }

private:
  static DialectRegistry makeRegistry() {
    DialectRegistry registry;
    qnk::registerAllDialects(registry);
    return registry;
  }

  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  std::string text;
  llvm::raw_string_ostream os{text};
  // Last: unregistered before the stream it prints to goes away.
  SourceMgrDiagnosticHandler handler;
};

/// Records the whole module around every pass (adaptors excluded, as MLIR's
/// own IR printing does).
class DumpCollector : public PassManager::IRPrinterConfig {
public:
  DumpCollector(std::vector<PassDump> &dumps, bool before, bool after)
      : IRPrinterConfig(/*printModuleScope=*/true), dumps(dumps),
        before(before), after(after) {}

  void printBeforeIfEnabled(Pass *pass, Operation *,
                            PrintCallbackFn print) override {
    if (before)
      record(true, pass, print);
  }
  void printAfterIfEnabled(Pass *pass, Operation *,
                           PrintCallbackFn print) override {
    if (after)
      record(false, pass, print);
  }

private:
  void record(bool isBefore, Pass *pass, PrintCallbackFn print) {
    std::string ir;
    llvm::raw_string_ostream os(ir);
    print(os);
    // The callback starts with MLIR's "// -----// IR Dump After ..." line;
    // the caller has the pass's name already.
    llvm::StringRef body(ir);
    if (body.starts_with("// -----//"))
      body = body.split('\n').second;
    llvm::StringRef name = pass->getArgument();
    dumps.push_back({isBefore, (name.empty() ? pass->getName() : name).str(),
                     body.rtrim().str() + "\n"});
  }

  std::vector<PassDump> &dumps;
  bool before, after;
};
} // namespace

static void registerPassesOnce() {
  static std::once_flag once;
  std::call_once(once, [] { qnk::registerAllPasses(); });
}

/// Parses, reads the entry, resolves the target and lowers the entry to the
/// LLVM dialect: what the JIT and the object paths share.
struct Lowered {
  std::optional<runner::EntryInfo> entry;
  runner::TargetSpec target;
  OwningOpRef<ModuleOp> module;
};

static llvm::Expected<Lowered> lower(Session &session, Source source,
                                     llvm::StringRef entry,
                                     const TargetOptions &options,
                                     bool forThisCPU) {
  if (options.threads < 1)
    return session.fail("threads must be at least 1, got " +
                        std::to_string(options.threads));
  OwningOpRef<ModuleOp> module = session.parse(source);
  if (!module)
    return session.fail();
  FailureOr<runner::EntryInfo> info = runner::analyzeEntry(*module, entry);
  if (failed(info))
    return session.fail();
  llvm::Expected<runner::TargetSpec> target =
      runner::resolveTarget(options.target, options.features);
  if (!target)
    return session.fail(target.takeError());
  if (forThisCPU) {
    // Running code with instructions this CPU lacks would kill the process.
    llvm::SmallVector<std::string> dropped;
    target = runner::restrictToHost(*target, dropped);
    if (!target)
      return session.fail(target.takeError());
  }
  auto lowered = runner::lowerToLLVMDialect(
      *module, entry, runner::Pipeline::Fast, *target, options.threads);
  if (failed(lowered))
    return session.fail();
  Lowered result;
  result.entry.emplace(std::move(*info));
  result.target = std::move(*target);
  result.module = std::move(*lowered);
  return result;
}

static KernelInfo describe(const runner::EntryInfo &entry,
                           const runner::TargetSpec &target,
                           llvm::StringRef bufferName) {
  KernelInfo info;
  info.entry = entry.name;
  info.args.assign(entry.inputs.begin(), entry.inputs.end());
  info.results.assign(entry.results.begin(), entry.results.end());
  info.cpu = target.resolved.cpu;
  info.cpuFeatures.assign(target.resolved.features.begin(),
                          target.resolved.features.end());
  if (runner::isValidCIdentifier(entry.name))
    info.header = runner::generateCHeader(entry, target, bufferName);
  return info;
}

llvm::Expected<std::unique_ptr<Kernel>>
qnk::python::compileJIT(Source source, llvm::StringRef entry,
                        const TargetOptions &options) {
  Session session;
  llvm::Expected<Lowered> lowered =
      lower(session, source, entry, options, /*forThisCPU=*/true);
  if (!lowered)
    return lowered.takeError();
  // AMX code faults without the tile state, which Linux grants on request.
  if (llvm::Error e = runner::requestTileStatePermission(lowered->target))
    return session.fail(std::move(e));
  auto jit = runner::JITKernel::create(*lowered->module, *lowered->entry,
                                       lowered->target);
  if (!jit)
    return session.fail(jit.takeError());
  auto kernel = std::make_unique<Kernel>();
  kernel->info = describe(*lowered->entry, lowered->target, source.bufferName);
  kernel->info.warnings = session.takeWarnings();
  kernel->jit = std::move(*jit);
  return kernel;
}

void Kernel::run(llvm::ArrayRef<void *> buffers) const {
  llvm::SmallVector<runner::TensorSpec> types(info.args.begin(),
                                              info.args.end());
  types.append(info.results.begin(), info.results.end());
  jit->bindBuffers(buffers, types)();
}

llvm::Expected<ObjectCode>
qnk::python::compileObject(Source source, llvm::StringRef entry,
                           const TargetOptions &options) {
  Session session;
  if (!runner::isValidCIdentifier(entry))
    return session.fail("entry '" + entry.str() +
                        "' is not a valid C function name");
  llvm::Expected<Lowered> lowered =
      lower(session, source, entry, options, /*forThisCPU=*/false);
  if (!lowered)
    return lowered.takeError();
  ObjectCode code;
  llvm::SmallVector<char, 0> bytes;
  llvm::raw_svector_ostream os(bytes);
  if (llvm::Error e = runner::emitCInterfaceObject(
          *lowered->module, *lowered->entry, lowered->target,
          llvm::CodeGenFileType::ObjectFile, os))
    return session.fail(std::move(e));
  code.object.assign(bytes.begin(), bytes.end());
  code.info = describe(*lowered->entry, lowered->target, source.bufferName);
  code.info.warnings = session.takeWarnings();
  return code;
}

llvm::Expected<PipelineResult>
qnk::python::runPipeline(Source source, llvm::StringRef pipeline,
                         bool printBefore, bool printAfter) {
  registerPassesOnce();
  Session session;
  OwningOpRef<ModuleOp> module = session.parse(source);
  if (!module)
    return session.fail();

  PassManager pm(module->getContext());
  std::string syntax;
  llvm::raw_string_ostream syntaxOs(syntax);
  pipeline = pipeline.trim();
  if (pipeline.starts_with("builtin.module(")) {
    FailureOr<OpPassManager> parsed = parsePassPipeline(pipeline, syntaxOs);
    if (failed(parsed))
      return session.fail(syntax);
    static_cast<OpPassManager &>(pm) = std::move(*parsed);
  } else if (failed(parsePassPipeline(pipeline, pm, syntaxOs))) {
    return session.fail(syntax);
  }

  PipelineResult result;
  if (printBefore || printAfter)
    pm.enableIRPrinting(
        std::make_unique<DumpCollector>(result.dumps, printBefore, printAfter));
  if (failed(pm.run(*module)))
    return session.fail();
  llvm::raw_string_ostream os(result.ir);
  module->print(os);
  result.warnings = session.takeWarnings();
  return result;
}

bool qnk::python::isRegisteredPass(llvm::StringRef name) {
  registerPassesOnce();
  return PassInfo::lookup(name) || PassPipelineInfo::lookup(name);
}
