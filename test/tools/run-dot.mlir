// LLM decode shapes (1-16 rows of float activations against a weight stored
// [N, K]) take the dot-product nanokernel: the weight is read in place at its
// stored width (4-bit, 8-bit, 16-bit, f32) and widened in registers, and
// nothing is packed. Results match the reference within the f32 tolerance,
// with group scales, leftover weight rows, several rows of A and threads.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e w4a16_groups --verify --dump-asm=%t.w4.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ASM < %t.w4.s
// RUN: qnk-run %s -e w4a16_groups --verify --target=x86-64-v3 --threads=2 | FileCheck %s
// RUN: qnk-run %s -e ui4_both_scales --verify | FileCheck %s
// RUN: qnk-run %s -e w8a16_rows --verify --threads=2 | FileCheck %s
// RUN: qnk-run %s -e bf16_linear --verify --target=x86-64-v3 | FileCheck %s
// RUN: qnk-run %s -e f32_linear --verify | FileCheck %s
// RUN: qnk-run %s -e odd_k --verify | FileCheck %s
// RUN: qnk-run %s -e rows11 --verify --threads=2 | FileCheck %s
// RUN: qnk-run %s -e w4a16_bias_silu --verify --threads=2 --dump-asm=%t.silu.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=NOLIBM < %t.silu.s
// RUN: qnk-run %s -e w8_dequant_gelu --verify | FileCheck %s
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=x86-64-v3 --mlir-print-ir-after=qnk-pack -o /dev/null 2>&1 | FileCheck %s --check-prefix=PACK
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=x86-64-v3 --mlir-print-ir-after=qnk-compose-nanokernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR

// CHECK: verified: max_abs_err={{[0-9.]+e[-+][0-9]+}} max_rel_err=
// ASM: vfmadd{{[0-9]+}}ps {{.*}}%{{[yz]}}mm
// ASM: vcvtdq2ps
// NOLIBM-NOT: {{call.*(exp|erf|tanh)}}
// NOLIBM: vfmadd

// The weights go to the kernel unpacked; only the scales are converted.
// PACK-LABEL: func.func @w4a16_groups(
// PACK-NOT: qnk.pack
// PACK: qnk.packed_matmul ins(%{{.*}}, %{{.*}} : tensor<1x256xbf16>, tensor<40x256xi4>) {{.*}}kernel = <dot_f32, mr = 1, nv = 6, vector_length = 8, kr = 1> b_group_scale
// K = 100 is no whole number of vectors: the packed kernels take it.
// PACK-LABEL: func.func @odd_k(
// PACK: qnk.pack
// PACK-NOT: dot_f32
// PACK: return
// PACK-LABEL: func.func @w4a16_bias_silu(
// PACK: kernel = <dot_f32, {{.*}}> {{.*}}bias({{.*}}) activation(silu) b_group_scale

// Nibbles are widened and multiplied in registers; each group's lane sums
// are scaled into the totals, whose lanes are summed once per output.
// IR-LABEL: func.func @w4a16_groups(
// IR: scf.for
// IR: scf.for
// IR: vector.load %{{.*}} : memref<{{.*}}xi4{{.*}}>, vector<8xi4>
// IR: arith.sitofp %{{.*}} : vector<8xi8> to vector<8xf32>
// IR: vector.fma %{{.*}} : vector<8xf32>
// IR: scf.yield
// IR: vector.broadcast %{{.*}} : f32 to vector<8xf32>
// IR: vector.fma %{{.*}} : vector<8xf32>
// IR: vector.reduction <add>, %{{.*}} : vector<8xf32> into f32
// IR-NOT: qnk.pack
// IR-LABEL: func.func @ui4_both_scales(

func.func @w4a16_groups(%x: tensor<1x256xbf16>, %w: tensor<40x256xi4>, %s: tensor<40x8xf16>) -> tensor<1x40xf32> {
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%s : tensor<40x8xf16>) group_size = 32 : tensor<1x256xbf16>, tensor<40x256xi4> -> tensor<1x40xf32>
  return %y : tensor<1x40xf32>
}

// Unsigned nibbles, scales on both sides, 3 rows, 19 weight rows (leftovers).
func.func @ui4_both_scales(%x: tensor<3x128xf16>, %w: tensor<19x128xui4>, %sx: tensor<3x2xf32>, %sw: tensor<19x2xbf16>) -> tensor<3x19xf32> {
  %y = qnk.matmul %x, %w transpose_b a_group_scale(%sx : tensor<3x2xf32>) b_group_scale(%sw : tensor<19x2xbf16>) group_size = 64 : tensor<3x128xf16>, tensor<19x128xui4> -> tensor<3x19xf32>
  return %y : tensor<3x19xf32>
}

// int8 weights without scales, 4 rows, two threads.
func.func @w8a16_rows(%x: tensor<4x64xbf16>, %w: tensor<70x64xi8>) -> tensor<4x70xf32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<4x64xbf16>, tensor<70x64xi8> -> tensor<4x70xf32>
  return %y : tensor<4x70xf32>
}

func.func @bf16_linear(%x: tensor<1x512xbf16>, %w: tensor<33x512xbf16>) -> tensor<1x33xf32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<1x512xbf16>, tensor<33x512xbf16> -> tensor<1x33xf32>
  return %y : tensor<1x33xf32>
}

func.func @f32_linear(%x: tensor<2x48xf32>, %w: tensor<9x48xf32>) -> tensor<2x9xf32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<2x48xf32>, tensor<9x48xf32> -> tensor<2x9xf32>
  return %y : tensor<2x9xf32>
}

func.func @odd_k(%x: tensor<1x100xbf16>, %w: tensor<16x100xi4>) -> tensor<1x16xf32> {
  %y = qnk.matmul %x, %w transpose_b : tensor<1x100xbf16>, tensor<16x100xi4> -> tensor<1x16xf32>
  return %y : tensor<1x16xf32>
}

// 11 rows: blocks of 4 rows, then 3 single rows, sharing each B block.
func.func @rows11(%x: tensor<11x64xbf16>, %w: tensor<20x64xi4>, %s: tensor<20x2xf16>) -> tensor<11x20xf32> {
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%s : tensor<20x2xf16>) group_size = 32 : tensor<11x64xbf16>, tensor<20x64xi4> -> tensor<11x20xf32>
  return %y : tensor<11x20xf32>
}

// Epilogues run on each output as its lanes are summed.
func.func @w4a16_bias_silu(%x: tensor<2x128xbf16>, %w: tensor<30x128xi4>, %s: tensor<30x4xf16>, %bias: tensor<30xf32>) -> tensor<2x30xf32> {
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%s : tensor<30x4xf16>) group_size = 32 bias(%bias : tensor<30xf32>) activation(silu) : tensor<2x128xbf16>, tensor<30x128xi4> -> tensor<2x30xf32>
  return %y : tensor<2x30xf32>
}

func.func @w8_dequant_gelu(%x: tensor<1x64xf32>, %w: tensor<21x64xi8>, %sx: tensor<f32>, %sw: tensor<21xf32>) -> tensor<1x21xf32> {
  %y = qnk.matmul %x, %w transpose_b dequantize(%sx, %sw : tensor<f32>, tensor<21xf32>) activation(gelu) : tensor<1x64xf32>, tensor<21x64xi8> -> tensor<1x21xf32>
  return %y : tensor<1x21xf32>
}
