// RUN: qnk-opt %s | qnk-opt | FileCheck %s
// RUN: qnk-opt %s -split-input-file -verify-diagnostics -o /dev/null --mlir-disable-threading 2>&1 | FileCheck %s --allow-empty --check-prefix=NONE
// NONE-NOT: error

// CHECK-LABEL: func.func @w4a16
// CHECK: qnk.matmul %{{.*}}, %{{.*}} transpose_b b_group_scale(%{{.*}} : tensor<64x4xf16>) group_size = 32 :
func.func @w4a16(%x: tensor<2x128xbf16>, %w: tensor<64x128xi4>, %s: tensor<64x4xf16>) -> tensor<2x64xf32> {
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%s : tensor<64x4xf16>) group_size = 32 : tensor<2x128xbf16>, tensor<64x128xi4> -> tensor<2x64xf32>
  return %y : tensor<2x64xf32>
}

// CHECK-LABEL: func.func @mx
// CHECK: a_group_scale(%{{.*}} : tensor<8x2xf8E8M0FNU>) b_group_scale(%{{.*}} : tensor<2x16xf8E8M0FNU>) group_size = 32 bias(
func.func @mx(%a: tensor<8x64xf8E4M3FN>, %b: tensor<64x16xf8E5M2>, %sa: tensor<8x2xf8E8M0FNU>, %sb: tensor<2x16xf8E8M0FNU>, %bias: tensor<16xf32>) -> tensor<8x16xf32> {
  %y = qnk.matmul %a, %b a_group_scale(%sa : tensor<8x2xf8E8M0FNU>) b_group_scale(%sb : tensor<2x16xf8E8M0FNU>) group_size = 32 bias(%bias : tensor<16xf32>) : tensor<8x64xf8E4M3FN>, tensor<64x16xf8E5M2> -> tensor<8x16xf32>
  return %y : tensor<8x16xf32>
}
