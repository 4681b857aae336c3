// RUN: qnk-opt %s --split-input-file --qnk-pack -verify-diagnostics
// Diagnostics of qnk-pack: no target, dynamic shapes, a target without the
// instructions a nanokernel needs.

func.func @no_target(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
  // expected-error @+1 {{'qnk.matmul' op needs a #qnk.cpu_target: run qnk-set-target first}}
  %c = qnk.matmul %a, %b : tensor<4x8xf32>, tensor<8x4xf32> -> tensor<4x4xf32>
  return %c : tensor<4x4xf32>
}

// -----

module attributes {qnk.target = #qnk.cpu_target<cpu = "znver3", features = "+avx,+avx2,+fma", vector_bits = 256, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 524288>} {
  func.func @dynamic(%a: tensor<?x8xf32>, %b: tensor<8x4xf32>) -> tensor<?x4xf32> {
    // expected-error @+1 {{'qnk.matmul' op dynamic shapes are not supported by the CPU pipeline yet}}
    %c = qnk.matmul %a, %b : tensor<?x8xf32>, tensor<8x4xf32> -> tensor<?x4xf32>
    return %c : tensor<?x4xf32>
  }
}

// -----

module attributes {qnk.target = #qnk.cpu_target<cpu = "x86-64", features = "+sse,+sse2", vector_bits = 128, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 262144>} {
  func.func @no_fma(%a: tensor<4x8xf32>, %b: tensor<8x4xf32>) -> tensor<4x4xf32> {
    // expected-error @+1 {{'qnk.matmul' op target 'x86-64' has no FMA: the f32 nanokernel needs +fma (AVX2-class or newer)}}
    %c = qnk.matmul %a, %b : tensor<4x8xf32>, tensor<8x4xf32> -> tensor<4x4xf32>
    return %c : tensor<4x4xf32>
  }
}

// -----

module attributes {qnk.target = #qnk.cpu_target<cpu = "x86-64", features = "+sse,+sse2", vector_bits = 128, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 262144>} {
  func.func @no_avx2(%a: tensor<4x8xi8>, %b: tensor<8x4xi8>) -> tensor<4x4xi32> {
    // expected-error @+1 {{'qnk.matmul' op target 'x86-64' has no AVX2: the i8 x i8 nanokernel needs +avx2}}
    %c = qnk.matmul %a, %b : tensor<4x8xi8>, tensor<8x4xi8> -> tensor<4x4xi32>
    return %c : tensor<4x4xi32>
  }
}

// -----

// Group scales are applied between K steps of the nanokernel: a group must
// hold whole steps (vpmaddwd multiplies i16 pairs).
module attributes {qnk.target = #qnk.cpu_target<cpu = "znver3", features = "+avx,+avx2,+fma", vector_bits = 256, vector_registers = 16, l1d_bytes = 32768, l2_bytes = 524288>} {
  func.func @odd_group(%a: tensor<4x9xi8>, %b: tensor<9x8xi8>, %s: tensor<3x8xf32>) -> tensor<4x8xf32> {
    // expected-error @+1 {{'qnk.matmul' op group_size 3 is not a multiple of 2, the K step of the pmaddwd_i16 nanokernel of target 'znver3'}}
    %c = qnk.matmul %a, %b b_group_scale(%s : tensor<3x8xf32>) group_size = 3 : tensor<4x9xi8>, tensor<9x8xi8> -> tensor<4x8xf32>
    return %c : tensor<4x8xf32>
  }
}
