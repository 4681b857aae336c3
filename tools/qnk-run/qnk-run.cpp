//===- qnk-run.cpp - JIT-compile, run, verify and time a QNK entry --------===//
//
// Compiles one entry function of a .mlir file through the fast CPU pipeline,
// runs it on .npy or seeded inputs, and optionally checks it against the
// reference pipeline and times it.
//
//===----------------------------------------------------------------------===//

#include "qnk/InitAll.h"
#include "qnk/Runner/Runner.h"
#include "qnk/Runtime/CUDA/Runtime.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

using namespace mlir;
using namespace qnk::runner;
namespace cl = llvm::cl;

static cl::OptionCategory category("qnk-run options");

static cl::opt<std::string> inputFilename(cl::Positional, cl::Required,
                                          cl::desc("<input .mlir file>"),
                                          cl::cat(category));
static cl::opt<std::string> entryName("e", cl::Required,
                                      cl::desc("Entry function to run"),
                                      cl::value_desc("name"),
                                      cl::cat(category));
static cl::alias entryAlias("entry", cl::aliasopt(entryName),
                            cl::desc("Alias for -e"), cl::cat(category));
static cl::opt<std::string>
    targetName("target",
               cl::desc("CPU to compile for: host or an LLVM x86-64 CPU name "
                        "(znver4, skylake-avx512, ...); it must run here"),
               cl::init("host"), cl::cat(category));
static cl::list<std::string>
    features("features", cl::CommaSeparated,
             cl::desc("Target feature overrides, e.g. +avx512f,-avx512bw"),
             cl::cat(category));
static cl::opt<std::string>
    deviceName("device",
               cl::desc("Where the entry runs: cpu (default) or cuda "
                        "(qnk-cuda-pipeline, on GPU 0; --target is then the "
                        "host code's CPU)"),
               cl::init("cpu"), cl::cat(category));
static cl::opt<std::string>
    chipName("chip",
             cl::desc("With --device=cuda: sm_80 or sm_90a (default: the "
                      "GPU's own, if it is one of them)"),
             cl::cat(category));
static cl::opt<uint64_t> seed("seed", cl::init(0),
                              cl::desc("Seed of the random inputs"),
                              cl::cat(category));
static cl::list<std::string>
    inputFiles("input",
               cl::desc("An input .npy, once per argument of the entry in "
                        "order (default: seeded random data)"),
               cl::value_desc("file.npy"), cl::cat(category));
static cl::list<std::string>
    outputFiles("output",
                cl::desc("Write a result as .npy, once per result in order"),
                cl::value_desc("file.npy"), cl::cat(category));
static cl::opt<bool>
    verify("verify",
           cl::desc("Check the results against the reference pipeline"),
           cl::cat(category));
static cl::opt<unsigned> benchRuns(
    "bench", cl::init(0),
    cl::desc("Time N runs after a warm-up; print median ms and GFLOP/s"),
    cl::value_desc("N"), cl::cat(category));
static cl::opt<bool> runReference(
    "reference",
    cl::desc("Run (and --bench) the reference pipeline instead of the fast "
             "one, to time the naive lowering"),
    cl::cat(category));
static cl::opt<bool> emitJSON("json",
                              cl::desc("Print one JSON object on stdout"),
                              cl::cat(category));
static cl::opt<std::string>
    dumpAsm("dump-asm",
            cl::desc("Write the assembly of the compiled fast path"),
            cl::value_desc("file"), cl::cat(category));
static cl::opt<bool> corruptForTesting(
    "testing-corrupt-result", cl::Hidden,
    cl::desc("Testing only: corrupt element 0 of result 0 of the fast path "
             "so that --verify has a failure to report"),
    cl::cat(category));

static cl::extrahelp verifyHelp(R"(
Inputs: without --input, every argument gets data that depends only on --seed
and its position: floats uniform in [-1, 1) rounded to the element type,
i8 in [-128, 127], ui8 in [0, 255], i32 in [-128, 127]. An --input must match
the argument's shape and dtype exactly (float32, float16, bfloat16 as
ml_dtypes saves it, int8, uint8, int32; little-endian, C order).

--verify compiles the entry a second time through the reference pipeline
(scalar loops), runs it on the same inputs and compares every result element:
  * integer results (i8, ui8, i32) must be bit-exact;
  * floating-point results must satisfy |x - ref| <= atol + rtol * |ref| with
      atol = 1e-6 * K * A^2,
    K the largest reduction size of a matmul in the entry (1 without one)
    and A the largest |value| over all inputs (a bound on the summation-order error of a K-term
    dot product), and rtol = 1e-4 (2^-10 for f16 results, 2^-7 for bf16:
    one unit in the last place). A qnk.attention with pv_type adds
    w * A to atol, w = 2^-7 (bf16) or 2^-3 (f8E4M3FN): the fused lowering
    rounds P relative to a running max, the reference relative to the row
    max, so each weight may differ by two roundings. NaNs must match NaNs,
    infinities must match exactly.
