// The quantization ops compile through both pipelines to the same numbers
// (integer and fp8 results bit for bit), with native rounding (vroundss /
// vroundps, round-to-nearest-even immediate) and no library calls.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e quantize_groups --verify --dump-asm=%t.q.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=ROUND < %t.q.s
// RUN: qnk-run %s -e quantize_fp8 --verify --dump-asm=%t.f8.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=NOCALL < %t.f8.s
// RUN: qnk-run %s -e dequantize_channels --verify | FileCheck %s
// RUN: qnk-run %s -e requantize --verify --target=x86-64-v3 | FileCheck %s
// RUN: qnk-run %s -e w4_roundtrip --verify | FileCheck %s

// CHECK: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// ROUND: vround{{ss|ps|sd}} $8
// NOCALL-NOT: call{{q?}} {{.*}}round
// NOCALL: ret

func.func @quantize_groups(%x: tensor<8x128xf32>, %s: tensor<8x4xf32>, %z: tensor<8x4xi32>) -> tensor<8x128xui4> {
  %q = qnk.quantize %x, %s, %z axis = 1 group_size = 32 : tensor<8x128xf32>, tensor<8x4xf32>, tensor<8x4xi32> -> tensor<8x128xui4>
  return %q : tensor<8x128xui4>
}

func.func @quantize_fp8(%x: tensor<33x7xbf16>, %s: tensor<f32>) -> tensor<33x7xf8E5M2> {
  %q = qnk.quantize %x, %s : tensor<33x7xbf16>, tensor<f32> -> tensor<33x7xf8E5M2>
  return %q : tensor<33x7xf8E5M2>
}

func.func @dequantize_channels(%q: tensor<17x24xi8>, %s: tensor<24xf32>, %z: tensor<24xi32>) -> tensor<17x24xf32> {
  %x = qnk.dequantize %q, %s, %z axis = 1 : tensor<17x24xi8>, tensor<24xf32>, tensor<24xi32> -> tensor<17x24xf32>
  return %x : tensor<17x24xf32>
}

func.func @requantize(%a: tensor<9x16xi32>, %m: tensor<16xi32>, %sh: tensor<16xi32>, %z: tensor<i32>) -> tensor<9x16xui8> {
  %q = qnk.requantize %a, %m, %sh, %z axis = 1 : tensor<9x16xi32>, tensor<16xi32>, tensor<16xi32>, tensor<i32> -> tensor<9x16xui8>
  return %q : tensor<9x16xui8>
}

// Weight-only int4: groups quantized, then dequantized back to f32.
func.func @w4_roundtrip(%w: tensor<16x64xf32>, %s: tensor<16x2xf32>) -> tensor<16x64xf32> {
  %q = qnk.quantize %w, %s axis = 1 group_size = 32 : tensor<16x64xf32>, tensor<16x2xf32> -> tensor<16x64xi4>
  %x = qnk.dequantize %q, %s axis = 1 group_size = 32 : tensor<16x64xi4>, tensor<16x2xf32> -> tensor<16x64xf32>
  return %x : tensor<16x64xf32>
}
