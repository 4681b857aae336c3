//===- Runner.h - Compile, run and check QNK entry points -------*- C++ -*-===//
//
// What qnk-run and qnk-compile share: the host-side view of an entry
// function's tensors, .npy files, seeded inputs, the numeric comparison
// against the reference pipeline, and the way from a builtin module to
// machine code (a JIT-compiled kernel or a relocatable object with a plain C
// entry point).
//
// The ABI this relies on is the one the QNK pipelines produce: every tensor
// argument and result of `func.func @f` becomes a memref descriptor expanded
// into (allocated ptr, aligned ptr, offset, sizes..., strides...), results
// trail the arguments as out-parameters, and `@f` returns nothing.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_RUNNER_RUNNER_H
#define QNK_RUNNER_RUNNER_H

#include "qnk/Target/CPUTarget.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "mlir/Support/LLVM.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/SourceMgr.h"

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class raw_pwrite_stream;
class TargetMachine;
class Triple;
} // namespace llvm

namespace mlir {
class ExecutionEngine;
} // namespace mlir

namespace qnk::runner {

//===----------------------------------------------------------------------===//
// Tensors on the host
//===----------------------------------------------------------------------===//

/// Element types that may cross the boundary of an entry function.
enum class ElementType {
  F32,
  BF16,
  F16,
  F8E4M3FN,
  F8E5M2,
  I8,
  UI8,
  I4,
  UI4,
  I32,
  F4E2M1FN,
  F8E8M0FNU
};

/// `f32`, `bf16`, `f16`, `f8E4M3FN`, `f8E5M2`, `i8`, `ui8`, `i4`, `ui4`,
/// `i32`, `f4E2M1FN` or `f8E8M0FNU`: the MLIR spelling.
llvm::StringRef getElementTypeName(ElementType type);
/// Bits per element in memory: 4-bit types are packed two per byte.
int64_t getElementBitWidth(ElementType type);
/// True for `i4`, `ui4` and `f4E2M1FN`.
bool isPacked4Bit(ElementType type);
bool isFloatingPoint(ElementType type);
/// The element type for an MLIR type, or nothing if it cannot cross the
/// boundary. `si8`/`si32` count as `i8`/`i32`.
std::optional<ElementType> getElementType(mlir::Type type);

/// `64x32`, or `scalar` for rank 0: how messages show a shape.
std::string formatShape(llvm::ArrayRef<int64_t> shape);

/// A static tensor type: shape and element type.
struct TensorSpec {
  ElementType elementType = ElementType::F32;
  llvm::SmallVector<int64_t> shape;

  int64_t getNumElements() const;
  /// Bytes in memory: 4-bit elements are packed two per byte in row-major
  /// order, the even element in the low nibble.
  int64_t getSizeInBytes() const {
    return (getNumElements() * getElementBitWidth(elementType) + 7) / 8;
  }
  /// The shape of the memref that holds the tensor at a compiled entry
  /// point: `shape`, or one dimension of bytes for packed 4-bit elements.
  llvm::SmallVector<int64_t> getMemRefShape() const;
  /// `64x32 f32` (`scalar f32` for rank 0): how error messages show a type.
  std::string str() const;
  bool operator==(const TensorSpec &other) const {
    return elementType == other.elementType && shape == other.shape;
  }
  bool operator!=(const TensorSpec &other) const { return !(*this == other); }
};

/// A dense, row-major tensor in 64-byte aligned host memory.
class Tensor {
public:
  Tensor() = default;
  /// Allocates a zero-filled tensor of `type`.
  explicit Tensor(TensorSpec type);

  const TensorSpec &getType() const { return type; }
  int64_t getNumElements() const { return type.getNumElements(); }
  int64_t getSizeInBytes() const { return type.getSizeInBytes(); }
  uint8_t *data() { return storage.get(); }
  const uint8_t *data() const { return storage.get(); }