It prints max_abs_err = max |x - ref| and max_rel_err =
max |x - ref| / max(|ref|, FLT_MIN), and fails (exit code 1) beyond tolerance.

--target must be a CPU this machine can run: a target whose code could use
instructions it lacks is refused with their names before anything runs.
Features only reachable through intrinsics (mwaitx, pku, movdiri, ...) are
turned off instead, with a note.

--bench FLOPs are 2*M*N*K*batch summed over the qnk.matmul,
qnk.batch_matmul, linalg.matmul and linalg.batch_matmul ops the entry runs
(calls followed), counted on the input IR.

Exit code: 0 on success, 1 on any error or failed verification.
)");

namespace {
/// Results of the optional phases, for the summary and the JSON object.
struct Report {
  std::optional<bool> verified;
  std::optional<double> maxAbsErr, maxRelErr;
  std::optional<double> medianMs, gflops;
};
} // namespace

static int fail(const llvm::Twine &message) {
  // Keep stdout and stderr in order when both go to one pipe.
  llvm::outs().flush();
  llvm::WithColor::error(llvm::errs(), "qnk-run") << message << "\n";
  return 1;
}

/// A JSON number, or null where there is none or it is not finite (JSON has
/// no infinities).
static llvm::json::Value jsonNumber(std::optional<double> v) {
  if (!v || !std::isfinite(*v))
    return nullptr;
  return *v;
}

static llvm::json::Array jsonShape(const TensorSpec &t) {
  llvm::json::Array shape;
  for (int64_t d : t.shape)
    shape.push_back(d);
  return shape;
}

/// A value for a message: NaN without the sign printf may give it.
static std::string formatValue(double v) {
  if (std::isnan(v))
    return "nan";
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%.9g", v);
  return s;
}

/// Loads or generates the entry's inputs; diagnostics point at the argument.
static LogicalResult prepareInputs(const EntryInfo &entry,
                                   llvm::SmallVectorImpl<Tensor> &inputs) {
  if (!inputFiles.empty() && inputFiles.size() != entry.inputs.size())
    return emitError(entry.loc)
           << "'" << entry.name << "' takes " << entry.inputs.size()
           << " argument(s) but " << inputFiles.size()
           << " --input file(s) were given (one per argument, in order)";
  for (auto [i, type] : llvm::enumerate(entry.inputs)) {
    if (inputFiles.empty()) {
      inputs.emplace_back(type);
      fillRandom(inputs.back(), seed, i);
      continue;
    }
    llvm::StringRef path = inputFiles[i];
    llvm::Expected<NpyArray> array = readNpy(path, type.elementType);
    if (!array)
      return emitError(entry.inputLocs[i])
             << "input " << i << " (" << path
             << "): " << llvm::toString(array.takeError());
    TensorSpec got{array->elementType.value_or(type.elementType), array->shape};
    if (!array->elementType || got != type) {
      std::string dtype = array->elementType
                              ? getElementTypeName(*array->elementType).str()
                              : "'" + array->descr + "'";
      return emitError(entry.inputLocs[i])
             << "input " << i << " (" << path << "): expected shape "
             << type.str() << ", got " << formatShape(array->shape) << " "
             << dtype;
    }
    inputs.push_back(std::move(array->tensor));
  }
  return success();
}

static llvm::SmallVector<Tensor> allocateResults(const EntryInfo &entry) {
  llvm::SmallVector<Tensor> results;
  for (const TensorSpec &type : entry.results) {
    results.emplace_back(type);
    fillPoison(results.back());
  }
  return results;
}

static JITKernel::Call bindCall(const JITKernel &kernel,
                                llvm::ArrayRef<Tensor> inputs,
                                llvm::MutableArrayRef<Tensor> results) {
  llvm::SmallVector<const Tensor *> in;
  for (const Tensor &t : inputs)
    in.push_back(&t);
  llvm::SmallVector<Tensor *> out;
  for (Tensor &t : results)
    out.push_back(&t);
  return kernel.bind(in, out);
}

