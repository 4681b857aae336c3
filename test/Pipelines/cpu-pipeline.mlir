// The pipeline ends in the LLVM dialect that mlir-translate and llc take as
// they are, for the target it was asked for (cross-compiling included).
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=znver3 | FileCheck %s --check-prefix=LLVM
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=znver3 | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=znver3 | FileCheck %s --check-prefix=AVX2
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=sapphirerapids | mlir-translate --mlir-to-llvmir | llc -O3 -mcpu=sapphirerapids | FileCheck %s --check-prefix=AVX512
// RUN: qnk-opt %s --qnk-cpu-pipeline="target=skylake-avx512 features=-avx512f" | mlir-translate --mlir-to-llvmir | llc -O3 | FileCheck %s --check-prefix=AVX2

// LLVM-NOT: qnk.
// LLVM: llvm.func @f32(
// LLVM-SAME: target_cpu = "znver3"
// LLVM-SAME: target_features = #llvm.target_features<[{{.*}}"+avx2"{{.*}}"+fma"
// LLVM: llvm.intr.fmuladd
// LLVM: llvm.func @u8s8(
// LLVM: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// LLVM: llvm.func @linear_bf16(
// LLVM: llvm.func @batched(

// No 512-bit instruction anywhere, also when the CPU name has AVX-512.
// AVX2-NOT: zmm
// AVX2-LABEL: f32:
// AVX2: vbroadcastss
// AVX2: vfmadd231ps {{.*}}%ymm
// AVX2-LABEL: u8s8:
// AVX2: vpmaddwd {{.*}}%ymm
// AVX2: vpaddd {{.*}}%ymm
// AVX2-LABEL: linear_bf16:
// AVX2: vfmadd231ps {{.*}}%ymm
// AVX2-LABEL: batched:
// AVX2: vfmadd231ps {{.*}}%ymm

// AVX512-LABEL: f32:
// AVX512: vfmadd231ps {{.*}}%zmm
// AVX512-LABEL: u8s8:
// u8 x s8 on Sapphire Rapids: vpdpbusd on u8 quads.
// AVX512: vpdpbusd {{.*}}%zmm
// AVX512-LABEL: linear_bf16:
// AVX512: vdpbf16ps {{.*}}%zmm

func.func @f32(%a: tensor<37x129xf32>, %b: tensor<129x50xf32>) -> tensor<37x50xf32> {
  %c = qnk.matmul %a, %b : tensor<37x129xf32>, tensor<129x50xf32> -> tensor<37x50xf32>
  return %c : tensor<37x50xf32>
}

func.func @u8s8(%a: tensor<13x7xui8>, %b: tensor<7x37xi8>) -> tensor<13x37xi32> {
  %c = qnk.matmul %a, %b : tensor<13x7xui8>, tensor<7x37xi8> -> tensor<13x37xi32>
  return %c : tensor<13x37xi32>
}

// As torch-mlir lowers nn.Linear: the weight transposed through the maps.
func.func @linear_bf16(%x: tensor<20x64xbf16>, %w: tensor<40x64xbf16>) -> tensor<20x40xf32> {
  %zero = arith.constant 0.0 : f32
  %e = tensor.empty() : tensor<20x40xf32>
  %init = linalg.fill ins(%zero : f32) outs(%e : tensor<20x40xf32>) -> tensor<20x40xf32>
  %c = linalg.matmul indexing_maps = [affine_map<(m, n, k) -> (m, k)>, affine_map<(m, n, k) -> (n, k)>, affine_map<(m, n, k) -> (m, n)>]
       ins(%x, %w : tensor<20x64xbf16>, tensor<40x64xbf16>) outs(%init : tensor<20x40xf32>) -> tensor<20x40xf32>
  return %c : tensor<20x40xf32>
}

func.func @batched(%a: tensor<3x8x5xf16>, %b: tensor<3x5x30xf16>) -> tensor<3x8x30xf32> {
  %c = qnk.batch_matmul %a, %b : tensor<3x8x5xf16>, tensor<3x5x30xf16> -> tensor<3x8x30xf32>
  return %c : tensor<3x8x30xf32>
}
