// RUN: qnk-opt %s --split-input-file --qnk-compose-nanokernels -verify-diagnostics

func.func @tensor(%a: tensor<8x4xf32>, %b: tensor<1x4x16xf32>, %c: tensor<8x16xf32>) -> tensor<8x16xf32> {
  // expected-error @+1 {{must be bufferized before composing nanokernels}}
  %r = qnk.packed_matmul ins(%a, %b : tensor<8x4xf32>, tensor<1x4x16xf32>) outs(%c : tensor<8x16xf32>) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1> -> tensor<8x16xf32>
  return %r : tensor<8x16xf32>
}

// -----

func.func @batched(%a: memref<2x8x4xf32>, %b: memref<2x1x4x16xf32>, %c: memref<2x8x16xf32>) {
  // expected-error @+1 {{must be tiled (qnk-tile) before composing nanokernels}}
  qnk.packed_matmul ins(%a, %b : memref<2x8x4xf32>, memref<2x1x4x16xf32>) outs(%c : memref<2x8x16xf32>) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1>
  return
}

// -----

// Group scales are applied once per op: its K must be one group (qnk-tile
// makes every K block one).
func.func @two_groups(%a: memref<4x64xf32>, %b: memref<64x16xf32>, %c: memref<4x16xf32>, %sb: memref<2x16xf32>) {
  // expected-error @+1 {{with group scales must span exactly one group of K (run qnk-tile)}}
  qnk.packed_matmul ins(%a, %b : memref<4x64xf32>, memref<64x16xf32>) outs(%c : memref<4x16xf32>) kernel = <fma_f32, mr = 4, nv = 2, vector_length = 8, kr = 1> b_group_scale(%sb : memref<2x16xf32>) group_size = 32
  return
}