  /// Element `i` (row-major) widened exactly to double.
  double getAsDouble(int64_t i) const;
  /// Stores integer `v` as element `i` of an integer tensor (truncated to
  /// the element's bits).
  void setInteger(int64_t i, int64_t v);
  /// Largest |element|; 0 for an empty tensor, NaN if any element is NaN.
  double getMaxAbs() const;

private:
  struct FreeDeleter {
    void operator()(uint8_t *p) const { std::free(p); }
  };
  TensorSpec type;
  std::unique_ptr<uint8_t[], FreeDeleter> storage;
};

/// Bit-exact conversions between float and the 16-bit float formats, with
/// round-to-nearest-even and NaNs kept quiet.
float bf16BitsToFloat(uint16_t bits);
uint16_t floatToBF16Bits(float value);
float f16BitsToFloat(uint16_t bits);
uint16_t floatToF16Bits(float value);

/// Fills `tensor` with data that depends only on `seed` and `stream` (the
/// argument index, so that each input gets its own sequence). Floats are
/// uniform in [-1, 1) and then rounded to the element type; i8 is uniform in
/// [-128, 127], ui8 in [0, 255], i4 in [-8, 7], ui4 in [0, 15] and i32 in
/// [-128, 127].
void fillRandom(Tensor &tensor, uint64_t seed, uint64_t stream);

/// Fills `tensor` with all-ones bytes (NaN for floats, -1 for integers), so
/// that elements a kernel forgets to write show up in a comparison.
void fillPoison(Tensor &tensor);

//===----------------------------------------------------------------------===//
// Comparison against the reference
//===----------------------------------------------------------------------===//

/// The accepted error of one result: integer results must be bit-exact,
/// floating-point ones must satisfy |x - ref| <= atol + rtol * |ref|.
struct Tolerance {
  bool exact = true;
  double atol = 0;
  double rtol = 0;
};

/// The tolerance for a result of element type `type` of an entry whose
/// largest matmul reduction is `maxReductionSize` (K) and whose inputs have
/// magnitude at most `inputMaxAbs` (A):
///   * i8, ui8, i32: exact;
///   * f32, f16, bf16: atol = 1e-6 * K * A^2 (a summation-order error bound
///     of a K-term dot product of values bounded by A), rtol = 1e-4, raised
///     to one unit in the last place (2^-10 for f16, 2^-7 for bf16) for
///     results that are rounded to a 16-bit type;
///   * plus `weightRounding` * A where the entry rounds the weights of a
///     weighted mean (qnk.attention's P with pv_type) in a way the fast
///     path may round differently (see EntryInfo::weightRounding).
Tolerance getTolerance(ElementType type, int64_t maxReductionSize,
                       double inputMaxAbs, double weightRounding = 0);

/// The outcome of comparing one result against the reference.
struct Comparison {
  /// max |x - ref| (infinite where exactly one of them is NaN or they are
  /// different infinities).
  double maxAbsErr = 0;
  /// max |x - ref| / max(|ref|, FLT_MIN).
  double maxRelErr = 0;
  int64_t numMismatches = 0;
  /// The first element beyond tolerance, row-major, or -1.
  int64_t firstMismatch = -1;
  double firstGot = 0, firstExpected = 0;
};

/// Compares `got` against `ref` (which must have the same type).
Comparison compareTensors(const Tensor &got, const Tensor &ref,
                          const Tolerance &tolerance);

/// `[3, 17]`: the multi-index of row-major element `index` in `shape`.
std::string formatIndex(llvm::ArrayRef<int64_t> shape, int64_t index);

//===----------------------------------------------------------------------===//
// .npy files
//===----------------------------------------------------------------------===//

/// An array read from a .npy file. `descr` is the file's dtype string;
/// `elementType` is empty if QNK cannot use that dtype.
struct NpyArray {
  std::string descr;
  std::optional<ElementType> elementType;
  llvm::SmallVector<int64_t> shape;
  Tensor tensor; ///< Only set when `elementType` is.
};

/// Reads a little-endian, C-order .npy file (format versions 1.0 to 3.0).
/// Accepted dtypes: <f4, <f2, <i4, |i1, |u1, and bfloat16 as ml_dtypes and
/// np.save write it ('<V2'; 'bfloat16' is accepted as well). ml_dtypes' fp8
/// arrays are saved as one opaque byte ('|V1') whichever format they hold:
/// `opaqueByte` says which fp8 type such a file holds (the caller's
/// expectation). When it is `i4` or `ui4`, one-byte arrays (ml_dtypes'
/// int4/uint4, or int8/uint8 within range) are read and packed two per
/// byte. Other dtypes come back with `elementType` unset so the caller can
/// name them.
llvm::Expected<NpyArray>
readNpy(llvm::StringRef path,
        std::optional<ElementType> opaqueByte = std::nullopt);

/// Writes `tensor` as a version 1.0 .npy file (2.0 if the header is too long
/// for 1.0). bf16 is written as '<V2', the way np.save writes an ml_dtypes
/// bfloat16 array: `np.load(f).view(ml_dtypes.bfloat16)` reads it back; fp8
/// likewise as '|V1'.
llvm::Error writeNpy(llvm::StringRef path, const Tensor &tensor);

//===----------------------------------------------------------------------===//
// Entry functions
//===----------------------------------------------------------------------===//

/// The boundary of a `func.func` entry as read before lowering.
struct EntryInfo {
  explicit EntryInfo(mlir::Location loc) : loc(loc) {}
  std::string name;
  mlir::Location loc;
  llvm::SmallVector<TensorSpec> inputs;
  llvm::SmallVector<mlir::Location> inputLocs;
  llvm::SmallVector<TensorSpec> results;
  /// 2*M*N*K*batch summed over the matmuls the entry runs (following calls).
  int64_t flops = 0;
  /// The largest reduction size (K) among those matmuls; 0 without any.
  int64_t maxReductionSize = 0;
  /// The largest relative difference between the fast path's and the
  /// reference's rounding of an attention weight: qnk.attention with
  /// pv_type rounds P relative to a running max in the fused lowering and
  /// to the row max in the reference, two roundings apart (2^-7 for bf16,
  /// 2^-3 for E4M3). The weights sum to 1, so outputs differ by at most
  /// this times the largest |V|. 0 without such an attention.
  double weightRounding = 0;

