//===- CPUTarget.cpp - x86-64 target descriptions
//----------------------------===//

#include "qnk/Target/CPUTarget.h"

#include "mlir/IR/BuiltinOps.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSwitch.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/TargetParser/Host.h"
#include "llvm/TargetParser/Triple.h"
#include "llvm/TargetParser/X86TargetParser.h"

#include <algorithm>
#include <memory>
#include <mutex>

extern "C" void LLVMInitializeX86TargetInfo();
extern "C" void LLVMInitializeX86TargetMC();

using namespace mlir;
using namespace qnk;

bool ResolvedCPU::has(llvm::StringRef feature) const {
  return std::binary_search(features.begin(), features.end(), feature.str());
}

std::string ResolvedCPU::featureString() const {
  std::string s;
  for (const std::string &f : features) {
    if (!s.empty())
      s += ',';
    s += '+' + f;
  }
  return s;
}

/// Data-cache sizes of the cores a CPU name stands for (per core, bytes).
static std::pair<int64_t, int64_t> cacheSizes(llvm::StringRef cpu) {
  constexpr int64_t K = 1024;
  return llvm::StringSwitch<std::pair<int64_t, int64_t>>(cpu)
      .Cases({"znver1", "znver2", "znver3"}, {32 * K, 512 * K})
      .Case("znver4", {32 * K, 1024 * K})
      .Case("znver5", {48 * K, 1024 * K})
      .Cases({"skylake-avx512", "cascadelake", "cooperlake"},
             {32 * K, 1024 * K})
      .Cases({"icelake-server", "icelake-client", "tigerlake", "rocketlake"},
             {48 * K, 1280 * K})
      .Cases({"sapphirerapids", "emeraldrapids", "graniterapids",
              "graniterapids-d"},
             {48 * K, 2048 * K})
      .Cases({"alderlake", "raptorlake", "meteorlake", "arrowlake"},
             {48 * K, 1280 * K})
      .Default({32 * K, 256 * K});
}

static const llvm::Target *getX86Target(std::string &err) {
  static std::once_flag once;
  std::call_once(once, [] {
    LLVMInitializeX86TargetInfo();
    LLVMInitializeX86TargetMC();
  });
  return llvm::TargetRegistry::lookupTarget(
      llvm::Triple("x86_64-unknown-linux-gnu"), err);
}

