// RUN: qnk-opt %s -split-input-file -verify-diagnostics
// Every verifier error of qnk.quantize, qnk.dequantize and qnk.requantize.

func.func @in_type(%x: tensor<4x8xi8>, %s: tensor<f32>) {
  // expected-error @+1 {{quantizes f32, bf16 or f16, got 'i8'}}
  %0 = qnk.quantize %x, %s : tensor<4x8xi8>, tensor<f32> -> tensor<4x8xi8>
  return
}

// -----

func.func @out_type(%x: tensor<4x8xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{quantizes to i8, ui8, i4, ui4, f8E4M3FN, f8E5M2 or f4E2M1FN, got 'i16'}}
  %0 = qnk.quantize %x, %s : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xi16>
  return
}

// -----

func.func @shape(%x: tensor<4x8xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{result shape must equal the input shape}}
  %0 = qnk.quantize %x, %s : tensor<4x8xf32>, tensor<f32> -> tensor<8x4xi8>
  return
}

// -----

func.func @scale_type(%x: tensor<4x8xf32>, %s: tensor<i8>) {
  // expected-error @+1 {{scale must hold f32, f16, bf16, f8E8M0FNU or f8E4M3FN, got 'i8'}}
  %0 = qnk.quantize %x, %s : tensor<4x8xf32>, tensor<i8> -> tensor<4x8xi8>
  return
}

// -----

func.func @per_tensor_rank(%x: tensor<4x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{expects a rank-0 scale without an axis (one per tensor), got rank 1}}
  %0 = qnk.quantize %x, %s : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xi8>
  return
}

// -----

func.func @axis_range(%x: tensor<4x8xf32>, %s: tensor<8xf32>) {
  // expected-error @+1 {{axis 2 is out of range for a rank-2 input}}
  %0 = qnk.quantize %x, %s axis = 2 : tensor<4x8xf32>, tensor<8xf32> -> tensor<4x8xi8>
  return
}

// -----

func.func @per_axis_size(%x: tensor<4x8xf32>, %s: tensor<4xf32>) {
  // expected-error @+1 {{expects a scale of shape [8] (one per channel along axis 1)}}
  %0 = qnk.quantize %x, %s axis = 1 : tensor<4x8xf32>, tensor<4xf32> -> tensor<4x8xi8>
  return
}

// -----

func.func @group_without_axis(%x: tensor<4x64xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{group_size needs an axis}}
  %0 = qnk.quantize %x, %s {group_size = 32 : i64} : tensor<4x64xf32>, tensor<f32> -> tensor<4x64xi8>
  return
}

// -----

func.func @group_divides(%x: tensor<4x100xf32>, %s: tensor<4x3xf32>) {
  // expected-error @+1 {{group size 32 does not divide dimension 1 (size 100)}}
  %0 = qnk.quantize %x, %s axis = 1 group_size = 32 : tensor<4x100xf32>, tensor<4x3xf32> -> tensor<4x100xi4>
  return
}

// -----

func.func @group_positive(%x: tensor<4x64xf32>, %s: tensor<4x2xf32>) {
  // expected-error @+1 {{group_size must be positive, got 0}}
  %0 = qnk.quantize %x, %s axis = 1 group_size = 0 : tensor<4x64xf32>, tensor<4x2xf32> -> tensor<4x64xi4>
  return
}

// -----

func.func @group_rank(%x: tensor<4x64xf32>, %s: tensor<2xf32>) {
  // expected-error @+1 {{expects a rank-2 scale for groups along axis 1}}
  %0 = qnk.quantize %x, %s axis = 1 group_size = 32 : tensor<4x64xf32>, tensor<2xf32> -> tensor<4x64xi4>
  return
}

// -----

func.func @group_shape(%x: tensor<4x64xf32>, %s: tensor<4x4xf32>) {
  // expected-error @+1 {{scale dimension 1 must be 2 (groups of 32 along axis 1), got 4}}
  %0 = qnk.quantize %x, %s axis = 1 group_size = 32 : tensor<4x64xf32>, tensor<4x4xf32> -> tensor<4x64xi4>
  return
}

// -----

func.func @fp8_zero_point(%x: tensor<4x8xf32>, %s: tensor<f32>, %z: tensor<i32>) {
  // expected-error @+1 {{has a zero point, but 'f8E4M3FN' is a floating-point storage type}}
  %0 = qnk.quantize %x, %s, %z : tensor<4x8xf32>, tensor<f32>, tensor<i32> -> tensor<4x8xf8E4M3FN>
  return
}

