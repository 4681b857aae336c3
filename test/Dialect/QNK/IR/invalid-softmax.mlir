// RUN: qnk-opt %s -split-input-file -verify-diagnostics
// Every verifier error of qnk.softmax.

func.func @axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'qnk.softmax' op axis 2 is out of range for rank 2 (expected 0 <= axis < 2)}}
  %0 = qnk.softmax %x axis = 2 : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @negative_axis(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'qnk.softmax' op axis -1 is out of range for rank 2}}
  %0 = qnk.softmax %x axis = -1 : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @rank0(%x: tensor<f32>) {
  // expected-error @+1 {{'qnk.softmax' op expects an input of rank >= 1}}
  %0 = qnk.softmax %x axis = 0 : tensor<f32> -> tensor<f32>
  return
}

// -----

func.func @input_type(%x: tensor<4x8xi8>) {
  // expected-error @+1 {{'qnk.softmax' op input element type must be f32, bf16 or f16, got 'i8'}}
  %0 = qnk.softmax %x axis = 1 : tensor<4x8xi8> -> tensor<4x8xf32>
  return
}

// -----

func.func @result_type(%x: tensor<4x8xbf16>) {
  // expected-error @+1 {{'qnk.softmax' op result element type must be f32 or the input's ('bf16'), got 'f16'}}
  %0 = qnk.softmax %x axis = 1 : tensor<4x8xbf16> -> tensor<4x8xf16>
  return
}

// -----

func.func @result_shape(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'qnk.softmax' op result shape must equal the input's: 'tensor<4x8xf32>' vs 'tensor<8x4xf32>'}}
  %0 = qnk.softmax %x axis = 1 : tensor<4x8xf32> -> tensor<8x4xf32>
  return
}

// -----

func.func @dynamic(%x: tensor<?x8xf32>) {
  // expected-error @+1 {{'qnk.softmax' op expects a statically shaped input, got 'tensor<?x8xf32>'}}
  %0 = qnk.softmax %x axis = 1 : tensor<?x8xf32> -> tensor<?x8xf32>
  return
}

// -----

func.func @mask_rank(%x: tensor<4x8xf32>, %m: tensor<8xf32>) {
  // expected-error @+1 {{'qnk.softmax' op mask must have the input's rank (2), got 'tensor<8xf32>'}}
  %0 = qnk.softmax %x mask(%m : tensor<8xf32>) axis = 1 : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @mask_shape(%x: tensor<4x8xf32>, %m: tensor<4x2xf32>) {
  // expected-error @+1 {{'qnk.softmax' op mask 'tensor<4x2xf32>' is not broadcastable to the input 'tensor<4x8xf32>': dimension 1 is 2 (expected 1 or 8)}}
  %0 = qnk.softmax %x mask(%m : tensor<4x2xf32>) axis = 1 : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @mask_type(%x: tensor<4x8xf32>, %m: tensor<4x8xi1>) {
  // expected-error @+1 {{'qnk.softmax' op mask element type must be f32, bf16 or f16, got 'i1'}}
  %0 = qnk.softmax %x mask(%m : tensor<4x8xi1>) axis = 1 : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}

// -----

func.func @scale(%x: tensor<4x8xf32>) {
  // expected-error @+1 {{'qnk.softmax' op scale must be finite}}
  %0 = qnk.softmax %x axis = 1 scale = 0x7F800000 : tensor<4x8xf32> -> tensor<4x8xf32>
  return
}
