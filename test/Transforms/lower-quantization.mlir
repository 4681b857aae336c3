// RUN: qnk-opt %s --split-input-file --qnk-lower-quantization | FileCheck %s

// Groups of 32 along K read their scale and zero point through a floordiv
// map; the body is the exact formula: one f32 division, round half to even,
// NaN to 0, a clamp that keeps the conversion exact, the zero point, then
// saturation to [0, 15].
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1) -> (d0, d1)>
// CHECK-DAG: #[[GROUP:.*]] = affine_map<(d0, d1) -> (d0, d1 floordiv 32)>
// CHECK-LABEL: func @group
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[GROUP]], #[[GROUP]], #[[ID]]]
// CHECK: ^bb0(%[[X:.*]]: f32, %[[S:.*]]: f32, %[[Z:.*]]: i32, %{{.*}}: ui4):
// CHECK:   %[[Q:.*]] = arith.divf %[[X]], %[[S]] : f32
// CHECK:   %[[R:.*]] = math.roundeven %[[Q]] : f32
// CHECK:   arith.cmpf uno, %[[Q]], %[[Q]]
// CHECK:   arith.fptosi
// CHECK:   arith.addi %{{.*}}, %[[Z]] : i32
// CHECK:   arith.maxsi
// CHECK:   arith.minsi
// CHECK:   arith.trunci %{{.*}} : i32 to i4
// CHECK:   vector.bitcast %{{.*}} : vector<1xi4> to vector<1xui4>
func.func @group(%x: tensor<4x64xf32>, %s: tensor<4x2xf32>, %z: tensor<4x2xi32>) -> tensor<4x64xui4> {
  %q = qnk.quantize %x, %s, %z axis = 1 group_size = 32 : tensor<4x64xf32>, tensor<4x2xf32>, tensor<4x2xi32> -> tensor<4x64xui4>
  return %q : tensor<4x64xui4>
}

// -----

// fp8 storage rounds and saturates with integer operations (no library
// call, no fp8 arithmetic).
// CHECK-LABEL: func @fp8
// CHECK: arith.divf
// CHECK: arith.minsi %{{.*}} : vector<1xi32>
// CHECK: vector.bitcast %{{.*}} : vector<1xi8> to vector<1xf8E4M3FN>
func.func @fp8(%x: tensor<16xbf16>, %s: tensor<f32>) -> tensor<16xf8E4M3FN> {
  %q = qnk.quantize %x, %s : tensor<16xbf16>, tensor<f32> -> tensor<16xf8E4M3FN>
  return %q : tensor<16xf8E4M3FN>
}

// -----

// Per-channel dequantization: (q - zp) exactly in i32, then one product.
// CHECK-DAG: #[[CH:.*]] = affine_map<(d0, d1) -> (d1)>
// CHECK-LABEL: func @dequantize
// CHECK: linalg.generic {indexing_maps = [#{{.*}}, #[[CH]], #[[CH]], #{{.*}}]
// CHECK:   arith.extsi %{{.*}} : i8 to i32
// CHECK:   arith.subi
// CHECK:   arith.sitofp %{{.*}} : i32 to f32
// CHECK:   arith.mulf
func.func @dequantize(%q: tensor<8x16xi8>, %s: tensor<16xf32>, %z: tensor<16xi32>) -> tensor<8x16xf32> {
  %x = qnk.dequantize %q, %s, %z axis = 1 : tensor<8x16xi8>, tensor<16xf32>, tensor<16xi32> -> tensor<8x16xf32>
  return %x : tensor<8x16xf32>
}

// -----

// Requantization multiplies in 64 bits and rounds the shifted product half
// to even.
// CHECK-LABEL: func @requantize
// CHECK: arith.extsi %{{.*}} : i32 to i64
// CHECK: arith.muli %{{.*}} : i64
// CHECK: arith.shrsi %{{.*}} : i64
// CHECK: arith.cmpi eq
// CHECK: arith.trunci %{{.*}} : i64 to i8
func.func @requantize(%a: tensor<8x16xi32>, %m: tensor<i32>, %sh: tensor<i32>, %z: tensor<i32>) -> tensor<8x16xi8> {
  %q = qnk.requantize %a, %m, %sh, %z : tensor<8x16xi32>, tensor<i32>, tensor<i32>, tensor<i32> -> tensor<8x16xi8>
  return %q : tensor<8x16xi8>
}
