//===- Compiler.h - What the qnk Python extension does, without Python ----===//
//
// Parsing, compiling and running QNK entries for the nanobind module
// (QNKModule.cpp), in plain C++ so that the logic stays testable and free of
// Python types. Every failure comes back as an llvm::Error whose message is
// the MLIR diagnostics as the tools print them (`file:line:col: error: ...`
// with the source line), never as an exit or abort.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_PYTHON_COMPILER_H
#define QNK_PYTHON_COMPILER_H

#include "qnk/Runner/Runner.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace qnk::python {

/// Where a module's text comes from: the text and the name diagnostics
/// give its buffer (a path, `input.mlir`, `<stdin>`).
struct Source {
  llvm::StringRef text;
  llvm::StringRef bufferName;
};

/// The CPU target a kernel is compiled for.
struct TargetOptions {
  std::string target = "host";
  std::vector<std::string> features;
  int64_t threads = 1;
};

/// What the Python side needs to know about a compiled entry.
struct KernelInfo {
  std::string entry;
  std::vector<runner::TensorSpec> args, results;
  /// The CPU compiled for (`host` resolved) and the features the code uses.
  std::string cpu;
  std::vector<std::string> cpuFeatures;
  /// The C header qnk-compile would write (empty if the entry's name is not
  /// a C identifier).
  std::string header;
  /// Warnings and remarks emitted on the way, as text.
  std::string warnings;
};

/// A JIT-compiled entry function.
struct Kernel {
  KernelInfo info;
  std::unique_ptr<runner::JITKernel> jit;

  /// Runs the kernel on caller-owned dense buffers of the entry's types:
  /// the arguments, then the results.
  void run(llvm::ArrayRef<void *> buffers) const;
};

/// Compiles `entry` through the CPU pipeline and JIT-compiles it for this
/// process. Fails if the target uses features this CPU lacks.
llvm::Expected<std::unique_ptr<Kernel>>
compileJIT(Source source, llvm::StringRef entry, const TargetOptions &options);

/// An entry compiled ahead of time: a relocatable object exporting
/// `void entry(const T *arg0, ..., T *result0, ...)`.
struct ObjectCode {
  KernelInfo info;
  std::string object;
};

/// What qnk-compile does, in process.
llvm::Expected<ObjectCode> compileObject(Source source, llvm::StringRef entry,
                                         const TargetOptions &options);

/// The IR around one pass of a pipeline.
struct PassDump {
  bool before; ///< Printed before the pass ran (else after).
  std::string pass;
  std::string ir;
};

struct PipelineResult {
  std::string ir;
  std::vector<PassDump> dumps;
  std::string warnings;
};

/// Runs a textual pipeline (`qnk-cpu-pipeline{target=znver3},cse`, or
/// anchored: `builtin.module(...)`) on the module, recording the whole
/// module before and/or after every pass as asked.
llvm::Expected<PipelineResult> runPipeline(Source source,
                                           llvm::StringRef pipeline,
                                           bool printBefore, bool printAfter);

/// True if `name` is a registered pass or pass pipeline.
bool isRegisteredPass(llvm::StringRef name);

} // namespace qnk::python

#endif // QNK_PYTHON_COMPILER_H
