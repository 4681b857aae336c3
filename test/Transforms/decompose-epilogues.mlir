// RUN: qnk-opt %s --split-input-file --qnk-decompose-epilogues | FileCheck %s

// W8A8: the integer matmul, then one element-wise step in the order the op
// states (i32 -> f32, times the row scale, times the column scale, plus the
// bias, SiLU with exp expanded into a polynomial), then qnk.quantize.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[ROW:.*]] = affine_map<(d0, d1) -> (d0)>
// CHECK-DAG: #[[COL:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @w8a8
// CHECK: %[[ACC:.*]] = qnk.matmul %arg0, %arg1 transpose_b : tensor<16x64xi8>, tensor<32x64xi8> -> tensor<16x32xi32>
// CHECK: %[[Y:.*]] = linalg.generic {indexing_maps = [#[[ID]], #[[ROW]], #[[COL]], #[[COL]], #[[ID]]]
// CHECK-SAME: ins(%[[ACC]], %arg2, %arg3, %arg4
// CHECK: ^bb0(%[[A:.*]]: i32, %[[SX:.*]]: f32, %[[SW:.*]]: f32, %[[B:.*]]: f32, %{{.*}}: f32):
// CHECK:   %[[F:.*]] = arith.sitofp %[[A]] : i32 to f32
// CHECK:   %[[M1:.*]] = arith.mulf %[[F]], %[[SX]] : f32
// CHECK:   %[[M2:.*]] = arith.mulf %[[M1]], %[[SW]] : f32
// CHECK:   %[[V:.*]] = arith.addf %[[M2]], %[[B]] : f32
// CHECK-NOT: math.exp
// CHECK:   math.fma
// CHECK:   arith.divf %[[V]]
// CHECK: qnk.quantize %[[Y]], %arg5, %arg6 : tensor<16x32xf32>, tensor<f32>, tensor<i32> -> tensor<16x32xi8>
func.func @w8a8(%x: tensor<16x64xi8>, %w: tensor<32x64xi8>, %sx: tensor<16xf32>, %sw: tensor<32xf32>, %bias: tensor<32xf32>, %so: tensor<f32>, %zo: tensor<i32>) -> tensor<16x32xi8> {
  %y = qnk.matmul %x, %w transpose_b dequantize(%sx, %sw : tensor<16xf32>, tensor<32xf32>) bias(%bias : tensor<32xf32>) activation(silu) quantize(%so : tensor<f32>) zero_point(%zo : tensor<i32>) : tensor<16x64xi8>, tensor<32x64xi8> -> tensor<16x32xi8>
  return %y : tensor<16x32xi8>
}

// -----

// fp8 with per-tensor scales and GELU (erf as a polynomial), f32 result.
// CHECK-DAG: #[[SCALAR:.*]] = affine_map<(d0, d1) -> ()>
// CHECK-LABEL: func @fp8_gelu
// CHECK: qnk.matmul %arg0, %arg1 : tensor<8x32xf8E4M3FN>, tensor<32x8xf8E4M3FN> -> tensor<8x8xf32>
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[SCALAR]], #[[SCALAR]], #{{.*}}]
// CHECK-NOT: math.erf
// CHECK: return
func.func @fp8_gelu(%a: tensor<8x32xf8E4M3FN>, %b: tensor<32x8xf8E4M3FN>, %sa: tensor<f32>, %sb: tensor<f32>) -> tensor<8x8xf32> {
  %y = qnk.matmul %a, %b dequantize(%sa, %sb : tensor<f32>, tensor<f32>) activation(gelu) : tensor<8x32xf8E4M3FN>, tensor<32x8xf8E4M3FN> -> tensor<8x8xf32>
  return %y : tensor<8x8xf32>
}

// -----

// Without clauses nothing changes.
// CHECK-LABEL: func @plain
// CHECK-NEXT: qnk.matmul %arg0, %arg1 : tensor<4x8xf32>, tensor<8x4xf32> -> tensor<4x4xf32>
// CHECK-NEXT: return
func.func @plain(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %c = qnk.matmul %a, %b : tensor<4x8xf32>, tensor<8x4xf32> -> tensor<4x4xf32>
  return %c : tensor<4x4xf32>
}
