// RUN: qnk-opt %s -split-input-file -verify-diagnostics
// Every verifier error of qnk.mx_quantize.

func.func @in_type(%x: tensor<4x32xi8>) {
  // expected-error @+1 {{quantizes f32, bf16 or f16, got 'i8'}}
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<4x32xi8> -> tensor<4x32xf8E4M3FN>, tensor<4x1xf8E8M0FNU>
  return
}

// -----

func.func @rank0(%x: tensor<f32>) {
  // expected-error @+1 {{needs an input of rank 1 or more (blocks run along the last axis)}}
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<f32> -> tensor<f8E4M3FN>, tensor<f8E8M0FNU>
  return
}

// -----

func.func @block_nonpositive(%x: tensor<4x32xf32>) {
  // expected-error @+1 {{block_size must be positive, got 0}}
  %q, %s = qnk.mx_quantize %x block_size = 0 : tensor<4x32xf32> -> tensor<4x32xf8E4M3FN>, tensor<4x1xf8E8M0FNU>
  return
}

// -----

func.func @block_not_dividing(%x: tensor<4x48xf32>) {
  // expected-error @+1 {{block size 32 does not divide the last dimension (size 48)}}
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<4x48xf32> -> tensor<4x48xf8E4M3FN>, tensor<4x1xf8E8M0FNU>
  return
}

// -----

func.func @dynamic(%x: tensor<4x?xf32>) {
  // expected-error @+1 {{block size 32 does not divide the last dimension (size ?)}}
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<4x?xf32> -> tensor<4x?xf8E4M3FN>, tensor<4x?xf8E8M0FNU>
  return
}

// -----

func.func @result_shape(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{result shape must equal the input shape}}
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<4x64xf32> -> tensor<4x32xf8E4M3FN>, tensor<4x2xf8E8M0FNU>
  return
}

// -----

func.func @scale_shape(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{scale shape must be the input's with the last dimension divided by 32, got 'tensor<4x1xf8E8M0FNU>'}}
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<4x64xf32> -> tensor<4x64xf8E4M3FN>, tensor<4x1xf8E8M0FNU>
  return
}

// -----

func.func @mx_element(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{MX (f8E8M0FNU scales) quantizes to f8E4M3FN, f8E5M2 or f4E2M1FN, got 'i8'}}
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<4x64xf32> -> tensor<4x64xi8>, tensor<4x2xf8E8M0FNU>
  return
}

// -----

func.func @mx_tensor_scale(%x: tensor<4x64xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{MX (f8E8M0FNU scales) takes no tensor scale}}
  %q, %s = qnk.mx_quantize %x, %g block_size = 32 : tensor<4x64xf32>, tensor<f32> -> tensor<4x64xf4E2M1FN>, tensor<4x2xf8E8M0FNU>
  return
}

// -----

func.func @nvfp4_element(%x: tensor<4x64xf32>, %g: tensor<f32>) {
  // expected-error @+1 {{NVFP4 (f8E4M3FN scales) quantizes to f4E2M1FN, got 'f8E4M3FN'}}
  %q, %s = qnk.mx_quantize %x, %g block_size = 16 : tensor<4x64xf32>, tensor<f32> -> tensor<4x64xf8E4M3FN>, tensor<4x4xf8E4M3FN>
  return
}

// -----

func.func @nvfp4_no_tensor_scale(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{NVFP4 (f8E4M3FN scales) needs a rank-0 f32 tensor scale}}
  %q, %s = qnk.mx_quantize %x block_size = 16 : tensor<4x64xf32> -> tensor<4x64xf4E2M1FN>, tensor<4x4xf8E4M3FN>
  return
}

// -----

func.func @nvfp4_tensor_scale_type(%x: tensor<4x64xf32>, %g: tensor<1xf32>) {
  // expected-error @+1 {{NVFP4 (f8E4M3FN scales) needs a rank-0 f32 tensor scale}}
  %q, %s = qnk.mx_quantize %x, %g block_size = 16 : tensor<4x64xf32>, tensor<1xf32> -> tensor<4x64xf4E2M1FN>, tensor<4x4xf8E4M3FN>
  return
}

// -----

func.func @scale_type(%x: tensor<4x64xf32>) {
  // expected-error @+1 {{scales must be f8E8M0FNU (MX) or f8E4M3FN (NVFP4), got 'f32'}}
  %q, %s = qnk.mx_quantize %x block_size = 32 : tensor<4x64xf32> -> tensor<4x64xf4E2M1FN>, tensor<4x2xf32>
  return
}

// -----

// qnk.quantize / dequantize with fp4 storage and block scales keep the
// group rules: the group must divide the axis.
func.func @fp4_group_not_dividing(%x: tensor<4x48xf32>, %s: tensor<4x1xf8E8M0FNU>) {
  // expected-error @+1 {{group size 32 does not divide dimension 1 (size 48)}}
  %q = qnk.quantize %x, %s axis = 1 group_size = 32 : tensor<4x48xf32>, tensor<4x1xf8E8M0FNU> -> tensor<4x48xf4E2M1FN>
  return
}

// -----

func.func @fp4_zero_point(%q: tensor<4x64xf4E2M1FN>, %s: tensor<f32>, %z: tensor<i32>) {
  // expected-error @+1 {{has a zero point, but 'f4E2M1FN' is a floating-point storage type}}
  %x = qnk.dequantize %q, %s, %z : tensor<4x64xf4E2M1FN>, tensor<f32>, tensor<i32> -> tensor<4x64xf32>
  return
}
