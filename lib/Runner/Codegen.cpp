//===- Codegen.cpp - From a builtin module to machine code ----------------===//

#include "CodegenUtils.h"
#include "qnk/Pipelines/Pipelines.h"
#include "qnk/Runner/Runner.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/OpenMP/OpenMPDialect.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Target/LLVMIR/Export.h"

#include <cerrno>
#include <cstring>
#if defined(__linux__)
#include <sys/syscall.h>
#include <unistd.h>
#endif
#include "llvm/ADT/SmallPtrSet.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/X86TargetParser.h"
#include "llvm/Transforms/Utils/Cloning.h"

#include <mutex>

using namespace mlir;
using namespace qnk::runner;

//===----------------------------------------------------------------------===//
// Targets
//===----------------------------------------------------------------------===//

llvm::Expected<TargetSpec>
qnk::runner::resolveTarget(llvm::StringRef name,
                           llvm::ArrayRef<std::string> overrides) {
  llvm::Expected<ResolvedCPU> resolved = qnk::resolveCPU(name, overrides);
  if (!resolved)
    return resolved.takeError();
  TargetSpec spec;
  spec.name = name.str();
  spec.overrides.assign(overrides.begin(), overrides.end());
  spec.resolved = std::move(*resolved);
  return spec;
}

llvm::SmallVector<std::string>
qnk::runner::getFeaturesMissingOnHost(const TargetSpec &target) {
  llvm::StringMap<bool> host = llvm::sys::getHostCPUFeatures();
  llvm::SmallVector<std::string> missing;
  for (const std::string &feature : target.resolved.features) {
    // LLVM's host detection reports every feature it probes; the ones it
    // does not probe (x87) are part of every x86-64 CPU.
    auto it = host.find(feature);
    if (it != host.end() && !it->second)
      missing.push_back(feature);
  }
  return missing;
}

llvm::Expected<TargetSpec>
qnk::runner::restrictToHost(const TargetSpec &target,
                            llvm::SmallVectorImpl<std::string> &dropped) {
  llvm::SmallVector<std::string> blocking;
  for (const std::string &f : getFeaturesMissingOnHost(target))
    (isIntrinsicOnlyFeature(f) ? dropped : blocking).push_back(f);
  if (!blocking.empty()) {
    std::string off;
    for (const std::string &f : blocking)
      off += (off.empty() ? "-" : ",-") + f;
    return llvm::createStringError(
        "target '" + target.name + "' (" + target.resolved.cpu +
        ") needs CPU features this machine lacks: " +
        llvm::join(blocking, ", ") + " (turn them off with " + off + ")");
  }
  if (dropped.empty())
    return target;
  std::vector<std::string> overrides = target.overrides;
  for (const std::string &f : dropped)
    overrides.push_back("-" + f);
  return resolveTarget(target.name, overrides);
}

bool qnk::runner::isIntrinsicOnlyFeature(llvm::StringRef feature) {
  // System and special-purpose instructions: LLVM's x86 backend emits them
  // only for their intrinsics, never to implement ordinary IR, and the QNK
  // pipelines call none of those intrinsics.
  static constexpr llvm::StringLiteral features[] = {
      "cldemote", "clflushopt", "clwb",   "clzero",    "enqcmd",    "fsgsbase",
      "hreset",   "invpcid",    "kl",     "lwp",       "movdir64b", "movdiri",
      "mwaitx",   "pconfig",    "pku",    "prefetchi", "ptwrite",   "rdpid",
      "rdpru",    "rdrnd",      "rdseed", "rtm",       "serialize", "sgx",
      "shstk",    "tsxldtrk",   "uintr",  "usermsr",   "waitpkg",   "wbnoinvd",
      "widekl",   "xsave",      "xsavec", "xsaveopt",  "xsaves",
  };
  return llvm::is_contained(features, feature);
}

llvm::Error qnk::runner::requestTileStatePermission(const TargetSpec &target) {
  if (!target.resolved.has("amx-tile"))
    return llvm::Error::success();
#if defined(__linux__) && defined(__x86_64__)
  constexpr long archReqXcompPerm = 0x1023, xfeatureXtiledata = 18;
  if (syscall(SYS_arch_prctl, archReqXcompPerm, xfeatureXtiledata) != 0)
    return llvm::createStringError(
        std::string("Linux refused the AMX tile state "
                    "(arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)): ") +
        std::strerror(errno));
  return llvm::Error::success();
#else
  return llvm::createStringError(
      "AMX code needs Linux on x86-64 to request the tile state");
#endif
}

