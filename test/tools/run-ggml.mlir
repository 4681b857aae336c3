// llama.cpp Q4_0 / Q8_0 rows unpacked into values and f16 group scales,
// then dequantized, through both pipelines to the same bits.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e q4_0 --verify --dump-asm=%t.q4.s | FileCheck %s
// RUN: FileCheck %s --check-prefix=NOCALL < %t.q4.s
// RUN: qnk-run %s -e q8_0 --verify | FileCheck %s
// RUN: qnk-run %s -e q4_0_dequantize --verify | FileCheck %s
// RUN: qnk-run %s -e q8_0_dequantize --verify --seed=9 | FileCheck %s

// CHECK: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// Calls go through a register loaded with movabsq: only malloc and free.
// NOCALL-NOT: movabsq ${{[a-z_]*(round|log|exp|pow|ldexp|frexp|trunc|extend)}}
// NOCALL: .Lfunc_end0:

func.func @q4_0(%raw: tensor<6x72xui8>) -> (tensor<6x128xi4>, tensor<6x4xf16>) {
  %v, %d = qnk.unpack_ggml %raw format = q4_0 : tensor<6x72xui8> -> tensor<6x128xi4>, tensor<6x4xf16>
  return %v, %d : tensor<6x128xi4>, tensor<6x4xf16>
}

func.func @q8_0(%raw: tensor<2x3x68xi8>) -> (tensor<2x3x64xi8>, tensor<2x3x2xf16>) {
  %v, %d = qnk.unpack_ggml %raw format = q8_0 : tensor<2x3x68xi8> -> tensor<2x3x64xi8>, tensor<2x3x2xf16>
  return %v, %d : tensor<2x3x64xi8>, tensor<2x3x2xf16>
}

func.func @q4_0_dequantize(%raw: tensor<8x144xui8>) -> tensor<8x256xf32> {
  %v, %d = qnk.unpack_ggml %raw format = q4_0 : tensor<8x144xui8> -> tensor<8x256xi4>, tensor<8x8xf16>
  %y = qnk.dequantize %v, %d axis = 1 group_size = 32 : tensor<8x256xi4>, tensor<8x8xf16> -> tensor<8x256xf32>
  return %y : tensor<8x256xf32>
}

func.func @q8_0_dequantize(%raw: tensor<34xui8>) -> tensor<32xf32> {
  %v, %d = qnk.unpack_ggml %raw format = q8_0 : tensor<34xui8> -> tensor<32xi8>, tensor<1xf16>
  %y = qnk.dequantize %v, %d axis = 0 group_size = 32 : tensor<32xi8>, tensor<1xf16> -> tensor<32xf32>
  return %y : tensor<32xf32>
}
