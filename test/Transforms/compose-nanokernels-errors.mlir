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