/// Makes element 0 wrong for --testing-corrupt-result: NaN for floats, a
/// flipped low bit for integers, never within tolerance.
static void corruptFirstElement(Tensor &t) {
  if (t.getNumElements() == 0)
    return;
  ElementType type = t.getType().elementType;
  if (isFloatingPoint(type))
    std::memset(t.data(), 0xff, size_t(getElementBitWidth(type) / 8));
  else
    t.data()[0] ^= 1;
}

/// Compiles the entry through the reference pipeline, runs it on `inputs`
/// and compares `results` with its results. Fails only if the reference
/// cannot be built; the comparison's outcome goes into `report` (and a
/// mismatch is reported as an error).
static LogicalResult
verifyAgainstReference(ModuleOp module, const EntryInfo &entry,
                       const TargetSpec &target, llvm::ArrayRef<Tensor> inputs,
                       llvm::ArrayRef<Tensor> results, Report &report) {
  auto lowered =
      lowerToLLVMDialect(module, entry.name, Pipeline::Reference, target);
  if (failed(lowered))
    return failure();
  auto kernel = JITKernel::create(**lowered, entry, target);
  if (!kernel) {
    fail("cannot JIT-compile the reference of '" + entry.name +
         "': " + llvm::toString(kernel.takeError()));
    return failure();
  }
  llvm::SmallVector<Tensor> expected = allocateResults(entry);
  bindCall(**kernel, inputs, expected)();

  double inputMaxAbs = inputs.empty() ? 1.0 : 0.0;
  for (const Tensor &t : inputs)
    inputMaxAbs = std::max(inputMaxAbs, t.getMaxAbs());
  report.verified = true;
  report.maxAbsErr = report.maxRelErr = 0;
  std::string failures;
  llvm::raw_string_ostream os(failures);
  for (auto [i, got, ref] : llvm::enumerate(results, expected)) {
    const TensorSpec &type = entry.results[i];
    Tolerance tolerance = getTolerance(type.elementType, entry.maxReductionSize,
                                       inputMaxAbs, entry.weightRounding);
    Comparison c = compareTensors(got, ref, tolerance);
    report.maxAbsErr = std::max(*report.maxAbsErr, c.maxAbsErr);
    report.maxRelErr = std::max(*report.maxRelErr, c.maxRelErr);
    if (c.numMismatches == 0)
      continue;
    report.verified = false;
    os << "\n  result " << i << " (" << type.str() << "): " << c.numMismatches
       << " of " << got.getNumElements() << " elements beyond tolerance (";
    if (tolerance.exact)
      os << "bit-exact";
    else
      os << llvm::format("|x - ref| <= %.3e + %.3e * |ref|", tolerance.atol,
                         tolerance.rtol);
    os << "); first at " << formatIndex(type.shape, c.firstMismatch) << ": got "
       << formatValue(c.firstGot) << ", expected "
       << formatValue(c.firstExpected);
  }
  if (!emitJSON)
    llvm::outs() << (*report.verified ? "verified" : "verification FAILED")
                 << llvm::format(": max_abs_err=%.3e max_rel_err=%.3e\n",
                                 *report.maxAbsErr, *report.maxRelErr);
  if (!*report.verified)
    fail("'" + entry.name +
         "' does not match the reference pipeline:" + failures);
  return success();
}

/// Times --bench runs of `call` after one warm-up run.
static void benchmark(const JITKernel::Call &call, const EntryInfo &entry,
                      Report &report) {
  using Clock = std::chrono::steady_clock;
  call(); // Warm-up: caches, page faults of the packing buffers.
  std::vector<double> ms;
  ms.reserve(benchRuns);
  for (unsigned i = 0; i < benchRuns; ++i) {
    Clock::time_point start = Clock::now();
    call();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start)
                     .count());
  }
  std::sort(ms.begin(), ms.end());
  size_t n = ms.size();
  double median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
  report.medianMs = median;
  if (entry.flops > 0 && median > 0)
    report.gflops = double(entry.flops) / (median * 1e-3) / 1e9;
  if (emitJSON)
    return;
  llvm::outs() << llvm::format("bench: %u runs, median %.4f ms, ",
                               unsigned(benchRuns), median);
  if (report.gflops)
    llvm::outs() << llvm::format("%.2f GFLOP/s\n", *report.gflops);
  else
    llvm::outs() << "GFLOP/s n/a (no matmul in the entry)\n";
}

