//===- CPUTargetTest.cpp - Target descriptions and block selection
//---------===//

#include "qnk/Target/CPUTarget.h"

#include "mlir/IR/MLIRContext.h"
#include "gtest/gtest.h"

using namespace qnk;

namespace {

ResolvedCPU resolve(llvm::StringRef cpu, std::vector<std::string> o = {}) {
  llvm::Expected<ResolvedCPU> r = resolveCPU(cpu, o);
  EXPECT_TRUE(bool(r)) << (r ? "" : llvm::toString(r.takeError()));
  return r ? *r : ResolvedCPU{};
}

std::string errorOf(llvm::StringRef cpu, std::vector<std::string> o = {}) {
  llvm::Expected<ResolvedCPU> r = resolveCPU(cpu, o);
  if (r)
    return "";
  return llvm::toString(r.takeError());
}

TEST(CPUTarget, AVX2Cores) {
  for (const char *cpu : {"haswell", "znver3", "alderlake"}) {
    ResolvedCPU r = resolve(cpu);
    EXPECT_EQ(r.cpu, cpu);
    EXPECT_TRUE(r.has("avx2")) << cpu;
    EXPECT_TRUE(r.has("fma")) << cpu;
    EXPECT_FALSE(r.has("avx512f")) << cpu;
    EXPECT_EQ(r.vectorBits, 256) << cpu;
    EXPECT_EQ(r.vectorRegisters, 16) << cpu;
  }
}

TEST(CPUTarget, AVX512Cores) {
  for (const char *cpu : {"skylake-avx512", "icelake-server", "cooperlake",
                          "sapphirerapids", "znver4"}) {
    ResolvedCPU r = resolve(cpu);
    EXPECT_TRUE(r.has("avx512f")) << cpu;
    // Implied features are closed over: avx512f implies avx2 ... sse2.
    EXPECT_TRUE(r.has("avx2")) << cpu;
    EXPECT_TRUE(r.has("sse2")) << cpu;
    EXPECT_EQ(r.vectorBits, 512) << cpu;
    EXPECT_EQ(r.vectorRegisters, 32) << cpu;
  }
  EXPECT_TRUE(resolve("cooperlake").has("avx512bf16"));
  EXPECT_TRUE(resolve("icelake-server").has("avx512vnni"));
  EXPECT_FALSE(resolve("skylake-avx512").has("avx512vnni"));
  ResolvedCPU spr = resolve("sapphirerapids");
  EXPECT_TRUE(spr.has("amx-bf16"));
  EXPECT_TRUE(spr.has("amx-int8"));
  EXPECT_EQ(spr.l1dBytes, 48 * 1024);
  EXPECT_EQ(spr.l2Bytes, 2 * 1024 * 1024);
}

TEST(CPUTarget, Overrides) {
  // Removing a feature removes what depends on it.
  ResolvedCPU r = resolve("sapphirerapids", {"-avx512f"});
  EXPECT_FALSE(r.has("avx512f"));
  EXPECT_FALSE(r.has("avx512bw"));
  EXPECT_FALSE(r.has("avx512vnni"));
  EXPECT_TRUE(r.has("avx2"));
  EXPECT_EQ(r.vectorBits, 256);
  EXPECT_EQ(r.vectorRegisters, 16);
  // Adding one adds what it needs.
  ResolvedCPU h = resolve("haswell", {"+avx512bw"});
  EXPECT_TRUE(h.has("avx512f"));
  EXPECT_EQ(h.vectorBits, 512);
  // Later overrides win.
  EXPECT_TRUE(resolve("haswell", {"-fma", "+fma"}).has("fma"));
}

TEST(CPUTarget, Host) {
  ResolvedCPU r = resolve("host");
  EXPECT_NE(r.cpu, "host");
  EXPECT_FALSE(r.cpu.empty());
  EXPECT_TRUE(r.has("sse2"));
}

TEST(CPUTarget, Errors) {
  EXPECT_NE(errorOf("pentium9").find("unknown target CPU 'pentium9'"),
            std::string::npos);
  // 32-bit-only CPUs are not x86-64 targets.
  EXPECT_NE(errorOf("i686").find("unknown target CPU"), std::string::npos);
  EXPECT_NE(
      errorOf("znver3", {"+avx9000"}).find("unknown target feature 'avx9000'"),
      std::string::npos);
  EXPECT_NE(errorOf("znver3", {"avx2"}).find("must start with '+' or '-'"),
            std::string::npos);
}

TEST(CPUTarget, FeatureString) {
  ResolvedCPU r;
  r.features = {"avx", "avx2", "fma"};
  EXPECT_EQ(r.featureString(), "+avx,+avx2,+fma");
}

TEST(RegisterBlock, FitsTheRegisterFile) {
  for (int64_t regs : {16, 32}) {
    for (int64_t scratch : {0, 1}) {
      RegisterBlock b = selectRegisterBlock(regs, scratch);
      EXPECT_GT(b.mr, 0);
      EXPECT_GT(b.nv, 0);
      EXPECT_LE(b.mr * b.nv + b.nv + 1 + scratch, regs);
    }
  }
}

TEST(RegisterBlock, Choices) {
  // 16 ymm: 4x3 (12 accumulators, 3 B vectors, 1 broadcast).
  RegisterBlock avx2 = selectRegisterBlock(16);
  EXPECT_EQ(avx2.mr, 4);
  EXPECT_EQ(avx2.nv, 3);
  // 32 zmm: 6x4 (24 accumulators), the best FMA-per-load ratio with nv <= 4.
  RegisterBlock avx512 = selectRegisterBlock(32);
  EXPECT_EQ(avx512.mr, 6);
  EXPECT_EQ(avx512.nv, 4);
  // A vpmaddwd product needs a scratch register: 6x2 on 16 registers.
  RegisterBlock i16 = selectRegisterBlock(16, 1);
  EXPECT_EQ(i16.mr, 6);
  EXPECT_EQ(i16.nv, 2);
}

TEST(RegisterBlock, ShortProblems) {
  RegisterBlock one = selectShortRegisterBlock(16, 1);
  EXPECT_EQ(one.mr, 1);
  EXPECT_EQ(one.nv, 7);
  EXPECT_LE(one.mr * one.nv + one.nv + 1, 16);
  RegisterBlock wide = selectShortRegisterBlock(32, 1);
  EXPECT_EQ(wide.nv, 8); // capped
  RegisterBlock three = selectShortRegisterBlock(16, 3);
  EXPECT_EQ(three.mr, 3);
  EXPECT_LE(three.mr * three.nv + three.nv + 1, 16);
}

TEST(NanoKernel, Selection) {
  mlir::MLIRContext ctx;
  ctx.getOrLoadDialect<QNKDialect>();
  auto target = [&](const char *cpu, std::vector<std::string> o = {}) {
    llvm::Expected<CPUTargetAttr> t = resolveCPUTarget(&ctx, cpu, o);
    EXPECT_TRUE(bool(t));
    return *t;
  };
  mlir::Builder b(&ctx);
  auto f32 = b.getF32Type(), bf16 = b.getBF16Type();
  auto i8 = b.getIntegerType(8);
  auto ui8 = mlir::IntegerType::get(&ctx, 8, mlir::IntegerType::Unsigned);

  NanoKernelAttr k =
      llvm::cantFail(selectNanoKernel(target("znver3"), f32, f32));
  EXPECT_EQ(k.getKind(), NanoKernelKind::fma_f32);
  EXPECT_EQ(k.getVectorLength(), 8);
  EXPECT_EQ(k.getNr(), 24);
  EXPECT_EQ(k.getKr(), 1);

  // AMX on Sapphire Rapids for problems of 32 rows or more (or unknown).
  k = llvm::cantFail(selectNanoKernel(target("sapphirerapids"), bf16, bf16));
  EXPECT_EQ(k.getKind(), NanoKernelKind::amx_bf16);
  EXPECT_TRUE(k.isAMX());
  EXPECT_EQ(k.getMr(), 32);
  EXPECT_EQ(k.getNr(), 32);
  EXPECT_EQ(k.getKr(), 2);
  EXPECT_EQ(k.getAKr(), 32);
  k = llvm::cantFail(selectNanoKernel(target("sapphirerapids"), i8, i8, 64));
  EXPECT_EQ(k.getKind(), NanoKernelKind::amx_s8s8);
  EXPECT_EQ(k.getAKr(), 64);
  k = llvm::cantFail(selectNanoKernel(target("sapphirerapids"), ui8, i8, 64));
  EXPECT_EQ(k.getKind(), NanoKernelKind::amx_u8s8);

  // bf16: vdpbf16ps where AVX512-BF16 exists (and AMX does not pay),
  // widened to f32 FMA elsewhere.
  k = llvm::cantFail(
      selectNanoKernel(target("sapphirerapids"), bf16, bf16, /*rows=*/16));
  EXPECT_EQ(k.getKind(), NanoKernelKind::dpbf16_f32);
  EXPECT_EQ(k.getVectorLength(), 16);
  EXPECT_EQ(k.getKr(), 2);
  EXPECT_EQ(k.getOperandType(&ctx), bf16);
  EXPECT_EQ(k.getMr(), 6);
  EXPECT_FALSE(k.isAMX());
  EXPECT_EQ(k.getAKr(), 2);
  k = llvm::cantFail(selectNanoKernel(target("skylake-avx512"), bf16, bf16));
  EXPECT_EQ(k.getKind(), NanoKernelKind::fma_f32);

  // u8 x s8: vpdpbusd (zmm with AVX512-VNNI, {vex} ymm with AVX-VNNI).
  k = llvm::cantFail(selectNanoKernel(target("icelake-server"), ui8, i8));
  EXPECT_EQ(k.getKind(), NanoKernelKind::dpbusd_u8s8);
  EXPECT_EQ(k.getVectorLength(), 16);
  EXPECT_EQ(k.getKr(), 4);
  EXPECT_EQ(k.getOperandType(&ctx), i8);
  k = llvm::cantFail(selectNanoKernel(target("alderlake"), ui8, i8));
  EXPECT_EQ(k.getKind(), NanoKernelKind::dpbusd_u8s8);
  EXPECT_EQ(k.getVectorLength(), 8);
  // s8 x s8: vpdpbusd with A offset by +128 and a column-sum correction.
  k = llvm::cantFail(selectNanoKernel(target("icelake-server"), i8, i8));
  EXPECT_EQ(k.getKind(), NanoKernelKind::dpbusd_s8s8);
  EXPECT_EQ(k.getKr(), 4);
  // Without VNNI: i16 pairs and vpmaddwd.
  k = llvm::cantFail(selectNanoKernel(target("znver3"), i8, i8));
  EXPECT_EQ(k.getKind(), NanoKernelKind::pmaddwd_i16);

  k = llvm::cantFail(selectNanoKernel(target("znver3"), ui8, i8));
  EXPECT_EQ(k.getKind(), NanoKernelKind::pmaddwd_i16);
  EXPECT_EQ(k.getKr(), 2);
  EXPECT_EQ(k.getOperandType(&ctx), b.getIntegerType(16));
  EXPECT_EQ(k.getAccumulatorType(&ctx), b.getIntegerType(32));

  // 512-bit vpmaddwd needs AVX512-BW; without it the kernel stays 256-bit.
  k = llvm::cantFail(
      selectNanoKernel(target("skylake-avx512", {"-avx512bw"}), i8, i8));
  EXPECT_EQ(k.getVectorLength(), 8);

  // Short problems get a short block.
  k = llvm::cantFail(selectNanoKernel(target("znver3"), f32, f32, 1));
  EXPECT_EQ(k.getMr(), 1);
  EXPECT_EQ(k.getNv(), 7);

  // Refusals name the target and the pair.
  llvm::Expected<NanoKernelAttr> none =
      selectNanoKernel(target("x86-64"), f32, f32);
  ASSERT_FALSE(bool(none));
  EXPECT_NE(llvm::toString(none.takeError()).find("target 'x86-64' has no FMA"),
            std::string::npos);
  llvm::Expected<NanoKernelAttr> bad =
      selectNanoKernel(target("znver3"), f32, bf16);
  ASSERT_FALSE(bool(bad));
  EXPECT_NE(llvm::toString(bad.takeError())
                .find("unsupported element type pair f32 x bf16"),
            std::string::npos);
}

} // namespace