  /// Number of scalar arguments of the lowered function: each tensor is a
  /// memref descriptor of 3 + 2 * rank fields.
  int64_t getNumLoweredArguments() const;
};

/// Finds `name` in `module` and reads its signature. Emits a diagnostic and
/// fails if it is missing, has no body, or takes or returns anything but
/// static tensors of a supported element type.
mlir::FailureOr<EntryInfo> analyzeEntry(mlir::ModuleOp module,
                                        llvm::StringRef name);

/// What a QNK driver needs to read its input: a context with every dialect
/// QNK uses (single-threaded: one small module goes through the pipeline,
/// and worker threads would only add start-up time and idle threads next
/// to timed kernels), and diagnostics printed with the file's locations.
class InputSession {
public:
  InputSession();
  ~InputSession();
  /// Parses `path` ("-" for stdin) and reads its entry `name`. On failure
  /// the problem has been reported: MLIR diagnostics through the handler,
  /// file errors in `error`.
  mlir::LogicalResult load(llvm::StringRef path, llvm::StringRef name,
                           std::string &error);
  mlir::ModuleOp getModule() { return *module; }
  const EntryInfo &getEntry() const { return *entry; }

private:
  std::unique_ptr<mlir::MLIRContext> context;
  std::unique_ptr<llvm::SourceMgr> sourceMgr;
  std::unique_ptr<mlir::SourceMgrDiagnosticHandler> diagnostics;
  mlir::OwningOpRef<mlir::ModuleOp> module;
  std::optional<EntryInfo> entry;
};

//===----------------------------------------------------------------------===//
// Targets and code generation
//===----------------------------------------------------------------------===//

/// The target as the user named it plus its resolution.
struct TargetSpec {
  std::string name;                   ///< `host` or an LLVM CPU name.
  std::vector<std::string> overrides; ///< `+f` / `-f` feature overrides.
  ResolvedCPU resolved;
};

/// Resolves `name` with `overrides` (see qnk::resolveCPU).
llvm::Expected<TargetSpec> resolveTarget(llvm::StringRef name,
                                         llvm::ArrayRef<std::string> overrides);

/// Features `target` enables that the running CPU does not have (those
/// LLVM's host detection reports off), sorted.
llvm::SmallVector<std::string>
getFeaturesMissingOnHost(const TargetSpec &target);

/// `target` made safe to run here: fails, naming them, if it enables
/// features this CPU lacks, except intrinsic-only ones
/// (isIntrinsicOnlyFeature), which are turned off instead and listed in
/// `dropped` (the code is the same).
llvm::Expected<TargetSpec>
restrictToHost(const TargetSpec &target,
               llvm::SmallVectorImpl<std::string> &dropped);

/// Linux hands out the AMX tile state only on request: asks for it
/// (arch_prctl(ARCH_REQ_XCOMP_PERM, XFEATURE_XTILEDATA)) when `target` has
/// AMX, and fails with the reason if the kernel refuses. A no-op otherwise.
llvm::Error requestTileStatePermission(const TargetSpec &target);

/// True for features whose instructions LLVM emits only for their
/// intrinsics (mwaitx, pku, movdiri, ...), which QNK code never calls: a
/// target can drop them to run on a CPU that lacks them, with the same code.
bool isIntrinsicOnlyFeature(llvm::StringRef feature);

/// The LLVM feature string code generation must use for `cpu`: every
/// resolved feature enabled, and every feature the CPU name implies but the
/// resolution dropped (a `-avx512f` override, or a feature the running CPU
/// lacks for `host`) disabled explicitly, since LLVM starts from the CPU
/// name's features and only applies the string on top.
std::string getCodegenFeatureString(const ResolvedCPU &cpu);

/// The pipelines a module can be lowered through.
enum class Pipeline { Fast, Reference };

/// The fast pipeline's cache blocks (qnk-tile's kc, mc, nc: K steps, rows,
/// columns); 0 derives one from the target's caches.
struct CacheBlocks {
  int64_t kc = 0, mc = 0, nc = 0;
};

/// Clones `module` keeping only `entry` and the functions it references,
/// and lowers the clone to the LLVM dialect through qnk::buildCPUPipeline
/// (splitting its block loops across `threads` OpenMP threads, with
/// `blocks`) or qnk::buildReferencePipeline (always single-threaded) for
/// `target`. Failures are reported as diagnostics on the module's context.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
lowerToLLVMDialect(mlir::ModuleOp module, llvm::StringRef entry,
                   Pipeline pipeline, const TargetSpec &target,
                   int64_t threads = 1, CacheBlocks blocks = {});

/// As lowerToLLVMDialect, through qnk::buildCUDAPipeline for `chip` (sm_80,
/// sm_90a; empty: the pipeline's default): the entry becomes host code that
/// takes host buffers (`pointers` "host") or device buffers ("device") and
/// calls the mgpu* runtime (libqnk_cuda_runtime), with its kernels in a
/// gpu.binary.
mlir::FailureOr<mlir::OwningOpRef<mlir::ModuleOp>>
lowerToLLVMDialectForCUDA(mlir::ModuleOp module, llvm::StringRef entry,
                          llvm::StringRef chip,
                          llvm::StringRef pointers = "host");

/// True if `lowered` holds GPU code (a gpu.binary), which calls the mgpu*
/// runtime.
bool hasGPUCode(mlir::ModuleOp lowered);

/// Creates an x86-64 TargetMachine for `cpu` at -O3.
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const ResolvedCPU &cpu, const llvm::Triple &triple,
                    bool forJIT);

