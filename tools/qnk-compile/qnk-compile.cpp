//===- qnk-compile.cpp - Ahead-of-time compile a QNK entry for C callers --===//
//
// Compiles one entry function through the fast CPU pipeline into a
// relocatable object (or a shared library, or assembly) exporting
// `void NAME(const T *arg0, ..., T *result0, ...)`, plus a C header.
//
//===----------------------------------------------------------------------===//

#include "qnk/InitAll.h"
#include "qnk/Pipelines/Pipelines.h"
#include "qnk/Runner/Runner.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;
using namespace qnk::runner;
namespace cl = llvm::cl;

static cl::OptionCategory category("qnk-compile options");

static cl::opt<std::string> inputFilename(cl::Positional, cl::Required,
                                          cl::desc("<input .mlir file>"),
                                          cl::cat(category));
static cl::opt<std::string>
    entryName("e", cl::Required,
              cl::desc("Entry function to export (also the C name)"),
              cl::value_desc("name"), cl::cat(category));
static cl::alias entryAlias("entry", cl::aliasopt(entryName),
                            cl::desc("Alias for -e"), cl::cat(category));
static cl::opt<std::string>
    targetName("target",
               cl::desc("CPU to compile for: host or an LLVM x86-64 CPU name "
                        "(znver4, skylake-avx512, sapphirerapids, ...)"),
               cl::init("host"), cl::cat(category));
static cl::list<std::string>
    features("features", cl::CommaSeparated,
             cl::desc("Target feature overrides, e.g. +avx512f,-avx512bw"),
             cl::cat(category));
static cl::opt<std::string>
    deviceName("device",
               cl::desc("Where the entry's kernels run: cpu (default) or "
                        "cuda (qnk-cuda-pipeline; the object calls the mgpu* "
                        "functions of libqnk_cuda_runtime)"),
               cl::init("cpu"), cl::cat(category));
static cl::opt<std::string>
    chipName("chip",
             cl::desc("With --device=cuda: the NVIDIA chip, sm_80 or sm_90a "
                      "(default: the pipeline's)"),
             cl::cat(category));
static cl::opt<std::string>
    pointersName("pointers",
                 cl::desc("With --device=cuda: what the entry's pointers "
                          "are, host buffers (default; the entry copies) or "
                          "device buffers (no copies)"),
                 cl::value_desc("host|device"), cl::init("host"),
                 cl::cat(category));
static cl::opt<std::string>
    outputFilename("o", cl::Required,
                   cl::desc("Output file: an object file, a shared library "
                            "with --shared, assembly with -S"),
                   cl::value_desc("file"), cl::cat(category));
static cl::opt<std::string>
    headerFilename("header", cl::desc("Also write a C header for the entry"),
                   cl::value_desc("file.h"), cl::cat(category));
static cl::opt<bool>
    emitShared("shared",
               cl::desc("Link the object into a shared library (with --cc)"),
               cl::cat(category));
static cl::opt<bool>
    emitAssembly("S", cl::desc("Write assembly instead of an object file"),
                 cl::cat(category));
static cl::opt<int64_t>
    kcOption("kc", cl::init(0),
             cl::desc("Cache block in K steps (qnk-tile's kc; 0: derived from "
                      "the target)"),
             cl::cat(category));
static cl::opt<int64_t>
    mcOption("mc", cl::init(0),
             cl::desc("Cache block in rows (qnk-tile's mc; 0: derived)"),
             cl::cat(category));
static cl::opt<int64_t>
    ncOption("nc", cl::init(0),
             cl::desc("Cache block in columns (qnk-tile's nc; 0: derived)"),
             cl::cat(category));
/// --threads, registered in main() once libLLVM's own option of that name is
/// out of the way.
static unsigned threads = 1;
static cl::opt<std::string>
    compilerDriver("cc",
                   cl::desc("Compiler driver that links --shared libraries "
                            "(default: clang-22, then clang, from PATH)"),
                   cl::value_desc("path"), cl::cat(category));

