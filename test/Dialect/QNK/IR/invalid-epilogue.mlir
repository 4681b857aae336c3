// RUN: qnk-opt %s -split-input-file -verify-diagnostics
// Every verifier error of qnk.matmul's epilogue clauses.

func.func @scale_shape(%x: tensor<4x8xi8>, %w: tensor<8x6xi8>, %sx: tensor<5xf32>, %sw: tensor<6xf32>) {
  // expected-error @+1 {{the A scale must be rank 0 or [4] (one per row of A), got 'tensor<5xf32>'}}
  %0 = qnk.matmul %x, %w dequantize(%sx, %sw : tensor<5xf32>, tensor<6xf32>) : tensor<4x8xi8>, tensor<8x6xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @scale_type(%x: tensor<4x8xi8>, %w: tensor<8x6xi8>, %sx: tensor<f16>, %sw: tensor<6xf32>) {
  // expected-error @+1 {{the A scale must hold f32, got 'f16'}}
  %0 = qnk.matmul %x, %w dequantize(%sx, %sw : tensor<f16>, tensor<6xf32>) : tensor<4x8xi8>, tensor<8x6xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @b_scale(%x: tensor<4x8xi8>, %w: tensor<8x6xi8>, %sx: tensor<f32>, %sw: tensor<4xf32>) {
  // expected-error @+1 {{the B scale must be rank 0 or [6] (one per column of B)}}
  %0 = qnk.matmul %x, %w dequantize(%sx, %sw : tensor<f32>, tensor<4xf32>) : tensor<4x8xi8>, tensor<8x6xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @bias(%x: tensor<4x8xf32>, %w: tensor<8x6xf32>, %b: tensor<f32>) {
  // expected-error @+1 {{the bias must be [6] (one per column), got 'tensor<f32>'}}
  %0 = qnk.matmul %x, %w bias(%b : tensor<f32>) : tensor<4x8xf32>, tensor<8x6xf32> -> tensor<4x6xf32>
  return
}

// -----

func.func @int_needs_scales(%x: tensor<4x8xi8>, %w: tensor<8x6xi8>) {
  // expected-error @+1 {{an epilogue on integer accumulators needs dequantize(...) first}}
  %0 = qnk.matmul %x, %w activation(relu) : tensor<4x8xi8>, tensor<8x6xi8> -> tensor<4x6xf32>
  return
}

// -----

func.func @result_f32(%x: tensor<4x8xbf16>, %w: tensor<8x6xbf16>) {
  // expected-error @+1 {{with an epilogue the result holds f32 (or a quantize(...) type), got 'i8'}}
  %0 = qnk.matmul %x, %w activation(gelu) : tensor<4x8xbf16>, tensor<8x6xbf16> -> tensor<4x6xi8>
  return
}

// -----

func.func @quantize_type(%x: tensor<4x8xbf16>, %w: tensor<8x6xbf16>, %so: tensor<f32>) {
  // expected-error @+1 {{quantize(...) needs an i8, ui8, i4, ui4, f8E4M3FN or f8E5M2 result, got 'f32'}}
  %0 = qnk.matmul %x, %w quantize(%so : tensor<f32>) : tensor<4x8xbf16>, tensor<8x6xbf16> -> tensor<4x6xf32>
  return
}

// -----

func.func @out_scale(%x: tensor<4x8xbf16>, %w: tensor<8x6xbf16>, %so: tensor<6xf32>) {
  // expected-error @+1 {{the output scale must be a rank-0 f32 tensor, got 'tensor<6xf32>'}}
  %0 = qnk.matmul %x, %w quantize(%so : tensor<6xf32>) : tensor<4x8xbf16>, tensor<8x6xbf16> -> tensor<4x6xi8>
  return
}

// -----

func.func @zero_point_alone(%x: tensor<4x8xbf16>, %w: tensor<8x6xbf16>, %zo: tensor<i32>) {
  // expected-error @+1 {{zero_point needs quantize(...)}}
  %0 = qnk.matmul %x, %w zero_point(%zo : tensor<i32>) : tensor<4x8xbf16>, tensor<8x6xbf16> -> tensor<4x6xf32>
  return
}

// -----

func.func @fp8_zero_point(%x: tensor<4x8xbf16>, %w: tensor<8x6xbf16>, %so: tensor<f32>, %zo: tensor<i32>) {
  // expected-error @+1 {{has a zero point, but 'f8E4M3FN' is a floating-point storage type}}
  %0 = qnk.matmul %x, %w quantize(%so : tensor<f32>) zero_point(%zo : tensor<i32>) : tensor<4x8xbf16>, tensor<8x6xbf16> -> tensor<4x6xf8E4M3FN>
  return
}

// -----

func.func @zero_point_type(%x: tensor<4x8xbf16>, %w: tensor<8x6xbf16>, %so: tensor<f32>, %zo: tensor<i8>) {
  // expected-error @+1 {{the output zero point must be a rank-0 i32 tensor, got 'tensor<i8>'}}
  %0 = qnk.matmul %x, %w quantize(%so : tensor<f32>) zero_point(%zo : tensor<i8>) : tensor<4x8xbf16>, tensor<8x6xbf16> -> tensor<4x6xi8>
  return
}

// -----

func.func @accumulator_without_epilogue(%x: tensor<4x8xi8>, %w: tensor<8x6xi8>) {
  // expected-error @+1 {{result element type must be i32 for i8 operands, got f32}}
  %0 = qnk.matmul %x, %w : tensor<4x8xi8>, tensor<8x6xi8> -> tensor<4x6xf32>
  return
}
