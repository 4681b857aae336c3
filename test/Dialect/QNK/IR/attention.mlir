// RUN: qnk-opt %s | qnk-opt | FileCheck %s
// qnk.attention round-trips with and without its optional parts.

// CHECK-LABEL: func @plain
// CHECK: qnk.attention %{{.*}}, %{{.*}}, %{{.*}} : tensor<2x4x17x64xf32>, tensor<2x4x33x64xf32>, tensor<2x4x33x64xf32> -> tensor<2x4x17x64xf32>
func.func @plain(%q: tensor<2x4x17x64xf32>, %k: tensor<2x4x33x64xf32>, %v: tensor<2x4x33x64xf32>) -> tensor<2x4x17x64xf32> {
  %0 = qnk.attention %q, %k, %v : tensor<2x4x17x64xf32>, tensor<2x4x33x64xf32>, tensor<2x4x33x64xf32> -> tensor<2x4x17x64xf32>
  return %0 : tensor<2x4x17x64xf32>
}

// CHECK-LABEL: func @gqa_causal_scale
// CHECK: qnk.attention %{{.*}}, %{{.*}}, %{{.*}} scale = 1.250000e-01 causal : tensor<1x8x16x32xbf16>, tensor<1x2x16x32xbf16>, tensor<1x2x16x48xbf16> -> tensor<1x8x16x48xf32>
func.func @gqa_causal_scale(%q: tensor<1x8x16x32xbf16>, %k: tensor<1x2x16x32xbf16>, %v: tensor<1x2x16x48xbf16>) -> tensor<1x8x16x48xf32> {
  %0 = qnk.attention %q, %k, %v scale = 0.125 causal : tensor<1x8x16x32xbf16>, tensor<1x2x16x32xbf16>, tensor<1x2x16x48xbf16> -> tensor<1x8x16x48xf32>
  return %0 : tensor<1x8x16x48xf32>
}

// CHECK-LABEL: func @masked_f16
// CHECK: qnk.attention %{{.*}}, %{{.*}}, %{{.*}} mask(%{{.*}} : tensor<16x1xf32>) causal : tensor<1x1x16x32xf16>, tensor<1x1x8x32xf16>, tensor<1x1x8x32xf16> -> tensor<1x1x16x32xf16>
func.func @masked_f16(%q: tensor<1x1x16x32xf16>, %k: tensor<1x1x8x32xf16>, %v: tensor<1x1x8x32xf16>, %m: tensor<16x1xf32>) -> tensor<1x1x16x32xf16> {
  %0 = qnk.attention %q, %k, %v mask(%m : tensor<16x1xf32>) causal : tensor<1x1x16x32xf16>, tensor<1x1x8x32xf16>, tensor<1x1x8x32xf16> -> tensor<1x1x16x32xf16>
  return %0 : tensor<1x1x16x32xf16>
}

// CHECK-LABEL: func @low_precision
// CHECK: qnk.attention %{{.*}}, %{{.*}}, %{{.*}} causal qk_type = i8 qk_blocks = [128, 64] pv_type = bf16 : tensor<1x8x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16> -> tensor<1x8x16x64xbf16>
// CHECK: qnk.attention %{{.*}}, %{{.*}}, %{{.*}} qk_type = i8 : tensor<1x8x16x64xbf16>
// CHECK: qnk.attention %{{.*}}, %{{.*}}, %{{.*}} pv_type = f8E4M3FN : tensor<1x8x16x64xbf16>
func.func @low_precision(%q: tensor<1x8x16x64xbf16>, %k: tensor<1x2x16x64xbf16>, %v: tensor<1x2x16x64xbf16>) -> (tensor<1x8x16x64xbf16>, tensor<1x8x16x64xbf16>, tensor<1x8x16x64xbf16>) {
  %0 = qnk.attention %q, %k, %v causal qk_type = i8 qk_blocks = [128, 64] pv_type = bf16 : tensor<1x8x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16> -> tensor<1x8x16x64xbf16>
  %1 = qnk.attention %q, %k, %v qk_type = i8 : tensor<1x8x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16> -> tensor<1x8x16x64xbf16>
  %2 = qnk.attention %q, %k, %v pv_type = f8E4M3FN : tensor<1x8x16x64xbf16>, tensor<1x2x16x64xbf16>, tensor<1x2x16x64xbf16> -> tensor<1x8x16x64xbf16>
  return %0, %1, %2 : tensor<1x8x16x64xbf16>, tensor<1x8x16x64xbf16>, tensor<1x8x16x64xbf16>
}