// -----

func.func @zero_point_type(%x: tensor<4x8xf32>, %s: tensor<f32>, %z: tensor<i8>) {
  // expected-error @+1 {{zero point must hold i32, got 'i8'}}
  %0 = qnk.quantize %x, %s, %z : tensor<4x8xf32>, tensor<f32>, tensor<i8> -> tensor<4x8xi8>
  return
}

// -----

func.func @zero_point_shape(%x: tensor<4x8xf32>, %s: tensor<8xf32>, %z: tensor<i32>) {
  // expected-error @+1 {{zero point must have the shape of the scale}}
  %0 = qnk.quantize %x, %s, %z axis = 1 : tensor<4x8xf32>, tensor<8xf32>, tensor<i32> -> tensor<4x8xi8>
  return
}

// -----

func.func @dq_in(%q: tensor<4x8xf32>, %s: tensor<f32>) {
  // expected-error @+1 {{dequantizes i8, ui8, i4, ui4, f8E4M3FN, f8E5M2 or f4E2M1FN, got 'f32'}}
  %0 = qnk.dequantize %q, %s : tensor<4x8xf32>, tensor<f32> -> tensor<4x8xf32>
  return
}

// -----

func.func @dq_out(%q: tensor<4x8xi8>, %s: tensor<f32>) {
  // expected-error @+1 {{dequantizes to f32, got 'bf16'}}
  %0 = qnk.dequantize %q, %s : tensor<4x8xi8>, tensor<f32> -> tensor<4x8xbf16>
  return
}

// -----

func.func @rq_in(%a: tensor<4x8xi8>, %m: tensor<i32>, %s: tensor<i32>, %z: tensor<i32>) {
  // expected-error @+1 {{requantizes i32 accumulators, got 'i8'}}
  %0 = qnk.requantize %a, %m, %s, %z : tensor<4x8xi8>, tensor<i32>, tensor<i32>, tensor<i32> -> tensor<4x8xi8>
  return
}

// -----

func.func @rq_out(%a: tensor<4x8xi32>, %m: tensor<i32>, %s: tensor<i32>, %z: tensor<i32>) {
  // expected-error @+1 {{requantizes to i8, ui8, i4 or ui4, got 'f8E4M3FN'}}
  %0 = qnk.requantize %a, %m, %s, %z : tensor<4x8xi32>, tensor<i32>, tensor<i32>, tensor<i32> -> tensor<4x8xf8E4M3FN>
  return
}

// -----

func.func @rq_shape(%a: tensor<4x8xi32>, %m: tensor<i32>, %s: tensor<i32>, %z: tensor<i32>) {
  // expected-error @+1 {{result shape must equal the input shape}}
  %0 = qnk.requantize %a, %m, %s, %z : tensor<4x8xi32>, tensor<i32>, tensor<i32>, tensor<i32> -> tensor<4x4xi8>
  return
}

// -----

func.func @rq_multiplier(%a: tensor<4x8xi32>, %m: tensor<f32>, %s: tensor<i32>, %z: tensor<i32>) {
  // expected-error @+1 {{multiplier must hold i32, got 'f32'}}
  %0 = qnk.requantize %a, %m, %s, %z : tensor<4x8xi32>, tensor<f32>, tensor<i32>, tensor<i32> -> tensor<4x8xi8>
  return
}

// -----

func.func @rq_shift_axis(%a: tensor<4x8xi32>, %m: tensor<8xi32>, %s: tensor<4xi32>, %z: tensor<i32>) {
  // expected-error @+1 {{expects a shift of shape [8] (one per channel along axis 1)}}
  %0 = qnk.requantize %a, %m, %s, %z axis = 1 : tensor<4x8xi32>, tensor<8xi32>, tensor<4xi32>, tensor<i32> -> tensor<4x8xi8>
  return
}

// -----

func.func @rq_zero_point(%a: tensor<4x8xi32>, %m: tensor<i32>, %s: tensor<i32>, %z: tensor<1xi32>) {
  // expected-error @+1 {{zero point must be a rank-0 i32 tensor, got 'tensor<1xi32>'}}
  %0 = qnk.requantize %a, %m, %s, %z : tensor<4x8xi32>, tensor<i32>, tensor<i32>, tensor<1xi32> -> tensor<4x8xi8>
  return
}
