// RUN: qnk-opt %s --qnk-raise-linalg --split-input-file | FileCheck %s

// CHECK-LABEL: func @f32
// CHECK-NOT: linalg.softmax
// CHECK: %[[R:.*]] = qnk.softmax %arg0 axis = 1 : tensor<4x1000xf32> -> tensor<4x1000xf32>
// CHECK: return %[[R]]
func.func @f32(%x: tensor<4x1000xf32>) -> tensor<4x1000xf32> {
  %e = tensor.empty() : tensor<4x1000xf32>
  %y = linalg.softmax dimension(1) ins(%x : tensor<4x1000xf32>) outs(%e : tensor<4x1000xf32>) -> tensor<4x1000xf32>
  return %y : tensor<4x1000xf32>
}

// -----

// CHECK-LABEL: func @bf16_axis0
// CHECK: qnk.softmax %arg0 axis = 0 : tensor<3x5xbf16> -> tensor<3x5xbf16>
func.func @bf16_axis0(%x: tensor<3x5xbf16>) -> tensor<3x5xbf16> {
  %e = tensor.empty() : tensor<3x5xbf16>
  %y = linalg.softmax dimension(0) ins(%x : tensor<3x5xbf16>) outs(%e : tensor<3x5xbf16>) -> tensor<3x5xbf16>
  return %y : tensor<3x5xbf16>
}

// -----

// f64 is not a qnk.softmax type: left alone.
// CHECK-LABEL: func @f64
// CHECK: linalg.softmax
func.func @f64(%x: tensor<4x8xf64>) -> tensor<4x8xf64> {
  %e = tensor.empty() : tensor<4x8xf64>
  %y = linalg.softmax dimension(1) ins(%x : tensor<4x8xf64>) outs(%e : tensor<4x8xf64>) -> tensor<4x8xf64>
  return %y : tensor<4x8xf64>
}
