// RUN: qnk-opt %s --split-input-file --qnk-import-quant-types --verify-diagnostics | FileCheck %s

// Per-tensor, per-axis and sub-channel !quant.uniform tensors become their
// storage tensors; quant.dcast / quant.qcast become qnk.dequantize /
// qnk.quantize with the type's scales and zero points as constants.
// CHECK-LABEL: func @casts(
// CHECK-SAME: %[[X:.*]]: tensor<4x64xi8>, %[[W:.*]]: tensor<4x64xui8>, %[[G:.*]]: tensor<4x64xi4>) -> (tensor<4x64xf32>, tensor<4x64xi8>)
// CHECK: %[[S:.*]] = arith.constant dense<5.000000e-02> : tensor<f32>
// CHECK: %[[Z:.*]] = arith.constant dense<3> : tensor<i32>
// CHECK: qnk.dequantize %[[X]], %[[S]], %[[Z]] : tensor<4x64xi8>, tensor<f32>, tensor<i32> -> tensor<4x64xf32>
// CHECK: %[[SW:.*]] = arith.constant dense<[1.000000e-01, 2.000000e-01, 3.000000e-01, 4.000000e-01]> : tensor<4xf32>
// CHECK: %[[ZW:.*]] = arith.constant dense<[0, 1, 2, 0]> : tensor<4xi32>
// CHECK: qnk.dequantize %[[W]], %[[SW]], %[[ZW]] axis = 0 : tensor<4x64xui8>, tensor<4xf32>, tensor<4xi32> -> tensor<4x64xf32>
// CHECK: %[[SG:.*]] = arith.constant dense<{{\[\[}}1.000000e-01, 2.000000e-01], [3.000000e-01, 4.000000e-01], [5.000000e-01, 6.000000e-01], [0.699999988, 8.000000e-01]]> : tensor<4x2xf32>
// CHECK: %[[ZG:.*]] = arith.constant dense<{{\[\[}}0, 1], [0, -1], [0, 0], [2, 0]]> : tensor<4x2xi32>
// CHECK: %[[DG:.*]] = qnk.dequantize %[[G]], %[[SG]], %[[ZG]] axis = 1 group_size = 32 : tensor<4x64xi4>, tensor<4x2xf32>, tensor<4x2xi32> -> tensor<4x64xf32>
// CHECK: %[[Q:.*]] = qnk.quantize %[[DG]], %{{.*}}, %{{.*}} : tensor<4x64xf32>, tensor<f32>, tensor<i32> -> tensor<4x64xi8>
// CHECK: return %{{.*}}, %[[Q]] : tensor<4x64xf32>, tensor<4x64xi8>
!qx = !quant.uniform<i8:f32, 0.05:3>
!qw = !quant.uniform<u8:f32:0, {0.1:0, 0.2:1, 0.3:2, 0.4:0}>
!qg = !quant.uniform<i4:f32:{0:1, 1:32}, {{0.1:0, 0.2:1}, {0.3:0, 0.4:-1}, {0.5:0, 0.6:0}, {0.7:2, 0.8:0}}>
func.func @casts(%x: tensor<4x64x!qx>, %w: tensor<4x64x!qw>, %g: tensor<4x64x!qg>) -> (tensor<4x64xf32>, tensor<4x64x!qx>) {
  %a = quant.dcast %x : tensor<4x64x!qx> to tensor<4x64xf32>
  %b = quant.dcast %w : tensor<4x64x!qw> to tensor<4x64xf32>
  %c = quant.dcast %g : tensor<4x64x!qg> to tensor<4x64xf32>
  %s = arith.addf %a, %b : tensor<4x64xf32>
  %q = quant.qcast %c : tensor<4x64xf32> to tensor<4x64x!qx>
  return %s, %q : tensor<4x64xf32>, tensor<4x64x!qx>
}

// -----

// Storage casts are the same bits: they disappear.
// CHECK-LABEL: func @storage(
// CHECK-SAME: %[[A:.*]]: tensor<8xi8>) -> tensor<8xi8>
// CHECK-NEXT: return %[[A]] : tensor<8xi8>
!q = !quant.uniform<i8:f32, 0.5>
func.func @storage(%a: tensor<8xi8>) -> tensor<8x!q> {
  %q = quant.scast %a : tensor<8xi8> to tensor<8x!q>
  return %q : tensor<8x!q>
}

// -----

!narrow = !quant.uniform<i8<-127:127>:f32, 0.1>
func.func @narrow(%x: tensor<4xf32>) -> tensor<4x!narrow> {
  // expected-error @+1 {{narrows its storage range; QNK saturates to the whole range of the storage type}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!narrow>
  return %q : tensor<4x!narrow>
}

// -----

!half = !quant.uniform<i8:f16, 0.1>
func.func @expressed(%x: tensor<4xf16>) -> tensor<4x!half> {
  // expected-error @+1 {{expresses 'f16'; QNK's scales are f32}}
  %q = quant.qcast %x : tensor<4xf16> to tensor<4x!half>
  return %q : tensor<4x!half>
}

// -----

!wide = !quant.uniform<i16:f32, 0.1>
func.func @wide(%x: tensor<4xf32>) -> tensor<4x!wide> {
  // expected-error @+1 {{has 16-bit storage; QNK stores 8 or 4 bits}}
  %q = quant.qcast %x : tensor<4xf32> to tensor<4x!wide>
  return %q : tensor<4x!wide>
}

// -----

!blocks = !quant.uniform<i8:f32:{0:2, 1:2}, {{0.1, 0.2}, {0.3, 0.4}}>
func.func @two_blocked(%x: tensor<4x4x!blocks>) -> tensor<4x4xf32> {
  // expected-error @+1 {{blocks more than one dimension; QNK groups along one axis}}
  %y = quant.dcast %x : tensor<4x4x!blocks> to tensor<4x4xf32>
  return %y : tensor<4x4xf32>
}
