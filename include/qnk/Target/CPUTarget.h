//===- CPUTarget.h - x86-64 target descriptions -----------------*- C++ -*-===//
//
// A target is data: an LLVM CPU name plus feature overrides, resolved once
// (at the driver, for `host`) into a #qnk.cpu_target attribute that every
// decision reads. Nothing here looks at the build machine.
//
//===----------------------------------------------------------------------===//
#ifndef QNK_TARGET_CPUTARGET_H
#define QNK_TARGET_CPUTARGET_H

#include "qnk/Dialect/QNK/IR/QNK.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace qnk {

/// The name of the module attribute that holds the #qnk.cpu_target.
inline constexpr llvm::StringLiteral kTargetAttrName = "qnk.target";

/// A CPU resolved from its name and overrides.
struct ResolvedCPU {
  std::string cpu;                   ///< LLVM CPU name (`host` resolved).
  std::vector<std::string> features; ///< Enabled LLVM features, sorted.
  int64_t vectorBits = 128;
  int64_t vectorRegisters = 16;
  int64_t l1dBytes = 32 * 1024;
  int64_t l2Bytes = 256 * 1024;
  bool has(llvm::StringRef feature) const;
  /// `+a,+b,...` as LLVM's target-features attribute spells it.
  std::string featureString() const;
};

/// Resolves an LLVM x86-64 CPU name (or `host`) with `+f`/`-f` overrides.
/// Unknown CPUs or features are errors that name the culprit.
llvm::Expected<ResolvedCPU> resolveCPU(llvm::StringRef cpu,
                                       llvm::ArrayRef<std::string> overrides);

/// The same, as the attribute passes read.
llvm::Expected<CPUTargetAttr>
resolveCPUTarget(mlir::MLIRContext *ctx, llvm::StringRef cpu,
                 llvm::ArrayRef<std::string> overrides);

/// The feature list code generation must use for `cpu` with exactly the
/// `enabled` features: `+f` for each of them, and `-f` for every feature the
/// CPU name implies that is not enabled (a `-avx512f` override, or a feature
/// the running CPU lacks for `host`), since LLVM starts from the CPU name's
/// features and applies the list on top. Disables come first.
std::vector<std::string> codegenFeatures(llvm::StringRef cpu,
                                         llvm::ArrayRef<std::string> enabled);

/// The #qnk.cpu_target of the module enclosing `op`, or null.
CPUTargetAttr lookupCPUTarget(mlir::Operation *op);

/// A register block of mr rows by nv vectors of accumulators.
struct RegisterBlock {
  int64_t mr = 0;
  int64_t nv = 0;
};

/// Chooses the accumulator block for a broadcast-and-multiply nanokernel:
/// mr*nv accumulators + nv B vectors + one broadcast + `scratchRegisters`
/// must fit `vectorRegisters`; among the blocks that fit, the one with the
/// most multiply-adds per load (mr*nv / (mr+nv)) wins, then more
/// accumulators, then more rows. nv is capped at 4 so a B panel row stays
/// within four vectors.
RegisterBlock selectRegisterBlock(int64_t vectorRegisters,
                                  int64_t scratchRegisters = 0);

/// The block for problems of only `rows` rows (fewer than the default
/// block has): exactly `rows` rows, and as many vectors per row as the
/// registers hold (up to 8), so each K step streams a wider row of B.
RegisterBlock selectShortRegisterBlock(int64_t vectorRegisters, int64_t rows,
                                       int64_t scratchRegisters = 0);

/// The nanokernel that `target` runs for A and B element types, or an error
/// naming the target and the pair.
/// `rows` (M, when known) lets short problems get a short, wide block.
/// Without `allowAMX` only vector kernels are chosen (for work on the
/// accumulators between K groups, which tiles would do through memory).
llvm::Expected<NanoKernelAttr>
selectNanoKernel(CPUTargetAttr target, mlir::Type aElt, mlir::Type bElt,
                 int64_t rows = 0, bool allowAMX = true);

/// The dot-product nanokernel (dot_f32, or dot_i8 for 8-bit activations)
/// for `rows` (at most 16) rows of A, in blocks of up to 4, against rows of
/// a B stored [N, K] and read in place, or failure when the target or the
/// pair does not suit it. `grouped` reserves registers for the scaled
/// totals of earlier K groups; `kGranule` (K, or the group size) picks a
/// vector length that divides it where there is a choice.
mlir::FailureOr<NanoKernelAttr> selectDotKernel(CPUTargetAttr target,
                                                mlir::Type aElt,
                                                mlir::Type bElt, int64_t rows,
                                                bool grouped, int64_t kGranule);

} // namespace qnk

#endif