std::string qnk::runner::getCodegenFeatureString(const ResolvedCPU &cpu) {
  return llvm::join(qnk::codegenFeatures(cpu.cpu, cpu.features), ",");
}

static void initializeX86Backend() {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86Target();
    LLVMInitializeX86TargetMC();
    LLVMInitializeX86AsmPrinter();
    LLVMInitializeX86AsmParser();
  });
}

llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
qnk::runner::createTargetMachine(const ResolvedCPU &cpu,
                                 const llvm::Triple &triple, bool forJIT) {
  initializeX86Backend();
  std::string error;
  const llvm::Target *target =
      llvm::TargetRegistry::lookupTarget(triple, error);
  if (!target)
    return llvm::createStringError("no LLVM target for '" + triple.str() +
                                   "': " + error);
  // Objects are PIC so they link into executables and shared libraries
  // alike; the JIT keeps LLVM's defaults (and its large code model).
  std::optional<llvm::Reloc::Model> reloc;
  if (!forJIT)
    reloc = llvm::Reloc::PIC_;
  std::unique_ptr<llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpu.cpu, getCodegenFeatureString(cpu), llvm::TargetOptions(),
      reloc, std::nullopt, llvm::CodeGenOptLevel::Aggressive, forJIT));
  if (!tm)
    return llvm::createStringError("cannot create a target machine for '" +
                                   cpu.cpu + "'");
  return tm;
}

//===----------------------------------------------------------------------===//
// Lowering and translation
//===----------------------------------------------------------------------===//

/// Erases the functions `entry` does not reach through symbol references,
/// so that other functions of the file (which may not even compile) cannot
/// get in the way.
static void eraseUnreachableFunctions(ModuleOp module, llvm::StringRef entry) {
  SymbolTable table(module);
  Operation *root = table.lookup(entry);
  if (!root)
    return;
  llvm::SmallPtrSet<Operation *, 8> live = {root};
  llvm::SmallVector<Operation *> worklist = {root};
  while (!worklist.empty()) {
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(worklist.pop_back_val());
    if (!uses)
      return; // Unknown uses: keep everything.
    for (const SymbolTable::SymbolUse &use : *uses)
      if (Operation *symbol =
              table.lookup(use.getSymbolRef().getRootReference()))
        if (live.insert(symbol).second)
          worklist.push_back(symbol);
  }
  for (Operation &op :
       llvm::make_early_inc_range(module.getBody()->getOperations()))
    if (isa<func::FuncOp>(op) && !live.contains(&op))
      op.erase();
}

FailureOr<OwningOpRef<ModuleOp>>
qnk::runner::lowerToLLVMDialect(ModuleOp module, llvm::StringRef entry,
                                Pipeline pipeline, const TargetSpec &target,
                                int64_t threads, CacheBlocks blocks) {
  OwningOpRef<ModuleOp> clone(module.clone());
  eraseUnreachableFunctions(*clone, entry);
  PassManager pm(module.getContext());
  // Honors --mlir-print-ir-after-all and friends where a tool registered
  // them. It fails only when they were not registered (an embedder's
  // process), which leaves the pass manager as it is.
  (void)applyPassManagerCLOptions(pm);
  qnk::CPUPipelineOptions options;
  // The pipeline resolves the target again from the same strings, which
  // gives the same answer (resolution is deterministic, `host` included).
  options.target = target.name;
  options.features = llvm::ArrayRef<std::string>(target.overrides);
  options.threads = threads;
  options.kc = blocks.kc;
  options.mc = blocks.mc;
  options.nc = blocks.nc;
  if (pipeline == Pipeline::Fast)
    qnk::buildCPUPipeline(pm, options);
  else
    qnk::buildReferencePipeline(pm, options);
  if (failed(pm.run(*clone)))
    return failure();
  return clone;
}

FailureOr<OwningOpRef<ModuleOp>>
qnk::runner::lowerToLLVMDialectForCUDA(ModuleOp module, llvm::StringRef entry,
                                       llvm::StringRef chip,
                                       llvm::StringRef pointers) {
  OwningOpRef<ModuleOp> clone(module.clone());
  eraseUnreachableFunctions(*clone, entry);
  PassManager pm(module.getContext());
  (void)applyPassManagerCLOptions(pm);
  qnk::CUDAPipelineOptions options;
  if (!chip.empty())
    options.chip = chip.str();
  options.pointers = pointers.str();
  qnk::buildCUDAPipeline(pm, options);
  if (failed(pm.run(*clone)))
    return failure();
  return clone;
}