static cl::extrahelp moreHelp(R"(
The exported function takes one pointer per tensor, the arguments in order
and then the results: dense row-major buffers, bf16/f16 as uint16_t bit
patterns, results fully written and not overlapping the arguments. The object
defines only that function (everything else is internal) and needs nothing
at run time but malloc and free. Objects are position-independent, so they
link into executables and shared libraries alike.

Example:
  qnk-compile mm.mlir -e mm --target=znver4 -o mm.o --header=mm.h
  cc main.c mm.o -o main

With --device=cuda the entry still takes host buffers; its code copies them
to the GPU, runs the kernels (embedded as a cubin) and copies the results
back, through libqnk_cuda_runtime, which the program links (its host code
is compiled for --target, x86-64 by default):
  qnk-compile mm.mlir -e mm --device=cuda --chip=sm_90a -o mm.o --header=mm.h
  cc main.c mm.o -lqnk_cuda_runtime -o main

With --pointers=device the entry takes device buffers (from cudaMalloc or a
PyTorch CUDA tensor, 16-byte aligned) and launches on them in place; the
function may then only return qnk.matmul results of its arguments.
)");

static int fail(const llvm::Twine &message) {
  llvm::WithColor::error(llvm::errs(), "qnk-compile") << message << "\n";
  return 1;
}

/// Emits the object (or assembly) into `path`.
static llvm::Error writeCode(ModuleOp lowered, const EntryInfo &entry,
                             const TargetSpec &target, llvm::StringRef path) {
  std::string error;
  std::unique_ptr<llvm::ToolOutputFile> out = openOutputFile(path, &error);
  if (!out)
    return llvm::createStringError(error);
  llvm::CodeGenFileType type = emitAssembly
                                   ? llvm::CodeGenFileType::AssemblyFile
                                   : llvm::CodeGenFileType::ObjectFile;
  // Object writers seek back to patch headers; stdout cannot.
  std::optional<llvm::buffer_ostream> buffer;
  llvm::raw_pwrite_stream *os = &out->os();
  if (!out->os().supportsSeeking())
    os = &buffer.emplace(out->os());
  if (llvm::Error e = emitCInterfaceObject(lowered, entry, target, type, *os))
    return e;
  buffer.reset();
  out->keep();
  return llvm::Error::success();
}

/// Links `object` into the shared library `path` with the compiler driver.
static llvm::Error linkShared(llvm::StringRef object, llvm::StringRef path) {
  std::string driver = compilerDriver;
  if (driver.empty()) {
    for (llvm::StringRef name : {"clang-22", "clang"}) {
      if (llvm::ErrorOr<std::string> found =
              llvm::sys::findProgramByName(name)) {
        driver = *found;
        break;
      }
    }
  }
  if (driver.empty())
    return llvm::createStringError(
        "--shared needs a compiler driver to link: none of clang-22, clang "
        "is on PATH (name one with --cc)");
  llvm::SmallVector<llvm::StringRef> args = {driver, "-shared", "-o", path,
                                             object};
  // OpenMP regions call LLVM's runtime (the __kmpc ABI, not libgomp's).
  llvm::StringRef openmp = QNK_OPENMP_RUNTIME;
  if (threads > 1) {
    if (openmp.empty())
      return llvm::createStringError(
          "--threads needs LLVM's OpenMP runtime (libomp), which was not "
          "found when QNK was configured");
    args.push_back(openmp);
  }
  std::string error;
  int rc =
      llvm::sys::ExecuteAndWait(driver, args, std::nullopt, {}, 0, 0, &error);
  if (rc != 0)
    return llvm::createStringError(
        "linking '" + path.str() + "' with '" + driver + "' failed" +
        (error.empty() ? " (exit code " + std::to_string(rc) + ")"
                       : ": " + error));
  return llvm::Error::success();
}

