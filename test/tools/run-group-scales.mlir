// qnk.matmul with per-group scales inside the K reduction (W4A16, W4A8,
// groupwise W8A8, MX-style fp8 with E8M0 scales, fp8 scales as NVFP4 uses)
// gives the reference's numbers: bit for bit on integer pairs, whose group
// sums are exact, within the f32 tolerance on float pairs. Each group's sums
// are scaled once, by one FMA per accumulator vector, when the nanokernel
// stores them: no operand is dequantized.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e w4a16 --verify --dump-asm=%t.w4a16.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=FMA < %t.w4a16.s
// RUN: qnk-run %s -e w4a16_decode --verify --threads=2 | FileCheck %s
// RUN: qnk-run %s -e w4a8 --verify --dump-asm=%t.w4a8.s | FileCheck %s --check-prefix=EXACT
// RUN: FileCheck %s --check-prefix=INT < %t.w4a8.s
// RUN: qnk-run %s -e w4a8 --verify --target=x86-64-v3 --threads=2 | FileCheck %s --check-prefix=EXACT
// RUN: qnk-run %s -e w8a8_both_silu --verify | FileCheck %s --check-prefix=EXACT
// RUN: qnk-run %s -e w8a8_both_silu --verify --target=x86-64-v3 | FileCheck %s --check-prefix=EXACT
// RUN: qnk-run %s -e f32_x_i8_transposed_a --verify | FileCheck %s
// RUN: qnk-run %s -e mxfp8 --verify | FileCheck %s
// RUN: qnk-run %s -e fp8_scales --verify | FileCheck %s
// RUN: qnk-run %s -e w4a8_quantized --verify | FileCheck %s --check-prefix=EXACT
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=x86-64-v3 --mlir-print-ir-after=qnk-compose-nanokernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=IR

// CHECK: verified: max_abs_err={{[0-9.]+e[-+][0-9]+}} max_rel_err=
// EXACT: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// FMA: vfmadd{{[0-9]+}}ps {{.*}}%{{[yz]}}mm
// INT-DAG: {{vpdpbusd|vpmaddwd}} {{.*}}%{{[yz]}}mm
// INT-DAG: vcvtdq2ps
// INT-DAG: vfmadd{{[0-9]+}}ps

// The group step follows the K loop of each register block: the i32 sums
// become f32 and one FMA per vector adds them, scaled, to the earlier groups.
// IR-LABEL: func.func @w4a8(
// IR: scf.for
// IR: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// IR: scf.yield
// IR: arith.sitofp %{{.*}} : vector<8xi32> to vector<8xf32>
// IR: vector.fma %{{.*}} : vector<8xf32>
// IR: vector.store %{{.*}} : memref<{{.*}}xf32{{.*}}>, vector<8xf32>
// IR-LABEL: func.func @w8a8_both_silu(
// IR: arith.sitofp %{{.*}} : vector<8xi32> to vector<8xf32>
// IR: arith.mulf %{{.*}} : vector<8xf32>
// IR: vector.fma %{{.*}} : vector<8xf32>

// W4A16: bf16 activations, int4 weights stored [N, K] (a Linear weight) with
// an f16 scale per group of 32.
func.func @w4a16(%x: tensor<5x96xbf16>, %w: tensor<40x96xi4>, %s: tensor<40x3xf16>) -> tensor<5x40xf32> {
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%s : tensor<40x3xf16>) group_size = 32 : tensor<5x96xbf16>, tensor<40x96xi4> -> tensor<5x40xf32>
  return %y : tensor<5x40xf32>
}

// One token (LLM decode), two threads, unsigned 4-bit weights.
func.func @w4a16_decode(%x: tensor<1x256xf16>, %w: tensor<72x256xui4>, %s: tensor<72x2xbf16>) -> tensor<1x72xf32> {
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%s : tensor<72x2xbf16>) group_size = 128 : tensor<1x256xf16>, tensor<72x256xui4> -> tensor<1x72xf32>
  return %y : tensor<1x72xf32>
}

// W4A8: int8 activations with a per-token scale (dequantize), int4 weights
// with a scale per group of 64: the i32 sums are exact, so the result is too.
func.func @w4a8(%x: tensor<7x192xi8>, %w: tensor<192x33xi4>, %sw: tensor<3x33xf32>, %sx: tensor<7xf32>, %one: tensor<f32>) -> tensor<7x33xf32> {
  %y = qnk.matmul %x, %w b_group_scale(%sw : tensor<3x33xf32>) group_size = 64 dequantize(%sx, %one : tensor<7xf32>, tensor<f32>) : tensor<7x192xi8>, tensor<192x33xi4> -> tensor<7x33xf32>
  return %y : tensor<7x33xf32>
}

