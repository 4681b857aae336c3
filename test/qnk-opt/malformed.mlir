// RUN: not qnk-opt %s 2>&1 | FileCheck %s
// Malformed IR: a diagnostic with its location and a non-zero exit.
// CHECK: malformed.mlir:[[@LINE+2]]:{{[0-9]+}}: error: expected ':'
func.func @f(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  %c = qnk.matmul %a, %b tensor<4x8xf32>, tensor<8x4xf32> -> tensor<4x4xf32>
  return %c : tensor<4x4xf32>
}