llvm::Expected<ResolvedCPU>
qnk::resolveCPU(llvm::StringRef cpuName,
                llvm::ArrayRef<std::string> overrides) {
  std::string err;
  const llvm::Target *target = getX86Target(err);
  if (!target)
    return llvm::createStringError("cannot load the x86 target: " + err);
  llvm::Triple triple("x86_64-unknown-linux-gnu");

  std::string cpu = cpuName.str();
  llvm::StringMap<bool> enabled;
  if (cpu == "host") {
    // The one place QNK reads the running CPU: the driver resolving `host`.
    cpu = llvm::sys::getHostCPUName().str();
    // An unknown host comes back as "generic", which LLVM's x86 CPU tables
    // lack: name the baseline and keep the host's features.
    if (llvm::X86::parseArchX86(cpu, /*Only64Bit=*/true) == llvm::X86::CK_None)
      cpu = "x86-64";
    for (const auto &kv : llvm::sys::getHostCPUFeatures())
      enabled[kv.first()] = kv.second;
  } else {
    if (llvm::X86::parseArchX86(cpu, /*Only64Bit=*/true) == llvm::X86::CK_None)
      return llvm::createStringError(
          "unknown target CPU '" + cpu +
          "' (expected an LLVM x86-64 CPU name such as znver3, haswell, "
          "skylake-avx512, sapphirerapids, or 'host')");
    llvm::SmallVector<llvm::StringRef> list;
    llvm::X86::getFeaturesForCPU(cpu, list);
    // SSE2 is part of x86-64 itself; LLVM's tables leave it implicit for
    // the baseline `x86-64` CPU.
    list.push_back("sse2");
    // The CPU tables list what each generation adds; close the set under
    // LLVM's implications (avx512f implies avx2 ... sse2).
    for (llvm::StringRef f : list) {
      enabled[f] = true;
      llvm::X86::updateImpliedFeatures(f, true, enabled);
    }
  }
  std::unique_ptr<llvm::MCSubtargetInfo> probe(
      target->createMCSubtargetInfo(triple, "x86-64", ""));
  for (const std::string &o : overrides) {
    llvm::StringRef f(o);
    if (f.empty())
      continue;
    if (!f.starts_with("+") && !f.starts_with("-"))
      return llvm::createStringError("target feature '" + o +
                                     "' must start with '+' or '-'");
    llvm::StringRef name = f.drop_front();
    bool known = llvm::any_of(probe->getAllProcessorFeatures(),
                              [&](const llvm::SubtargetFeatureKV &kv) {
                                return name == llvm::StringRef(kv.Key);
                              });
    if (!known)
      return llvm::createStringError("unknown target feature '" + name.str() +
                                     "' for x86-64");
    // LLVM's implication rules: -avx2 also drops avx512f, +avx512bw adds
    // avx512f, and so on.
    llvm::X86::updateImpliedFeatures(name, f.starts_with("+"), enabled);
    enabled[name] = f.starts_with("+");
  }
  ResolvedCPU r;
  r.cpu = cpu;
  for (const auto &kv : enabled)
    if (kv.second)
      r.features.push_back(kv.first().str());
  std::sort(r.features.begin(), r.features.end());
  if (r.has("avx512f")) {
    r.vectorBits = 512;
    r.vectorRegisters = 32;
  } else if (r.has("avx")) {
    r.vectorBits = 256;
  }
  auto [l1, l2] = cacheSizes(cpu);
  r.l1dBytes = l1;
  r.l2Bytes = l2;
  return r;
}

llvm::Expected<CPUTargetAttr>
qnk::resolveCPUTarget(MLIRContext *ctx, llvm::StringRef cpu,
                      llvm::ArrayRef<std::string> overrides) {
  llvm::Expected<ResolvedCPU> r = resolveCPU(cpu, overrides);
  if (!r)
    return r.takeError();
  return CPUTargetAttr::get(ctx, r->cpu, r->featureString(), r->vectorBits,
                            r->vectorRegisters, r->l1dBytes, r->l2Bytes);
}

std::vector<std::string>
qnk::codegenFeatures(llvm::StringRef cpu, llvm::ArrayRef<std::string> enabled) {
  llvm::SmallVector<llvm::StringRef> implied;
  llvm::X86::getFeaturesForCPU(cpu, implied);
  std::vector<std::string> out;
  for (llvm::StringRef f : implied)
    if (!llvm::is_contained(enabled, f.str()))
      out.push_back("-" + f.str());
  for (const std::string &f : enabled)
    out.push_back("+" + f);
  return out;
}

CPUTargetAttr qnk::lookupCPUTarget(Operation *op) {
  for (Operation *p = op; p; p = p->getParentOp())
    if (auto t = p->getAttrOfType<CPUTargetAttr>(kTargetAttrName))
      return t;
  return {};
}

RegisterBlock qnk::selectRegisterBlock(int64_t vectorRegisters,
                                       int64_t scratchRegisters) {
  RegisterBlock best;
  double bestScore = -1;
  for (int64_t nv = 1; nv <= 4; ++nv) {
    for (int64_t mr = 1; mr <= 16; ++mr) {
      if (mr * nv + nv + 1 + scratchRegisters > vectorRegisters)
        break;
      double score = double(mr * nv) / double(mr + nv);
      auto key = std::make_tuple(score, mr * nv, mr);
      auto bestKey = std::make_tuple(bestScore, best.mr * best.nv, best.mr);
      if (key > bestKey) {
        best = {mr, nv};
        bestScore = score;
      }
    }
  }
  return best;
}

