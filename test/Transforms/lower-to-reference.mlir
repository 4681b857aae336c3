// RUN: qnk-opt %s --qnk-lower-to-reference --split-input-file | FileCheck %s

// CHECK-DAG: #[[A:.*]] = affine_map<(d0, d1, d2) -> (d0, d2)>
// CHECK-DAG: #[[B:.*]] = affine_map<(d0, d1, d2) -> (d2, d1)>
// CHECK-DAG: #[[C:.*]] = affine_map<(d0, d1, d2) -> (d0, d1)>
// CHECK-LABEL: func @bf16
// CHECK: %[[Z:.*]] = arith.constant 0.000000e+00 : f32
// CHECK: %[[INIT:.*]] = linalg.fill ins(%[[Z]] : f32)
// CHECK: linalg.generic {indexing_maps = [#[[A]], #[[B]], #[[C]]], iterator_types = ["parallel", "parallel", "reduction"]}
// CHECK-SAME: ins(%arg0, %arg1 : tensor<4x8xbf16>, tensor<8x3xbf16>) outs(%[[INIT]] : tensor<4x3xf32>)
// CHECK: ^bb0(%[[X:.*]]: bf16, %[[Y:.*]]: bf16, %[[ACC:.*]]: f32):
// CHECK:   %[[XE:.*]] = arith.extf %[[X]] : bf16 to f32
// CHECK:   %[[YE:.*]] = arith.extf %[[Y]] : bf16 to f32
// CHECK:   %[[P:.*]] = arith.mulf %[[XE]], %[[YE]] : f32
// CHECK:   %[[S:.*]] = arith.addf %[[ACC]], %[[P]] : f32
// CHECK:   linalg.yield %[[S]]
func.func @bf16(%a: tensor<4x8xbf16>, %b: tensor<8x3xbf16>) -> tensor<4x3xf32> {
  %c = qnk.matmul %a, %b : tensor<4x8xbf16>, tensor<8x3xbf16> -> tensor<4x3xf32>
  return %c : tensor<4x3xf32>
}

// -----

// CHECK-DAG: #[[AT:.*]] = affine_map<(d0, d1, d2) -> (d2, d0)>
// CHECK-DAG: #[[BT:.*]] = affine_map<(d0, d1, d2) -> (d1, d2)>
// CHECK-LABEL: func @int8_transposed
// CHECK: linalg.generic {indexing_maps = [#[[AT]], #[[BT]], {{.*}}]
// CHECK:   arith.extsi %{{.*}} : i8 to i32
// CHECK:   arith.extsi %{{.*}} : i8 to i32
// CHECK:   arith.muli
// CHECK:   arith.addi
func.func @int8_transposed(%a: tensor<8x4xi8>, %b: tensor<3x8xi8>) -> tensor<4x3xi32> {
  %c = qnk.matmul %a, %b transpose_a transpose_b : tensor<8x4xi8>, tensor<3x8xi8> -> tensor<4x3xi32>
  return %c : tensor<4x3xi32>
}

// -----

// Unsigned A is zero-extended after relabelling its bits as signless.
// CHECK-LABEL: func @uint8
// CHECK: ^bb0(%[[X:.*]]: ui8, %[[Y:.*]]: i8, %{{.*}}: i32):
// CHECK:   %[[V:.*]] = vector.broadcast %[[X]] : ui8 to vector<1xui8>
// CHECK:   %[[S:.*]] = vector.bitcast %[[V]] : vector<1xui8> to vector<1xi8>
// CHECK:   %[[E:.*]] = vector.extract %[[S]][0]
// CHECK:   arith.extui %[[E]] : i8 to i32
// CHECK:   arith.extsi %[[Y]] : i8 to i32
func.func @uint8(%a: tensor<4x8xui8>, %b: tensor<8x3xi8>) -> tensor<4x3xi32> {
  %c = qnk.matmul %a, %b : tensor<4x8xui8>, tensor<8x3xi8> -> tensor<4x3xi32>
  return %c : tensor<4x3xi32>
}

// -----

// CHECK-DAG: #[[BA:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3)>
// CHECK-DAG: #[[BB:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d3, d2)>
// CHECK-DAG: #[[BC:.*]] = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2)>
// CHECK-LABEL: func @batch
// CHECK: linalg.generic {indexing_maps = [#[[BA]], #[[BB]], #[[BC]]], iterator_types = ["parallel", "parallel", "parallel", "reduction"]}
func.func @batch(%a: tensor<2x4x8xf32>, %b: tensor<2x8x3xf32>) -> tensor<2x4x3xf32> {
  %c = qnk.batch_matmul %a, %b : tensor<2x4x8xf32>, tensor<2x8x3xf32> -> tensor<2x4x3xf32>
  return %c : tensor<2x4x3xf32>
}