static void printJSON(const EntryInfo &entry, const TargetSpec &target,
                      unsigned threads, const Report &report) {
  llvm::json::Array inputs, results, overrides;
  for (auto [i, t] : llvm::enumerate(entry.inputs))
    inputs.push_back(llvm::json::Object{
        {"shape", jsonShape(t)},
        {"dtype", getElementTypeName(t.elementType)},
        {"source", inputFiles.empty() ? std::string("random")
                                      : std::string(inputFiles[i])}});
  for (const TensorSpec &t : entry.results)
    results.push_back(llvm::json::Object{
        {"shape", jsonShape(t)}, {"dtype", getElementTypeName(t.elementType)}});
  for (const std::string &f : target.overrides)
    overrides.push_back(f);
  llvm::json::Object object{
      {"entry", entry.name},
      {"target", target.resolved.cpu},
      {"requested_target", target.name},
      {"features", std::move(overrides)},
      {"threads", int64_t(threads)},
      {"seed", int64_t(seed)},
      {"inputs", std::move(inputs)},
      {"results", std::move(results)},
      {"flops", entry.flops},
      {"verified", report.verified ? llvm::json::Value(*report.verified)
                                   : llvm::json::Value(nullptr)},
      {"max_abs_err", jsonNumber(report.maxAbsErr)},
      {"max_rel_err", jsonNumber(report.maxRelErr)},
      {"bench_runs", int64_t(benchRuns)},
      {"median_ms", jsonNumber(report.medianMs)},
      {"gflops", jsonNumber(report.gflops)},
  };
  llvm::outs() << llvm::formatv("{0:2}", llvm::json::Value(std::move(object)))
               << "\n";
}

/// A plain run has nothing else to show: summarize the results so that it
/// says something checkable.
static void printSummary(llvm::ArrayRef<Tensor> results) {
  for (auto [i, r] : llvm::enumerate(results)) {
    double sum = 0;
    for (int64_t j = 0, e = r.getNumElements(); j < e; ++j)
      sum += r.getAsDouble(j);
    llvm::outs() << "result " << i << ": " << r.getType().str()
                 << llvm::format(" sum=%.6g max_abs=%.6g\n", sum,
                                 r.getMaxAbs());
  }
}

/// Refuses a target whose code could use instructions this CPU lacks, before
/// anything is compiled or run. Features that only intrinsics use are turned
/// off instead (the code is the same), with a note.
static LogicalResult checkHostSupport(TargetSpec &target) {
  llvm::SmallVector<std::string> missing = getFeaturesMissingOnHost(target);
  if (missing.empty())
    return success();
  llvm::SmallVector<std::string> blocking, dropped;
  for (const std::string &f : missing)
    (isIntrinsicOnlyFeature(f) ? dropped : blocking).push_back(f);
  if (!blocking.empty()) {
    std::string drop;
    for (const std::string &f : blocking)
      drop += (drop.empty() ? "-" : ",-") + f;
    fail("target '" + target.name + "' (" + target.resolved.cpu +
         ") needs CPU features this machine lacks: " +
         llvm::join(blocking, ", ") +
         "; nothing was run (pick another --target, or turn them off with "
         "--features=" +
         drop + ")");
    return failure();
  }
  std::vector<std::string> overrides = target.overrides;
  for (const std::string &f : dropped)
    overrides.push_back("-" + f);
  llvm::Expected<TargetSpec> reduced = resolveTarget(target.name, overrides);
  if (!reduced) {
    fail(llvm::toString(reduced.takeError()));
    return failure();
  }
  llvm::WithColor::note(llvm::errs(), "qnk-run")
      << "this machine lacks " << llvm::join(dropped, ", ")
      << "; compiling without them (QNK code does not use them)\n";
  target = std::move(*reduced);
  return success();
}

/// The CUDA runtime's pending error as a diagnostic.
static LogicalResult checkCUDAErrors(const std::string &when) {
  if (QnkCudaStatus status = qnkCudaGetLastError()) {
    fail(when + ": " + qnkCudaStatusName(status) + ": " +
         qnkCudaGetLastErrorMessage());
    return failure();
  }
  return success();
}

/// Fails with the reason if GPU 0 cannot be used (no driver, no device),
/// and picks the chip to compile for from it when none was named.
static LogicalResult checkCUDADevice(std::string &chip) {
  // qnk-run reports the runtime's errors itself.
  qnkCudaSetErrorHandler([](QnkCudaStatus, int, const char *, void *) {},
                         nullptr);
  QnkCudaDeviceInfo info;
  if (qnkCudaGetDeviceInfo(0, &info) != QNK_CUDA_SUCCESS)
    return checkCUDAErrors("--device=cuda: no usable GPU");
  if (chip.empty()) {
    if (info.computeCapabilityMajor == 9 && info.computeCapabilityMinor == 0)
      chip = "sm_90a";
    else if (info.computeCapabilityMajor == 8)
      chip = "sm_80";
    else {
      fail(std::string("--device=cuda: no --chip given and GPU 0 (") +
           info.name + ", sm_" +
           std::to_string(info.computeCapabilityMajor * 10 +
                          info.computeCapabilityMinor) +
           ") is neither an sm_8x nor an sm_90");
      return failure();
    }
  }
  return success();
}