RegisterBlock qnk::selectShortRegisterBlock(int64_t vectorRegisters,
                                            int64_t rows,
                                            int64_t scratchRegisters) {
  int64_t nv = (vectorRegisters - 1 - scratchRegisters) / (rows + 1);
  return {rows, std::clamp<int64_t>(nv, 1, 8)};
}

static std::string str(Type t) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << t;
  return s;
}

llvm::Expected<NanoKernelAttr> qnk::selectNanoKernel(CPUTargetAttr target,
                                                     Type aElt, Type bElt,
                                                     int64_t rows,
                                                     bool allowAMX) {
  MLIRContext *ctx = aElt.getContext();
  Type acc = getMatmulAccumulatorType(aElt, bElt);
  if (!acc)
    return llvm::createStringError("unsupported element type pair " +
                                   str(aElt) + " x " + str(bElt));
  int64_t lanes = target.getVectorBits() / 32;
  int64_t regs = target.getVectorRegisters();
  auto kernel = [&](NanoKernelKind kind, int64_t vl, int64_t kr,
                    int64_t scratch) {
    RegisterBlock rb = selectRegisterBlock(regs, scratch);
    if (rows > 0 && rows < rb.mr)
      rb = selectShortRegisterBlock(regs, rows, scratch);
    return NanoKernelAttr::get(ctx, kind, rb.mr, rb.nv, vl, kr);
  };
  // AMX tiles where the target has them and the problem fills the 32 rows
  // of the register block (a 2x2 block of 16x16 accumulator tiles plus two
  // A and two B tiles: all eight tile registers); shorter problems run
  // faster on the vector units than on half-empty tiles.
  bool tallEnough = allowAMX && (rows == 0 || rows >= 32);
  // fp8 operands are decoded to bf16 (exactly) while packing, so they take
  // the bf16 kernels.
  auto bf16Like = [](Type t) {
    return t.isBF16() ||
           isa<Float8E4M3FNType, Float8E5M2Type, Float4E2M1FNType>(t);
  };
  if (tallEnough && bf16Like(aElt) && target.hasFeature("amx-bf16"))
    return NanoKernelAttr::get(ctx, NanoKernelKind::amx_bf16, 32, 2, 16, 2);
  // 4-bit operands are widened to 8 bits while packing.
  if (tallEnough && acc.isInteger(32) && target.hasFeature("amx-int8"))
    return NanoKernelAttr::get(ctx,
                               aElt.isUnsignedInteger()
                                   ? NanoKernelKind::amx_u8s8
                                   : NanoKernelKind::amx_s8s8,
                               32, 2, 16, 4);
  if (acc.isF32()) {
    // bf16 pairs straight into vdpbf16ps: half the operand bytes of f32 and
    // two products per lane and instruction.
    if (bf16Like(aElt) && lanes == 16 && target.hasFeature("avx512bf16"))
      return kernel(NanoKernelKind::dpbf16_f32, lanes, 2, 0);
    if (!target.hasFeature("fma") && !target.hasFeature("avx512f"))
      return llvm::createStringError(
          "target '" + target.getCpu().str() +
          "' has no FMA: the f32 nanokernel needs +fma (AVX2-class or newer)");
    return kernel(NanoKernelKind::fma_f32, lanes, 1, 0);
  }
  // u8 x s8 is exactly what vpdpbusd multiplies: four products per lane,
  // accumulated in place. s8 x s8 takes the same instruction with A offset
  // by +128 and a column-sum correction.
  NanoKernelKind dpbusd = aElt.isUnsignedInteger()
                              ? NanoKernelKind::dpbusd_u8s8
                              : NanoKernelKind::dpbusd_s8s8;
  if (lanes == 16 && target.hasFeature("avx512vnni") &&
      target.hasFeature("avx512bw"))
    return kernel(dpbusd, 16, 4, 0);
  if (target.hasFeature("avxvnni") ||
      (target.hasFeature("avx512vnni") && target.hasFeature("avx512vl")))
    return kernel(dpbusd, 8, 4, 0);
  // Without VNNI: widened to i16 pairs and multiplied with vpmaddwd, whose
  // i32 result needs one scratch register before it is added.
  if (!target.hasFeature("avx2"))
    return llvm::createStringError("target '" + target.getCpu().str() +
                                   "' has no AVX2: the " + str(aElt) + " x " +
                                   str(bElt) + " nanokernel needs +avx2");
  if (lanes == 16 && !target.hasFeature("avx512bw"))
    lanes = 8; // 512-bit vpmaddwd is AVX512-BW.
  return kernel(NanoKernelKind::pmaddwd_i16, lanes, 2, 1);
}