/// A JIT-compiled entry, called through the ExecutionEngine's packed
/// interface: one void** array with a pointer to every expanded memref field.
class JITKernel {
public:
  /// JIT-compiles the lowered module (translation, O3, code generation for
  /// `target`) and looks up `entry`. With `assembly`, also writes the
  /// assembly of exactly the optimized module that is compiled. A module
  /// with OpenMP regions (threads > 1) gets the OpenMP runtime QNK was
  /// built against, one with GPU code QNK's CUDA runtime (whose errors the
  /// caller reads with qnkCudaGetLastError after initialization and calls).
  static llvm::Expected<std::unique_ptr<JITKernel>>
  create(mlir::ModuleOp lowered, const EntryInfo &entry,
         const TargetSpec &target, std::string *assembly = nullptr);
  ~JITKernel();

  /// A call with its argument array built once, for repeated runs.
  class Call {
  public:
    Call(Call &&) = default;
    Call &operator=(Call &&) = default;
    Call(const Call &) = delete;
    Call &operator=(const Call &) = delete;
    void operator()() const { fn(pointers.data()); }

  private:
    friend class JITKernel;
    Call() = default;
    void (*fn)(void **) = nullptr;
    /// Heap storage, so moving a Call keeps `pointers` valid.
    std::vector<int64_t> fields;
    mutable std::vector<void *> pointers;
  };

  /// Binds `inputs` and `results` (whose types must match the entry's) to a
  /// call. The tensors must outlive the call.
  Call bind(llvm::ArrayRef<const Tensor *> inputs,
            llvm::ArrayRef<Tensor *> results) const;
  /// As bind(), for buffers the caller owns (a numpy array's data):
  /// `buffers[i]` holds a dense, row-major tensor of `types[i]`, the inputs
  /// first, then the results.
  Call bindBuffers(llvm::ArrayRef<void *> buffers,
                   llvm::ArrayRef<TensorSpec> types) const;

private:
  JITKernel() = default;
  std::unique_ptr<mlir::ExecutionEngine> engine;
  void (*packedFn)(void **) = nullptr;
};

/// Translates the lowered module to LLVM IR, renames the entry to an internal
/// implementation and adds `void NAME(const T *arg0, ..., T *result0, ...)`
/// taking bare pointers to dense row-major buffers in its place, then
/// optimizes at O3 and emits an object file (or assembly) for `target` with
/// the PIC relocation model. Every other function becomes internal, so the
/// object defines only NAME and needs only libc (malloc, free), plus the
/// OpenMP runtime if `lowered` was lowered for more than one thread.
llvm::Error emitCInterfaceObject(mlir::ModuleOp lowered, const EntryInfo &entry,
                                 const TargetSpec &target,
                                 llvm::CodeGenFileType fileType,
                                 llvm::raw_pwrite_stream &os);

/// A C header declaring the entry emitted by emitCInterfaceObject, with its
/// shapes and element types documented.
std::string generateCHeader(const EntryInfo &entry, const TargetSpec &target,
                            llvm::StringRef sourceName);

/// True if `name` can be a C function name.
bool isValidCIdentifier(llvm::StringRef name);

} // namespace qnk::runner

#endif // QNK_RUNNER_RUNNER_H
