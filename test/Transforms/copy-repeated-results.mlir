// RUN: qnk-opt %s --qnk-copy-repeated-results | FileCheck %s

// The second and third occurrences of %x are copies; a distinct result and
// a non-tensor result are left alone.
// CHECK-LABEL: func @repeated
// CHECK-SAME: (%[[X:.*]]: tensor<4x?xf32>, %[[Y:.*]]: tensor<2xf32>, %[[I:.*]]: i32)
// CHECK: %[[C1:.*]] = arith.constant 1 : index
// CHECK: %[[D:.*]] = tensor.dim %[[X]], %[[C1]]
// CHECK: %[[E1:.*]] = tensor.empty(%[[D]]) : tensor<4x?xf32>
// CHECK: %[[X1:.*]] = linalg.copy ins(%[[X]] : tensor<4x?xf32>) outs(%[[E1]] : tensor<4x?xf32>)
// CHECK: %[[E2:.*]] = tensor.empty({{.*}}) : tensor<4x?xf32>
// CHECK: %[[X2:.*]] = linalg.copy ins(%[[X]] : tensor<4x?xf32>) outs(%[[E2]] : tensor<4x?xf32>)
// CHECK: return %[[X]], %[[Y]], %[[X1]], %[[I]], %[[I]], %[[X2]]
func.func @repeated(%x: tensor<4x?xf32>, %y: tensor<2xf32>, %i: i32) -> (tensor<4x?xf32>, tensor<2xf32>, tensor<4x?xf32>, i32, i32, tensor<4x?xf32>) {
  return %x, %y, %x, %i, %i, %x : tensor<4x?xf32>, tensor<2xf32>, tensor<4x?xf32>, i32, i32, tensor<4x?xf32>
}
