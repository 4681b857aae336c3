// RUN: qnk-opt %s | qnk-opt | FileCheck %s
// qnk.softmax round-trips with and without its optional parts.

// CHECK-LABEL: func @plain
// CHECK: qnk.softmax %{{.*}} axis = 1 : tensor<4x1000xf32> -> tensor<4x1000xf32>
func.func @plain(%x: tensor<4x1000xf32>) -> tensor<4x1000xf32> {
  %0 = qnk.softmax %x axis = 1 : tensor<4x1000xf32> -> tensor<4x1000xf32>
  return %0 : tensor<4x1000xf32>
}

// CHECK-LABEL: func @masked
// CHECK: qnk.softmax %{{.*}} mask(%{{.*}} : tensor<1x1x16x16xbf16>) axis = 3 scale = 1.250000e-01 : tensor<2x4x16x16xbf16> -> tensor<2x4x16x16xf32>
func.func @masked(%x: tensor<2x4x16x16xbf16>, %m: tensor<1x1x16x16xbf16>) -> tensor<2x4x16x16xf32> {
  %0 = qnk.softmax %x mask(%m : tensor<1x1x16x16xbf16>) axis = 3 scale = 0.125 : tensor<2x4x16x16xbf16> -> tensor<2x4x16x16xf32>
  return %0 : tensor<2x4x16x16xf32>
}

// CHECK-LABEL: func @outer_axis_f16
// CHECK: qnk.softmax %{{.*}} axis = 0 : tensor<3x5xf16> -> tensor<3x5xf16>
func.func @outer_axis_f16(%x: tensor<3x5xf16>) -> tensor<3x5xf16> {
  %0 = qnk.softmax %x axis = 0 : tensor<3x5xf16> -> tensor<3x5xf16>
  return %0 : tensor<3x5xf16>
}