bool qnk::runner::hasGPUCode(ModuleOp lowered) {
  for (Operation &op : lowered.getBody()->getOperations())
    if (op.getName().getStringRef() == "gpu.binary")
      return true;
  return false;
}

LogicalResult qnk::runner::detail::checkLoweredEntry(ModuleOp lowered,
                                                     const EntryInfo &entry) {
  auto fn = lowered.lookupSymbol<LLVM::LLVMFuncOp>(entry.name);
  if (!fn || fn.isExternal())
    return emitError(entry.loc)
           << "internal error: '" << entry.name
           << "' is not an LLVM function with a body after lowering";
  int64_t expected = entry.getNumLoweredArguments();
  if (int64_t(fn.getNumArguments()) != expected ||
      !isa<LLVM::LLVMVoidType>(fn.getFunctionType().getReturnType()))
    return emitError(entry.loc)
           << "internal error: after lowering '" << entry.name << "' has type "
           << fn.getFunctionType() << "; expected " << expected
           << " arguments (the memref descriptors of the inputs, then of the "
              "results) and no result";
  return success();
}

llvm::Expected<std::unique_ptr<llvm::Module>>
qnk::runner::detail::translateAndOptimize(
    ModuleOp lowered, llvm::LLVMContext &context, llvm::TargetMachine &tm,
    const ResolvedCPU &cpu,
    llvm::function_ref<llvm::Error(llvm::Module &)> beforeOptimize) {
  std::unique_ptr<llvm::Module> module =
      translateModuleToLLVMIR(lowered, context);
  if (!module)
    return llvm::createStringError(
        "cannot translate the lowered module to LLVM IR");
  module->setTargetTriple(tm.getTargetTriple());
  module->setDataLayout(tm.createDataLayout());
  if (beforeOptimize)
    if (llvm::Error e = beforeOptimize(*module))
      return std::move(e);
  // The lowered functions name the CPU and list only the features it has;
  // LLVM would add back whatever the CPU name implies, so spell out what is
  // off as well.
  std::string features = getCodegenFeatureString(cpu);
  for (llvm::Function &f : *module) {
    if (f.isDeclaration())
      continue;
    f.addFnAttr("target-cpu", cpu.cpu);
    f.addFnAttr("target-features", features);
  }
  if (llvm::Error e = makeOptimizingTransformer(3, 0, &tm)(module.get()))
    return std::move(e);
  return module;
}

