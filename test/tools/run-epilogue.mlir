// qnk.matmul epilogues (scales, bias, activations, output quantization) give
// the reference's numbers — requantized int8 bit for bit — and the compiled
// code calls no math library: exp, erf and tanh are polynomials. On vector
// nanokernels dequantize/bias/activation run on the accumulators in
// registers at the last K block (long K: earlier blocks keep partial sums),
// so no f32 intermediate is written before the epilogue.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e w8a8_silu --verify --dump-asm=%t.w8a8.s | FileCheck %s --check-prefix=EXACT
// RUN: FileCheck %s --check-prefix=ASM < %t.w8a8.s
// RUN: qnk-run %s -e w8a8_silu --verify --target=x86-64-v3 | FileCheck %s --check-prefix=EXACT
// RUN: qnk-run %s -e fp8_gelu --verify --dump-asm=%t.fp8.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=NOLIBM < %t.fp8.s
// RUN: qnk-run %s -e bf16_bias_gelu_tanh --verify | FileCheck %s
// RUN: qnk-run %s -e w4a8_relu --verify --threads=2 | FileCheck %s --check-prefix=EXACT
// RUN: qnk-run %s -e long_k --verify | FileCheck %s --check-prefix=EXACT
// RUN: qnk-run %s -e long_k --verify --target=x86-64-v3 --threads=2 | FileCheck %s --check-prefix=EXACT
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=x86-64-v3 --mlir-print-ir-after=qnk-compose-nanokernels -o /dev/null 2>&1 | FileCheck %s --check-prefix=FUSED
// FUSED-LABEL: func.func @long_k
// FUSED: llvm.call_intrinsic "llvm.x86.avx2.pmadd.wd"
// FUSED: arith.sitofp %{{.*}} : vector<8xi32> to vector<8xf32>
// FUSED: arith.mulf %{{.*}} : vector<8xf32>
// FUSED: arith.addf %{{.*}} : vector<8xf32>
// FUSED: arith.maximumf %{{.*}} : vector<8xf32>
// FUSED: vector.store %{{.*}} : memref<{{.*}}xf32{{.*}}>, vector<8xf32>

// CHECK: verified: max_abs_err={{[0-9.]+e[-+][0-9]+}} max_rel_err=
// EXACT: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// ASM-DAG: {{vpdpbusd|vpmaddwd|vpdpwssd}} {{.*}}%{{[yz]}}mm
// ASM-DAG: vcvtdq2ps
// NOLIBM-NOT: {{call.*(exp|erf|tanh)}}
// NOLIBM: ret

func.func @w8a8_silu(%x: tensor<19x96xi8>, %w: tensor<40x96xi8>, %sx: tensor<19xf32>, %sw: tensor<40xf32>, %bias: tensor<40xf32>, %so: tensor<f32>, %zo: tensor<i32>) -> tensor<19x40xi8> {
  %y = qnk.matmul %x, %w transpose_b dequantize(%sx, %sw : tensor<19xf32>, tensor<40xf32>) bias(%bias : tensor<40xf32>) activation(silu) quantize(%so : tensor<f32>) zero_point(%zo : tensor<i32>) : tensor<19x96xi8>, tensor<40x96xi8> -> tensor<19x40xi8>
  return %y : tensor<19x40xi8>
}

func.func @fp8_gelu(%a: tensor<33x64xf8E4M3FN>, %b: tensor<64x24xf8E4M3FN>, %sa: tensor<f32>, %sb: tensor<f32>) -> tensor<33x24xf32> {
  %y = qnk.matmul %a, %b dequantize(%sa, %sb : tensor<f32>, tensor<f32>) activation(gelu) : tensor<33x64xf8E4M3FN>, tensor<64x24xf8E4M3FN> -> tensor<33x24xf32>
  return %y : tensor<33x24xf32>
}

func.func @bf16_bias_gelu_tanh(%a: tensor<7x50xbf16>, %b: tensor<50x29xbf16>, %bias: tensor<29xf32>) -> tensor<7x29xf32> {
  %y = qnk.matmul %a, %b bias(%bias : tensor<29xf32>) activation(gelu_tanh) : tensor<7x50xbf16>, tensor<50x29xbf16> -> tensor<7x29xf32>
  return %y : tensor<7x29xf32>
}

func.func @w4a8_relu(%x: tensor<5x128xui8>, %w: tensor<64x128xi4>, %sx: tensor<f32>, %sw: tensor<64xf32>) -> tensor<5x64xf32> {
  %y = qnk.matmul %x, %w transpose_b dequantize(%sx, %sw : tensor<f32>, tensor<64xf32>) activation(relu) : tensor<5x128xui8>, tensor<64x128xi4> -> tensor<5x64xf32>
  return %y : tensor<5x64xf32>
}

// K = 1500 spans several K blocks: the epilogue runs once, after the last.
func.func @long_k(%x: tensor<13x1500xi8>, %w: tensor<1500x40xi8>, %sx: tensor<13xf32>, %sw: tensor<40xf32>, %bias: tensor<40xf32>) -> tensor<13x40xf32> {
  %y = qnk.matmul %x, %w dequantize(%sx, %sw : tensor<13xf32>, tensor<40xf32>) bias(%bias : tensor<40xf32>) activation(relu) : tensor<13x1500xi8>, tensor<1500x40xi8> -> tensor<13x40xf32>
  return %y : tensor<13x40xf32>
}
