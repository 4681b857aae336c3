// fp4 storage, small-float scales and block-scaled quantization (MXFP8,
// MXFP4, NVFP4) compile through both pipelines to the same bits, with
// integer encodes and decodes and no library calls.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e mxfp4 --verify --dump-asm=%t.mxfp4.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=NOCALL < %t.mxfp4.s
// RUN: qnk-run %s -e mxfp8 --verify | FileCheck %s
// RUN: qnk-run %s -e mxfp8_e5m2 --verify --seed=3 | FileCheck %s
// RUN: qnk-run %s -e nvfp4 --verify --dump-asm=%t.nvfp4.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=NOCALL < %t.nvfp4.s
// RUN: qnk-run %s -e mx_roundtrip --verify | FileCheck %s
// RUN: qnk-run %s -e fp4_e8m0_scales --verify | FileCheck %s

// CHECK: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// Calls go through a register loaded with movabsq: only malloc and free.
// NOCALL-NOT: movabsq ${{[a-z_]*(round|log|exp|pow|ldexp|frexp|trunc|extend)}}
// NOCALL: .Lfunc_end0:

func.func @mxfp4(%x: tensor<8x96xf32>) -> (tensor<8x96xf4E2M1FN>, tensor<8x3xf8E8M0FNU>) {
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<8x96xf32> -> tensor<8x96xf4E2M1FN>, tensor<8x3xf8E8M0FNU>
  return %q, %s : tensor<8x96xf4E2M1FN>, tensor<8x3xf8E8M0FNU>
}

func.func @mxfp8(%x: tensor<3x5x64xbf16>) -> (tensor<3x5x64xf8E4M3FN>, tensor<3x5x2xf8E8M0FNU>) {
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<3x5x64xbf16> -> tensor<3x5x64xf8E4M3FN>, tensor<3x5x2xf8E8M0FNU>
  return %q, %s : tensor<3x5x64xf8E4M3FN>, tensor<3x5x2xf8E8M0FNU>
}

func.func @mxfp8_e5m2(%x: tensor<64xf16>) -> (tensor<64xf8E5M2>, tensor<2xf8E8M0FNU>) {
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<64xf16> -> tensor<64xf8E5M2>, tensor<2xf8E8M0FNU>
  return %q, %s : tensor<64xf8E5M2>, tensor<2xf8E8M0FNU>
}

func.func @nvfp4(%x: tensor<4x48xf32>, %g: tensor<f32>) -> (tensor<4x48xf4E2M1FN>, tensor<4x3xf8E4M3FN>) {
  %q, %s = qnk.mx_quantize %x, %g block_size = 16 : tensor<4x48xf32>, tensor<f32> -> tensor<4x48xf4E2M1FN>, tensor<4x3xf8E4M3FN>
  return %q, %s : tensor<4x48xf4E2M1FN>, tensor<4x3xf8E4M3FN>
}

// MXFP4 quantized and dequantized back by its block scales.
func.func @mx_roundtrip(%x: tensor<16x64xf32>) -> tensor<16x64xf32> {
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<16x64xf32> -> tensor<16x64xf4E2M1FN>, tensor<16x2xf8E8M0FNU>
  %y = qnk.dequantize %q, %s axis = 1 group_size = 32 : tensor<16x64xf4E2M1FN>, tensor<16x2xf8E8M0FNU> -> tensor<16x64xf32>
  return %y : tensor<16x64xf32>
}

// Static scales held as E8M0: quantize to fp4 and dequantize.
func.func @fp4_e8m0_scales(%x: tensor<5x64xf32>, %s: tensor<5x2xf8E8M0FNU>) -> (tensor<5x64xf4E2M1FN>, tensor<5x64xf32>) {
  %q = qnk.quantize %x, %s axis = 1 group_size = 32 : tensor<5x64xf32>, tensor<5x2xf8E8M0FNU> -> tensor<5x64xf4E2M1FN>
  %y = qnk.dequantize %q, %s axis = 1 group_size = 32 : tensor<5x64xf4E2M1FN>, tensor<5x2xf8E8M0FNU> -> tensor<5x64xf32>
  return %q, %y : tensor<5x64xf4E2M1FN>, tensor<5x64xf32>
}