llvm::Error qnk::runner::detail::emitCode(llvm::Module &module,
                                          llvm::TargetMachine &tm,
                                          llvm::CodeGenFileType fileType,
                                          llvm::raw_pwrite_stream &os) {
  llvm::legacy::PassManager pm;
  if (tm.addPassesToEmitFile(pm, os, nullptr, fileType))
    return llvm::createStringError("the target cannot emit this file type");
  pm.run(module);
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// JIT
//===----------------------------------------------------------------------===//

JITKernel::~JITKernel() = default;

llvm::Expected<std::unique_ptr<JITKernel>>
JITKernel::create(ModuleOp lowered, const EntryInfo &entry,
                  const TargetSpec &target, std::string *assembly) {
  if (failed(detail::checkLoweredEntry(lowered, entry)))
    return llvm::createStringError("the lowered entry has an unexpected ABI");
  llvm::Triple triple(llvm::sys::getProcessTriple());
  auto tm = createTargetMachine(target.resolved, triple, /*forJIT=*/true);
  if (!tm)
    return tm.takeError();
  std::unique_ptr<llvm::TargetMachine> asmTM;
  if (assembly) {
    auto created = createTargetMachine(target.resolved, triple, true);
    if (!created)
      return created.takeError();
    asmTM = std::move(*created);
  }

  // Translation and optimization happen in the module builder rather than
  // the engine's transformer: the engine cantFail()s the transformer, and
  // the builder is also where the optimized module can be printed before
  // the JIT takes it. The builder runs inside create(), while `jitTM` is
  // still alive.
  llvm::TargetMachine *jitTM = tm->get();
  std::string builderError;
  auto builder =
      [&](Operation *op,
          llvm::LLVMContext &context) -> std::unique_ptr<llvm::Module> {
    auto module = detail::translateAndOptimize(cast<ModuleOp>(op), context,
                                               *jitTM, target.resolved);
    if (!module) {
      builderError = llvm::toString(module.takeError());
      return nullptr;
    }
    if (assembly) {
      // Code generation rewrites the IR it runs on: print a copy.
      std::unique_ptr<llvm::Module> copy = llvm::CloneModule(**module);
      llvm::SmallString<0> text;
      llvm::raw_svector_ostream os(text);
      if (llvm::Error e = detail::emitCode(
              *copy, *asmTM, llvm::CodeGenFileType::AssemblyFile, os)) {
        builderError = llvm::toString(std::move(e));
        return nullptr;
      }
      *assembly = text.str().str();
    }
    return std::move(*module);
  };
  ExecutionEngineOptions options;
  options.llvmModuleBuilder = builder;
  // Parallel loops become OpenMP runtime calls (__kmpc_fork_call, ...).
  llvm::SmallVector<llvm::StringRef, 1> libraries;
  bool usesOpenMP = lowered
                        .walk([](Operation *op) {
                          return isa<omp::OpenMPDialect>(op->getDialect())
                                     ? WalkResult::interrupt()
                                     : WalkResult::advance();
                        })
                        .wasInterrupted();
  if (usesOpenMP) {
    llvm::StringRef runtime = QNK_OPENMP_RUNTIME;
    if (runtime.empty() || !llvm::sys::fs::exists(runtime))
      return llvm::createStringError(
          "the kernel runs on several threads but the OpenMP runtime is "
          "missing ('" +
          runtime.str() + "', found when QNK was configured)");
    libraries.push_back(runtime);
  }
  // Kernel launches call the mgpu* functions of QNK's CUDA runtime: the
  // build tree's library, else the installed one (found by the loader).
  if (hasGPUCode(lowered)) {
    llvm::StringRef runtime = QNK_CUDA_RUNTIME_LIBRARY;
    libraries.push_back(llvm::sys::fs::exists(runtime)
                            ? runtime
                            : llvm::sys::path::filename(runtime));
  }
  options.sharedLibPaths = libraries;
  options.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  options.enableGDBNotificationListener = false;
  options.enablePerfNotificationListener = false;
  auto engine = ExecutionEngine::create(lowered, options, std::move(*tm));
  if (!engine) {
    if (builderError.empty())
      return engine.takeError();
    llvm::consumeError(engine.takeError());
    return llvm::createStringError(builderError);
  }
  std::unique_ptr<JITKernel> kernel(new JITKernel());
  kernel->engine = std::move(*engine);
  kernel->engine->initialize();
  // The lookup compiles the module, so any link error shows up here rather
  // than at the first call.
  auto fn = kernel->engine->lookupPacked(entry.name);
  if (!fn)
    return fn.takeError();
  kernel->packedFn = *fn;
  return kernel;
}

JITKernel::Call JITKernel::bind(llvm::ArrayRef<const Tensor *> inputs,
                                llvm::ArrayRef<Tensor *> results) const {
  llvm::SmallVector<void *> buffers;
  llvm::SmallVector<TensorSpec> types;
  for (const Tensor *t : inputs) {
    // The kernel only reads its inputs.
    buffers.push_back(const_cast<uint8_t *>(t->data()));
    types.push_back(t->getType());
  }
  for (Tensor *t : results) {
    buffers.push_back(t->data());
    types.push_back(t->getType());
  }
  return bindBuffers(buffers, types);
}

JITKernel::Call JITKernel::bindBuffers(llvm::ArrayRef<void *> buffers,
                                       llvm::ArrayRef<TensorSpec> types) const {
  Call call;
  call.fn = packedFn;
  for (auto [buffer, type] : llvm::zip_equal(buffers, types)) {
    // Allocated and aligned pointer, offset, sizes, row-major strides.
    auto address = int64_t(reinterpret_cast<intptr_t>(buffer));
    call.fields.push_back(address);
    call.fields.push_back(address);
    call.fields.push_back(0);
    llvm::SmallVector<int64_t> shape = type.getMemRefShape();
    call.fields.insert(call.fields.end(), shape.begin(), shape.end());
    llvm::SmallVector<int64_t> strides(shape.size(), 1);
    for (size_t d = shape.size(); d > 1; --d)
      strides[d - 2] = strides[d - 1] * shape[d - 1];
    call.fields.insert(call.fields.end(), strides.begin(), strides.end());
  }
  // The packed wrapper loads each argument through its own pointer.
  for (int64_t &field : call.fields)
    call.pointers.push_back(&field);
  return call;
}