// Both operands scaled per group of 32, then bias and SiLU in registers.
func.func @w8a8_both_silu(%x: tensor<19x128xui8>, %w: tensor<40x128xi8>, %sx: tensor<19x4xf32>, %sw: tensor<40x4xf16>, %bias: tensor<40xf32>) -> tensor<19x40xf32> {
  %y = qnk.matmul %x, %w transpose_b a_group_scale(%sx : tensor<19x4xf32>) b_group_scale(%sw : tensor<40x4xf16>) group_size = 32 bias(%bias : tensor<40xf32>) activation(silu) : tensor<19x128xui8>, tensor<40x128xi8> -> tensor<19x40xf32>
  return %y : tensor<19x40xf32>
}

// f32 activations stored K x M, int8 weights, A scaled per group of 8.
func.func @f32_x_i8_transposed_a(%x: tensor<24x9xf32>, %w: tensor<24x17xi8>, %s: tensor<3x9xf32>) -> tensor<9x17xf32> {
  %y = qnk.matmul %x, %w transpose_a a_group_scale(%s : tensor<3x9xf32>) group_size = 8 : tensor<24x9xf32>, tensor<24x17xi8> -> tensor<9x17xf32>
  return %y : tensor<9x17xf32>
}

// MXFP8: E4M3 elements on both sides with an E8M0 scale per 32, the scale
// exponents made from random bytes (2^-8 .. 2^7).
func.func @mxfp8(%a: tensor<6x64xf8E4M3FN>, %b: tensor<64x24xf8E4M3FN>, %ea: tensor<6x2xi8>, %eb: tensor<2x24xi8>) -> tensor<6x24xf32> {
  %sa = call @e8m0(%ea) : (tensor<6x2xi8>) -> tensor<6x2xf8E8M0FNU>
  %sb = call @e8m0_t(%eb) : (tensor<2x24xi8>) -> tensor<2x24xf8E8M0FNU>
  %y = qnk.matmul %a, %b a_group_scale(%sa : tensor<6x2xf8E8M0FNU>) b_group_scale(%sb : tensor<2x24xf8E8M0FNU>) group_size = 32 : tensor<6x64xf8E4M3FN>, tensor<64x24xf8E4M3FN> -> tensor<6x24xf32>
  return %y : tensor<6x24xf32>
}

// fp8 elements with an E4M3 scale per 16 (the NVFP4 scale format).
func.func @fp8_scales(%a: tensor<3x48xf8E5M2>, %b: tensor<48x10xbf16>, %sb: tensor<3x10xf8E4M3FN>) -> tensor<3x10xf32> {
  %y = qnk.matmul %a, %b b_group_scale(%sb : tensor<3x10xf8E4M3FN>) group_size = 16 : tensor<3x48xf8E5M2>, tensor<48x10xbf16> -> tensor<3x10xf32>
  return %y : tensor<3x10xf32>
}

// W4A8 requantized to int8 (the quantize clause runs after the kernel).
func.func @w4a8_quantized(%x: tensor<4x64xi8>, %w: tensor<64x16xi4>, %sw: tensor<2x16xf32>, %so: tensor<f32>) -> tensor<4x16xi8> {
  %y = qnk.matmul %x, %w b_group_scale(%sw : tensor<2x16xf32>) group_size = 32 quantize(%so : tensor<f32>) : tensor<4x64xi8>, tensor<64x16xi4> -> tensor<4x16xi8>
  return %y : tensor<4x16xi8>
}

#id = affine_map<(d0, d1) -> (d0, d1)>
func.func private @e8m0(%e: tensor<6x2xi8>) -> tensor<6x2xf8E8M0FNU> {
  %init = tensor.empty() : tensor<6x2xf8E8M0FNU>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%e : tensor<6x2xi8>) outs(%init : tensor<6x2xf8E8M0FNU>) {
  ^bb0(%x: i8, %o: f8E8M0FNU):
    %c15 = arith.constant 15 : i8
    %c119 = arith.constant 119 : i8
    %low = arith.andi %x, %c15 : i8
    %biased = arith.addi %low, %c119 : i8
    %s = arith.bitcast %biased : i8 to f8E8M0FNU
    linalg.yield %s : f8E8M0FNU
  } -> tensor<6x2xf8E8M0FNU>
  return %r : tensor<6x2xf8E8M0FNU>
}
func.func private @e8m0_t(%e: tensor<2x24xi8>) -> tensor<2x24xf8E8M0FNU> {
  %init = tensor.empty() : tensor<2x24xf8E8M0FNU>
  %r = linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%e : tensor<2x24xi8>) outs(%init : tensor<2x24xf8E8M0FNU>) {
  ^bb0(%x: i8, %o: f8E8M0FNU):
    %c15 = arith.constant 15 : i8
    %c119 = arith.constant 119 : i8
    %low = arith.andi %x, %c15 : i8
    %biased = arith.addi %low, %c119 : i8
    %s = arith.bitcast %biased : i8 to f8E8M0FNU
    linalg.yield %s : f8E8M0FNU
  } -> tensor<2x24xf8E8M0FNU>
  return %r : tensor<2x24xf8E8M0FNU>
}