static int run(unsigned threads) {
  if (threads == 0)
    return fail("--threads must be at least 1");

  InputSession session;
  std::string error;
  if (failed(session.load(inputFilename, entryName, error)))
    return error.empty() ? 1 : fail(error);
  ModuleOp module = session.getModule();
  const EntryInfo *entry = &session.getEntry();

  std::vector<std::string> overrides(features.begin(), features.end());
  llvm::Expected<TargetSpec> target = resolveTarget(targetName, overrides);
  if (!target)
    return fail(llvm::toString(target.takeError()));
  if (failed(checkHostSupport(*target)))
    return 1;
  // AMX code faults without the tile state, which Linux grants on request.
  if (llvm::Error e = requestTileStatePermission(*target))
    return fail(llvm::toString(std::move(e)));

  if (!outputFiles.empty() && outputFiles.size() != entry->results.size()) {
    emitError(entry->loc) << "'" << entryName << "' returns "
                          << entry->results.size() << " result(s) but "
                          << outputFiles.size()
                          << " --output file(s) were given (one per result, "
                             "in order)";
    return 1;
  }
  llvm::SmallVector<Tensor> inputs;
  if (failed(prepareInputs(*entry, inputs)))
    return 1;

  bool cuda = deviceName == "cuda";
  if (!cuda && deviceName != "cpu")
    return fail("unknown --device '" + deviceName + "' (cpu or cuda)");
  std::string chip = chipName;
  if (cuda) {
    if (runReference)
      return fail("--reference runs on the CPU; drop --device=cuda");
    if (failed(checkCUDADevice(chip)))
      return 1;
  }
  auto lowered = cuda ? lowerToLLVMDialectForCUDA(module, entryName, chip)
                      : lowerToLLVMDialect(module, entryName,
                                           runReference ? Pipeline::Reference
                                                        : Pipeline::Fast,
                                           *target, threads);
  if (failed(lowered))
    return 1;
  std::string assembly;
  auto kernel = JITKernel::create(**lowered, *entry, *target,
                                  dumpAsm.empty() ? nullptr : &assembly);
  if (!kernel)
    return fail("cannot JIT-compile '" + entryName +
                "': " + llvm::toString(kernel.takeError()));
  if (!dumpAsm.empty()) {
    std::unique_ptr<llvm::ToolOutputFile> out = openOutputFile(dumpAsm, &error);
    if (!out)
      return fail(error);
    out->os() << assembly;
    out->keep();
  }

  // The GPU module loads while the engine initializes.
  if (cuda && failed(checkCUDAErrors("loading the kernels on the GPU")))
    return 1;
  llvm::SmallVector<Tensor> results = allocateResults(*entry);
  JITKernel::Call call = bindCall(**kernel, inputs, results);
  call();
  if (cuda && failed(checkCUDAErrors("running '" + entryName + "' on the GPU")))
    return 1;
  if (corruptForTesting)
    corruptFirstElement(results[0]);
  for (auto [path, result] : llvm::zip(outputFiles, results))
    if (llvm::Error e = writeNpy(path, result))
      return fail(llvm::toString(std::move(e)));

  Report report;
  if (verify && failed(verifyAgainstReference(module, *entry, *target, inputs,
                                              results, report)))
    return 1;
  // Timing code that computes the wrong answer would be meaningless.
  if (benchRuns > 0 && report.verified.value_or(true))
    benchmark(call, *entry, report);

  if (emitJSON)
    printJSON(*entry, *target, threads, report);
  else if (!verify && benchRuns == 0)
    printSummary(results);
  return report.verified.value_or(true) ? 0 : 1;
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
  static cl::opt<unsigned> threads(
      "threads", cl::init(1),
      cl::desc("OpenMP threads the fast path's block loops are split "
               "across (the reference runs on one)"),
      cl::cat(category));
  // libLLVM registers hundreds of options; --help shows ours (the others
  // still work, and --help-hidden lists them).
  cl::HideUnrelatedOptions(category);
  cl::ParseCommandLineOptions(
      argc, argv,
      "qnk-run: JIT-compile an entry function through the QNK CPU pipeline, "
      "run it, and optionally verify it against the reference pipeline and "
      "time it\n");
  return run(threads);
}
