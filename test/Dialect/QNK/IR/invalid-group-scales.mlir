// RUN: qnk-opt %s -split-input-file -verify-diagnostics

func.func @no_group_size(%x: tensor<2x64xi8>, %w: tensor<64x8xi8>, %s: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{group scales need group_size = G}}
  %y = qnk.matmul %x, %w b_group_scale(%s : tensor<2x8xf32>) : tensor<2x64xi8>, tensor<64x8xi8> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @group_size_alone(%x: tensor<2x64xf32>, %w: tensor<64x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{group_size needs a_group_scale(...) or b_group_scale(...)}}
  %y = qnk.matmul %x, %w group_size = 32 : tensor<2x64xf32>, tensor<64x8xf32> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @not_dividing(%x: tensor<2x100xi8>, %w: tensor<100x8xi8>, %s: tensor<3x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{group_size 32 does not divide K = 100}}
  %y = qnk.matmul %x, %w b_group_scale(%s : tensor<3x8xf32>) group_size = 32 : tensor<2x100xi8>, tensor<100x8xi8> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @zero_group(%x: tensor<2x64xi8>, %w: tensor<64x8xi8>, %s: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{group_size must be positive, got 0}}
  %y = qnk.matmul %x, %w b_group_scale(%s : tensor<2x8xf32>) group_size = 0 : tensor<2x64xi8>, tensor<64x8xi8> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @wrong_shape(%x: tensor<2x64xi8>, %w: tensor<8x64xi8>, %s: tensor<2x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{the B group scale must be [8x2] (B's shape with K = 64 split into groups of 32), got 'tensor<2x8xf32>'}}
  %y = qnk.matmul %x, %w transpose_b b_group_scale(%s : tensor<2x8xf32>) group_size = 32 : tensor<2x64xi8>, tensor<8x64xi8> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @wrong_a_shape(%x: tensor<2x64xi8>, %w: tensor<64x8xi8>, %s: tensor<2x4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{the A group scale must be [2x2] (A's shape with K = 64 split into groups of 32), got 'tensor<2x4xf32>'}}
  %y = qnk.matmul %x, %w a_group_scale(%s : tensor<2x4xf32>) group_size = 32 : tensor<2x64xi8>, tensor<64x8xi8> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @scale_type(%x: tensor<2x64xi8>, %w: tensor<64x8xi8>, %s: tensor<2x8xi8>) -> tensor<2x8xf32> {
  // expected-error @+1 {{the B group scale must hold f32, bf16, f16, f8E4M3FN or f8E8M0FNU, got 'i8'}}
  %y = qnk.matmul %x, %w b_group_scale(%s : tensor<2x8xi8>) group_size = 32 : tensor<2x64xi8>, tensor<64x8xi8> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}

// -----

func.func @int_result(%x: tensor<2x64xi8>, %w: tensor<64x8xi8>, %s: tensor<2x8xf32>) -> tensor<2x8xi32> {
  // expected-error @+1 {{with group scales the result holds f32, got 'i32'}}
  %y = qnk.matmul %x, %w b_group_scale(%s : tensor<2x8xf32>) group_size = 32 : tensor<2x64xi8>, tensor<64x8xi8> -> tensor<2x8xi32>
  return %y : tensor<2x8xi32>
}

// -----

func.func @float_x_ui8(%x: tensor<2x64xbf16>, %w: tensor<64x8xui8>) -> tensor<2x8xf32> {
  // expected-error @+1 {{unsupported element type pair bf16 x ui8}}
  %y = qnk.matmul %x, %w : tensor<2x64xbf16>, tensor<64x8xui8> -> tensor<2x8xf32>
  return %y : tensor<2x8xf32>
}