/// dot_i8: vpdpbusd on quads of 8-bit activations (i8 or ui8) and weights.
static FailureOr<NanoKernelAttr> selectIntDotKernel(CPUTargetAttr target,
                                                    Type aElt, int64_t rows,
                                                    int64_t kGranule) {
  if (aElt.getIntOrFloatBitWidth() != 8 || rows < 1 || rows > 16)
    return failure();
  // 64 bytes of K per zmm step, 32 per ymm step: the 256-bit form where K
  // (or a group, e.g. llama.cpp's 32) holds no whole zmm step.
  bool zmm = target.getVectorBits() == 512 && target.hasFeature("avx512vnni") &&
             target.hasFeature("avx512bw");
  bool ymm = target.hasFeature("avxvnni") ||
             (target.hasFeature("avx512vnni") && target.hasFeature("avx512vl"));
  int64_t lanes;
  if (zmm && kGranule % 64 == 0)
    lanes = 16;
  else if (ymm && kGranule % 32 == 0)
    lanes = 8;
  else
    return failure();
  rows = std::min<int64_t>(rows, 4);
  // Accumulators, the A rows and their sums, a B vector, its offset form
  // and the constant ones.
  int64_t nv =
      std::min<int64_t>(8, (target.getVectorRegisters() - 2 * rows - 3) / rows);
  if (nv < 1)
    return failure();
  return NanoKernelAttr::get(aElt.getContext(), NanoKernelKind::dot_i8, rows,
                             nv, lanes, 4);
}

FailureOr<NanoKernelAttr> qnk::selectDotKernel(CPUTargetAttr target, Type aElt,
                                               Type bElt, int64_t rows,
                                               bool grouped, int64_t kGranule) {
  Type acc = getMatmulAccumulatorType(aElt, bElt);
  if (acc && acc.isInteger(32))
    return selectIntDotKernel(target, aElt, rows, kGranule);
  auto small = [](Type t) {
    return isa<Float8E4M3FNType, Float8E5M2Type, Float4E2M1FNType>(t);
  };
  if (!acc || !acc.isF32() || small(aElt) || small(bElt) || rows < 1 ||
      rows > 16 || (!target.hasFeature("fma") && !target.hasFeature("avx512f")))
    return failure();
  int64_t lanes = target.getVectorBits() / 32;
  int64_t regs = target.getVectorRegisters();
  // Up to 4 rows of A share each widened B vector; more rows are taken in
  // blocks of that many, while the block's B rows are hot in L1.
  rows = std::min<int64_t>(rows, 4);
  // Accumulators (and as many totals when grouped), one A vector per row
  // and two for a B row being widened.
  int64_t perRow = rows * (grouped ? 2 : 1);
  int64_t nv = std::min<int64_t>(8, (regs - rows - 2) / perRow);
  if (nv < 1)
    return failure();
  return NanoKernelAttr::get(aElt.getContext(), NanoKernelKind::dot_f32, rows,
                             nv, lanes, 1);
}