static int run() {
  if (emitShared && emitAssembly)
    return fail("--shared and -S exclude each other");

  InputSession session;
  std::string error;
  if (failed(session.load(inputFilename, entryName, error)))
    return error.empty() ? 1 : fail(error);
  ModuleOp module = session.getModule();
  const EntryInfo *entry = &session.getEntry();
  if (!isValidCIdentifier(entryName)) {
    emitError(entry->loc) << "entry '" << entryName
                          << "' is not a valid C function name";
    return 1;
  }

  bool cuda = deviceName == "cuda";
  if (!cuda && deviceName != "cpu")
    return fail("unknown --device '" + deviceName + "' (cpu or cuda)");
  if (!cuda && !chipName.empty())
    return fail("--chip needs --device=cuda");
  if (pointersName != "host" && pointersName != "device")
    return fail("unknown --pointers '" + pointersName + "' (host or device)");
  bool devicePointers = pointersName == "device";
  if (!cuda && devicePointers)
    return fail("--pointers=device needs --device=cuda");
  std::vector<std::string> overrides(features.begin(), features.end());
  // CUDA host code only copies and launches: any x86-64 runs it.
  std::string hostTarget = cuda && targetName.getNumOccurrences() == 0
                               ? std::string("x86-64")
                               : targetName.getValue();
  llvm::Expected<TargetSpec> target = resolveTarget(hostTarget, overrides);
  if (!target)
    return fail(llvm::toString(target.takeError()));

  std::string chip =
      chipName.empty() ? qnk::CUDAPipelineOptions().chip : chipName.getValue();
  auto lowered =
      cuda ? lowerToLLVMDialectForCUDA(module, entryName, chip, pointersName)
           : lowerToLLVMDialect(module, entryName, Pipeline::Fast, *target,
                                std::max<unsigned>(threads, 1),
                                {kcOption, mcOption, ncOption});
  if (failed(lowered))
    return 1;

  if (!emitShared) {
    if (llvm::Error e = writeCode(**lowered, *entry, *target, outputFilename))
      return fail(llvm::toString(std::move(e)));
  } else {
    llvm::SmallString<128> object;
    if (std::error_code ec =
            llvm::sys::fs::createTemporaryFile("qnk-compile", "o", object))
      return fail("cannot create a temporary object file: " + ec.message());
    llvm::FileRemover removeObject(object);
    if (llvm::Error e = writeCode(**lowered, *entry, *target, object))
      return fail(llvm::toString(std::move(e)));
    if (llvm::Error e = linkShared(object, outputFilename))
      return fail(llvm::toString(std::move(e)));
  }

  if (!headerFilename.empty()) {
    std::unique_ptr<llvm::ToolOutputFile> out =
        openOutputFile(headerFilename, &error);
    if (!out)
      return fail(error);
    std::string header = generateCHeader(
        *entry, *target, llvm::sys::path::filename(inputFilename));
    if (cuda) {
      // Where the CPU header lists CPU features, say what the GPU needs.
      size_t libc = header.find("(and needs only libc: malloc, free)");
      if (libc != std::string::npos)
        header.replace(libc, 35, "(host code; also needs libqnk_cuda_runtime)");
      // qnk.load (Python) reads the chip and the kind of buffers from here.
      std::string buffers =
          devicePointers
              ? "device memory (16-byte aligned)\n * of the GPU that was the "
                "default device (mgpuSetDefaultDevice) when the kernels\n * "
                "were loaded (the library's constructor); the entry launches "
                "on them on a\n * stream of its own and waits for it, but "
                "not for work queued elsewhere."
              : "host memory, which the entry copies\n * to and from the "
                "GPU.";
      size_t guard = header.find("#ifndef");
      header.insert(guard, "/* The kernels run on an NVIDIA GPU (" + chip +
                               "): the buffers are " + buffers +
                               " Link libqnk_cuda_runtime; after a call,\n * "
                               "qnkCudaGetLastError() (qnk/Runtime/CUDA/"
                               "Runtime.h) says whether it ran. */\n");
    }
    out->os() << header;
    out->keep();
  }
  return 0;
}

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  // The shared LLVM library registers an undocumented `threads` option of
  // its own; unregister it before ours exists, or the two collide.
  if (cl::Option *other = cl::getRegisteredOptions().lookup("threads"))
    other->removeArgument();
  static cl::opt<unsigned, true> threadsOption(
      "threads", cl::location(threads), cl::init(1),
      cl::desc("Split the kernel's block loops across N OpenMP threads (the "
               "object then needs LLVM's OpenMP runtime, libomp; --shared "
               "links it)"),
      cl::cat(category));
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "qnk-compile: compile an entry function through the QNK CPU pipeline "
      "into an object file with a plain C entry point\n");
  return run();
}
