// llama.cpp weights as users have them: Q4_0 / Q8_0 rows unpacked by
// qnk.unpack_ggml into values and f16 scales per 32, which qnk.matmul takes
// as a B group scale inside the reduction — the decode kernels (dot_f32 for
// f32 activations, dot_i8 for int8) at M = 1, the packed kernels at M = 24.
// Float activations match the reference within f32 tolerance, int8 ones bit
// for bit.
// REQUIRES: avx2, fma
// RUN: qnk-run %s -e q4_0_decode --verify | FileCheck %s
// RUN: qnk-run %s -e q8_0_rows --verify --threads=2 | FileCheck %s
// RUN: qnk-run %s -e q4_0_w4a8 --verify | FileCheck %s --check-prefix=EXACT
// RUN: qnk-opt %s --qnk-cpu-pipeline=target=znver4 --mlir-print-ir-after=qnk-pack -o /dev/null 2>&1 | FileCheck %s --check-prefix=PACK

// CHECK: verified: max_abs_err={{[0-9.]+e[-+][0-9]+}} max_rel_err=
// EXACT: verified: max_abs_err=0.000e+00 max_rel_err=0.000e+00
// PACK-LABEL: func.func @q4_0_decode(
// The Q4_0 rows are unpacked before qnk-pack (qnk-lower-quantization).
// PACK: kernel = <dot_f32{{.*}}b_group_scale({{.*}}) group_size = 32
// PACK-LABEL: func.func @q8_0_rows(
// PACK: qnk.pack
// PACK-LABEL: func.func @q4_0_w4a8(
// PACK: kernel = <dot_i8{{.*}}b_group_scale({{.*}}) group_size = 32

func.func @q4_0_decode(%x: tensor<1x256xf32>, %raw: tensor<40x144xui8>) -> tensor<1x40xf32> {
  %w, %d = qnk.unpack_ggml %raw format = q4_0 : tensor<40x144xui8> -> tensor<40x256xi4>, tensor<40x8xf16>
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%d : tensor<40x8xf16>) group_size = 32 : tensor<1x256xf32>, tensor<40x256xi4> -> tensor<1x40xf32>
  return %y : tensor<1x40xf32>
}

func.func @q8_0_rows(%x: tensor<24x64xbf16>, %raw: tensor<19x68xi8>) -> tensor<24x19xf32> {
  %w, %d = qnk.unpack_ggml %raw format = q8_0 : tensor<19x68xi8> -> tensor<19x64xi8>, tensor<19x2xf16>
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%d : tensor<19x2xf16>) group_size = 32 : tensor<24x64xbf16>, tensor<19x64xi8> -> tensor<24x19xf32>
  return %y : tensor<24x19xf32>
}

func.func @q4_0_w4a8(%x: tensor<2x128xi8>, %raw: tensor<16x72xui8>) -> tensor<2x16xf32> {
  %w, %d = qnk.unpack_ggml %raw format = q4_0 : tensor<16x72xui8> -> tensor<16x128xi4>, tensor<16x4xf16>
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%d : tensor<16x4xf16>) group_size = 32 : tensor<2x128xi8>, tensor<16x128xi4> -> tensor<2x16xf32>
  return %y : tensor<2x16xf32>
}
